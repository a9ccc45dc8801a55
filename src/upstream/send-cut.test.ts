// An upstream that sends its response head and then breaks off mid-body, through the running gateway:
// a translated non-streamed answer (buffered whole by the translator, so nothing reached the client)
// is answered with a 502 in the client's schema, or failed over to the next backend; a pass-through
// answer gets the same 502 while no byte has gone out, and is cut (never ended cleanly) once bytes did;
// a streamed answer ends with an error event in the client's schema. Real loopback servers only.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { TEST_GATEWAY_YAML, startTestGateway } from '../../test/support/gateway.ts';
import type { TestGateway } from '../../test/support/gateway.ts';

/**
 * How the upstream breaks off, from the request header `x-cut`:
 *   head — the head (with a content-length) and no body byte, then the socket is closed;
 *   half — the head and half the body, then closed;
 *   rst  — the head and half the body, then reset (TCP RST);
 *   none — the whole answer.
 */
type Cut = 'head' | 'half' | 'rst' | 'none';

const ANTHROPIC_MESSAGE = JSON.stringify({
  id: 'msg_cut_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-test',
  content: [{ type: 'text', text: 'Hello from a provider that hangs up on you sometimes.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 9, output_tokens: 12 },
});

const OPENAI_COMPLETION = JSON.stringify({
  id: 'chatcmpl-cut-1',
  object: 'chat.completion',
  created: 1700000000,
  model: 'gpt-test',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from a provider that hangs up on you sometimes.' }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 },
});

function sse(event: string, data: object): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The first events of an Anthropic stream (the rest never comes when it is cut). */
const ANTHROPIC_STREAM_START =
  sse('message_start', { type: 'message_start', message: { id: 'msg_cut_2', type: 'message', role: 'assistant', model: 'claude-test', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 9, output_tokens: 1 } } }) +
  sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
  sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } });

interface Upstream {
  readonly port: number;
  /** Requests received, by path. */
  readonly paths: string[];
  close(): Promise<void>;
}

/** `cuts`: whether this upstream honours `x-cut` (a healthy one always answers in full). */
async function startUpstream(cuts: boolean): Promise<Upstream> {
  const paths: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      paths.push(req.url ?? '');
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { stream?: boolean };
      const cut = (cuts ? (req.headers['x-cut'] ?? 'none') : 'none') as Cut;
      const anthropic = (req.url ?? '').endsWith('/messages');
      if (body.stream) {
        // Streams (always cut here): the head and the first events go out, then the connection ends.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(anthropic ? ANTHROPIC_STREAM_START : `data: ${JSON.stringify({ id: 'chatcmpl-cut-2', object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-test', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hello' }, finish_reason: null }] })}\n\n`);
        setTimeout(() => (cut === 'rst' ? res.socket?.resetAndDestroy() : res.socket?.destroy()), 20);
        return;
      }
      const answer = Buffer.from(anthropic ? ANTHROPIC_MESSAGE : OPENAI_COMPLETION);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
      if (cut === 'none') return void res.end(answer);
      if (cut === 'head') res.flushHeaders();
      else res.write(answer.subarray(0, answer.length >> 1));
      // After the bytes have left: the client side has read the head (and half the body) first.
      setTimeout(() => (cut === 'rst' ? res.socket?.resetAndDestroy() : res.socket?.destroy()), 20);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
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

function manifests(cutting: number, healthy: number): string {
  const rule = (model: string, refs: string) => `    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${model}}]}]
      backendRefs: ${refs}
`;
  return `${TEST_GATEWAY_YAML}${backend('claude-cutting', cutting, 'Anthropic')}${backend('claude-healthy', healthy, 'Anthropic')}${backend('openai-cutting', cutting, 'OpenAI')}apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: cuts}
spec:
  parentRefs: [{name: gw}]
  rules:
${rule('claude', '[{name: claude-cutting}]')}${rule('claude-failover', '[{name: claude-cutting, priority: 0}, {name: claude-healthy, priority: 1}]')}${rule('gpt', '[{name: openai-cutting}]')}`;
}

describe('an upstream that breaks off mid-body', () => {
  let t: TestGateway;
  let cutting: Upstream;
  let healthy: Upstream;
  const logs: string[] = [];

  before(async () => {
    cutting = await startUpstream(true);
    healthy = await startUpstream(false);
    t = await startTestGateway(manifests(cutting.port, healthy.port), { log: (l: string) => logs.push(l) });
  });
  after(async () => {
    await t?.close();
    await cutting?.close();
    await healthy?.close();
  });

  const post = (path: string, model: string, cut: Cut, extra: Record<string, unknown> = {}) =>
    request(`${t.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-cut': cut, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 16, ...extra }),
    });

  for (const cut of ['head', 'half', 'rst'] as const) {
    it(`translated, not streamed (${cut}): a 502 in the client's schema, not a closed connection`, async () => {
      const res = await post('/v1/chat/completions', 'claude', cut);
      const body = (await res.body.json()) as { error: { type: string; code: string; message: string } };
      assert.equal(res.statusCode, 502);
      assert.equal(body.error.code, 'upstream_unreachable');
      assert.equal(body.error.type, 'upstream_error');
      assert.match(body.error.message, /default\/claude-cutting.*before its response ended/);
      assert.doesNotMatch(body.error.message, /127\.0\.0\.1/, 'no upstream address reaches the client');
    });
  }

  it('translated, not streamed: the Anthropic client gets the Anthropic error shape', async () => {
    const res = await post('/v1/messages', 'gpt', 'half');
    const body = (await res.body.json()) as { type: string; error: { type: string; message: string } };
    assert.equal(res.statusCode, 502);
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'api_error');
  });

  it('translated, not streamed: fails over to the next backend, since nothing reached the client', async () => {
    const before = healthy.paths.length;
    const res = await post('/v1/chat/completions', 'claude-failover', 'half');
    const body = (await res.body.json()) as { choices: { message: { content: string } }[] };
    assert.equal(res.statusCode, 200);
    assert.equal(body.choices[0]?.message.content, 'Hello from a provider that hangs up on you sometimes.');
    assert.equal(healthy.paths.length, before + 1, 'the second tier answered');
  });

  it('the whole answer still goes through untouched when nothing is cut', async () => {
    const res = await post('/v1/chat/completions', 'claude', 'none');
    const body = (await res.body.json()) as { object: string; usage: { total_tokens: number } };
    assert.equal(res.statusCode, 200);
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.usage.total_tokens, 21);
  });

  it('pass-through, not streamed, cut before any body byte: a 502 in the client schema', async () => {
    const res = await post('/v1/chat/completions', 'gpt', 'head');
    const body = (await res.body.json()) as { error: { code: string } };
    assert.equal(res.statusCode, 502);
    assert.equal(body.error.code, 'upstream_unreachable');
  });

  for (const cut of ['half', 'rst'] as const) {
    it(`pass-through, not streamed, cut after bytes went out (${cut}): the client sees the cut, never a clean end`, async () => {
      const res = await post('/v1/chat/completions', 'gpt', cut);
      assert.equal(res.statusCode, 200, 'the head and the first half were passed on as they came');
      await assert.rejects(res.body.text(), 'the body must not end as if it were complete');
    });
  }

  for (const cut of ['half', 'rst'] as const) {
    it(`translated, streamed (${cut}): the stream ends with an error event in the client's schema`, async () => {
      const res = await post('/v1/chat/completions', 'claude', cut, { stream: true });
      assert.equal(res.statusCode, 200);
      const text = await res.body.text();
      const events = text.split('\n\n').filter((e) => e.trim() !== '');
      assert.ok(events.length >= 2, text);
      assert.match(events[0]!, /"content":"Hello"|"role":"assistant"/, 'the events before the cut were passed on');
      const last = events.at(-1)!;
      assert.ok(last.startsWith('data: '), last);
      const err = JSON.parse(last.slice('data: '.length)) as { error: { code: string; type: string } };
      assert.equal(err.error.code, 'upstream_error');
      assert.doesNotMatch(text, /\[DONE\]/, 'a cut stream is not ended as if it were complete');
    });
  }

  it("translated, streamed, Anthropic client: the stream's last event is an Anthropic error event", async () => {
    const res = await post('/v1/messages', 'gpt', 'half', { stream: true });
    assert.equal(res.statusCode, 200);
    const text = await res.body.text();
    const last = text.split('\n\n').filter((e) => e.trim() !== '').at(-1)!;
    assert.match(last, /^event: error\ndata: /);
    const err = JSON.parse(last.split('data: ')[1]!) as { type: string; error: { type: string } };
    assert.equal(err.type, 'error');
    assert.equal(err.error.type, 'api_error');
  });

  it('logged no internal error', () => {
    assert.deepEqual(logs.filter((l) => l.includes('internal error')), []);
  });
});
