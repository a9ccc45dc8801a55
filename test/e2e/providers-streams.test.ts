// End to end: a provider that writes its stream in odd pieces gives the client exactly the events it
// gives when it writes the stream in one piece. The provider is a node:http upstream this test
// controls; it replays streams recorded from the simulator (Anthropic Messages SSE, Bedrock
// ConverseStream and InvokeModel event-stream frames, OpenAI chat SSE), either whole or cut at random
// byte boundaries (fast-check chooses the piece sizes; each piece is its own write, on its own turn of
// the event loop). The client reads the gateway's answer raw (every SSE event) and through the official
// SDK. Loopback only; no timing asserted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startSimulator } from '../../simulator/server.ts';
import { startTestGateway, TEST_GATEWAY_YAML } from '../support/gateway.ts';
import type { TestGateway } from '../support/gateway.ts';

const CLAUDE = 'claude-3-5-haiku-20241022';
const BEDROCK = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const LLAMA = 'llama-3.1-8b';
const TOOLS_OPENAI = [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1, maximum: 7 } }, required: ['city', 'days'] } } }];
const TOOLS_ANTHROPIC = [{ name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1, maximum: 7 } }, required: ['city', 'days'] } }];
const TOOLS_BEDROCK = { tools: [{ toolSpec: { name: 'get_weather', description: 'Weather for a city', inputSchema: { json: TOOLS_ANTHROPIC[0]!.input_schema } } }] };

/** One recorded provider stream: what the upstream answers, byte for byte. */
interface Recorded {
  readonly contentType: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** What a recorded answer is keyed by: the upstream path kind, and whether the request had tools. */
type Kind = 'anthropic' | 'converse' | 'invoke' | 'openai';
const key = (kind: Kind, tools: boolean) => `${kind}${tools ? '+tools' : ''}`;

async function record(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Recorded> {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.equal(res.status, 200, `recording ${path}: ${bytes.toString('utf8').slice(0, 300)}`);
  const keep: Record<string, string> = {};
  for (const h of ['x-amzn-requestid', 'request-id']) {
    const v = res.headers.get(h);
    if (v !== null) keep[h] = v;
  }
  return { contentType: res.headers.get('content-type') ?? '', headers: keep, body: bytes };
}

/** Streams recorded from the simulator, one per dialect and variant (enough tokens for many events). */
async function recordStreams(): Promise<Map<string, Recorded>> {
  const out = new Map<string, Recorded>();
  const base = { prefillOverheadMs: 0, prefillTimePerTokenMs: 0, interTokenLatencyMs: 0, timeToFirstTokenMs: 0, seed: 7, port: 0, host: '127.0.0.1' };
  const sims = await Promise.all([startSimulator({ ...base, model: CLAUDE }), startSimulator({ ...base, model: BEDROCK }), startSimulator({ ...base, model: LLAMA })]);
  try {
    const [claude, bedrock, llama] = sims.map((s) => s.url) as [string, string, string];
    const text = 'Tell me about the weather in Lisbon, in some detail.';
    const messages = [{ role: 'user', content: text }];
    out.set(key('anthropic', false), await record(claude, '/v1/messages', { model: CLAUDE, max_tokens: 40, stream: true, messages, system: 'Be helpful.' }));
    out.set(key('anthropic', true), await record(claude, '/v1/messages', { model: CLAUDE, max_tokens: 200, stream: true, messages, tools: TOOLS_ANTHROPIC, tool_choice: { type: 'any' } }));
    const converse = { messages: [{ role: 'user', content: [{ text }] }], inferenceConfig: { maxTokens: 40 } };
    const bedrockPath = `/model/${encodeURIComponent(BEDROCK)}`;
    out.set(key('converse', false), await record(bedrock, `${bedrockPath}/converse-stream`, converse));
    out.set(key('converse', true), await record(bedrock, `${bedrockPath}/converse-stream`, { ...converse, inferenceConfig: { maxTokens: 200 }, toolConfig: { ...TOOLS_BEDROCK, toolChoice: { any: {} } } }));
    out.set(key('invoke', false), await record(bedrock, `${bedrockPath}/invoke-with-response-stream`, { anthropic_version: 'bedrock-2023-05-31', max_tokens: 40, messages }));
    out.set(key('openai', false), await record(llama, '/v1/chat/completions', { model: LLAMA, max_tokens: 40, ignore_eos: true, stream: true, stream_options: { include_usage: true }, messages }));
    out.set(key('openai', true), await record(llama, '/v1/chat/completions', { model: LLAMA, max_tokens: 200, stream: true, stream_options: { include_usage: true }, messages, tools: TOOLS_OPENAI, tool_choice: 'required' }));
  } finally {
    await Promise.all(sims.map((s) => s.close()));
  }
  return out;
}

/** How the upstream writes its answer now: whole, or in pieces of these sizes (cycled). */
let split: readonly number[] | undefined;
/** Pieces written for the last answer. */
let lastPieces = 0;

function kindOf(path: string): Kind | undefined {
  if (path.endsWith('/messages')) return 'anthropic';
  if (path.endsWith('/converse-stream')) return 'converse';
  if (path.endsWith('/invoke-with-response-stream')) return 'invoke';
  if (path.endsWith('/chat/completions')) return 'openai';
  return undefined;
}

async function startProvider(streams: ReadonlyMap<string, Recorded>): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { tools?: unknown; toolConfig?: unknown };
      const kind = kindOf(req.url ?? '');
      const rec = kind && streams.get(key(kind, body.tools !== undefined || body.toolConfig !== undefined));
      if (!rec) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(`{"message":"no recording for ${req.url}"}`);
        return;
      }
      res.writeHead(200, { 'content-type': rec.contentType, ...rec.headers });
      const sizes = split;
      if (!sizes) {
        lastPieces = 1;
        res.end(rec.body);
        return;
      }
      // Each piece its own write on its own event-loop turn, so the gateway reads them apart.
      let at = 0;
      let i = 0;
      lastPieces = 0;
      const next = () => {
        if (res.destroyed) return;
        if (at >= rec.body.length) {
          res.end();
          return;
        }
        const size = sizes[i++ % sizes.length]!;
        res.write(rec.body.subarray(at, at + size));
        lastPieces++;
        at += size;
        setImmediate(next);
      };
      next();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function manifests(port: number): string {
  const backends = [
    ['anthropic', 'Anthropic'],
    ['bedrock', 'AWSBedrock'],
    ['bedrock-claude', 'AWSAnthropic'],
    ['vllm', 'OpenAI'],
  ];
  let yaml = TEST_GATEWAY_YAML;
  for (const [name, schema] of backends) {
    yaml += `apiVersion: gateway.envoyproxy.io/v1alpha1
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
  return (
    yaml +
    `apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: streams}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${CLAUDE}}]}]
      backendRefs: [{name: anthropic}]
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: "${BEDROCK}"}]}]
      backendRefs: [{name: bedrock}]
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: bedrock-claude}]}]
      backendRefs: [{name: bedrock-claude, modelNameOverride: "${BEDROCK}"}]
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${LLAMA}}]}]
      backendRefs: [{name: vllm}]
`
  );
}

/** The client-visible events of an SSE answer: event name and data (JSON parsed; `created` dropped). */
function events(text: string): { event?: string; data: unknown }[] {
  const out: { event?: string; data: unknown }[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    if (block.trim() === '') continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    const raw = data.join('\n');
    let parsed: unknown = raw;
    try {
      parsed = JSON.parse(raw);
    } catch {
      // [DONE]
    }
    // The gateway stamps `created` with its clock when the provider's stream has none.
    if (parsed && typeof parsed === 'object' && 'created' in parsed) delete (parsed as { created?: unknown }).created;
    out.push(event === undefined ? { data: parsed } : { event, data: parsed });
  }
  return out;
}

interface Case {
  readonly name: string;
  readonly path: string;
  readonly body: Record<string, unknown>;
}

const ASK = [{ role: 'user', content: 'Tell me about the weather in Lisbon, in some detail.' }];
const CASES: readonly Case[] = [
  { name: 'OpenAI → Anthropic', path: '/v1/chat/completions', body: { model: CLAUDE, max_tokens: 40, stream: true, stream_options: { include_usage: true }, messages: ASK } },
  { name: 'OpenAI → Anthropic, a tool call', path: '/v1/chat/completions', body: { model: CLAUDE, max_tokens: 200, stream: true, stream_options: { include_usage: true }, messages: ASK, tools: TOOLS_OPENAI, tool_choice: 'required' } },
  { name: 'OpenAI → Bedrock Converse', path: '/v1/chat/completions', body: { model: BEDROCK, max_tokens: 40, stream: true, stream_options: { include_usage: true }, messages: ASK } },
  { name: 'OpenAI → Bedrock Converse, a tool call', path: '/v1/chat/completions', body: { model: BEDROCK, max_tokens: 200, stream: true, messages: ASK, tools: TOOLS_OPENAI, tool_choice: 'required' } },
  { name: 'OpenAI → Claude on Bedrock (InvokeModel)', path: '/v1/chat/completions', body: { model: 'bedrock-claude', max_tokens: 40, stream: true, stream_options: { include_usage: true }, messages: ASK } },
  { name: 'Anthropic → Bedrock Converse', path: '/v1/messages', body: { model: BEDROCK, max_tokens: 40, stream: true, messages: ASK } },
  { name: 'Anthropic → Bedrock Converse, a tool call', path: '/v1/messages', body: { model: BEDROCK, max_tokens: 200, stream: true, messages: ASK, tools: TOOLS_ANTHROPIC, tool_choice: { type: 'any' } } },
  { name: 'Anthropic → OpenAI, a tool call', path: '/v1/messages', body: { model: LLAMA, max_tokens: 200, stream: true, messages: ASK, tools: TOOLS_ANTHROPIC, tool_choice: { type: 'any' } } },
  { name: 'Gemini → OpenAI', path: `/v1beta/models/${LLAMA}:streamGenerateContent?alt=sse`, body: { contents: [{ role: 'user', parts: [{ text: 'Tell me about the weather in Lisbon.' }] }], generationConfig: { maxOutputTokens: 40 } } },
];

describe('provider streams cut at odd byte boundaries: the client sees the same events', () => {
  let tg: TestGateway;
  let provider: { server: Server; port: number };

  before(async () => {
    provider = await startProvider(await recordStreams());
    tg = await startTestGateway(manifests(provider.port));
  });
  after(async () => {
    await tg?.close();
    if (provider) {
      provider.server.closeAllConnections();
      await new Promise<void>((resolve) => provider.server.close(() => resolve()));
    }
  });

  async function answer(c: Case, sizes: readonly number[] | undefined): Promise<{ text: string; pieces: number }> {
    split = sizes;
    try {
      const res = await fetch(tg.base + c.path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(c.body) });
      const text = await res.text();
      assert.equal(res.status, 200, text.slice(0, 400));
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      return { text, pieces: lastPieces };
    } finally {
      split = undefined;
    }
  }

  for (const c of CASES) {
    it(`${c.name}: whole vs random pieces`, async () => {
      const whole = await answer(c, undefined);
      const reference = events(whole.text);
      assert.ok(reference.length > 3, `a real stream: ${whole.text.slice(0, 200)}`);
      // No event is an error, and nothing of the provider's framing leaks through.
      assert.ok(!/"error"|:event-type|event: error/.test(whole.text), whole.text.slice(0, 400));
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 24 }), async (sizes) => {
          const cut = await answer(c, sizes);
          assert.ok(cut.pieces > 1 || sizes[0]! >= whole.text.length);
          assert.deepEqual(events(cut.text), reference);
        }),
        { numRuns: 15 },
      );
      // One byte at a time, the hardest case.
      const bytewise = await answer(c, [1]);
      assert.deepEqual(events(bytewise.text), reference);
    });
  }

  it('the official clients assemble the same answer from a whole and a bytewise stream (OpenAI → Bedrock tool call, Anthropic → Bedrock)', async () => {
    const openai = new OpenAI({ baseURL: `${tg.base}/v1`, apiKey: 'client', maxRetries: 0 });
    const ask = () => openai.chat.completions.stream({ model: BEDROCK, max_tokens: 200, messages: [{ role: 'user', content: 'Tell me about the weather in Lisbon, in some detail.' }], tools: TOOLS_OPENAI as OpenAI.ChatCompletionTool[], tool_choice: 'required' }).finalChatCompletion();
    const strip = (c: OpenAI.ChatCompletion) => ({ ...c, created: 0 });
    const whole = strip(await ask());
    split = [1];
    const bytewise = strip(await ask());
    split = undefined;
    assert.deepEqual(bytewise, whole);
    assert.equal(whole.choices[0]?.finish_reason, 'tool_calls');
    assert.doesNotThrow(() => JSON.parse(whole.choices[0]?.message.tool_calls?.[0]?.type === 'function' ? whole.choices[0].message.tool_calls[0].function.arguments : ''));

    const anthropic = new Anthropic({ baseURL: tg.base, apiKey: 'client', maxRetries: 0 });
    const askA = () => anthropic.messages.stream({ model: BEDROCK, max_tokens: 40, messages: [{ role: 'user', content: 'Tell me about the weather in Lisbon, in some detail.' }] }).finalMessage();
    const wholeA = await askA();
    split = [3, 1, 7];
    const cutA = await askA();
    split = undefined;
    assert.deepEqual(cutA, wholeA);
  });
});
