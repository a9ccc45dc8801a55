// The endpoint picker's Prometheus metrics under the upstream EPP's names (inference-extension
// reference §7), served on the metrics port (upstream 9090) at /metrics:
//   inference_objective_request_total{model_name,target_model_name}
//   inference_objective_request_error_total{model_name,target_model_name,error_code}
//   inference_objective_running_requests{model_name}
//   inference_objective_input_tokens / _output_tokens{model_name,target_model_name}   (from `usage`)
//   inference_extension_scheduler_e2e_duration_seconds, inference_extension_scheduler_attempts_total{status}
//   inference_pool_ready_pods / _average_kv_cache_utilization / _average_queue_size{name}
//   inference_pool_per_pod_queue_size{name,model_server_pod}, inference_extension_prefix_indexer_size{name},
//   inference_extension_flow_control_queue_size{inference_pool} (pools with flow control)
// Pool gauges are computed when scraped from the pool being served. Model labels are capped at 1000
// distinct values (then `other`), as llm-d caps them.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { poolStats } from '../endpoints/pool-stats.ts';
import type { PoolRuntime } from '../runtime/snapshot.ts';
import type { SessionObserver } from './session.ts';

const TOKEN_BUCKETS = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32778, 65536, 131072, 262144, 524288, 1048576];
const SCHEDULER_BUCKETS = [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1];
const MAX_MODEL_LABELS = 1000;

/** Upstream's error codes (GIE handlers): the label values its dashboards and alerts use. */
export function errorCode(status: number): string {
  switch (status) {
    case 400:
    case 413:
      return 'BadRequest';
    case 404:
      return 'BadConfiguration';
    case 429:
      return 'ResourceExhausted';
    case 503:
      return 'ServiceUnavailable';
    default:
      return status >= 500 ? 'Internal' : String(status);
  }
}

export class EppMetrics implements SessionObserver {
  readonly registry = new Registry();
  readonly #requests: Counter<'model_name' | 'target_model_name'>;
  readonly #errors: Counter<'model_name' | 'target_model_name' | 'error_code'>;
  readonly #running: Gauge<'model_name'>;
  readonly #inputTokens: Histogram<'model_name' | 'target_model_name'>;
  readonly #outputTokens: Histogram<'model_name' | 'target_model_name'>;
  readonly #schedulerDuration: Histogram;
  readonly #attempts: Counter<'status'>;
  readonly #models = new Set<string>();

  constructor(pool: () => PoolRuntime | undefined, queued: () => number = () => 0) {
    const registers = [this.registry];
    this.#requests = new Counter({ name: 'inference_objective_request_total', help: 'Requests the endpoint picker routed, by model', labelNames: ['model_name', 'target_model_name'], registers });
    this.#errors = new Counter({ name: 'inference_objective_request_error_total', help: 'Requests the endpoint picker refused, by model and error code', labelNames: ['model_name', 'target_model_name', 'error_code'], registers });
    this.#running = new Gauge({ name: 'inference_objective_running_requests', help: 'Requests routed by the endpoint picker whose response has not ended', labelNames: ['model_name'], registers });
    this.#inputTokens = new Histogram({ name: 'inference_objective_input_tokens', help: 'Prompt tokens per request (from the response usage)', labelNames: ['model_name', 'target_model_name'], buckets: TOKEN_BUCKETS, registers });
    this.#outputTokens = new Histogram({ name: 'inference_objective_output_tokens', help: 'Completion tokens per request (from the response usage)', labelNames: ['model_name', 'target_model_name'], buckets: TOKEN_BUCKETS, registers });
    this.#schedulerDuration = new Histogram({ name: 'inference_extension_scheduler_e2e_duration_seconds', help: 'Admission and scheduling time per routed request', buckets: SCHEDULER_BUCKETS, registers });
    this.#attempts = new Counter({ name: 'inference_extension_scheduler_attempts_total', help: 'Scheduling attempts by status (success, failure)', labelNames: ['status'], registers });
    const gauge = (name: string, help: string, value: (p: PoolRuntime) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['name'],
        registers,
        collect() {
          this.reset();
          const p = pool();
          if (p) this.set({ name: p.name }, value(p));
        },
      });
    gauge('inference_pool_ready_pods', 'Ready endpoints of the pool', (p) => poolStats(p.endpoints).readyEndpoints);
    gauge('inference_pool_average_kv_cache_utilization', 'Average KV-cache utilisation of the pool endpoints with fresh metrics', (p) => poolStats(p.endpoints).averageKvCacheUtilization);
    gauge('inference_pool_average_queue_size', 'Average waiting-queue size of the pool endpoints with fresh metrics', (p) => poolStats(p.endpoints).averageQueueSize);
    gauge('inference_extension_prefix_indexer_size', 'Blocks held by the pool prefix-cache index, over all endpoints', (p) => p.picker.prefixIndexSize());
    new Gauge({
      name: 'inference_extension_flow_control_queue_size',
      help: "Requests waiting in the pool's flow-control queue",
      labelNames: ['inference_pool'],
      registers,
      collect() {
        this.reset();
        const p = pool();
        if (p?.flowControl) this.set({ inference_pool: p.name }, queued());
      },
    });
    new Gauge({
      name: 'inference_pool_per_pod_queue_size',
      help: 'Waiting-queue size per pool endpoint',
      labelNames: ['name', 'model_server_pod'],
      registers,
      collect() {
        this.reset();
        const p = pool();
        if (p) for (const e of p.endpoints) this.set({ name: p.name, model_server_pod: e.podName || e.key }, e.metrics.waiting);
      },
    });
  }

  #label(model: string): string {
    if (this.#models.has(model)) return model;
    if (this.#models.size >= MAX_MODEL_LABELS) return 'other';
    this.#models.add(model);
    return model;
  }

  scheduled(info: Parameters<SessionObserver['scheduled']>[0]): void {
    const model = this.#label(info.model);
    this.#requests.inc({ model_name: model, target_model_name: this.#label(info.targetModel) });
    this.#running.inc({ model_name: model });
    this.#attempts.inc({ status: info.failOpen ? 'failure' : 'success' });
    if (info.seconds > 0) this.#schedulerDuration.observe(info.seconds);
  }

  refused(info: Parameters<SessionObserver['refused']>[0]): void {
    this.#errors.inc({ model_name: this.#label(info.model), target_model_name: this.#label(info.targetModel), error_code: errorCode(info.error.status) });
    if (info.error.code === 'internal_error') this.#attempts.inc({ status: 'failure' });
  }

  finished(info: Parameters<SessionObserver['finished']>[0]): void {
    const model = this.#label(info.model);
    const target = this.#label(info.targetModel);
    this.#running.dec({ model_name: model });
    if (info.usage?.input !== undefined) this.#inputTokens.observe({ model_name: model, target_model_name: target }, info.usage.input);
    if (info.usage?.output !== undefined) this.#outputTokens.observe({ model_name: model, target_model_name: target }, info.usage.output);
  }
}

/** `GET /metrics` (and `/healthz`) on its own port. */
export async function serveMetrics(metrics: EppMetrics, host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      metrics.registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(body);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        },
      );
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
