import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { crc32, gunzipSync } from 'node:zlib';
import OpenAI from 'openai';
import { request } from 'undici';
import { CANNED_ANSWERS, startTestUpstream } from './testupstream.ts';
import type { RunningTestUpstream } from './testupstream.ts';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

describe('test upstream', () => {
  let up: RunningTestUpstream;
  let client: OpenAI;

  before(async () => {
    up = await startTestUpstream({ id: 'primary', port: 0, podName: 'testupstream-0', streamingIntervalMs: 1 });
    client = new OpenAI({ baseURL: up.url + '/v1', apiKey: 'x', maxRetries: 0 });
  });
  after(() => up?.close());

  it('answers /health', async () => {
    const res = await request(up.url + '/health');
    assert.equal(res.statusCode, 200);
    await res.body.dump();
  });

  it('answers a chat completion with a canned sentence, the requested model and its id header', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'some-cool-model', messages: [{ role: 'user', content: 'Say something' }] })
      .withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.model, 'some-cool-model');
    assert.match(data.id, /^chatcmpl-/);
    const choice = data.choices[0];
    assert.equal(choice?.index, 0);
    assert.equal(choice?.finish_reason, 'stop');
    assert.equal(choice?.message.role, 'assistant');
    assert.ok(CANNED_ANSWERS.includes(choice?.message.content ?? ''), String(choice?.message.content));
    assert.ok(data.usage && data.usage.total_tokens === data.usage.prompt_tokens + data.usage.completion_tokens);
    assert.equal(response.headers.get('testupstream-id'), 'primary');
    assert.equal(response.headers.get('x-inference-pod'), 'testupstream-0');
  });

  it('includes the walkthrough sentences among its answers', () => {
    assert.ok(CANNED_ANSWERS.includes('This is a test.'));
    assert.ok(CANNED_ANSWERS.includes('I am the captain of my soul.'));
  });

  it('streams chat.completion.chunk events with role first and usage last', async () => {
    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'stream please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    assert.ok(chunks.length >= 3);
    assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
    const content = chunks.filter((c) => c.choices.length > 0);
    const text = content.map((c) => c.choices[0]?.delta.content ?? '').join('');
    assert.ok(CANNED_ANSWERS.includes(text), text);
    assert.equal(content.at(-1)?.choices[0]?.finish_reason, 'stop');
    assert.equal(chunks.at(-1)?.usage?.completion_tokens, content.length);
  });

  it('answers completions, embeddings and models by default', async () => {
    const c = await client.completions.create({ model: 'm', prompt: 'hi' });
    assert.equal(c.object, 'text_completion');
    assert.ok(CANNED_ANSWERS.includes(c.choices[0]?.text ?? ''));
    const e = await client.embeddings.create({ model: 'm', input: 'hi' });
    assert.equal(e.data[0]?.embedding.length, 16);
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.deepEqual(ids, ['test-model']);
  });

  it('returns the scripted status, body and headers verbatim', async () => {
    const body = '{"error":{"message":"slow down","type":"rate_limit_error"}}';
    const res = await request(up.url + '/v1/chat/completions', {
      method: 'POST',
      headers: { 'x-response-status': '429', 'x-response-body': b64(body), 'x-response-headers': b64('retry-after:7,x-custom:a:b') },
      body: '{}',
    });
    assert.equal(res.statusCode, 429);
    assert.equal(res.headers['retry-after'], '7');
    assert.equal(res.headers['x-custom'], 'a:b');
    assert.equal(res.headers['testupstream-id'], 'primary');
    assert.equal(await res.body.text(), body);
  });

  it('sends each line of an sse body as a data event', async () => {
    const res = await request(up.url + '/anything', {
      method: 'POST',
      headers: { 'x-response-type': 'sse', 'x-response-body': b64('{"a":1}\n\n{"b":2}\n[DONE]') },
      body: '{}',
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/event-stream');
    assert.equal(await res.body.text(), 'data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n');
  });

  it('gzips a scripted body on x-response-type gzip', async () => {
    const res = await request(up.url + '/v1/chat/completions', {
      method: 'POST',
      headers: { 'x-response-type': 'gzip', 'x-response-body': b64('{"ok":true}') },
      body: '{}',
    });
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(Buffer.from(await res.body.arrayBuffer())).toString(), '{"ok":true}');
  });

  it('frames aws-event-stream lines with valid CRCs and an end message', async () => {
    const res = await request(up.url + '/model/x/converse-stream', {
      method: 'POST',
      headers: { 'x-response-type': 'aws-event-stream', 'x-response-body': b64('{"delta":"hi"}\n{"delta":"there"}') },
      body: '{}',
    });
    assert.equal(res.headers['content-type'], 'application/vnd.amazon.eventstream');
    const buf = Buffer.from(await res.body.arrayBuffer());
    const payloads: string[] = [];
    for (let off = 0; off < buf.length; ) {
      const total = buf.readUInt32BE(off);
      const headersLen = buf.readUInt32BE(off + 4);
      assert.equal(buf.readUInt32BE(off + 8), crc32(buf.subarray(off, off + 8)), 'prelude crc');
      assert.equal(buf.readUInt32BE(off + total - 4), crc32(buf.subarray(off, off + total - 4)), 'message crc');
      const headerBytes = buf.subarray(off + 12, off + 12 + headersLen);
      assert.ok(headerBytes.toString('latin1').includes('event-type'));
      payloads.push(buf.subarray(off + 12 + headersLen, off + total - 4).toString());
      off += total;
    }
    assert.deepEqual(payloads, ['{"delta":"hi"}', '{"delta":"there"}', 'this-is-end']);
  });

  it('checks the expected path and request body', async () => {
    const wrongPath = await request(up.url + '/v1/chat/completions', {
      method: 'POST',
      headers: { 'x-expected-path': b64('/v1/messages') },
      body: '{}',
    });
    assert.equal(wrongPath.statusCode, 400);
    assert.match(await wrongPath.body.text(), /unexpected path/);

    const body = '{"model":"m","messages":[{"role":"user","content":"hi"}]}';
    const wrongBody = await request(up.url + '/v1/chat/completions', {
      method: 'POST',
      headers: { 'x-expected-request-body': b64('{"model":"other"}') },
      body,
    });
    assert.equal(wrongBody.statusCode, 400);
    await wrongBody.body.dump();

    const match = await request(up.url + '/v1/chat/completions', {
      method: 'POST',
      headers: { 'x-expected-path': b64('/v1/chat/completions'), 'x-expected-request-body': b64(body) },
      body,
    });
    assert.equal(match.statusCode, 200);
    await match.body.dump();
  });

  it('checks expected and forbidden request headers and the upstream id', async () => {
    const cases: [Record<string, string>, number][] = [
      [{ 'x-expected-headers': b64('authorization:Bearer k'), authorization: 'Bearer k' }, 200],
      [{ 'x-expected-headers': b64('authorization:Bearer k'), authorization: 'Bearer other' }, 400],
      [{ 'x-non-expected-request-headers': b64('x-api-key'), 'x-api-key': 'leak' }, 400],
      [{ 'x-non-expected-request-headers': b64('x-api-key') }, 200],
      [{ 'x-expected-testupstream-id': 'primary' }, 200],
      [{ 'x-expected-testupstream-id': 'secondary' }, 400],
      [{ 'x-response-status': 'abc' }, 400],
      [{ 'x-expected-path': '%%%' }, 400],
    ];
    for (const [headers, status] of cases) {
      const res = await request(up.url + '/v1/chat/completions', { method: 'POST', headers, body: '{"messages":[]}' });
      assert.equal(res.statusCode, status, JSON.stringify(headers));
      await res.body.dump();
    }
  });

  it('refuses an unknown path without a scripted body', async () => {
    const res = await request(up.url + '/v1/unknown', { method: 'POST', body: '{}' });
    assert.equal(res.statusCode, 400);
    await res.body.dump();
  });
});
