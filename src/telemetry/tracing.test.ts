// Tracing against a real OTLP/HTTP receiver (test/support/otlp-receiver.ts, a stand-in for an
// OpenTelemetry Collector), a started gateway, real upstreams on loopback (an OpenAI-shaped server that
// records the headers it got, the echo server, the quickstart's simulated vLLM pool) and the official
// openai client: span names, kinds, parent/child links, GenAI and OpenInference attributes, the
// `traceparent` each upstream attempt received, streaming and non-streaming, sampling, and the
// environment variables. No test asserts a duration: only ordering and "> 0".
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { request } from 'undici';
import { Gateway } from '../gateway.ts';
import type { RequestContext } from '../runtime/context.ts';
import { events } from '../runtime/events.ts';
import { TEST_GATEWAY_YAML, backendYaml, startTestGateway } from '../../test/support/gateway.ts';
import type { TestGateway } from '../../test/support/gateway.ts';
import { startEcho } from '../../test/support/echo.ts';
import type { EchoServer } from '../../test/support/echo.ts';
import { SPAN_KIND, startOtlpReceiver } from '../../test/support/otlp-receiver.ts';
import type { OtlpReceiver, ReceivedSpan } from '../../test/support/otlp-receiver.ts';
import { quickstart } from '../../test/support/paths.ts';
import { attachTracing, samplerFromEnv, tracingOptionsFromEnv } from './tracing.ts';
import type { GatewayTracing } from './tracing.ts';

const SECRET = 'sk-test-secret-never-in-a-span';

/** An OpenAI-shaped upstream: records each request's headers and body; `/fail/…` answers 500. */
interface Upstream {
  readonly server: Server;
  readonly port: number;
  readonly received: { path: string; headers: IncomingHttpHeaders; body: Record<string, unknown> }[];
}

function startUpstream(): Promise<Upstream> {
  const received: Upstream['received'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      received.push({ path: req.url ?? '', headers: req.headers, body });
      if (req.url?.startsWith('/fail/')) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'engine exploded', type: 'server_error' } }));
        return;
      }
      const model = `${String(body['model'])}-2024`;
      const usage = { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15, prompt_tokens_details: { cached_tokens: 5 } };
      if (body['stream'] === true) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const chunk = (delta: Record<string, unknown>, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
        res.write(chunk({ role: 'assistant', content: '' }));
        res.write(chunk({ content: 'one ' }));
        res.write(chunk({ content: 'two ' }));
        res.write(chunk({ content: 'three' }, 'stop'));
        if ((body['stream_options'] as { include_usage?: boolean } | undefined)?.include_usage) res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [], usage })}\n\n`);
        res.end('data: [DONE]\n\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model, choices: [{ index: 0, message: { role: 'assistant', content: 'one two three' }, finish_reason: 'stop' }], usage }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, received })));
}

function manifests(upstreamPort: number, echoPort: number): string {
  const aiBackend = (name: string, prefix?: string) => `${backendYaml(name, upstreamPort)}apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: ${name}}
spec:
  schema: {name: OpenAI${prefix !== undefined ? `, prefix: ${prefix}` : ''}}
  backendRef: {name: ${name}, kind: Backend, group: gateway.envoyproxy.io}
---
`;
  return `${TEST_GATEWAY_YAML}${aiBackend('up')}${aiBackend('broken', '/fail/v1')}${backendYaml('echo', echoPort)}apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: traced}]}]
      backendRefs: [{name: up}]
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: traced-override}]}]
      backendRefs: [{name: up, modelNameOverride: upstream-name}]
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: broken}]}]
      backendRefs: [{name: broken}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: plain}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{path: {value: /retry}}]
      retry: {codes: [503], attempts: 1}
      backendRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: echo}]
`;
}

/** Resolves with the next request of `owner` that ends. */
function nextEnd(owner: object): Promise<RequestContext> {
  return new Promise((resolve) => {
    const unsubscribe = events.end.subscribe((ctx) => {
      if (ctx.owner !== owner) return;
      unsubscribe();
      resolve(ctx);
    });
  });
}

const byTrace = (spans: readonly ReceivedSpan[], traceId: string) => spans.filter((s) => s.traceId === traceId);
const serverSpanOf = (spans: readonly ReceivedSpan[], requestId: string) => spans.find((s) => s.kind === SPAN_KIND.SERVER && s.attributes['sluice.request_id'] === requestId);

describe('tracing on a started gateway', () => {
  let receiver: OtlpReceiver;
  let upstream: Upstream;
  let echo: EchoServer;
  let t: TestGateway;
  let tracing: GatewayTracing;
  let client: OpenAI;

  /** Runs `fn`, waits for its request to end and its spans to be exported; returns the server span and its children. */
  async function traced(fn: () => Promise<unknown>): Promise<{ ctx: RequestContext; server: ReceivedSpan; children: ReceivedSpan[] }> {
    const ended = nextEnd(t.gw);
    await fn().catch(() => undefined);
    const ctx = await ended;
    await tracing.forceFlush();
    await receiver.waitFor((spans) => serverSpanOf(spans, ctx.id) !== undefined);
    const server = serverSpanOf(receiver.spans, ctx.id)!;
    return { ctx, server, children: byTrace(receiver.spans, server.traceId).filter((s) => s.parentSpanId === server.spanId) };
  }

  before(async () => {
    receiver = await startOtlpReceiver();
    upstream = await startUpstream();
    echo = await startEcho('echo-pod', { status: (n) => (n % 2 === 1 ? 503 : 200) });
    t = await startTestGateway(manifests(upstream.port, echo.port));
    tracing = attachTracing(t.gw, { endpoint: receiver.tracesUrl, serviceName: 'sluice-test', batch: { scheduledDelayMillis: 20 } });
    client = new OpenAI({ baseURL: `${t.base}/v1`, apiKey: SECRET, maxRetries: 0, timeout: 10_000 });
  });
  after(async () => {
    await tracing.shutdown();
    await t?.close();
    await new Promise<void>((r) => upstream.server.close(() => r()));
    await echo?.close();
    await receiver?.close();
  });

  it('non-streamed: a SERVER span continuing the client trace, a CLIENT span whose context the upstream received', async () => {
    const incomingTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const incomingSpan = '00f067aa0ba902b7';
    const { server, children } = await traced(() => client.chat.completions.create({ model: 'traced', messages: [{ role: 'user', content: 'secret prompt text' }], max_tokens: 7, temperature: 0.5 }, { headers: { traceparent: `00-${incomingTrace}-${incomingSpan}-01` } }));
    assert.equal(server.kind, SPAN_KIND.SERVER);
    assert.equal(server.traceId, incomingTrace);
    assert.equal(server.parentSpanId, incomingSpan);
    assert.equal(server.name, 'chat traced');
    assert.equal(server.resource['service.name'], 'sluice-test');
    assert.equal(server.attributes['http.request.method'], 'POST');
    assert.equal(server.attributes['url.path'], '/v1/chat/completions');
    assert.equal(server.attributes['http.response.status_code'], 200);
    assert.equal(server.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(server.attributes['gen_ai.request.model'], 'traced');
    assert.equal(server.attributes['sluice.route'], 'default/r');
    assert.equal(server.attributes['sluice.verdict'], 'FORWARDED');
    assert.equal(server.status.code, 0);

    assert.equal(children.length, 1);
    const span = children[0]!;
    assert.equal(span.kind, SPAN_KIND.CLIENT);
    assert.equal(span.name, 'chat traced');
    assert.equal(span.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(span.attributes['gen_ai.provider.name'], 'openai');
    assert.equal(span.attributes['gen_ai.request.model'], 'traced');
    assert.equal(span.attributes['gen_ai.response.model'], 'traced-2024');
    assert.equal(span.attributes['gen_ai.request.max_tokens'], 7);
    assert.equal(span.attributes['gen_ai.request.temperature'], 0.5);
    assert.equal(span.attributes['gen_ai.usage.input_tokens'], 12);
    assert.equal(span.attributes['gen_ai.usage.output_tokens'], 3);
    assert.equal(span.attributes['gen_ai.usage.cache_read.input_tokens'], 5);
    assert.equal(span.attributes['server.address'], '127.0.0.1');
    assert.equal(span.attributes['server.port'], upstream.port);
    assert.equal(span.attributes['http.response.status_code'], 200);
    assert.match(String(span.attributes['sluice.backend']), /default\/up$/);
    assert.equal(span.attributes['error.type'], undefined);
    assert.equal(span.attributes['gen_ai.input.messages'], undefined, 'content is not captured unless asked');
    assert.ok(server.startTimeUnixNano <= span.startTimeUnixNano && span.endTimeUnixNano <= server.endTimeUnixNano, 'the attempt lies within the request');

    const got = upstream.received.at(-1)!;
    assert.equal(got.headers.traceparent, `00-${span.traceId}-${span.spanId}-01`);
    const all = JSON.stringify(receiver.spans, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    assert.ok(!all.includes(SECRET), 'the client credential never reaches a span');
    assert.ok(!all.includes('secret prompt text'), 'prompts never reach a span without captureContent');
  });

  it('streamed: a new trace, usage on the attempt, time to first token on the request', async () => {
    const { ctx, server, children } = await traced(async () => {
      const stream = await client.chat.completions.create({ model: 'traced', messages: [{ role: 'user', content: 'stream' }], stream: true });
      let text = '';
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      assert.equal(text, 'one two three');
    });
    assert.equal(ctx.stream, true);
    assert.equal(server.parentSpanId, '');
    assert.equal(server.attributes['http.response.status_code'], 200);
    assert.ok((server.attributes['gen_ai.server.time_to_first_token'] as number) > 0, 'TTFT recorded');
    const firstByte = server.events.find((e) => e.name === 'sluice.first_byte');
    assert.ok(firstByte !== undefined && firstByte.timeUnixNano >= server.startTimeUnixNano && firstByte.timeUnixNano <= server.endTimeUnixNano, 'first byte inside the request');
    const span = children[0]!;
    assert.equal(children.length, 1);
    assert.equal(span.kind, SPAN_KIND.CLIENT);
    assert.equal(span.attributes['gen_ai.usage.output_tokens'], 3);
    assert.equal(span.attributes['gen_ai.response.model'], 'traced-2024');
    assert.equal(upstream.received.at(-1)!.headers.traceparent, `00-${span.traceId}-${span.spanId}-01`);
  });

  it('modelNameOverride: the attempt names the model sent upstream and the original one', async () => {
    const { children } = await traced(() => client.chat.completions.create({ model: 'traced-override', messages: [{ role: 'user', content: 'x' }] }));
    const span = children[0]!;
    assert.equal(span.name, 'chat upstream-name');
    assert.equal(span.attributes['gen_ai.request.model'], 'upstream-name');
    assert.equal(span.attributes['gen_ai.original.model'], 'traced-override');
    assert.equal(upstream.received.at(-1)!.body['model'], 'upstream-name');
  });

  it('an upstream error: the attempt and the request are in error with error.type', async () => {
    const { server, children } = await traced(() => client.chat.completions.create({ model: 'broken', messages: [{ role: 'user', content: 'x' }] }));
    const span = children[0]!;
    assert.equal(span.attributes['http.response.status_code'], 500);
    assert.equal(span.attributes['error.type'], '500');
    assert.equal(span.status.code, 2);
    assert.ok((server.attributes['http.response.status_code'] as number) >= 500, 'a 5xx reached the client');
    assert.equal(server.status.code, 2);
  });

  it('a model no route serves: the request span carries the drop as an admission event, no attempt span', async () => {
    const { server, children } = await traced(() => client.chat.completions.create({ model: 'nobody-serves-this', messages: [{ role: 'user', content: 'x' }] }));
    assert.equal(children.length, 0);
    assert.equal(server.attributes['http.response.status_code'], 404);
    assert.equal(server.attributes['error.type'], 'model_not_found');
    assert.equal(server.attributes['sluice.verdict'], 'DROPPED');
    assert.equal(server.attributes['sluice.drop_reason'], 'model-not-found');
    const admission = server.events.find((e) => e.name === 'sluice.admission');
    assert.equal(admission?.attributes['sluice.verdict'], 'dropped');
    assert.equal(server.status.code, 0, 'a 4xx is not a server-side error');
  });

  it('retries: one CLIENT span per attempt, each upstream request carrying its own attempt', async () => {
    const before = echo.received.length;
    const { server, children } = await traced(() => request(`${t.base}/retry`));
    assert.equal(server.name, 'GET');
    assert.equal(server.attributes['sluice.attempts'], 2);
    const attempts = children.sort((a, b) => Number(a.attributes['sluice.attempt']) - Number(b.attributes['sluice.attempt']));
    assert.equal(attempts.length, 2);
    assert.deepEqual(attempts.map((s) => s.kind), [SPAN_KIND.CLIENT, SPAN_KIND.CLIENT]);
    assert.deepEqual(attempts.map((s) => s.attributes['http.response.status_code']), [503, 200]);
    assert.equal(attempts[0]!.attributes['sluice.retried'], true);
    assert.equal(attempts[0]!.status.code, 2);
    assert.equal(attempts[1]!.status.code, 0);
    assert.equal(attempts[1]!.attributes['sluice.endpoint'], `127.0.0.1:${echo.port}`);
    assert.ok(attempts[0]!.endTimeUnixNano <= attempts[1]!.startTimeUnixNano, 'attempts are sequential');
    const sent = echo.received.slice(before).map((r) => r.headers['traceparent']);
    assert.deepEqual(sent, attempts.map((s) => `00-${s.traceId}-${s.spanId}-01`));
  });
});

describe('tracing options on a started gateway', () => {
  let receiver: OtlpReceiver;
  let upstream: Upstream;
  let echo: EchoServer;
  let t: TestGateway;
  let client: OpenAI;

  before(async () => {
    receiver = await startOtlpReceiver();
    upstream = await startUpstream();
    echo = await startEcho('echo-pod');
    t = await startTestGateway(manifests(upstream.port, echo.port));
    client = new OpenAI({ baseURL: `${t.base}/v1`, apiKey: SECRET, maxRetries: 0, timeout: 10_000 });
  });
  after(async () => {
    await t?.close();
    await new Promise<void>((r) => upstream.server.close(() => r()));
    await echo?.close();
    await receiver?.close();
  });

  it('openinference mode with captureContent: OpenInference names and the input messages', async () => {
    const tracing = attachTracing(t.gw, { endpoint: receiver.tracesUrl, serviceName: 'oi', semconv: 'openinference', captureContent: true });
    try {
      const ended = nextEnd(t.gw);
      await client.chat.completions.create({ model: 'traced', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello there' }] });
      const ctx = await ended;
      await tracing.forceFlush();
      const server = serverSpanOf(receiver.spans, ctx.id)!;
      const span = receiver.spans.find((s) => s.parentSpanId === server.spanId)!;
      assert.equal(span.name, 'ChatCompletion');
      assert.equal(span.kind, SPAN_KIND.CLIENT);
      assert.equal(span.attributes['openinference.span.kind'], 'LLM');
      assert.equal(span.attributes['llm.system'], 'openai');
      assert.equal(span.attributes['llm.provider'], 'openai');
      assert.equal(span.attributes['llm.model_name'], 'traced-2024');
      assert.equal(span.attributes['llm.token_count.prompt'], 12);
      assert.equal(span.attributes['llm.token_count.completion'], 3);
      assert.equal(span.attributes['llm.token_count.total'], 15);
      assert.equal(span.attributes['llm.token_count.prompt_details.cache_read'], 5);
      assert.equal(span.attributes['llm.input_messages.0.message.role'], 'system');
      assert.equal(span.attributes['llm.input_messages.1.message.content'], 'hello there');
      assert.match(String(span.attributes['input.value']), /hello there/);
      assert.equal(span.attributes['gen_ai.usage.input_tokens'], undefined);
    } finally {
      await tracing.shutdown();
    }
  });

  it('gen_ai mode with captureContent: gen_ai.input.messages', async () => {
    const tracing = attachTracing(t.gw, { endpoint: receiver.tracesUrl, serviceName: 'content', captureContent: true });
    try {
      const ended = nextEnd(t.gw);
      await client.chat.completions.create({ model: 'traced', messages: [{ role: 'user', content: 'capture me' }] });
      const ctx = await ended;
      await tracing.forceFlush();
      const server = serverSpanOf(receiver.spans, ctx.id)!;
      const span = receiver.spans.find((s) => s.parentSpanId === server.spanId)!;
      assert.deepEqual(JSON.parse(String(span.attributes['gen_ai.input.messages'])), [{ role: 'user', content: 'capture me' }]);
    } finally {
      await tracing.shutdown();
    }
  });

  it('sampled out: nothing exported, the upstream still gets a traceparent (not sampled)', async () => {
    const tracing = attachTracing(t.gw, { endpoint: receiver.tracesUrl, serviceName: 'off', sampler: samplerFromEnv('always_off', undefined) });
    try {
      const ended = nextEnd(t.gw);
      await client.chat.completions.create({ model: 'traced', messages: [{ role: 'user', content: 'x' }] });
      await ended;
      await tracing.forceFlush();
      assert.equal(receiver.spans.filter((s) => s.resource['service.name'] === 'off').length, 0);
      assert.match(String(upstream.received.at(-1)!.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    } finally {
      await tracing.shutdown();
    }
  });

  it('disabled: no subscription, no traceparent added', async () => {
    const tracing = attachTracing(t.gw, { enabled: false });
    assert.equal(tracing.enabled, false);
    const ended = nextEnd(t.gw);
    await client.chat.completions.create({ model: 'traced', messages: [{ role: 'user', content: 'x' }] });
    await ended;
    assert.equal(upstream.received.at(-1)!.headers.traceparent, undefined);
    await tracing.shutdown();
  });

  it('reports export failures without the collector headers, at most once a minute', async () => {
    const lines: string[] = [];
    const failing = { export: (_s: unknown, done: (r: { code: number; error?: Error }) => void) => done({ code: 1, error: new Error('collector said no') }), shutdown: () => Promise.resolve() };
    const tracing = attachTracing(t.gw, { exporter: failing, headers: { authorization: 'Bearer collector-token' }, log: (l) => lines.push(l) });
    try {
      for (let i = 0; i < 2; i++) {
        const ended = nextEnd(t.gw);
        await client.chat.completions.create({ model: 'traced', messages: [{ role: 'user', content: 'x' }] });
        await ended;
        await tracing.forceFlush();
      }
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, /tracing: exporting spans failed \(1 failure\(s\) so far\): collector said no/);
      assert.ok(!lines[0]!.includes('collector-token'), 'collector headers are never logged');
    } finally {
      await tracing.shutdown();
    }
  });
});

describe('tracing an InferencePool request', () => {
  let gw: Gateway;
  let receiver: OtlpReceiver;
  let tracing: GatewayTracing;

  before(async () => {
    receiver = await startOtlpReceiver();
    gw = await Gateway.start({ files: [quickstart], port: 0, adminPort: false, watch: false, log: () => undefined, simulatorDefaults: { timeToFirstTokenMs: 1, interTokenLatencyMs: 1 } });
    tracing = attachTracing(gw, { endpoint: receiver.tracesUrl });
  });
  after(async () => {
    await tracing.shutdown();
    await gw?.close();
    await receiver?.close();
  });

  it('the pick decision is an event on the attempt span, which names the pod', async () => {
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${gw.listenerPort(0) ?? gw.listenerPort(8080)}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 10_000 });
    const ended = nextEnd(gw);
    await client.chat.completions.create({ model: 'meta-llama/Llama-3.1-8B-Instruct', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });
    const ctx = await ended;
    await tracing.forceFlush();
    const server = serverSpanOf(receiver.spans, ctx.id)!;
    const span = receiver.spans.find((s) => s.parentSpanId === server.spanId)!;
    const pick = span.events.find((e) => e.name === 'sluice.pick');
    assert.ok(pick !== undefined, 'a pick event');
    assert.equal(pick.attributes['sluice.pick.pool'], ctx.decision!.pool);
    assert.equal(pick.attributes['sluice.pick.endpoint'], ctx.endpoint!.podName);
    assert.equal(typeof pick.attributes['sluice.pick.score'], 'number');
    assert.equal(span.attributes['sluice.endpoint'], ctx.endpoint!.podName);
    assert.equal(span.attributes['sluice.backend'], 'InferencePool default/llama');
    assert.equal(span.attributes['gen_ai.provider.name'], 'openai');
  });
});

describe('tracingOptionsFromEnv', () => {
  it('is off unless an endpoint or the otlp exporter is asked for', () => {
    assert.equal(tracingOptionsFromEnv({}).enabled, false);
    assert.equal(tracingOptionsFromEnv({ OTEL_TRACES_EXPORTER: 'otlp' }).enabled, true);
    assert.equal(tracingOptionsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).enabled, true);
    assert.equal(tracingOptionsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).enabled, false);
    assert.equal(tracingOptionsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }).enabled, false);
  });

  it('builds the traces URL the OTLP way', () => {
    assert.equal(tracingOptionsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }).endpoint, 'http://c:4318/v1/traces');
    assert.equal(tracingOptionsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:9999/custom' }).endpoint, 'http://t:9999/custom');
  });

  it('reads the service name, resource attributes, headers, mode and content switch', () => {
    const o = tracingOptionsFromEnv({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SERVICE_NAME: 'edge', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,team=ml', OTEL_EXPORTER_OTLP_HEADERS: 'x-token=abc', SLUICE_TRACING_SEMCONV: 'openinference', OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' });
    assert.equal(o.serviceName, 'edge');
    assert.deepEqual(o.resourceAttributes, { 'deployment.environment': 'prod', team: 'ml' });
    assert.deepEqual(o.headers, { 'x-token': 'abc' });
    assert.equal(o.semconv, 'openinference');
    assert.equal(o.captureContent, true);
    const d = tracingOptionsFromEnv({ OTEL_TRACES_EXPORTER: 'otlp' });
    assert.equal(d.serviceName, 'sluice');
    assert.equal(d.semconv, 'gen_ai');
    assert.equal(d.captureContent, false);
  });

  it('refuses what it cannot honour', () => {
    assert.throws(() => tracingOptionsFromEnv({ OTEL_TRACES_EXPORTER: 'zipkin' }), /not supported/);
    assert.throws(() => tracingOptionsFromEnv({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }), /grpc is not supported/);
    assert.throws(() => tracingOptionsFromEnv({ SLUICE_TRACING_SEMCONV: 'other' }), /not supported/);
    assert.throws(() => tracingOptionsFromEnv({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'jaeger_remote' }), /not supported/);
    assert.throws(() => tracingOptionsFromEnv({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' }), /between 0 and 1/);
    assert.doesNotThrow(() => tracingOptionsFromEnv({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }));
  });

  it('samplers: the SDK values', () => {
    assert.match(samplerFromEnv(undefined, undefined).toString(), /ParentBased/);
    assert.match(samplerFromEnv('traceidratio', '0.25').toString(), /0\.25/);
    assert.match(samplerFromEnv('always_off', undefined).toString(), /AlwaysOff/);
  });
});
