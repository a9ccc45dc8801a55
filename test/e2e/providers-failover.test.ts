// End to end: one fallback chain across providers — a self-hosted vLLM (OpenAI schema), then AWS
// Bedrock, then Anthropic (backendRef priority 0, 1, 2) — with each provider a simulator Deployment
// that checks its credential as the provider does (--api-key, --aws-*). A recording node:http proxy sits
// in front of each simulator, so the test sees what every upstream received: path, body, headers.
// Failures of the first tiers come from the simulators' own fault injection (POST /admin/config), a
// Backend on a closed port (connection refused), and an upstream answering 429 with Retry-After.
// Loopback only; no timing asserted; waits are bounded.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import type { RequestContext } from '../../src/runtime/context.ts';
import { events } from '../../src/runtime/events.ts';
import { startTestGateway, TEST_GATEWAY_YAML } from '../support/gateway.ts';
import type { TestGateway } from '../support/gateway.ts';

const SIM_IMAGE = 'ghcr.io/llm-d/llm-d-inference-sim:v0.4.0';
const VLLM_KEY = 'vllm-failover-key';
const ANTHROPIC_KEY = 'sk-ant-failover-provider-key';
const AWS_ID = 'AKIAFAILOVEREXAMPLE';
const AWS_SECRET = 'failover/aws/secret/key';
/** The client's own credential, sent in every header a provider might read. It must reach none. */
const CLIENT_KEY = 'sk-client-failover-secret';

const POOL_MODEL = 'llama-3.1-8b';
const BEDROCK_MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const CLAUDE_MODEL = 'claude-3-5-haiku-20241022';

// ---------------------------------------------------------------------------------------------
// Upstream doubles: recording proxies, a closed port, a provider that is rate limiting.

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

interface Recorder {
  readonly port: number;
  readonly seen: Received[];
  target: string;
  close(): Promise<void>;
}

/** Forwards everything to `target` unchanged (Host included: it is signed by SigV4), recording it. */
async function startRecorder(): Promise<Recorder> {
  const seen: Received[] = [];
  const state = { target: '' };
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: body.toString('utf8') });
      const target = new URL(state.target);
      const out = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    get target() {
      return state.target;
    },
    set target(v: string) {
      state.target = v;
    },
    close: () => closeServer(server),
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await closeServer(s);
  return port;
}

/** An OpenAI-compatible provider that is rate limiting: 429 with Retry-After: 300 to everything. */
async function startRateLimited(): Promise<{ port: number; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '300' });
      res.end('{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, hits: () => hits, close: () => closeServer(server) };
}

// ---------------------------------------------------------------------------------------------
// Manifests.

function simDeployment(name: string, args: readonly string[]): string {
  return `apiVersion: apps/v1
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
          image: ${SIM_IMAGE}
          args: ${JSON.stringify(['--port', '8000', ...args])}
          ports: [{containerPort: 8000}]
---
`;
}

function backend(name: string, port: number, schema: string): string {
  return `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: ${name}}
spec:
  endpoints: [{ip: {address: 127.0.0.1, port: ${port}}}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: ${name}}
spec:
  schema: {name: ${schema}}
  backendRef: {name: ${name}, kind: Backend, group: gateway.envoyproxy.io}
---
`;
}

function policy(name: string, target: string, spec: string): string {
  return `apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: ${name}}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: ${target}}]
${spec}
---
`;
}

interface Ports {
  readonly vllm: number;
  readonly bedrock: number;
  readonly anthropic: number;
  readonly dead: number;
  readonly limited: number;
}

function manifests(p: Ports): string {
  const chain = (first: string) => `      backendRefs:
        - {name: ${first}, modelNameOverride: ${first === 'limited' || first === 'dead' ? POOL_MODEL : POOL_MODEL}, priority: 0}
        - {name: bedrock, modelNameOverride: "${BEDROCK_MODEL}", priority: 1}
        - {name: anthropic, modelNameOverride: ${CLAUDE_MODEL}, priority: 2}`;
  return (
    TEST_GATEWAY_YAML +
    simDeployment('vllm', ['--model', 'meta-llama/Llama-3.1-8B-Instruct', '--served-model-name', POOL_MODEL, '--api-key', VLLM_KEY]) +
    simDeployment('bedrock', ['--model', BEDROCK_MODEL, '--aws-access-key-id', AWS_ID, '--aws-secret-access-key', AWS_SECRET, '--aws-region', 'us-east-1']) +
    simDeployment('anthropic', ['--model', CLAUDE_MODEL, '--api-key', ANTHROPIC_KEY]) +
    backend('vllm', p.vllm, 'OpenAI') +
    backend('bedrock', p.bedrock, 'AWSBedrock') +
    backend('anthropic', p.anthropic, 'Anthropic') +
    backend('dead', p.dead, 'OpenAI') +
    backend('limited', p.limited, 'OpenAI') +
    `apiVersion: v1
kind: Secret
metadata: {name: vllm-key}
stringData: {apiKey: ${VLLM_KEY}}
---
apiVersion: v1
kind: Secret
metadata: {name: anthropic-key}
stringData: {apiKey: ${ANTHROPIC_KEY}}
---
apiVersion: v1
kind: Secret
metadata: {name: aws-credentials}
stringData:
  credentials: |
    [default]
    aws_access_key_id = ${AWS_ID}
    aws_secret_access_key = ${AWS_SECRET}
---
` +
    policy('vllm', 'vllm', '  type: APIKey\n  apiKey: {secretRef: {name: vllm-key}}') +
    policy('dead', 'dead', '  type: APIKey\n  apiKey: {secretRef: {name: vllm-key}}') +
    policy('limited', 'limited', '  type: APIKey\n  apiKey: {secretRef: {name: vllm-key}}') +
    policy('bedrock', 'bedrock', '  type: AWSCredentials\n  awsCredentials: {region: us-east-1, credentialsFile: {secretRef: {name: aws-credentials}}}') +
    policy('anthropic', 'anthropic', '  type: AnthropicAPIKey\n  anthropicAPIKey: {secretRef: {name: anthropic-key}}') +
    `apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: chain}
spec:
  parentRefs: [{name: gw}]
  rules:
    - name: chain
      matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: assistant}]}]
${chain('vllm')}
    - name: refused
      matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: assistant-refused}]}]
${chain('dead')}
    - name: cooldown
      matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: assistant-cooldown}]}]
${chain('limited')}
    - name: limited-only
      matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: limited-only}]}]
      backendRefs: [{name: limited, modelNameOverride: ${POOL_MODEL}}]
`
  );
}

// ---------------------------------------------------------------------------------------------

/** Deployment name → simulator URL, from the gateway's "started simulator pod …" log lines. */
function simulatorUrls(lines: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of lines) {
    const m = /^started simulator pod [^/]+\/(.+)-[0-9a-f]+-\d+ \(.*\) on (http:\/\/\S+)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** Sets the simulator's runtime faults (its POST /admin/config). */
async function faults(url: string, config: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${url}/admin/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(config) });
  assert.equal(res.status, 200, await res.text());
}

const HEALTHY = { 'failure-injection-rate': 0, 'fault-reset-rate': 0 };

interface AttemptView {
  readonly backend: string;
  readonly status: number;
  readonly error: string | undefined;
}

describe('a fallback chain vLLM → Bedrock → Anthropic', () => {
  let tg: TestGateway;
  let sims: Map<string, string>;
  const rec: Record<'vllm' | 'bedrock' | 'anthropic', Recorder> = {} as never;
  let limited: Awaited<ReturnType<typeof startRateLimited>>;
  const ended = new Map<string, AttemptView[]>();
  const waiters = new Map<string, () => void>();
  let unsubscribe: () => void;
  let n = 0;

  const sim = (name: string): string => {
    const url = sims.get(name);
    assert.ok(url, `simulator Deployment ${name} did not start`);
    return url;
  };

  /** The client sends its own key as Bearer, x-api-key, api-key and x-goog-api-key. */
  const openai = (requestId: string) =>
    new OpenAI({ baseURL: `${tg.base}/v1`, apiKey: CLIENT_KEY, maxRetries: 0, defaultHeaders: { 'x-request-id': requestId, 'x-api-key': CLIENT_KEY, 'api-key': CLIENT_KEY, 'x-goog-api-key': CLIENT_KEY } });

  /** The attempts of request `id`, once it ended (bounded wait). */
  async function attemptsOf(id: string): Promise<AttemptView[]> {
    if (!ended.has(id)) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`request ${id} did not end within 5 s`)), 5000);
        waiters.set(id, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return ended.get(id)!;
  }

  async function ask(model: string, stream = false): Promise<{ id: string; text: string; model: string; usage: OpenAI.CompletionUsage | null | undefined }> {
    const id = `failover-${++n}`;
    const client = openai(id);
    if (!stream) {
      const c = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Which backend answers?' }], max_tokens: 8 });
      return { id, text: c.choices[0]?.message.content ?? '', model: c.model, usage: c.usage };
    }
    const s = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Which backend answers?' }], max_tokens: 8, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let m = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of s) {
      text += chunk.choices[0]?.delta.content ?? '';
      m = chunk.model;
      if (chunk.usage) usage = chunk.usage;
    }
    return { id, text, model: m, usage };
  }

  /** No header any provider received carries the client's key. */
  function assertNoClientKey(): void {
    for (const [name, r] of Object.entries(rec)) {
      for (const got of r.seen) {
        for (const [h, v] of Object.entries(got.headers)) assert.ok(!String(v).includes(CLIENT_KEY), `${name} received the client's key in ${h}`);
        assert.ok(!got.body.includes(CLIENT_KEY), `${name} received the client's key in the body`);
      }
    }
  }

  function assertVllmRequest(got: Received | undefined): void {
    assert.ok(got, 'the vLLM upstream received the request');
    assert.equal(got.url, '/v1/chat/completions');
    assert.equal(got.headers['authorization'], `Bearer ${VLLM_KEY}`);
    assert.equal(got.headers['x-api-key'], undefined);
    assert.equal(got.headers['api-key'], undefined);
    assert.equal(got.headers['x-goog-api-key'], undefined);
    assert.equal((JSON.parse(got.body) as { model?: string }).model, POOL_MODEL);
  }

  function assertBedrockRequest(got: Received | undefined, stream: boolean): void {
    assert.ok(got, 'Bedrock received the request');
    assert.equal(got.url, `/model/${encodeURIComponent(BEDROCK_MODEL)}/${stream ? 'converse-stream' : 'converse'}`);
    assert.match(String(got.headers['authorization']), new RegExp(`^AWS4-HMAC-SHA256 Credential=${AWS_ID}/\\d{8}/us-east-1/bedrock/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$`));
    assert.match(String(got.headers['x-amz-date']), /^\d{8}T\d{6}Z$/);
    assert.equal(got.headers['x-api-key'], undefined);
    assert.equal(got.headers['api-key'], undefined);
    const body = JSON.parse(got.body) as { model?: unknown; messages?: unknown[]; inferenceConfig?: { maxTokens?: number } };
    assert.equal(body.model, undefined, 'Converse names the model in the path only');
    assert.equal(body.inferenceConfig?.maxTokens, 8);
    assert.ok(Array.isArray(body.messages));
  }

  function assertAnthropicRequest(got: Received | undefined): void {
    assert.ok(got, 'Anthropic received the request');
    assert.equal(got.url, '/v1/messages');
    assert.equal(got.headers['x-api-key'], ANTHROPIC_KEY);
    assert.equal(got.headers['authorization'], undefined, "the client's Authorization is not forwarded");
    assert.equal(got.headers['api-key'], undefined);
    assert.ok(typeof got.headers['anthropic-version'] === 'string');
    const body = JSON.parse(got.body) as { model?: string; max_tokens?: number };
    assert.equal(body.model, CLAUDE_MODEL);
    assert.equal(body.max_tokens, 8);
  }

  before(async () => {
    const [v, b, a] = await Promise.all([startRecorder(), startRecorder(), startRecorder()]);
    rec.vllm = v;
    rec.bedrock = b;
    rec.anthropic = a;
    limited = await startRateLimited();
    const ports: Ports = { vllm: v.port, bedrock: b.port, anthropic: a.port, dead: await closedPort(), limited: limited.port };
    const lines: string[] = [];
    tg = await startTestGateway(manifests(ports), { log: (l) => lines.push(l), simulatorDefaults: { prefillOverheadMs: 0, prefillTimePerTokenMs: 0, interTokenLatencyMs: 0, timeToFirstTokenMs: 0 } });
    sims = simulatorUrls(lines);
    rec.vllm.target = sim('vllm');
    rec.bedrock.target = sim('bedrock');
    rec.anthropic.target = sim('anthropic');
    unsubscribe = events.end.subscribe((ctx: RequestContext) => {
      if (ctx.owner !== tg.gw) return;
      ended.set(ctx.id, ctx.attempts.map((x) => ({ backend: x.backend, status: x.status, error: x.error })));
      waiters.get(ctx.id)?.();
    });
  });

  after(async () => {
    unsubscribe?.();
    await tg?.close();
    await Promise.all([rec.vllm?.close(), rec.bedrock?.close(), rec.anthropic?.close(), limited?.close()]);
  });

  beforeEach(async () => {
    for (const r of Object.values(rec)) r.seen.length = 0;
    await Promise.all(['vllm', 'bedrock', 'anthropic'].map((s) => faults(sim(s), HEALTHY)));
  });

  it('healthy: the first tier answers with its own credential; the others are not asked', async () => {
    const r = await ask('assistant');
    assert.equal(r.model, POOL_MODEL);
    assert.ok(r.text.length > 0);
    assert.deepEqual(await attemptsOf(r.id), [{ backend: 'AIServiceBackend default/vllm', status: 200, error: undefined }]);
    assert.equal(rec.vllm.seen.length, 1);
    assertVllmRequest(rec.vllm.seen[0]);
    assert.equal(rec.bedrock.seen.length, 0);
    assert.equal(rec.anthropic.seen.length, 0);
    assertNoClientKey();
  });

  for (const stream of [false, true]) {
    const kind = stream ? 'streamed' : 'whole';
    it(`vLLM answers 503 (its fault injection): Bedrock serves the ${kind} answer, SigV4-signed with the gateway's keys`, async () => {
      await faults(sim('vllm'), { 'failure-injection-rate': 100, 'failure-types': [503] });
      const r = await ask('assistant', stream);
      assert.equal(r.model, BEDROCK_MODEL);
      assert.ok(r.text.length > 0);
      assert.ok(r.usage && r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0);
      assert.deepEqual(await attemptsOf(r.id), [
        { backend: 'AIServiceBackend default/vllm', status: 503, error: undefined },
        { backend: 'AIServiceBackend default/bedrock', status: 200, error: undefined },
      ]);
      assertVllmRequest(rec.vllm.seen[0]);
      assert.equal(rec.bedrock.seen.length, 1);
      assertBedrockRequest(rec.bedrock.seen[0], stream);
      assert.equal(rec.anthropic.seen.length, 0);
      assertNoClientKey();
    });

    it(`vLLM and Bedrock answer 503: Anthropic serves the ${kind} answer with its x-api-key, and the client's Authorization reaches no one`, async () => {
      await faults(sim('vllm'), { 'failure-injection-rate': 100, 'failure-types': [503] });
      await faults(sim('bedrock'), { 'failure-injection-rate': 100, 'failure-types': [503] });
      const r = await ask('assistant', stream);
      assert.equal(r.model, CLAUDE_MODEL);
      assert.ok(r.text.length > 0);
      assert.deepEqual(await attemptsOf(r.id), [
        { backend: 'AIServiceBackend default/vllm', status: 503, error: undefined },
        { backend: 'AIServiceBackend default/bedrock', status: 503, error: undefined },
        { backend: 'AIServiceBackend default/anthropic', status: 200, error: undefined },
      ]);
      assertVllmRequest(rec.vllm.seen[0]);
      assertBedrockRequest(rec.bedrock.seen[0], stream);
      assert.equal(rec.anthropic.seen.length, 1);
      assertAnthropicRequest(rec.anthropic.seen[0]);
      assertNoClientKey();
    });
  }

  it('vLLM resets the connection: Bedrock serves', async () => {
    await faults(sim('vllm'), { 'fault-reset-rate': 100 });
    const r = await ask('assistant');
    assert.equal(r.model, BEDROCK_MODEL);
    const attempts = await attemptsOf(r.id);
    assert.equal(attempts.length, 2);
    assert.equal(attempts[0]?.backend, 'AIServiceBackend default/vllm');
    assert.equal(attempts[0]?.error, 'upstream_unreachable');
    assert.deepEqual(attempts[1], { backend: 'AIServiceBackend default/bedrock', status: 200, error: undefined });
    assertBedrockRequest(rec.bedrock.seen[0], false);
  });

  it('the first tier refuses connections (a Backend on a closed port): Bedrock serves', async () => {
    const r = await ask('assistant-refused');
    assert.equal(r.model, BEDROCK_MODEL);
    const attempts = await attemptsOf(r.id);
    assert.deepEqual(attempts.map((x) => [x.backend, x.error]), [
      ['AIServiceBackend default/dead', 'upstream_unreachable'],
      ['AIServiceBackend default/bedrock', undefined],
    ]);
    assertBedrockRequest(rec.bedrock.seen[0], false);
    assertNoClientKey();
  });

  it('the first tier answers 429 with Retry-After: Bedrock serves, and the tier stays out of rotation for later requests', async () => {
    const before = limited.hits();
    const first = await ask('assistant-cooldown');
    assert.equal(first.model, BEDROCK_MODEL);
    assert.deepEqual((await attemptsOf(first.id)).map((x) => [x.backend, x.status]), [
      ['AIServiceBackend default/limited', 429],
      ['AIServiceBackend default/bedrock', 200],
    ]);
    assert.equal(limited.hits(), before + 1);
    // Retry-After: 300 keeps it cooling far longer than this test runs.
    const second = await ask('assistant-cooldown', true);
    assert.equal(second.model, BEDROCK_MODEL);
    assert.deepEqual((await attemptsOf(second.id)).map((x) => [x.backend, x.status]), [['AIServiceBackend default/bedrock', 200]]);
    assert.equal(limited.hits(), before + 1, 'the rate-limited provider was not asked again');
  });

  it('every tier fails: the client gets the last provider\'s error in the OpenAI shape', async () => {
    for (const s of ['vllm', 'bedrock', 'anthropic']) await faults(sim(s), { 'failure-injection-rate': 100, 'failure-types': [503] });
    const id = `failover-${++n}`;
    await assert.rejects(openai(id).chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'anyone?' }], max_tokens: 8 }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.APIError);
      // Anthropic's 503 (overloaded_error), kept as 503 in the OpenAI shape.
      assert.equal(e.status, 503);
      const body = e.error as { message?: unknown; type?: unknown; code?: unknown } | undefined;
      assert.equal(body?.type, 'service_unavailable');
      assert.equal(body?.code, 'overloaded_error');
      assert.match(String(body?.message), /503/);
      return true;
    });
    assert.deepEqual((await attemptsOf(id)).map((x) => [x.backend, x.status]), [
      ['AIServiceBackend default/vllm', 503],
      ['AIServiceBackend default/bedrock', 503],
      ['AIServiceBackend default/anthropic', 503],
    ]);
    assertNoClientKey();
  });

  it('an Anthropic client on the same chain fails over too (Anthropic → OpenAI, → Bedrock, → Anthropic)', async () => {
    await faults(sim('vllm'), { 'failure-injection-rate': 100, 'failure-types': [503] });
    await faults(sim('bedrock'), { 'failure-injection-rate': 100, 'failure-types': [500] });
    const client = new Anthropic({ baseURL: tg.base, apiKey: CLIENT_KEY, maxRetries: 0, defaultHeaders: { authorization: `Bearer ${CLIENT_KEY}` } });
    const m = await client.messages.stream({ model: 'assistant', max_tokens: 8, messages: [{ role: 'user', content: 'Which backend answers?' }] }).finalMessage();
    assert.equal(m.model, CLAUDE_MODEL);
    assert.equal(rec.vllm.seen.length, 1);
    assert.equal(rec.bedrock.seen.length, 1);
    assert.equal(rec.bedrock.seen[0]?.url, `/model/${encodeURIComponent(BEDROCK_MODEL)}/converse-stream`);
    assert.equal(rec.anthropic.seen.length, 1);
    assert.equal(rec.anthropic.seen[0]?.headers['x-api-key'], ANTHROPIC_KEY);
    assertNoClientKey();
  });

  describe('a rate-limited backend with nothing behind it: the 429 reaches the client', () => {
    const post = (path: string, body: unknown) => fetch(tg.base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    it('an Anthropic client gets 429 rate_limit_error with the provider\'s Retry-After', async () => {
      const res = await post('/v1/messages', { model: 'limited-only', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('retry-after'), '300');
      assert.equal(((await res.json()) as { error?: { type?: string } }).error?.type, 'rate_limit_error');
    });

    it('an OpenAI client gets the 429 in the OpenAI shape', async () => {
      const res = await post('/v1/chat/completions', { model: 'limited-only', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.status, 429);
      assert.equal(((await res.json()) as { error?: { code?: string } }).error?.code, 'rate_limit_exceeded');
    });

    it("an OpenAI or Gemini client gets the provider's Retry-After too", async () => {
        const openai = await post('/v1/chat/completions', { model: 'limited-only', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] });
        assert.equal(openai.headers.get('retry-after'), '300');
        const gemini = await post('/v1beta/models/limited-only:generateContent', { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
        assert.equal(gemini.status, 429);
        assert.equal(gemini.headers.get('retry-after'), '300');
    });
  });

  // Last: the simulator's 429 carries Retry-After: 1, which keeps vLLM out of rotation for a second.
  it('vLLM answers 429 (its fault injection, Retry-After: 1): Bedrock serves', async () => {
    await faults(sim('vllm'), { 'failure-injection-rate': 100, 'failure-types': ['rate_limit'] });
    const r = await ask('assistant');
    assert.equal(r.model, BEDROCK_MODEL);
    assert.deepEqual((await attemptsOf(r.id)).map((x) => [x.backend, x.status]), [
      ['AIServiceBackend default/vllm', 429],
      ['AIServiceBackend default/bedrock', 200],
    ]);
    assertBedrockRequest(rec.bedrock.seen[0], false);
    assertNoClientKey();
  });
});
