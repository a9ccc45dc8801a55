// End to end, per direction: the official SDKs (`openai`, `@anthropic-ai/sdk`) consume what the Bedrock
// translators produce. An in-process node:http server on 127.0.0.1 plays gateway and Bedrock at once:
// it translates the SDK's request (checking it translates), answers with a golden Converse body or
// event stream fed to the response translator in small chunks, or with a Bedrock error through
// error(). No timing is asserted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import type { Operation, Translator } from '../../runtime/translator.ts';
import { openAIToBedrock } from './openai-to-bedrock.ts';
import { anthropicToBedrock } from './anthropic-to-bedrock.ts';
import { clientAskedForUsage } from './openai-to-openai.ts';
import { BEDROCK_BACKEND, bedrockHeaders, fixtureJson, fixtureStream } from './bedrock-test-support.ts';

interface Upstream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const ok = (name: string): Upstream => ({ status: 200, headers: bedrockHeaders(false), body: Buffer.from(JSON.stringify(fixtureJson(name))) });
const stream = (name: string): Upstream => ({ status: 200, headers: bedrockHeaders(true), body: fixtureStream(name) });
const throttled: Upstream = {
  status: 429,
  headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/' },
  body: Buffer.from('{"message":"Too many requests, please wait before trying again."}'),
};

/** What "Bedrock" answers, chosen by the model the client names. */
const SCENARIOS: Readonly<Record<string, Upstream>> = {
  text: ok('text.response.json'),
  tool: ok('tool-use.response.json'),
  reasoning: ok('reasoning.response.json'),
  'stream-text': stream('stream-text.events.json'),
  'stream-tool': stream('stream-tool.events.json'),
  'stream-reasoning': stream('stream-reasoning.events.json'),
  'stream-exception': stream('stream-exception.events.json'),
  throttled,
  count: { status: 200, headers: bedrockHeaders(false), body: Buffer.from('{"inputTokens":14}') },
};

function operationOf(url: string): Operation {
  if (url.startsWith('/v1/chat/completions')) return 'chat';
  if (url.startsWith('/v1/messages/count_tokens')) return 'count_tokens';
  return 'messages';
}

async function startGateway(translator: Translator): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(parts);
      const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      const model = String(body['model']);
      const operation = operationOf(req.url ?? '');
      const isStream = body['stream'] === true;
      // The request must translate; its Converse form is not sent anywhere here.
      const translated = translator.request({ operation, body, raw, model, modelChanged: false, stream: isStream, backend: BEDROCK_BACKEND, wantUsage: true, query: '' });
      assert.match(translated.path, /^\/model\/[^/]+\/(converse|converse-stream|count-tokens)$/);
      const upstream = SCENARIOS[model];
      if (!upstream) {
        res.writeHead(500).end();
        return;
      }
      if (upstream.status >= 400) {
        const e = translator.error(upstream.status, upstream.headers, upstream.body);
        res.writeHead(e.status, { 'content-type': e.contentType }).end(e.body);
        return;
      }
      const rt = translator.response({ operation, stream: isStream, requestModel: model, hideUsageChunk: isStream && operation === 'chat' && !clientAskedForUsage(body) });
      const head = rt.head(upstream.status, upstream.headers);
      res.writeHead(200, { 'content-type': head.contentType ?? String(upstream.headers['content-type']) });
      // Small upstream chunks, so frames arrive split as they do from a real connection.
      for (let i = 0; i < upstream.body.length; i += 9) {
        const out = rt.push(upstream.body.subarray(i, i + 9));
        if (out !== undefined && out.length > 0) res.write(out);
      }
      res.end(rt.end() ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

describe('openai SDK ← openai-to-bedrock', () => {
  let gw: { server: Server; url: string };
  let client: OpenAI;
  before(async () => {
    gw = await startGateway(openAIToBedrock);
    client = new OpenAI({ apiKey: 'test', baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  after(() => new Promise<void>((resolve) => gw.server.close(() => resolve())));

  it('reads a whole completion', async () => {
    const c = await client.chat.completions.create({ model: 'text', messages: [{ role: 'user', content: 'Create a list of 3 pop songs.' }] });
    assert.match(c.choices[0]!.message.content ?? '', /Wannabe/);
    assert.equal(c.choices[0]!.finish_reason, 'stop');
    assert.equal(c.usage?.prompt_tokens, 125);
    assert.equal(c.model, 'text');
  });

  it('reads tool calls from a whole completion', async () => {
    const c = await client.chat.completions.create({ model: 'tool', messages: [{ role: 'user', content: 'What is the most popular song on WZPZ?' }], tools: [{ type: 'function', function: { name: 'top_song', parameters: { type: 'object' } } }] });
    const call = c.choices[0]!.message.tool_calls?.[0];
    assert.equal(call?.type, 'function');
    assert.deepEqual(call?.type === 'function' ? JSON.parse(call.function.arguments) : undefined, { sign: 'WZPZ' });
    assert.equal(c.choices[0]!.finish_reason, 'tool_calls');
  });

  it('streams text and the usage chunk it asked for', async () => {
    const s = await client.chat.completions.create({ model: 'stream-text', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null = null;
    for await (const chunk of s) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'Here are 3 pop songs: "Wannabe" — Spice Girls 🎤, "Don\'t Look Back in Anger" — Oasis.');
    assert.equal(finish, 'stop');
    assert.equal(usage?.prompt_tokens, 17);
    assert.equal(usage?.completion_tokens, 29);
  });

  it('accumulates streamed tool calls with the stream helper', async () => {
    const s = client.chat.completions.stream({ model: 'stream-tool', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'top_song', parameters: { type: 'object' } } }] });
    const final = await s.finalChatCompletion();
    const message = final.choices[0]!.message;
    assert.equal(message.content, 'Let me check WZPZ.');
    const calls = (message.tool_calls ?? []).map((c) => (c.type === 'function' ? [c.id, c.function.name, JSON.parse(c.function.arguments)] : []));
    assert.deepEqual(calls, [
      ['tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', 'top_song', { sign: 'WZPZ' }],
      ['tooluse_2nd3sQx5TnqdcT1R0rYl9w', 'top_song', { sign: 'WKRP' }],
    ]);
    assert.equal(final.choices[0]!.finish_reason, 'tool_calls');
  });

  it('streams reasoning deltas beside the content', async () => {
    const s = await client.chat.completions.create({ model: 'stream-reasoning', messages: [{ role: 'user', content: 'What is 27 * 453?' }], stream: true });
    let reasoning = '';
    let text = '';
    for await (const chunk of s) {
      const delta = chunk.choices[0]?.delta as { content?: string | null; reasoning_content?: string } | undefined;
      reasoning += delta?.reasoning_content ?? '';
      text += delta?.content ?? '';
      assert.equal(chunk.usage ?? null, null, 'no usage chunk the client did not ask for');
    }
    assert.equal(reasoning, '27 * 453 = 27 * 400 + 27 * 53 = 10800 + 1431 = 12231.');
    assert.equal(text, '27 × 453 = 12,231');
  });

  it('raises APIError for an exception mid-stream', async () => {
    const s = await client.chat.completions.create({ model: 'stream-exception', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    await assert.rejects(
      async () => {
        for await (const chunk of s) text += chunk.choices[0]?.delta.content ?? '';
      },
      (err: unknown) => err instanceof OpenAI.APIError && /throttlingException/.test(err.message),
    );
    assert.equal(text, 'Here are 3 pop');
  });

  it('raises RateLimitError for a throttled request', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'throttled', messages: [{ role: 'user', content: 'hi' }] }),
      (err: unknown) => err instanceof OpenAI.RateLimitError && err.status === 429 && /ThrottlingException/.test(err.message),
    );
  });
});

describe('@anthropic-ai/sdk ← anthropic-to-bedrock', () => {
  let gw: { server: Server; url: string };
  let client: Anthropic;
  before(async () => {
    gw = await startGateway(anthropicToBedrock);
    client = new Anthropic({ apiKey: 'test', baseURL: gw.url, maxRetries: 0 });
  });
  after(() => new Promise<void>((resolve) => gw.server.close(() => resolve())));

  it('reads a whole message', async () => {
    const m = await client.messages.create({ model: 'text', max_tokens: 512, messages: [{ role: 'user', content: 'Create a list of 3 pop songs.' }] });
    const first = m.content[0];
    assert.equal(first?.type, 'text');
    assert.match(first?.type === 'text' ? first.text : '', /Wannabe/);
    assert.equal(m.stop_reason, 'end_turn');
    assert.equal(m.usage.input_tokens, 125);
    assert.equal(m.usage.output_tokens, 60);
  });

  it('reads thinking, redacted thinking and text blocks', async () => {
    const m = await client.messages.create({ model: 'reasoning', max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: 'What is 27 * 453?' }] });
    assert.deepEqual(
      m.content.map((b) => b.type),
      ['thinking', 'redacted_thinking', 'text'],
    );
  });

  it('accumulates a streamed message with tool_use blocks', async () => {
    const final = await client.messages.stream({ model: 'stream-tool', max_tokens: 512, messages: [{ role: 'user', content: 'hi' }], tools: [{ name: 'top_song', input_schema: { type: 'object' } }] }).finalMessage();
    assert.deepEqual(
      final.content.map((b) => (b.type === 'tool_use' ? [b.type, b.id, b.input] : b.type === 'text' ? [b.type, b.text] : [b.type])),
      [
        ['text', 'Let me check WZPZ.'],
        ['tool_use', 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', { sign: 'WZPZ' }],
        ['tool_use', 'tooluse_2nd3sQx5TnqdcT1R0rYl9w', { sign: 'WKRP' }],
      ],
    );
    assert.equal(final.stop_reason, 'tool_use');
    assert.equal(final.usage.input_tokens, 375);
    assert.equal(final.usage.output_tokens, 91);
  });

  it('accumulates streamed thinking with its signature, and the cache usage', async () => {
    const final = await client.messages.stream({ model: 'stream-reasoning', max_tokens: 4096, messages: [{ role: 'user', content: 'What is 27 * 453?' }] }).finalMessage();
    const thinking = final.content[0];
    assert.equal(thinking?.type, 'thinking');
    assert.equal(thinking?.type === 'thinking' ? thinking.thinking : '', '27 * 453 = 27 * 400 + 27 * 53 = 10800 + 1431 = 12231.');
    assert.match(thinking?.type === 'thinking' ? thinking.signature : '', /^EqoB/);
    assert.equal(final.content[1]?.type, 'redacted_thinking');
    assert.equal(final.content[2]?.type === 'text' ? final.content[2].text : '', '27 × 453 = 12,231');
    assert.equal(final.usage.cache_read_input_tokens, 1800);
    assert.equal(final.usage.cache_creation_input_tokens, 200);
    assert.equal(final.usage.input_tokens, 46);
  });

  it('streams text events', async () => {
    const s = client.messages.stream({ model: 'stream-text', max_tokens: 512, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    s.on('text', (t) => (text += t));
    const final = await s.finalMessage();
    assert.equal(text, 'Here are 3 pop songs: "Wannabe" — Spice Girls 🎤, "Don\'t Look Back in Anger" — Oasis.');
    assert.equal(final.stop_reason, 'end_turn');
  });

  it('raises APIError for an exception mid-stream', async () => {
    await assert.rejects(client.messages.stream({ model: 'stream-exception', max_tokens: 512, messages: [{ role: 'user', content: 'hi' }] }).finalMessage(), (err: unknown) => err instanceof Anthropic.APIError && /throttlingException/.test(err.message));
  });

  it('raises RateLimitError for a throttled request', async () => {
    await assert.rejects(
      client.messages.create({ model: 'throttled', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
      (err: unknown) => err instanceof Anthropic.RateLimitError && err.status === 429 && /ThrottlingException/.test(err.message),
    );
  });

  it('counts tokens', async () => {
    const r = await client.messages.countTokens({ model: 'count', messages: [{ role: 'user', content: 'Hello, Claude' }] });
    assert.equal(r.input_tokens, 14);
  });
});
