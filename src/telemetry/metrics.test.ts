// GatewayMetrics fed only by events, against a started gateway (the quickstart: a simulated vLLM pool
// behind an InferencePool, and the canned test upstream behind an AIServiceBackend) with the official
// openai client: the gen_ai_* histograms with Envoy AI Gateway's names, labels and buckets, TTFT and
// TPOT on streams only, per-attempt counters by route/backend/endpoint/outcome, the bounded model
// labels, and the unprefixed process_* / nodejs_* metrics. (Every assert.ok carries a message: without
// one, Node's assert re-reads the transpiled source to describe the failure and can stall.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import OpenAI from 'openai';
import { Histogram as PromHistogram, Registry } from 'prom-client';
import { Gateway } from '../gateway.ts';
import type { Attempt, RequestContext } from '../runtime/context.ts';
import { events } from '../runtime/events.ts';
import { quickstart, repoRoot } from '../../test/support/paths.ts';
import { FastCounter, FastHistogram, GatewayMetrics, REQUEST_DURATION_BUCKETS, TIME_PER_OUTPUT_TOKEN_BUCKETS, TIME_TO_FIRST_TOKEN_BUCKETS, TOKEN_USAGE_BUCKETS, attemptOutcome } from './metrics.ts';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const CANNED = 'canned-test-model';

type Labels = Record<string, string>;

function matches(labels: Readonly<Record<string, string | number>>, want: Labels): boolean {
  for (const k in want) if (String(labels[k] ?? '') !== want[k]) return false;
  return true;
}

/** A metric as `get()` shows it (prom-client's shape). */
interface Readable {
  get(): Promise<{ type: string; values: readonly { labels: Readonly<Record<string, string | number>>; value: number; metricName?: string }[] }>;
}

/** Sum of a histogram's `_count` (or a counter's value) over the series whose labels include `want`. */
async function count(metric: Readable, want: Labels): Promise<number> {
  const m = await metric.get();
  let n = 0;
  for (const v of m.values) {
    if (m.type === 'histogram' && !v.metricName?.endsWith('_count')) continue;
    if (matches(v.labels, want)) n += v.value;
  }
  return n;
}

async function sum(metric: Readable, want: Labels): Promise<number> {
  const m = await metric.get();
  let n = 0;
  for (const v of m.values) if (v.metricName?.endsWith('_sum') && matches(v.labels, want)) n += v.value;
  return n;
}

/** Resolves with the next request of `gw` that ends. */
function nextEnd(gw: Gateway): Promise<RequestContext> {
  return new Promise((resolve) => {
    const unsubscribe = events.end.subscribe((ctx) => {
      if (ctx.owner !== gw) return;
      unsubscribe();
      resolve(ctx);
    });
  });
}

describe('GatewayMetrics on a started gateway', () => {
  let gw: Gateway;
  let client: OpenAI;

  before(async () => {
    gw = await Gateway.start({ files: [quickstart], port: 0, adminPort: false, watch: false, log: () => undefined, simulatorDefaults: { timeToFirstTokenMs: 1, interTokenLatencyMs: 1 } });
    client = new OpenAI({ baseURL: `http://127.0.0.1:${gw.listenerPort(0) ?? gw.listenerPort(8080)}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 10_000 });
  });
  after(async () => {
    await gw?.close();
  });

  const base = (model: string): Labels => ({ gen_ai_operation_name: 'chat', gen_ai_provider_name: 'openai', gen_ai_original_model: model, gen_ai_request_model: model });

  it('a non-streamed chat: request duration and token usage, no TTFT, an attempt to a pod', async () => {
    const labels = base(MODEL);
    const d0 = await count(gw.metrics.genaiRequestDuration, { ...labels, error_type: '' });
    const in0 = await sum(gw.metrics.genaiTokenUsage, { ...labels, gen_ai_token_type: 'input' });
    const ttft0 = await count(gw.metrics.genaiTimeToFirstToken, labels);
    const ended = nextEnd(gw);
    const reply = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 4 });
    const ctx = await ended;
    assert.equal(await count(gw.metrics.genaiRequestDuration, { ...labels, gen_ai_response_model: reply.model, error_type: '' }), d0 + 1);
    assert.equal(await sum(gw.metrics.genaiTokenUsage, { ...labels, gen_ai_token_type: 'input' }), in0 + reply.usage!.prompt_tokens);
    assert.ok((await count(gw.metrics.genaiTokenUsage, { ...labels, gen_ai_token_type: 'output' })) >= 1, 'output tokens observed');
    assert.equal(await count(gw.metrics.genaiTimeToFirstToken, labels), ttft0, 'TTFT is for streams only');
    const pod = ctx.endpoint!.podName;
    assert.ok(pod !== '', 'quickstart endpoints are pods');
    assert.ok((await count(gw.metrics.upstreamAttempts, { route: 'default/quickstart', backend: 'InferencePool default/llama', endpoint: pod, outcome: 'success' })) >= 1, 'a successful attempt to the pod');
    assert.ok((await count(gw.metrics.tokens, { model: MODEL, type: 'input' })) >= reply.usage!.prompt_tokens, 'sluice_tokens_total counts input tokens');
  });

  it('a streamed chat: TTFT and TPOT are recorded once, with positive values', async () => {
    const labels = base(MODEL);
    const ttft0 = await count(gw.metrics.genaiTimeToFirstToken, labels);
    const tpot0 = await count(gw.metrics.genaiTimePerOutputToken, labels);
    const ttftSum0 = await sum(gw.metrics.genaiTimeToFirstToken, labels);
    const ended = nextEnd(gw);
    const body = { model: MODEL, messages: [{ role: 'user' as const, content: 'Stream a few words' }], max_tokens: 6, stream: true as const, stream_options: { include_usage: true }, ignore_eos: true };
    const stream = await client.chat.completions.create(body);
    let output = 0;
    for await (const chunk of stream) if (chunk.usage) output = chunk.usage.completion_tokens;
    const ctx = await ended;
    assert.ok(output > 1, 'more than one output token');
    assert.equal(ctx.usage.outputTokens, output);
    assert.equal(await count(gw.metrics.genaiTimeToFirstToken, labels), ttft0 + 1);
    assert.equal(await count(gw.metrics.genaiTimePerOutputToken, labels), tpot0 + 1);
    assert.ok((await sum(gw.metrics.genaiTimeToFirstToken, labels)) > ttftSum0, 'TTFT is positive');
  });

  it('cached and reasoning tokens get their own token types (canned upstream, scripted usage)', async () => {
    const answer = { id: 'c1', object: 'chat.completion', created: 1, model: 'canned-2024', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60, prompt_tokens_details: { cached_tokens: 30 }, completion_tokens_details: { reasoning_tokens: 4 } } };
    const ended = nextEnd(gw);
    await client.chat.completions.create({ model: CANNED, messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-response-body': Buffer.from(JSON.stringify(answer)).toString('base64') } });
    const ctx = await ended;
    const labels = { ...base(CANNED), gen_ai_response_model: 'canned-2024' };
    assert.equal(await sum(gw.metrics.genaiTokenUsage, { ...labels, gen_ai_token_type: 'cached_input' }), 30);
    assert.equal(await sum(gw.metrics.genaiTokenUsage, { ...labels, gen_ai_token_type: 'reasoning' }), 4);
    assert.equal(await sum(gw.metrics.genaiTokenUsage, { ...labels, gen_ai_token_type: 'input' }), 50);
    assert.equal(await count(gw.metrics.genaiTokenUsage, { ...labels, gen_ai_token_type: 'cache_creation_input' }), 0, 'a type the provider did not report is not observed');
    assert.equal(await count(gw.metrics.tokens, { model: CANNED, type: 'cached_input' }), 30);
    assert.match(ctx.attempts[0]!.backend, /default\/canned$/);
    assert.ok((await count(gw.metrics.upstreamAttempts, { route: 'default/quickstart', backend: ctx.attempts[0]!.backend, outcome: 'success' })) >= 1, 'a successful attempt to the canned backend');
  });

  it('an upstream error status: error_type on the duration, a server_error attempt', async () => {
    const ended = nextEnd(gw);
    await assert.rejects(client.chat.completions.create({ model: CANNED, messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-response-status': '503', 'x-response-body': Buffer.from('{"error":{"message":"busy"}}').toString('base64') } }));
    const ctx = await ended;
    assert.ok(ctx.status >= 500, `status ${ctx.status}`);
    assert.equal(await count(gw.metrics.genaiRequestDuration, { ...base(CANNED), error_type: String(ctx.status) }), 1);
    assert.equal(await count(gw.metrics.upstreamAttempts, { route: 'default/quickstart', backend: ctx.attempts[0]!.backend, outcome: 'server_error' }), 1);
  });

  it('a model no route serves: `unknown` labels and the catalogue code as error_type', async () => {
    const ended = nextEnd(gw);
    await assert.rejects(client.chat.completions.create({ model: 'made-up-model-name', messages: [{ role: 'user', content: 'x' }] }));
    await ended;
    const want = { gen_ai_operation_name: 'chat', gen_ai_provider_name: 'unknown', gen_ai_original_model: 'unknown', gen_ai_request_model: 'unknown', gen_ai_response_model: 'unknown', error_type: 'model_not_found' };
    assert.equal(await count(gw.metrics.genaiRequestDuration, want), 1);
    const text = await gw.metrics.registry.metrics();
    assert.ok(!text.includes('made-up-model-name'), 'a client-sent unknown model never becomes a label');
  });

  it('exports upstream names, buckets and the standard process metrics', async () => {
    const text = await gw.metrics.registry.metrics();
    const les = (name: string) => [...new Set([...text.matchAll(new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"`, 'gm'))].map((m) => m[1]!))].filter((le) => le !== '+Inf').map(Number);
    assert.deepEqual(les('gen_ai_client_token_usage'), TOKEN_USAGE_BUCKETS);
    assert.deepEqual(les('gen_ai_server_request_duration_seconds'), REQUEST_DURATION_BUCKETS);
    assert.deepEqual(les('gen_ai_server_time_to_first_token_seconds'), TIME_TO_FIRST_TOKEN_BUCKETS);
    assert.deepEqual(les('gen_ai_server_time_per_output_token_seconds'), TIME_PER_OUTPUT_TOKEN_BUCKETS);
    assert.match(text, /^gen_ai_client_token_usage_count\{gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_original_model="[^"]+",gen_ai_request_model="[^"]+",gen_ai_response_model="[^"]+",gen_ai_token_type="input"\} \d+$/m);
    assert.match(text, /^process_cpu_user_seconds_total \d/m);
    assert.match(text, /^process_resident_memory_bytes \d/m);
    assert.match(text, /^nodejs_eventloop_lag_seconds \d/m);
    assert.match(text, /^nodejs_heap_size_used_bytes \d/m);
    assert.ok(!text.includes('sluice_process_'), 'no prefixed process metrics');
    assert.match(text, /^sluice_requests_total\{route="default\/quickstart",code="200"\} \d+$/m);
    assert.match(text, /^inference_pool_ready_pods\{name="llama"\} 3$/m);
  });
});

describe('attemptOutcome', () => {
  const attempt = (a: Partial<Attempt>): Attempt => ({ n: 1, backend: 'b', endpoint: 'e', startedAt: 0, headersAt: 0, endedAt: 0, status: 0, error: undefined, retried: false, retryOn: undefined, retryStatus: 0, traceparent: undefined, ...a }) as Attempt;
  it('maps statuses and catalogue codes to a bounded set', () => {
    assert.equal(attemptOutcome(attempt({ status: 200 })), 'success');
    assert.equal(attemptOutcome(attempt({ status: 429 })), 'client_error');
    assert.equal(attemptOutcome(attempt({ status: 503, retryStatus: 503, retried: true })), 'server_error');
    assert.equal(attemptOutcome(attempt({ error: 'upstream_timeout' })), 'timeout');
    assert.equal(attemptOutcome(attempt({ error: 'upstream_unreachable' })), 'unreachable');
    assert.equal(attemptOutcome(attempt({ error: 'upstream_error', status: 200 })), 'interrupted');
    assert.equal(attemptOutcome(attempt({ error: 'no_ready_endpoint' })), 'error');
    assert.equal(attemptOutcome(attempt({})), '');
  });
});

describe('GatewayMetrics without a gateway', () => {
  it('can leave out the default metrics', async () => {
    const m = new GatewayMetrics({ defaultMetrics: false });
    const text = await m.registry.metrics();
    assert.ok(!text.includes('process_cpu'), 'no process metrics');
    assert.match(text, /# TYPE gen_ai_server_request_duration_seconds histogram/);
  });
});

describe('the Grafana dashboard (deploy/grafana/sluice.json)', () => {
  it('queries only metrics and labels GatewayMetrics exports, through the datasource variable', () => {
    const dashboard = JSON.parse(readFileSync(join(repoRoot, 'deploy', 'grafana', 'sluice.json'), 'utf8')) as {
      panels: { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
      templating: { list: { name: string; type: string; query: string | { query: string } }[] };
    };
    const registry = new GatewayMetrics().registry;
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    for (const v of dashboard.templating.list) if (v.type === 'query') exprs.push(typeof v.query === 'string' ? v.query : v.query.query);
    assert.ok(exprs.length > 20, 'the dashboard has queries');
    const checked = new Set<string>();
    for (const expr of exprs) {
      for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)) {
        const series = m[1]!;
        const name = series.replace(/_(bucket|sum|count)$/, '');
        const metric = registry.getSingleMetric(name) ?? registry.getSingleMetric(series);
        assert.ok(metric !== undefined, `the dashboard queries ${series}, which the gateway does not export`);
        const labelNames = (metric as unknown as { labelNames: readonly string[] }).labelNames;
        for (const l of m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)) {
          const label = l[1]!;
          assert.ok(label === 'instance' || label === 'le' || labelNames.includes(label), `${series} has no label ${label}`);
        }
        checked.add(name);
      }
    }
    for (const must of ['gen_ai_client_token_usage', 'gen_ai_server_time_to_first_token_seconds', 'gen_ai_server_time_per_output_token_seconds', 'gen_ai_server_request_duration_seconds', 'sluice_requests_total', 'sluice_upstream_attempts_total', 'inference_pool_average_kv_cache_utilization']) {
      assert.ok(checked.has(must), `the dashboard shows ${must}`);
    }
    assert.ok(dashboard.templating.list.some((v) => v.type === 'datasource' && v.name === 'datasource'), 'a Prometheus datasource variable');
    for (const p of dashboard.panels) if (p.type !== 'row') assert.equal(p.datasource?.uid, '${datasource}', `panel ${p.title} uses the datasource variable`);
  });
});

/** `name{a="x",b="y"} value` lines with their labels sorted, so two renderings compare as sets. */
function series(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^([^{ ]+)(?:\{(.*)\})? (.+)$/.exec(l)!;
      const labels = (m[2] ?? '').split(/,(?=[a-z_]+=")/).filter(Boolean).sort().join(',');
      return `${m[1]}{${labels}} ${m[3]}`;
    })
    .sort();
}

describe('FastCounter and FastHistogram', () => {
  it('render exactly what prom-client renders for the same observations (property)', async () => {
    const bounds = [0.01, 0.1, 1, 10];
    const value = fc.oneof(fc.constantFrom(0, ...bounds, 10.5), fc.double({ min: 0, max: 20, noNaN: true }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), value), { maxLength: 60 }), async (observations) => {
        const fastRegistry = new Registry();
        const promRegistry = new Registry();
        const fast = new FastHistogram({ name: 'h_seconds', help: 'h', labelNames: ['route'] as const, buckets: bounds, registers: [fastRegistry] });
        const prom = new PromHistogram({ name: 'h_seconds', help: 'h', labelNames: ['route'], buckets: bounds, registers: [promRegistry] });
        for (const [route, v] of observations) {
          fast.labels(route).observe(v);
          prom.observe({ route }, v);
        }
        assert.deepEqual(series(await fastRegistry.metrics()), series(await promRegistry.metrics()));
      }),
      { numRuns: 50 },
    );
  });

  it('counts by label set, validates labels, and keeps held children valid across reset', async () => {
    const registry = new Registry();
    const c = new FastCounter({ name: 'c_total', help: 'c', labelNames: ['route', 'code'] as const, registers: [registry] });
    const child = c.labels('r', '200');
    child.inc();
    c.inc({ route: 'r', code: '200' }, 2);
    c.labels({ route: 'r', code: '500' }).inc();
    assert.match(await registry.metrics(), /^c_total\{route="r",code="200"\} 3$/m);
    assert.throws(() => c.labels('only-one'), /takes the labels route, code/);
    registry.resetMetrics();
    child.inc(5);
    assert.match(await registry.metrics(), /^c_total\{route="r",code="200"\} 5$/m);
    assert.match(await registry.metrics(), /^c_total\{route="r",code="500"\} 0$/m);
  });
});
