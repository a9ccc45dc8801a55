// `sluice epp` end to end over gRPC: runEpp (what the CLI runs) serves a pool, and EnvoyDouble — a test
// double of Envoy's ext_proc filter built from the same vendored protos (testing.ts) — plays the exact
// message sequence Envoy sends in FULL_DUPLEX_STREAMED mode: request_headers, request_body in several
// chunks, then response_headers and response_body.
//
// Two sets of manifests: the test's own (always run), where the pools' simulator pods run in-process
// and the endpoints' metrics are set by the test (scraping off, and a 1 h staleness threshold in the
// picker config, so the expected endpoint is known and nothing depends on timing); and seed 001's
// mistral pool (skipped when the seed folder is absent), served as the seed's epp Deployment asks.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { eppCommand, runEpp } from '../../cli/epp.ts';
import type { EppRunOptions } from '../../cli/epp.ts';
import { builtinRegistry, PoolScheduler } from '../picker/index.ts';
import type { EndpointState, ModelServerMetrics } from '../runtime/endpoint.ts';
import type { PoolRuntime } from '../runtime/snapshot.ts';
import { seedManifests, seedSkip } from '../../test/support/paths.ts';
import { FakeKubeApiServer, waitFor } from '../../test/support/fake-kube-apiserver.ts';
import { loadProtos, ServingStatus } from './proto.ts';
import type { HealthCheckRequest, HealthCheckResponse } from './proto.ts';
import { selfSignedCertificate } from './self-signed.ts';
import type { EndpointPickerOptions, EndpointPickerService } from './service.ts';
import { EnvoyDouble } from './testing.ts';

const SIM = 'ghcr.io/llm-d/llm-d-inference-sim:v0.4.0';
const EPP = 'registry.k8s.io/gateway-api-inference-extension/epp:v1.0.1';

function picker(name: string, extraPlugins = '', pickerRef = '', extraConfig = ''): string {
  return `apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}-picker, namespace: team-a}
data:
  picker.yaml: |
    apiVersion: inference.networking.x-k8s.io/v1alpha1
    kind: EndpointPickerConfig
    plugins:
    - type: queue-scorer
    - type: kv-cache-utilization-scorer
    - type: prefix-cache-scorer
${extraPlugins}    schedulingProfiles:
    - name: default
      plugins:
      - {pluginRef: queue-scorer, weight: 2}
      - {pluginRef: kv-cache-utilization-scorer, weight: 2}
      - {pluginRef: prefix-cache-scorer, weight: 3}
${pickerRef}    saturationDetector: {metricsStalenessThreshold: 1h}
${extraConfig}`;
}

function pool(name: string, replicas: number, failureMode: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: team-a}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: sim
        image: ${SIM}
        args: [--model, ${name}-model, --port, "8000"]
        ports: [{containerPort: 8000}]
---
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: ${name}, namespace: team-a}
spec:
  targetPorts: [{number: 8000}]
  selector: {matchLabels: {app: ${name}}}
  endpointPickerRef: {name: ${name}-epp, port: {number: 9002}, failureMode: ${failureMode}}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}-epp, namespace: team-a}
spec:
  selector: {app: ${name}-epp}
  ports: [{port: 9002, targetPort: 9002, appProtocol: http2}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}-epp, namespace: team-a}
spec:
  selector: {matchLabels: {app: ${name}-epp}}
  template:
    metadata: {labels: {app: ${name}-epp}}
    spec:
      containers:
      - name: epp
        image: ${EPP}
        args: [--pool-name, ${name}, --pool-namespace, team-a, --config-file, /config/picker.yaml]
        volumeMounts: [{name: cfg, mountPath: /config}]
      volumes: [{name: cfg, configMap: {name: ${name}-picker}}]
`;
}

const MANIFESTS = [
  pool('chat', 3, 'FailClose'),
  picker('chat'),
  pool('queued', 2, 'FailClose'),
  picker('queued', '', '', '    featureGates: [flowControl]\n    flowControl: {defaultRequestTTL: 60s}\n'),
  pool('fallback', 3, 'FailOpen'),
  picker('fallback', '    - type: max-score-picker\n      parameters: {maxNumOfEndpoints: 2}\n', '      - {pluginRef: max-score-picker}\n'),
  `apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceObjective
metadata: {name: batch, namespace: team-a}
spec: {priority: -1, poolRef: {name: chat}}
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceObjective
metadata: {name: interactive, namespace: team-a}
spec: {priority: 10, poolRef: {name: chat}}
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceObjective
metadata: {name: queued-batch, namespace: team-a}
spec: {priority: -1, poolRef: {name: queued}}
`,
].join('---\n');

function options(files: string[], poolName: string, poolNamespace = 'team-a'): EppRunOptions {
  return { poolName, poolNamespace, filename: files, host: '127.0.0.1', grpcPort: 0, grpcHealthPort: 0, metricsPort: 0, secureServing: false, disableEndpointSubsetFilter: false, refreshMetricsIntervalMs: 50, watch: false };
}

/** Fake endpoint metrics (scraping is off): fresh now, which the 1 h staleness threshold keeps fresh. */
function setMetrics(eps: readonly EndpointState[], values: Partial<ModelServerMetrics>[]): void {
  eps.forEach((ep, i) => Object.assign(ep.metrics, { waiting: 0, running: 0, kvCacheUsage: 0, ...values[i], updatedAt: performance.now() }));
}

function healthClient(port: number) {
  const { HealthClient } = loadProtos();
  return new HealthClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    Check(req: HealthCheckRequest, cb: (err: grpc.ServiceError | null, res?: HealthCheckResponse) => void): void;
    Watch(req: HealthCheckRequest): grpc.ClientReadableStream<HealthCheckResponse>;
  };
}

function check(client: ReturnType<typeof healthClient>, service: string): Promise<number | string> {
  return new Promise((resolve) => client.Check({ service }, (err, res) => resolve(err ? `error ${err.code}` : (res?.status ?? ServingStatus.UNKNOWN))));
}

let question = 0;
/** A chat body with a prompt no earlier request shared (no prefix affinity unless a test wants it). */
function chat(model: string, content?: string): Record<string, unknown> {
  return { model, messages: [{ role: 'user', content: content ?? `question ${question++}: ${'why '.repeat(40)}` }] };
}

const quiet = () => undefined;

describe('sluice epp over its own manifests', () => {
  let dir: string;
  let files: string[];
  const running: EndpointPickerService[] = [];
  const clients: { close(): void }[] = [];
  let chatEpp: EndpointPickerService;
  let envoy: EnvoyDouble;
  let eps: readonly EndpointState[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-epp-'));
    writeFileSync(join(dir, 'pools.yaml'), MANIFESTS);
    files = [dir];
    chatEpp = await runEpp(options(files, 'chat'), quiet, { scrapeIntervalMs: false });
    running.push(chatEpp);
    envoy = new EnvoyDouble(`127.0.0.1:${chatEpp.grpcPort}`);
    clients.push(envoy);
    eps = chatEpp.pool!.endpoints;
  });

  after(async () => {
    for (const c of clients) c.close();
    for (const r of running) await r?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the pool its manifests describe: the three simulator pods, the picker config behind the endpointPickerRef, and SERVING health', async () => {
    assert.equal(eps.length, 3);
    assert.ok(eps.every((e) => e.address === '127.0.0.1' && e.ready));
    assert.match(chatEpp.pool!.pickerConfigSource, /ConfigMap team-a\/chat-picker/);
    const health = healthClient(chatEpp.healthPort);
    clients.push(health);
    for (const service of ['', 'liveness', 'readiness', 'inference-extension', 'envoy.service.ext_proc.v3.ExternalProcessor']) assert.equal(await check(health, service), ServingStatus.SERVING, service);
    assert.equal(await check(health, 'no-such-service'), `error ${grpc.status.NOT_FOUND}`);
  });

  it('picks follow the queue scores: the endpoint with the shortest waiting queue', async () => {
    setMetrics(eps, [{ waiting: 4 }, { waiting: 0 }, { waiting: 2 }]);
    const a = await envoy.request({ body: chat('chat-model') });
    assert.equal(a.destination, eps[1]!.key);
    setMetrics(eps, [{ waiting: 0 }, { waiting: 4 }, { waiting: 2 }]);
    const b = await envoy.request({ body: chat('chat-model') });
    assert.equal(b.destination, eps[0]!.key);
    assert.equal(b.metadataDestination, b.destination, 'envoy.lb metadata carries the same endpoint');
    assert.equal(b.clearRouteCache, true);
  });

  it('picks follow the KV-cache scores when the queues are equal', async () => {
    setMetrics(eps, [{ kvCacheUsage: 0.9 }, { kvCacheUsage: 0.6 }, { kvCacheUsage: 0.1 }]);
    const x = await envoy.request({ body: chat('chat-model') });
    assert.equal(x.destination, eps[2]!.key);
  });

  it('picks follow the prefix-cache scores: a repeated long prompt returns to the endpoint that served it, over a shorter queue elsewhere', async () => {
    const system = 'You are a careful assistant for the tax office. '.repeat(40);
    const body = (q: string) => ({ model: 'chat-model', messages: [{ role: 'system', content: system }, { role: 'user', content: q }] });
    setMetrics(eps, [{ waiting: 3 }, { waiting: 3 }, { waiting: 0 }]);
    const first = await envoy.request({ body: body('first question') });
    assert.equal(first.destination, eps[2]!.key);
    // Now endpoint 2 has the longest queue (queue score 0 against 1): the prefix (weight 3) outweighs it (weight 2).
    setMetrics(eps, [{ waiting: 0 }, { waiting: 0 }, { waiting: 2 }]);
    const second = await envoy.request({ body: body('second question') });
    assert.equal(second.destination, eps[2]!.key);
    // A prompt that shares nothing goes by the queue.
    const other = await envoy.request({ body: chat('chat-model') });
    assert.notEqual(other.destination, eps[2]!.key);
  });

  it('honours the subset hint: only endpoints in it may be chosen; an empty or foreign subset is 503', async () => {
    setMetrics(eps, [{ waiting: 0 }, { waiting: 5 }, { waiting: 2 }]);
    const two = await envoy.request({ body: chat('chat-model'), subset: [eps[1]!.key, eps[2]!.key] });
    assert.equal(two.destination, eps[2]!.key, 'the best of the subset, not of the pool');
    const one = await envoy.request({ body: chat('chat-model'), subset: eps[1]!.key });
    assert.equal(one.destination, eps[1]!.key, 'a comma-joined string form is accepted too');
    const empty = await envoy.request({ body: chat('chat-model'), subset: [] });
    assert.equal(empty.immediate?.status, 503);
    const foreign = await envoy.request({ body: chat('chat-model'), subset: ['10.99.0.1:8000'] });
    assert.equal(foreign.immediate?.status, 503);
    assert.match(foreign.immediate!.body, /subset hint/);
  });

  it('a sheddable request on a saturated pool gets 429 with the dropped reason; a higher-priority one is routed and its objective header stripped', async () => {
    setMetrics(eps, [{ waiting: 9 }, { waiting: 8 }, { waiting: 6 }]);
    const shed = await envoy.request({ body: chat('chat-model'), headers: { 'x-gateway-inference-objective': 'batch', 'x-request-id': 'shed-1' } });
    assert.equal(shed.immediate?.status, 429);
    assert.equal(shed.immediate?.headers['x-llm-d-request-dropped-reason'], 'rejected-saturated');
    assert.equal(shed.immediate?.headers['retry-after'], '1');
    assert.equal((JSON.parse(shed.immediate!.body) as { error: { code: string; request_id: string } }).error.request_id, 'shed-1');
    const kept = await envoy.request({ body: chat('chat-model'), headers: { 'x-gateway-inference-objective': 'interactive' } });
    assert.equal(kept.destination, eps[2]!.key);
    assert.ok(kept.removedHeaders.includes('x-gateway-inference-objective'));
    // Not saturated any more: the sheddable request is routed.
    setMetrics(eps, [{ waiting: 1 }, { waiting: 0 }, { waiting: 0 }]);
    const ok = await envoy.request({ body: chat('chat-model'), headers: { 'x-llm-d-inference-objective': 'batch' } });
    assert.ok(ok.destination);
  });

  it('hands a large body back in 62,000-byte chunks and passes streamed and JSON responses through', async () => {
    setMetrics(eps, [{}, {}, {}]);
    const big = JSON.stringify(chat('chat-model', 'x'.repeat(200 * 1024)));
    const x = await envoy.request({
      body: big,
      chunkBytes: 16 * 1024,
      response: { contentType: 'text/event-stream', chunks: ['data: {"choices":[{"delta":{"content":"a"}}]}\n\n', 'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}}\n\n', 'data: [DONE]\n\n'] },
    });
    assert.equal(x.forwardedBody.toString(), big);
    assert.equal(x.requestBodyChunks, Math.ceil(Buffer.byteLength(big) / 62_000));
    assert.equal(x.responseBodyChunks, 3, 'one answer per streamed chunk');
    assert.match(x.responseBody.toString(), /\[DONE\]/);
    const json = await envoy.request({ body: chat('chat-model'), response: { chunks: ['{"id":"c1","choices":[],', '"usage":{"prompt_tokens":5,"completion_tokens":6}}'] } });
    assert.equal(json.responseBody.toString(), '{"id":"c1","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":6}}');
    assert.ok(eps.every((e) => e.inflight === 0), 'nothing left in flight');
    const metrics = await (await fetch(`http://127.0.0.1:${chatEpp.metricsPort}/metrics`)).text();
    assert.match(metrics, /inference_objective_request_total\{model_name="chat-model",target_model_name="chat-model"\} \d+/);
    assert.match(metrics, /inference_objective_request_error_total\{model_name="chat-model",target_model_name="chat-model",error_code="ResourceExhausted"\} 1/);
    assert.match(metrics, /inference_objective_output_tokens_sum\{model_name="chat-model",target_model_name="chat-model"\} 7/);
    assert.match(metrics, /inference_pool_ready_pods\{name="chat"\} 3/);
  });

  it('with maxNumOfEndpoints 2 the destination is the ordered fallback list, the same in header and metadata', async () => {
    const fb = await runEpp(options(files, 'fallback'), quiet, { scrapeIntervalMs: false });
    running.push(fb);
    const fbEnvoy = new EnvoyDouble(`127.0.0.1:${fb.grpcPort}`);
    clients.push(fbEnvoy);
    const fbEps = fb.pool!.endpoints;
    setMetrics(fbEps, [{ waiting: 3 }, { waiting: 0 }, { waiting: 1 }]);
    const x = await fbEnvoy.request({ body: chat('fallback-model') });
    assert.equal(x.destination, `${fbEps[1]!.key},${fbEps[2]!.key}`);
    assert.equal(x.metadataDestination, x.destination);
  });

  it('flow control (featureGates: [flowControl]): a sheddable request on a saturated pool waits in the queue instead of 429, and is routed once an endpoint has capacity', async () => {
    const q = await runEpp(options(files, 'queued'), quiet, { scrapeIntervalMs: false });
    running.push(q);
    assert.ok(q.pool!.flowControl, 'the pool has flow control');
    const qEnvoy = new EnvoyDouble(`127.0.0.1:${q.grpcPort}`);
    clients.push(qEnvoy);
    const qEps = q.pool!.endpoints;
    setMetrics(qEps, [{ waiting: 9 }, { waiting: 9 }]);
    let settled = false;
    const pending = qEnvoy.request({ body: chat('queued-model'), headers: { 'x-gateway-inference-objective': 'queued-batch' } }).finally(() => (settled = true));
    // Queued, not refused, while the pool stays saturated.
    await waitFor('the request to be queued', () => q.queuedRequests === 1);
    assert.equal(settled, false);
    assert.match(await (await fetch(`http://127.0.0.1:${q.metricsPort}/metrics`)).text(), /inference_extension_flow_control_queue_size\{inference_pool="queued"\} 1/);
    setMetrics(qEps, [{ waiting: 9 }, { waiting: 0 }]);
    const x = await pending;
    assert.equal(x.immediate, undefined);
    assert.equal(x.destination, qEps[1]!.key);
  });

  it('FailOpen routes to a random endpoint when the picker fails; FailClose answers 500', async () => {
    // A scorer that throws, in place of the pools' configured picker (the failure mode still comes from each pool's endpointPickerRef).
    const registry = builtinRegistry().register('broken-scorer', ({ name }) => ({
      type: 'broken-scorer',
      name,
      score: () => {
        throw new Error('scorer exploded');
      },
    }));
    const broken = (p: PoolRuntime): PoolRuntime => ({
      ...p,
      picker: new PoolScheduler({ namespace: p.namespace, name: p.name, failureMode: p.failureMode }, { plugins: [{ type: 'broken-scorer' }], saturationDetector: { metricsStalenessThreshold: '1h' } } as never, { registry, endpoints: p.endpoints }),
    });
    const open = await runEpp(options(files, 'fallback'), quiet, { scrapeIntervalMs: false, adaptPool: broken });
    const closed = await runEpp(options(files, 'chat'), quiet, { scrapeIntervalMs: false, adaptPool: broken });
    running.push(open, closed);
    assert.equal(open.pool!.failureMode, 'FailOpen');
    assert.equal(closed.pool!.failureMode, 'FailClose');
    const openEnvoy = new EnvoyDouble(`127.0.0.1:${open.grpcPort}`);
    const closedEnvoy = new EnvoyDouble(`127.0.0.1:${closed.grpcPort}`);
    clients.push(openEnvoy, closedEnvoy);
    const o = await openEnvoy.request({ body: chat('fallback-model') });
    assert.ok(open.pool!.endpoints.some((e) => e.key === o.destination), `routed to a pool endpoint: ${o.destination}`);
    const c = await closedEnvoy.request({ body: chat('chat-model') });
    assert.equal(c.immediate?.status, 500);
    assert.match(c.immediate!.body, /scorer exploded/);
  });

  it('health follows the pool: NOT_SERVING while the configuration lacks it, SERVING (Watch hears it) once a reload brings it', async () => {
    const lateDir = mkdtempSync(join(tmpdir(), 'sluice-epp-late-'));
    try {
      writeFileSync(join(lateDir, 'other.yaml'), pool('other', 1, 'FailClose'));
      const late = await runEpp(options([lateDir], 'late'), quiet, { scrapeIntervalMs: false });
      running.push(late);
      assert.equal(late.pool?.name, undefined);
      const health = healthClient(late.healthPort);
      clients.push(health);
      assert.equal(await check(health, 'inference-extension'), ServingStatus.NOT_SERVING);
      assert.equal(await check(health, 'liveness'), ServingStatus.SERVING);
      const lateEnvoy = new EnvoyDouble(`127.0.0.1:${late.grpcPort}`);
      clients.push(lateEnvoy);
      const refused = await lateEnvoy.request({ body: chat('late-model') });
      assert.equal(refused.immediate?.status, 503);
      const watch = health.Watch({ service: 'readiness' });
      const statuses: number[] = [];
      let first!: () => void;
      const watching = new Promise<void>((resolve) => (first = resolve));
      const serving = new Promise<void>((resolve) =>
        watch.on('data', (r: HealthCheckResponse) => {
          statuses.push(r.status ?? 0);
          first();
          if (r.status === ServingStatus.SERVING) resolve();
        }),
      );
      watch.on('error', () => undefined);
      await watching; // the stream's first status, before the configuration changes
      writeFileSync(join(lateDir, 'late.yaml'), pool('late', 1, 'FailClose'));
      await late.reload();
      await serving;
      watch.cancel();
      assert.deepEqual(statuses, [ServingStatus.NOT_SERVING, ServingStatus.SERVING]);
      assert.equal(late.pool?.endpoints.length, 1);
      setMetrics(late.pool!.endpoints, [{}]);
      const routed = await lateEnvoy.request({ body: chat('late-model') });
      assert.equal(routed.destination, late.pool!.endpoints[0]!.key);
    } finally {
      rmSync(lateDir, { recursive: true, force: true });
    }
  });

  it('serves ext_proc over TLS with the certificate in --cert-path; health stays plaintext', async () => {
    const certDir = mkdtempSync(join(tmpdir(), 'sluice-epp-tls-'));
    try {
      const cert = selfSignedCertificate('sluice-epp-test');
      writeFileSync(join(certDir, 'tls.crt'), cert.cert);
      writeFileSync(join(certDir, 'tls.key'), cert.key);
      const secure = await runEpp({ ...options(files, 'chat'), secureServing: true, certPath: certDir }, quiet, { scrapeIntervalMs: false });
      running.push(secure);
      const tlsEnvoy = new EnvoyDouble(`127.0.0.1:${secure.grpcPort}`, { tlsRootCert: Buffer.from(cert.cert), servername: 'localhost' });
      clients.push(tlsEnvoy);
      setMetrics(secure.pool!.endpoints, [{ waiting: 1 }, { waiting: 1 }, { waiting: 0 }]);
      const x = await tlsEnvoy.request({ body: chat('chat-model') });
      assert.equal(x.destination, secure.pool!.endpoints[2]!.key);
      const health = healthClient(secure.healthPort);
      clients.push(health);
      assert.equal(await check(health, ''), ServingStatus.SERVING);
    } finally {
      rmSync(certDir, { recursive: true, force: true });
    }
  });

  it('the epp command takes the upstream flags', () => {
    const help = eppCommand({ out: quiet, err: quiet }).helpInformation();
    for (const flag of ['--pool-name', '--pool-namespace', '--grpc-port', '--grpc-health-port', '--metrics-port', '--config-file', '--secure-serving', '--cert-path', '--kubeconfig', '--disable-endpoint-subset-filter', '--refresh-metrics-interval', '--zap-encoder']) assert.ok(help.includes(flag), flag);
  });
});

describe('sluice epp reading the pool from Kubernetes (fake API server, a test double)', () => {
  const podYaml = (name: string, ip: string, ready: boolean) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: team-b, labels: {app: kchat}}
spec: {containers: [{name: sim, image: ${SIM}, ports: [{containerPort: 8000}]}]}
status: {phase: Running, podIP: ${ip}, conditions: [{type: Ready, status: "${ready ? 'True' : 'False'}"}]}
`;

  it('serves the pool at podIP:targetPort, follows pod changes, and applies --config-text', async () => {
    const server = await FakeKubeApiServer.start();
    let epp: EndpointPickerService | undefined;
    let envoy: EnvoyDouble | undefined;
    try {
      server.apply(`apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: kchat, namespace: team-b}
spec:
  targetPorts: [{number: 8000}]
  selector: {matchLabels: {app: kchat}}
  endpointPickerRef: {name: kchat-epp, port: {number: 9002}}
---
${podYaml('kchat-0', '10.7.0.1', true)}---
${podYaml('kchat-1', '10.7.0.2', true)}---
${podYaml('kchat-2', '10.7.0.3', false)}`);
      const configText = `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: queue-scorer
- type: max-score-picker
  parameters: {maxNumOfEndpoints: 2}
schedulingProfiles:
- name: default
  plugins: [{pluginRef: queue-scorer}, {pluginRef: max-score-picker}]
saturationDetector: {metricsStalenessThreshold: 1h}
`;
      epp = await runEpp({ ...options([], 'kchat', 'team-b'), kubeconfig: server.writeKubeconfig(), configText, watch: true }, quiet, { scrapeIntervalMs: false });
      const pool = () => epp!.pool;
      assert.deepEqual(pool()!.endpoints.map((e) => e.key).sort(), ['10.7.0.1:8000', '10.7.0.2:8000']);
      assert.equal(pool()!.pickerConfigSource, '--config-text');
      envoy = new EnvoyDouble(`127.0.0.1:${epp.grpcPort}`);
      const byKey = (k: string) => pool()!.endpoints.find((e) => e.key === k)!;
      setMetrics([byKey('10.7.0.1:8000'), byKey('10.7.0.2:8000')], [{ waiting: 3 }, { waiting: 1 }]);
      const x = await envoy.request({ body: chat('kchat-model') });
      assert.equal(x.destination, '10.7.0.2:8000,10.7.0.1:8000');
      server.updateStatus('Pod', 'team-b', 'kchat-2', { phase: 'Running', podIP: '10.7.0.3', conditions: [{ type: 'Ready', status: 'True' }] });
      server.delete('Pod', 'team-b', 'kchat-1');
      await waitFor('the pod changes to reach the pool', () => pool()?.endpoints.map((e) => e.key).sort().join() === '10.7.0.1:8000,10.7.0.3:8000');
      setMetrics(pool()!.endpoints, [{ waiting: 0 }, { waiting: 0 }]);
      const y = await envoy.request({ body: chat('kchat-model'), subset: ['10.7.0.3:8000', '10.7.0.2:8000'] });
      assert.equal(y.destination, '10.7.0.3:8000', 'the deleted pod is gone; the subset leaves one endpoint');
    } finally {
      envoy?.close();
      await epp?.close();
      await server.close();
    }
  });
});

describe("sluice epp over seed 001's mistral pool", { skip: seedSkip }, () => {
  let epp: EndpointPickerService;
  let envoy: EnvoyDouble;
  const extra: Partial<EndpointPickerOptions> = {};

  before(async () => {
    // As the seed's mistral-epp Deployment runs it: --pool-name mistral --pool-namespace default, its ConfigMap's plugins.
    epp = await runEpp(options([seedManifests], 'mistral', 'default'), quiet, extra);
    envoy = new EnvoyDouble(`127.0.0.1:${epp.grpcPort}`);
  });

  after(async () => {
    envoy?.close();
    await epp?.close();
  });

  it('serves the three mistral test-upstream pods with the ConfigMap picker and reports SERVING', async () => {
    const p = epp.pool!;
    assert.equal(p.endpoints.length, 3);
    assert.match(p.pickerConfigSource, /ConfigMap default\/plugins-config key default-plugins.yaml/);
    assert.ok(!epp.snapshot!.pools.get('default/vllm-llama3-8b-instruct')!.endpoints.length, "the other pool's simulators are not started");
    const health = healthClient(epp.healthPort);
    try {
      assert.equal(await check(health, 'inference-extension'), ServingStatus.SERVING);
    } finally {
      health.close();
    }
  });

  it('routes a chat request to a pool endpoint, strips the objective header, and hands body and response back', async () => {
    const body = { model: 'mistral:latest', messages: [{ role: 'user', content: 'Hi. Say this is a test' }] };
    const x = await envoy.request({ body, headers: { 'x-gateway-inference-objective': 'mistral' }, response: { chunks: ['{"choices":[{"message":{"content":"This is a test."}}]}'] } });
    assert.ok(epp.pool!.endpoints.some((e) => e.key === x.destination), String(x.destination));
    assert.equal(x.metadataDestination, x.destination);
    assert.deepEqual(x.removedHeaders, ['x-gateway-inference-objective']);
    assert.deepEqual(JSON.parse(x.forwardedBody.toString()), body);
    assert.match(x.responseBody.toString(), /This is a test/);
  });

  it('honours the subset hint and answers 503 to an empty one', async () => {
    const target = epp.pool!.endpoints[2]!.key;
    for (let i = 0; i < 3; i++) {
      const x = await envoy.request({ body: { model: 'mistral:latest', prompt: `p${i}` }, subset: [target] });
      assert.equal(x.destination, target);
    }
    const empty = await envoy.request({ body: { model: 'mistral:latest', prompt: 'p' }, subset: [] });
    assert.equal(empty.immediate?.status, 503);
    assert.equal(empty.immediate?.headers['x-llm-d-request-dropped-reason'], 'rejected-no-endpoints');
  });
});
