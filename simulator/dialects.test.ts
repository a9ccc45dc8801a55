// Provider dialects over the same engine: Anthropic Messages through the official @anthropic-ai/sdk,
// and Bedrock Converse / ConverseStream (binary event-stream framing) decoded frame by frame.

import Anthropic from '@anthropic-ai/sdk';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { decodeEventStream, EventStreamDecoder } from './eventstream.ts';
import { startSimulator } from './server.ts';
import type { RunningSimulator } from './server.ts';
import { metricValue, scrape } from './testing.ts';

const MODEL = 'claude-sim';

describe('Anthropic Messages', () => {
  let sim: RunningSimulator;
  let echo: RunningSimulator;
  let client: Anthropic;
  let echoClient: Anthropic;

  before(async () => {
    const fast = { port: 0, latencyCalculator: 'constant' as const, timeToFirstTokenMs: 1, interTokenLatencyMs: 0.2 };
    sim = await startSimulator({ ...fast, model: MODEL, seed: 3 });
    echo = await startSimulator({ ...fast, model: MODEL, mode: 'echo' });
    client = new Anthropic({ baseURL: sim.url, apiKey: 'x', maxRetries: 0 });
    echoClient = new Anthropic({ baseURL: echo.url, apiKey: 'x', maxRetries: 0 });
  });
  after(async () => {
    await Promise.all([sim.close(), echo.close()]);
  });

  it('answers messages.create with a text block, stop reason and usage', async () => {
    const msg = await client.messages.create({
      model: MODEL,
      max_tokens: 12,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Tell me about rivers.' }],
    });
    assert.match(msg.id, /^msg_/);
    assert.equal(msg.type, 'message');
    assert.equal(msg.role, 'assistant');
    assert.equal(msg.model, MODEL);
    const block = msg.content[0];
    assert.ok(block && block.type === 'text' && block.text.length > 0);
    assert.ok(msg.stop_reason === 'end_turn' || msg.stop_reason === 'max_tokens');
    assert.ok(msg.usage.output_tokens >= 1 && msg.usage.output_tokens <= 12);
    assert.equal(msg.stop_reason === 'max_tokens', msg.usage.output_tokens === 12);
    assert.ok(msg.usage.input_tokens > 0);
    assert.equal(msg.usage.cache_read_input_tokens, 0);
  });

  it('streams message_start, content blocks, ping, message_delta and message_stop', async () => {
    const stream = echoClient.messages.stream({
      model: MODEL,
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'earlier' },
        { role: 'assistant', content: 'reply' },
        { role: 'user', content: [{ type: 'text', text: 'Echo this back, please.' }] },
      ],
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    const final = await stream.finalMessage();
    assert.equal(types[0], 'message_start');
    assert.equal(types[1], 'content_block_start');
    assert.ok(types.includes('content_block_delta'));
    assert.deepEqual(types.slice(-3), ['content_block_stop', 'message_delta', 'message_stop']);
    const block = final.content[0];
    assert.ok(block && block.type === 'text');
    assert.equal(block.text, 'Echo this back, please.');
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal(final.usage.output_tokens, 6);
  });

  it('sends a ping event after content_block_start (raw SSE)', async () => {
    const res = await request(echo.url + '/v1/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'abcdefgh' }] }),
    });
    assert.equal(res.headers['content-type'], 'text/event-stream');
    assert.match(String(res.headers['request-id']), /^req_/);
    const events = (await res.body.text()).split('\n\n').filter(Boolean).map((e) => /^event: (\w+)/.exec(e)?.[1]);
    assert.deepEqual(events, [
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('reports stop sequences and prefix-cache reads', async () => {
    const text = 'alpha beta gamma STOP delta';
    const msg = await echoClient.messages.create({ model: MODEL, max_tokens: 50, stop_sequences: ['STOP'], messages: [{ role: 'user', content: text }] });
    assert.equal(msg.stop_reason, 'stop_sequence');
    assert.equal(msg.stop_sequence, 'STOP');
    const block = msg.content[0];
    assert.ok(block && block.type === 'text');
    assert.equal(block.text, 'alpha beta gamma ');

    const long = 'A long shared context for caching. '.repeat(40);
    const first = await client.messages.create({ model: MODEL, max_tokens: 2, messages: [{ role: 'user', content: long }] });
    const second = await client.messages.create({ model: MODEL, max_tokens: 2, messages: [{ role: 'user', content: long }] });
    assert.equal(first.usage.cache_read_input_tokens, 0);
    assert.ok((second.usage.cache_read_input_tokens ?? 0) > 0);
    assert.equal(second.usage.input_tokens + (second.usage.cache_read_input_tokens ?? 0), first.usage.input_tokens);
  });

  it('counts tokens', async () => {
    const count = await client.messages.countTokens({ model: MODEL, system: 'x', messages: [{ role: 'user', content: 'hello there' }] });
    // "<|system|>\nx\n<|user|>\nhello there\n" = 35 characters
    assert.equal(count.input_tokens, 9);
  });

  it('maps errors to the SDK error classes in the Anthropic error shape', async () => {
    await assert.rejects(
      client.messages.create({ model: 'nope', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => err instanceof Anthropic.NotFoundError,
    );
    await assert.rejects(
      client.messages.create({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-sim-error': '429' } }),
      (err: unknown) => err instanceof Anthropic.RateLimitError,
    );
    await assert.rejects(
      client.messages.create({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-sim-error': '503' } }),
      (err: unknown) => err instanceof Anthropic.InternalServerError && err.status === 503,
    );
    const raw = await request(sim.url + '/v1/messages', { method: 'POST', body: JSON.stringify({ model: MODEL, messages: [] }) });
    assert.equal(raw.statusCode, 400);
    const body = (await raw.body.json()) as { type: string; error: { type: string; message: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(body.error.message, /max_tokens/);
  });
});

describe('Bedrock Converse', () => {
  let sim: RunningSimulator;
  const MODEL_ID = 'anthropic.claude-3-haiku-20240307-v1:0';
  const path = (suffix: string): string => `/model/${encodeURIComponent(MODEL_ID)}/${suffix}`;
  const converse = (suffix: string, body: unknown, headers: Record<string, string> = {}): ReturnType<typeof request> =>
    request(sim.url + path(suffix), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  before(async () => {
    sim = await startSimulator({ model: MODEL_ID, port: 0, mode: 'echo', latencyCalculator: 'constant', timeToFirstTokenMs: 1, interTokenLatencyMs: 0.2 });
  });
  after(() => sim?.close());

  it('answers Converse with output, stopReason, usage and metrics', async () => {
    const res = await converse('converse', {
      system: [{ text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ text: 'Hello Bedrock friend' }] }],
      inferenceConfig: { maxTokens: 3 },
    });
    assert.equal(res.statusCode, 200);
    assert.ok(res.headers['x-amzn-requestid']);
    const body = (await res.body.json()) as {
      output: { message: { role: string; content: { text: string }[] } };
      stopReason: string;
      usage: { inputTokens: number; outputTokens: number; totalTokens: number; cacheReadInputTokens: number };
      metrics: { latencyMs: number };
    };
    assert.equal(body.output.message.role, 'assistant');
    assert.equal(body.output.message.content[0]?.text, 'Hello Bedroc', 'echo, cut at 3 tokens of 4 characters');
    assert.equal(body.stopReason, 'max_tokens');
    assert.equal(body.usage.outputTokens, 3);
    assert.equal(body.usage.totalTokens, body.usage.inputTokens + body.usage.cacheReadInputTokens + 3);
    assert.equal(typeof body.metrics.latencyMs, 'number');
  });

  it('streams ConverseStream as AWS event-stream frames with :event-type headers', async () => {
    const res = await converse('converse-stream', { messages: [{ role: 'user', content: [{ text: 'stream me now' }] }] });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/vnd.amazon.eventstream');
    // Decode incrementally, as a client does, across arbitrary chunk boundaries.
    const decoder = new EventStreamDecoder();
    const messages = [];
    for await (const chunk of res.body) {
      const bytes = chunk as Buffer;
      for (let i = 0; i < bytes.length; i += 7) messages.push(...decoder.push(bytes.subarray(i, i + 7)));
    }
    assert.equal(decoder.pending, 0);
    const types = messages.map((m) => m.headers[':event-type']);
    assert.equal(types[0], 'messageStart');
    assert.deepEqual(types.slice(-3), ['contentBlockStop', 'messageStop', 'metadata']);
    assert.ok(messages.every((m) => m.headers[':message-type'] === 'event' && m.headers[':content-type'] === 'application/json'));
    const payloads = messages.map((m) => JSON.parse(m.payload.toString('utf8')) as Record<string, unknown>);
    assert.deepEqual(payloads[0], { role: 'assistant' });
    const text = payloads
      .filter((_, i) => types[i] === 'contentBlockDelta')
      .map((p) => (p['delta'] as { text: string }).text)
      .join('');
    assert.equal(text, 'stream me now');
    assert.deepEqual(payloads.at(-2), { stopReason: 'end_turn' });
    const meta = payloads.at(-1) as { usage: { outputTokens: number }; metrics: { latencyMs: number } };
    assert.equal(meta.usage.outputTokens, 4);
  });

  it('answers errors with x-amzn-errortype and a JSON message', async () => {
    const unknown = await request(sim.url + '/model/unknown-model/converse', {
      method: 'POST',
      body: JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'x' }] }] }),
    });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.headers['x-amzn-errortype'], 'ResourceNotFoundException');
    assert.equal(typeof ((await unknown.body.json()) as { message: unknown }).message, 'string');

    const invalid = await converse('converse', { messages: 'nope' });
    assert.equal(invalid.statusCode, 400);
    assert.equal(invalid.headers['x-amzn-errortype'], 'ValidationException');
    await invalid.body.dump();

    const throttled = await converse('converse-stream', { messages: [{ role: 'user', content: [{ text: 'x' }] }] }, { 'x-sim-error': '429' });
    assert.equal(throttled.statusCode, 429);
    assert.equal(throttled.headers['x-amzn-errortype'], 'ThrottlingException');
    await throttled.body.dump();
  });

  it('CountTokens: the prompt tokens the same Converse or InvokeModel request would have', async () => {
    const messages = [{ role: 'user', content: [{ text: 'Count these words for me please' }] }];
    const generated = (await (await converse('converse', { system: [{ text: 'Be brief.' }], messages, inferenceConfig: { maxTokens: 1 } })).body.json()) as { usage: { inputTokens: number; cacheReadInputTokens: number } };
    const counted = await converse('count-tokens', { input: { converse: { system: [{ text: 'Be brief.' }], messages } } });
    assert.equal(counted.statusCode, 200);
    const { inputTokens } = (await counted.body.json()) as { inputTokens: number };
    assert.equal(inputTokens, generated.usage.inputTokens + generated.usage.cacheReadInputTokens);

    const invokeBody = Buffer.from(JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 4, messages: [{ role: 'user', content: 'hello there' }] })).toString('base64');
    const viaInvoke = await converse('count-tokens', { input: { invokeModel: { body: invokeBody } } });
    assert.equal(viaInvoke.statusCode, 200);
    assert.ok(((await viaInvoke.body.json()) as { inputTokens: number }).inputTokens > 0);

    const missing = await converse('count-tokens', { input: {} });
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.headers['x-amzn-errortype'], 'ValidationException');
    await missing.body.dump();
    const unknown = await request(sim.url + '/model/unknown-model/count-tokens', { method: 'POST', body: JSON.stringify({ input: { converse: { messages } } }) });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.headers['x-amzn-errortype'], 'ResourceNotFoundException');
    await unknown.body.dump();
  });

  it('decodes a whole body and rejects a corrupted frame', async () => {
    const res = await converse('converse-stream', { messages: [{ role: 'user', content: [{ text: 'abcd' }] }] });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    assert.equal(decodeEventStream(bytes).length, 5);
    const corrupt = Buffer.from(bytes);
    corrupt[20] = (corrupt[20] as number) ^ 0xff;
    assert.throws(() => decodeEventStream(corrupt), /CRC/);
  });

  it('counts Bedrock requests in the same vLLM metrics', async () => {
    const text = await scrape(sim.url);
    assert.match(text, /vllm:request_success_total\{model_name="anthropic.claude-3-haiku-20240307-v1:0",finish_reason="stop"\} [1-9]/);
    assert.ok((metricValue(text, 'vllm:generation_tokens_total') ?? 0) > 0);
  });
});
