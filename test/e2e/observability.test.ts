// Every signal of one gateway for the same requests, end to end: a gateway started in-process with
// metrics (scraped from its admin port), the access log (captured stream), the flow log (read from
// /api/flows) and tracing configured from OTEL_* variables to a real OTLP/HTTP receiver on loopback
// (test/support/otlp-receiver.ts). The official openai client sends, each with its own x-request-id:
// a non-streamed chat and a streamed chat to an InferencePool (simulated vLLM), a sheddable request
// (InferenceObjective priority < 0) to a pool kept saturated by two critical requests, and a model no
// route serves. For each, the test reads the metric samples it added, its spans, its access-log line and
// its flow record, and checks that they agree with what the client saw. A ModelPricing prices the
// model, so the cost counter and the access log's cost field are checked against the client's usage.
// Finally `sluice observe --follow --model X -o json` runs as a child process against the admin port
// and must print a request made after it started within a second (the acceptance check's bound).
//
// Nothing sleeps and hopes: every asynchronous result (flow record, span export, observe output) is
// polled for with a bound. Every assert.ok carries a message (without one Node's assert re-reads the
// transpiled source and can stall).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import OpenAI from 'openai';
import { request } from 'undici';
import { tracingOptionsFromEnv } from '../../src/telemetry/tracing.ts';
import type { FlowRecord } from '../../src/telemetry/flow-record.ts';
import { TEST_GATEWAY_YAML, startTestGateway } from '../support/gateway.ts';
import type { TestGateway } from '../support/gateway.ts';
import { SPAN_KIND, startOtlpReceiver } from '../support/otlp-receiver.ts';
import type { OtlpReceiver, ReceivedSpan } from '../support/otlp-receiver.ts';
import { repoRoot } from '../support/paths.ts';

const MODEL = 'm';
const BUSY = 'busy';
const KEY = 'sk-e2e-observability-key';
// A virtual key's identity is its resource, namespace/name.
const IDENTITY = 'default/e2e';
const ROUTE = 'default/r';
const POOL_BACKEND = 'InferencePool default/llama';
const BUSY_BACKEND = 'InferencePool default/busy';

const sim = (name: string, model: string, args: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
        - name: sim
          image: ghcr.io/llm-d/llm-d-inference-sim:v0.4.0
          args: [--model, ${model}, --port, "8000", ${args}]
---
`;

// Pool `llama`: one replica echoing the prompt (so a stream has a known number of tokens), paced so
// that TTFT and TPOT are measurable. Pool `busy`: one running slot and a slow first token; its endpoint
// picker config counts any waiting request as saturation, so two critical requests saturate it.
const MANIFESTS = `${TEST_GATEWAY_YAML}${sim('llama', MODEL, '--mode, echo, --time-to-first-token, 20ms, --inter-token-latency, 5ms')}${sim('busy', BUSY, '--max-num-seqs, "1", --time-to-first-token, 1500ms, --inter-token-latency, "0"')}apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: llama}
spec:
  selector: {matchLabels: {app: llama}}
  targetPorts: [{number: 8000}]
---
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: busy}
spec:
  selector: {matchLabels: {app: busy}}
  targetPorts: [{number: 8000}]
  endpointPickerRef: {name: busy-epp, port: {number: 9002}}
---
apiVersion: v1
kind: Service
metadata: {name: busy-epp}
spec:
  selector: {app: busy-epp}
  ports: [{port: 9002}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: busy-epp}
spec:
  selector: {matchLabels: {app: busy-epp}}
  template:
    metadata: {labels: {app: busy-epp}}
    spec:
      containers:
        - name: epp
          image: registry.k8s.io/gateway-api-inference-extension/epp:v1.0.1
          args: [--config-file, /config/epp.yaml]
          volumeMounts: [{name: config, mountPath: /config}]
      volumes: [{name: config, configMap: {name: busy-epp-config}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: busy-epp-config}
data:
  epp.yaml: |
    apiVersion: inference.networking.x-k8s.io/v1alpha1
    kind: EndpointPickerConfig
    saturationDetector: {queueDepthThreshold: 0}
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceObjective
metadata: {name: critical}
spec: {priority: 10, poolRef: {name: busy}}
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceObjective
metadata: {name: batch}
spec: {priority: -1, poolRef: {name: busy}}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${MODEL}}]}]
      backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: llama}]
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${BUSY}}]}]
      backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: busy}]
---
apiVersion: v1
kind: Secret
metadata: {name: vk-e2e}
stringData: {key: ${KEY}}
---
apiVersion: gateway.sluice.dev/v1alpha1
kind: VirtualKey
metadata: {name: e2e}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
  secretRef: {name: vk-e2e}
  team: observers
---
apiVersion: gateway.sluice.dev/v1alpha1
kind: ModelPricing
metadata: {name: prices}
spec:
  models:
    - {name: ${MODEL}, input: "1.00", cachedInput: "1.00", output: "2.00"}
`;

// ---- Prometheus text -------------------------------------------------------------------------------

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

function parseProm(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

class Scrape {
  readonly samples: Sample[];
  constructor(text: string) {
    this.samples = parseProm(text);
  }
  /** Sum over the series of `name` whose labels include `want` (a label given as '' must be '' or absent). */
  sum(name: string, want: Readonly<Record<string, string>>): number {
    let n = 0;
    for (const s of this.samples) {
      if (s.name !== name) continue;
      let ok = true;
      for (const k in want) if ((s.labels[k] ?? '') !== want[k]) ok = false;
      if (ok) n += s.value;
    }
    return n;
  }
}

// ---- The run ---------------------------------------------------------------------------------------

interface Observed {
  readonly flow: FlowRecord;
  readonly access: Record<string, unknown>;
  readonly server: ReceivedSpan;
  readonly clients: readonly ReceivedSpan[];
  /** after − before, for one series selection. */
  delta(name: string, labels: Readonly<Record<string, string>>): number;
  readonly after: Scrape;
}

const genai = (model: string, response = model): Record<string, string> => ({ gen_ai_operation_name: 'chat', gen_ai_provider_name: 'openai', gen_ai_original_model: model, gen_ai_request_model: model, gen_ai_response_model: response });

async function poll<T>(what: string, get: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not there within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('observability end to end: metrics, traces, access log and flow log agree per request', () => {
  let receiver: OtlpReceiver | undefined;
  let t: TestGateway | undefined;
  let adminUrl = '';
  let client: OpenAI;
  const accessLines: string[] = [];
  const results = new Map<string, Observed>();

  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') accessLines.push(line);
      done();
    },
  });

  async function scrape(): Promise<Scrape> {
    const res = await request(`${adminUrl}/metrics`);
    assert.equal(res.statusCode, 200, 'GET /metrics');
    return new Scrape(await res.body.text());
  }

  async function flowOf(id: string): Promise<FlowRecord> {
    return poll(`the flow record of ${id}`, async () => {
      const res = await request(`${adminUrl}/api/flows?last=100`);
      const text = await res.body.text();
      for (const line of text.split('\n')) {
        if (line === '') continue;
        const f = (JSON.parse(line) as { flow?: FlowRecord }).flow;
        if (f?.id === id) return f;
      }
      return undefined;
    });
  }

  async function spansOf(id: string, clientSpans: number): Promise<{ server: ReceivedSpan; clients: ReceivedSpan[] }> {
    const find = (spans: readonly ReceivedSpan[]) => {
      const server = spans.find((s) => s.kind === SPAN_KIND.SERVER && s.attributes['sluice.request_id'] === id);
      if (server === undefined) return undefined;
      const clients = spans.filter((s) => s.kind === SPAN_KIND.CLIENT && s.traceId === server.traceId && s.parentSpanId === server.spanId);
      return clients.length >= clientSpans ? { server, clients } : undefined;
    };
    await receiver!.waitFor((spans) => find(spans) !== undefined, 10_000);
    return find(receiver!.spans)!;
  }

  /** Runs `send` (which must use request id `id`), then collects every signal of that request. */
  async function observe(id: string, clientSpans: number, send: () => Promise<void>): Promise<Observed> {
    const before = await scrape();
    await send();
    const flow = await flowOf(id);
    // The flow record, the metrics and the access-log line are written by subscribers of the same
    // `end` event, in one turn: once the flow is there, so are the others.
    const after = await scrape();
    const line = accessLines.find((l) => (JSON.parse(l) as { request_id?: string }).request_id === id);
    assert.ok(line !== undefined, `an access-log line for ${id}`);
    const { server, clients } = await spansOf(id, clientSpans);
    const o: Observed = { flow, access: JSON.parse(line) as Record<string, unknown>, server, clients, after, delta: (name, labels) => after.sum(name, labels) - before.sum(name, labels) };
    results.set(id, o);
    return o;
  }

  before(async () => {
    receiver = await startOtlpReceiver();
    // Tracing as an operator configures it: the standard variables (the batch delay is shortened so
    // the test does not wait five seconds for each export).
    const tracing = { ...tracingOptionsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'sluice-e2e' }), batch: { scheduledDelayMillis: 50 } };
    assert.equal(tracing.enabled, true, 'tracing is on from OTEL_EXPORTER_OTLP_ENDPOINT');
    t = await startTestGateway(MANIFESTS, { adminPort: 0, tracing, accessLog: { destination: sink }, scrapeIntervalMs: 25 });
    adminUrl = `http://127.0.0.1:${t.gw.adminPort}`;
    client = new OpenAI({ baseURL: `${t.base}/v1`, apiKey: KEY, maxRetries: 0, timeout: 20_000 });
  });

  after(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('a non-streamed chat to an InferencePool', async () => {
    const id = 'e2e-obs-json';
    let usage: OpenAI.CompletionUsage | undefined;
    let responseModel = '';
    const o = await observe(id, 1, async () => {
      const { data, response } = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'count the tokens of this sentence' }], max_tokens: 16 }, { headers: { 'x-request-id': id } }).withResponse();
      assert.equal(response.headers.get('x-request-id'), id);
      usage = data.usage;
      responseModel = data.model;
    });
    assert.ok(usage !== undefined && usage.prompt_tokens > 0 && usage.completion_tokens > 0, 'the simulator reported usage');
    const labels = genai(MODEL, responseModel);

    // Metrics.
    assert.equal(o.delta('gen_ai_client_token_usage_count', { ...labels, gen_ai_token_type: 'input' }), 1);
    assert.equal(o.delta('gen_ai_client_token_usage_sum', { ...labels, gen_ai_token_type: 'input' }), usage.prompt_tokens);
    assert.equal(o.delta('gen_ai_client_token_usage_sum', { ...labels, gen_ai_token_type: 'output' }), usage.completion_tokens);
    assert.equal(o.delta('gen_ai_server_request_duration_seconds_count', { ...labels, error_type: '' }), 1);
    assert.equal(o.delta('gen_ai_server_time_to_first_token_seconds_count', labels), 0, 'no TTFT for a non-streamed response');
    assert.equal(o.delta('sluice_requests_total', { route: ROUTE, code: '200' }), 1);
    assert.equal(o.delta('sluice_upstream_attempts_total', { route: ROUTE, backend: POOL_BACKEND, outcome: 'success' }), 1);
    assert.equal(o.delta('sluice_tokens_total', { model: MODEL, type: 'output' }), usage.completion_tokens);
    assert.equal(o.delta('inference_objective_request_total', { model_name: MODEL, target_model_name: MODEL }), 1);
    const micros = usage.prompt_tokens + 2 * usage.completion_tokens;
    // The counter adds integer micro-dollars and shows dollars; a difference of two scrapes is a float.
    assert.equal(o.after.sum('sluice_request_cost_usd_total', { model: MODEL, backend: POOL_BACKEND, identity: IDENTITY, team: 'observers' }), micros / 1e6, 'the first priced request');

    // Spans: a SERVER span for the request, one CLIENT span for its one attempt, under it.
    assert.equal(o.server.name, `chat ${MODEL}`);
    assert.equal(o.server.resource['service.name'], 'sluice-e2e');
    assert.equal(o.server.attributes['http.response.status_code'], 200);
    assert.equal(o.server.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(o.server.attributes['gen_ai.request.model'], MODEL);
    assert.equal(o.server.attributes['sluice.verdict'], 'FORWARDED');
    assert.equal(o.server.attributes['sluice.route'], ROUTE);
    assert.equal(o.server.attributes['user.id'], IDENTITY);
    assert.equal(o.server.attributes['sluice.principal.team'], 'observers');
    assert.equal(o.server.attributes['error.type'], undefined);
    assert.equal(o.server.status.code, 0);
    assert.ok(o.server.events.some((e) => e.name === 'sluice.admission' && e.attributes['sluice.verdict'] === 'admitted'), 'admission event');
    assert.equal(o.clients.length, 1);
    const c = o.clients[0]!;
    assert.equal(c.name, `chat ${MODEL}`);
    assert.equal(c.attributes['gen_ai.provider.name'], 'openai');
    assert.equal(c.attributes['gen_ai.request.model'], MODEL);
    assert.equal(c.attributes['gen_ai.response.model'], responseModel);
    assert.equal(c.attributes['gen_ai.usage.input_tokens'], usage.prompt_tokens);
    assert.equal(c.attributes['gen_ai.usage.output_tokens'], usage.completion_tokens);
    assert.equal(c.attributes['sluice.backend'], POOL_BACKEND);
    assert.equal(c.attributes['server.address'], '127.0.0.1');
    assert.equal(c.attributes['http.response.status_code'], 200);
    const pick = c.events.find((e) => e.name === 'sluice.pick');
    assert.ok(pick !== undefined, 'a pick event on the attempt');
    assert.equal(pick.attributes['sluice.pick.pool'], 'default/llama');
    assert.equal(pick.attributes['sluice.pick.endpoint'], c.attributes['sluice.endpoint']);
    assert.ok(c.events.some((e) => e.name === 'sluice.upstream.headers'), 'upstream headers event');

    // Access log.
    assert.equal(o.access['log'], 'access');
    assert.equal(o.access['response_code'], 200);
    assert.equal(o.access['route'], ROUTE);
    assert.equal(o.access['principal'], IDENTITY);
    assert.equal(o.access['team'], 'observers');
    assert.equal(o.access['backend'], POOL_BACKEND);
    assert.equal(o.access['verdict'], 'FORWARDED');
    assert.equal(o.access['gen_ai.request.model'], MODEL);
    assert.equal(o.access['gen_ai.response.model'], responseModel);
    assert.equal(o.access['gen_ai.usage.input_tokens'], usage.prompt_tokens);
    assert.equal(o.access['gen_ai.usage.output_tokens'], usage.completion_tokens);
    assert.equal(o.access['gen_ai.usage.total_tokens'], usage.total_tokens);
    assert.equal(o.access['stream'], false);
    assert.equal(o.access['ttft_ms'], undefined);
    assert.equal(o.access['cost_usd'], micros / 1e6);
    assert.equal((o.access['pick'] as { pool?: string } | undefined)?.pool, 'default/llama');

    // Flow record.
    assert.equal(o.flow.verdict, 'FORWARDED');
    assert.equal(o.flow.status, 200);
    assert.equal(o.flow.destination.route, ROUTE);
    assert.equal(o.flow.destination.backend, POOL_BACKEND);
    assert.equal(o.flow.destination.pool, 'default/llama');
    assert.equal(o.flow.source.identity, IDENTITY);
    assert.equal(o.flow.model.original, MODEL);
    assert.deepEqual([o.flow.tokens.input, o.flow.tokens.output, o.flow.tokens.total], [usage.prompt_tokens, usage.completion_tokens, usage.total_tokens]);
    assert.equal(o.flow.cost, micros / 1e6);
    assert.equal(o.flow.pick?.pool, 'default/llama');
    assert.equal(o.flow.attempts, 1);
  });

  it('a streamed chat: TTFT and TPOT in every signal', async () => {
    const id = 'e2e-obs-stream';
    let usage: OpenAI.CompletionUsage | undefined | null;
    let chunks = 0;
    const o = await observe(id, 1, async () => {
      const { data: stream, response } = await client.chat.completions
        .create({ model: MODEL, messages: [{ role: 'user', content: 'one two three four five six seven eight nine ten eleven twelve' }], max_tokens: 32, stream: true, stream_options: { include_usage: true } }, { headers: { 'x-request-id': id } })
        .withResponse();
      assert.equal(response.headers.get('x-request-id'), id);
      for await (const chunk of stream) {
        chunks++;
        if (chunk.usage) usage = chunk.usage;
      }
    });
    assert.ok(usage && usage.completion_tokens > 1, `a usage chunk with more than one output token (${JSON.stringify(usage)}; ${chunks} chunks)`);
    const labels = genai(MODEL);

    assert.equal(o.delta('gen_ai_server_time_to_first_token_seconds_count', labels), 1);
    assert.ok(o.delta('gen_ai_server_time_to_first_token_seconds_sum', labels) > 0, 'TTFT > 0');
    assert.equal(o.delta('gen_ai_server_time_per_output_token_seconds_count', labels), 1);
    assert.ok(o.delta('gen_ai_server_time_per_output_token_seconds_sum', labels) > 0, 'TPOT > 0');
    assert.equal(o.delta('gen_ai_client_token_usage_sum', { ...labels, gen_ai_token_type: 'output' }), usage.completion_tokens);
    assert.equal(o.delta('gen_ai_server_request_duration_seconds_count', { ...labels, error_type: '' }), 1);
    assert.equal(o.delta('sluice_requests_total', { route: ROUTE, code: '200' }), 1);
    assert.equal(o.delta('sluice_upstream_attempts_total', { route: ROUTE, backend: POOL_BACKEND, outcome: 'success' }), 1);
    const micros = usage.prompt_tokens + 2 * usage.completion_tokens;
    assert.equal(Math.round(o.delta('sluice_request_cost_usd_total', { model: MODEL, identity: IDENTITY }) * 1e6), micros);

    const ttft = o.server.attributes['gen_ai.server.time_to_first_token'];
    assert.ok(typeof ttft === 'number' && ttft > 0, `TTFT on the server span (${String(ttft)})`);
    assert.ok(o.server.events.some((e) => e.name === 'sluice.first_byte'), 'first-byte event');
    assert.equal(o.clients.length, 1);
    assert.equal(o.clients[0]!.attributes['gen_ai.usage.output_tokens'], usage.completion_tokens);
    assert.ok(o.clients[0]!.events.some((e) => e.name === 'sluice.pick'), 'pick event');
    // The attempt ends with the stream, inside the request's span.
    assert.ok(o.clients[0]!.endTimeUnixNano <= o.server.endTimeUnixNano && o.clients[0]!.startTimeUnixNano >= o.server.startTimeUnixNano, 'attempt within the request');

    assert.equal(o.access['stream'], true);
    assert.ok(typeof o.access['ttft_ms'] === 'number' && o.access['ttft_ms'] > 0, 'ttft_ms');
    assert.ok(typeof o.access['tpot_ms'] === 'number' && o.access['tpot_ms'] > 0, 'tpot_ms');
    assert.equal(o.access['gen_ai.usage.output_tokens'], usage.completion_tokens);
    assert.equal(o.access['verdict'], 'FORWARDED');

    assert.equal(o.flow.verdict, 'FORWARDED');
    assert.equal(o.flow.stream, true);
    assert.ok(o.flow.ttftMs !== undefined && o.flow.ttftMs > 0, 'flow ttftMs');
    assert.ok(o.flow.tpotMs !== undefined && o.flow.tpotMs > 0, 'flow tpotMs');
    assert.equal(o.flow.tokens.output, usage.completion_tokens);
    // The three sinks read the same context: the same TTFT, to the microsecond.
    assert.equal(o.access['ttft_ms'], o.flow.ttftMs);
  });

  it('a model no route serves: 404 model_not_found, DROPPED (model-not-found)', async () => {
    const id = 'e2e-obs-unknown';
    const o = await observe(id, 0, async () => {
      const err = await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-request-id': id } }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof OpenAI.NotFoundError, `404 (${String(err)})`);
      assert.equal(err.code, 'model_not_found');
      assert.equal(err.requestID, id);
    });
    const unknown = { gen_ai_operation_name: 'chat', gen_ai_provider_name: 'unknown', gen_ai_original_model: 'unknown', gen_ai_request_model: 'unknown', gen_ai_response_model: 'unknown' };
    assert.equal(o.delta('gen_ai_server_request_duration_seconds_count', { ...unknown, error_type: 'model_not_found' }), 1);
    assert.equal(o.delta('gen_ai_client_token_usage_count', { gen_ai_original_model: 'unknown' }), 0, 'no usage recorded');
    assert.equal(o.delta('sluice_requests_total', { route: '', code: '404' }), 1);
    assert.equal(o.delta('sluice_upstream_attempts_total', {}), 0, 'nothing sent upstream');

    assert.equal(o.server.attributes['http.response.status_code'], 404);
    assert.equal(o.server.attributes['error.type'], 'model_not_found');
    assert.equal(o.server.attributes['sluice.verdict'], 'DROPPED');
    assert.equal(o.server.attributes['sluice.drop_reason'], 'model-not-found');
    assert.equal(o.server.status.code, 0, 'a 4xx leaves a server span unset');
    assert.equal(o.clients.length, 0, 'no attempt span');

    assert.equal(o.access['response_code'], 404);
    assert.equal(o.access['route'], '');
    assert.equal(o.access['verdict'], 'DROPPED');
    assert.equal(o.access['drop_reason'], 'model-not-found');
    assert.equal(o.access['error'], 'model_not_found');
    assert.equal(o.access['attempts'], 0);
    assert.equal(o.access['cost_usd'], undefined);

    assert.equal(o.flow.verdict, 'DROPPED');
    assert.equal(o.flow.dropReason, 'model-not-found');
    assert.equal(o.flow.error, 'model_not_found');
    assert.equal(o.flow.status, 404);
    assert.equal(o.flow.model.original, 'no-such-model');
    assert.equal(o.flow.attempts, 0);
  });

  it('a sheddable request against a saturated pool: 429 shed, DROPPED (shed)', async () => {
    const id = 'e2e-obs-shed';
    const critical = (i: number) =>
      client.chat.completions.create({ model: BUSY, messages: [{ role: 'user', content: `hold ${i}` }], max_tokens: 1 }, { headers: { 'x-request-id': `e2e-obs-fill-${i}`, 'x-gateway-inference-objective': 'critical' } });
    // One request runs, the other waits: with queueDepthThreshold 0 the pool is saturated.
    const filling = [critical(0), critical(1)];
    try {
      const pool = t!.gw.snapshot!.pools.get('default/busy')!;
      await poll('the busy pool saturated (a waiting request scraped)', () => (pool.endpoints[0]!.metrics.waiting >= 1 ? true : undefined));
      const o = await observe(id, 1, async () => {
        const err = await client.chat.completions.create({ model: BUSY, messages: [{ role: 'user', content: 'batch work' }], max_tokens: 1 }, { headers: { 'x-request-id': id, 'x-gateway-inference-objective': 'batch' } }).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof OpenAI.RateLimitError, `429 (${String(err)})`);
        assert.equal(err.code, 'shed');
        assert.equal(err.requestID, id);
        assert.ok(err.headers.get('retry-after'), 'retry-after');
      });
      const labels = genai(BUSY, 'unknown');
      assert.equal(o.delta('gen_ai_server_request_duration_seconds_count', { ...labels, error_type: 'shed' }), 1);
      assert.equal(o.delta('sluice_requests_total', { route: ROUTE, code: '429' }), 1);
      assert.equal(o.delta('sluice_upstream_attempts_total', { route: ROUTE, backend: BUSY_BACKEND, endpoint: '', outcome: 'error' }), 1);
      assert.equal(o.delta('inference_extension_scheduler_attempts_total', { status: 'failure' }), 1);

      assert.equal(o.server.attributes['http.response.status_code'], 429);
      assert.equal(o.server.attributes['error.type'], 'shed');
      assert.equal(o.server.attributes['sluice.verdict'], 'DROPPED');
      assert.equal(o.server.attributes['sluice.drop_reason'], 'shed');
      const admission = o.server.events.filter((e) => e.name === 'sluice.admission').map((e) => e.attributes['sluice.verdict']);
      assert.deepEqual(admission, ['admitted', 'dropped'], 'admitted by governance, then dropped by the pool');
      assert.equal(o.clients.length, 1, 'the attempt that pool admission refused');
      assert.equal(o.clients[0]!.attributes['error.type'], 'shed');
      assert.equal(o.clients[0]!.attributes['sluice.backend'], BUSY_BACKEND);
      assert.equal(o.clients[0]!.status.code, 2);
      assert.ok(!o.clients[0]!.events.some((e) => e.name === 'sluice.pick'), 'nothing was picked');

      assert.equal(o.access['response_code'], 429);
      assert.equal(o.access['verdict'], 'DROPPED');
      assert.equal(o.access['drop_reason'], 'shed');
      assert.equal(o.access['error'], 'shed');
      assert.equal(o.access['objective'], 'batch');
      assert.equal(o.access['priority'], -1);
      assert.equal(o.access['backend'], BUSY_BACKEND);

      assert.equal(o.flow.verdict, 'DROPPED');
      assert.equal(o.flow.dropReason, 'shed');
      assert.equal(o.flow.error, 'shed');
      assert.equal(o.flow.status, 429);
      assert.equal(o.flow.destination.pool, 'default/busy');
      assert.deepEqual(o.flow.attemptErrors, ['shed']);
    } finally {
      for (const r of await Promise.allSettled(filling)) assert.equal(r.status, 'fulfilled', `a critical request was served (${r.status === 'rejected' ? String(r.reason) : ''})`);
    }
  });

  it('the signals of different requests never mix: one span tree, one line and one flow per request id', () => {
    const ids = ['e2e-obs-json', 'e2e-obs-stream', 'e2e-obs-unknown', 'e2e-obs-shed'];
    for (const id of ids) {
      assert.equal(accessLines.filter((l) => (JSON.parse(l) as { request_id?: string }).request_id === id).length, 1, `one access-log line for ${id}`);
      assert.equal(receiver!.spans.filter((s) => s.kind === SPAN_KIND.SERVER && s.attributes['sluice.request_id'] === id).length, 1, `one server span for ${id}`);
    }
    const traces = new Set(ids.map((id) => results.get(id)?.server.traceId));
    assert.equal(traces.size, ids.length, 'a trace per request');
  });

  it('sluice observe --follow --model X -o json (a child process) shows a request made after it started within a second', async () => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'cli', 'main.ts'), 'observe', '--admin', adminUrl, '--follow', '--model', MODEL, '-o', 'json'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const seen = (id: string) => out.split('\n').some((l) => l !== '' && (JSON.parse(l) as { flow: { id: string } }).flow.id === id);
    try {
      // The child takes a moment to start and connect: requests go on until it shows one (bounded).
      for (let i = 0; i < 40 && !out.includes('\n'); i++) {
        await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: `warm ${i}` }], max_tokens: 2 }, { headers: { 'x-request-id': `e2e-obs-warm-${i}` } });
        for (let w = 0; w < 10 && !out.includes('\n'); w++) await new Promise((r) => setTimeout(r, 25));
      }
      assert.ok(out.includes('\n'), `sluice observe is following (stderr: ${err})`);
      // Now connected: one more request, and the time from its answer to its line.
      const id = 'e2e-obs-followed';
      await client.chat.completions.create({ model: BUSY, messages: [{ role: 'user', content: 'other model' }], max_tokens: 1 }, { headers: { 'x-request-id': 'e2e-obs-not-followed', 'x-gateway-inference-objective': 'critical' } });
      await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'followed' }], max_tokens: 2 }, { headers: { 'x-request-id': id } });
      const answeredAt = performance.now();
      await poll(`observe printing ${id}`, () => (seen(id) ? true : undefined), 1000);
      assert.ok(performance.now() - answeredAt <= 1000, 'within a second');
      const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { flow: FlowRecord });
      assert.ok(lines.every((l) => l.flow.model.original === MODEL), 'only the model asked for');
      assert.ok(!seen('e2e-obs-not-followed'), 'not the other model');
      const followed = lines.find((l) => l.flow.id === id)!.flow;
      assert.equal(followed.verdict, 'FORWARDED');
      assert.equal(followed.source.identity, IDENTITY);
      child.kill('SIGINT');
      assert.equal(await exited, 0, err);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
