// Claude bodies on the cloud platforms: Bedrock InvokeModel / InvokeModelWithResponseStream (event
// stream `chunk` frames carrying base64 Anthropic events) and Vertex AI rawPredict /
// streamRawPredict (Anthropic SSE), including a tool round trip on each.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { decodeEventStream } from './eventstream.ts';
import { startSimulator } from './server.ts';
import type { RunningSimulator } from './server.ts';

const BEDROCK_ID = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const VERTEX_MODEL = 'claude-3-5-sonnet-v2@20241022';
const fast = { port: 0, latencyCalculator: 'constant' as const, timeToFirstTokenMs: 1, interTokenLatencyMs: 0.1 };
const tools = [
  {
    name: 'search',
    description: 'Search',
    input_schema: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 5 } }, required: ['query', 'limit'] },
  },
];

type Event = Record<string, unknown> & { type: string };

function post(url: string, body: unknown): ReturnType<typeof request> {
  return request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** The Anthropic events inside Bedrock's event-stream `chunk` frames. */
function bedrockEvents(bytes: Buffer): Event[] {
  return decodeEventStream(bytes).map((m) => {
    assert.equal(m.headers[':event-type'], 'chunk');
    assert.equal(m.headers[':message-type'], 'event');
    const payload = JSON.parse(m.payload.toString('utf8')) as { bytes: string };
    return JSON.parse(Buffer.from(payload.bytes, 'base64').toString('utf8')) as Event;
  });
}

function sseEvents(text: string): Event[] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((block) => JSON.parse(block.split('\n').find((l) => l.startsWith('data: '))?.slice(6) ?? '{}') as Event);
}

function inputJson(events: Event[]): string {
  return events
    .filter((e) => e.type === 'content_block_delta' && (e['delta'] as { type: string }).type === 'input_json_delta')
    .map((e) => (e['delta'] as { partial_json: string }).partial_json)
    .join('');
}

describe('Claude on Bedrock: InvokeModel', () => {
  let sim: RunningSimulator;
  const base = (): string => `${sim.url}/model/${encodeURIComponent(BEDROCK_ID)}`;

  before(async () => {
    sim = await startSimulator({ ...fast, model: BEDROCK_ID, mode: 'echo' });
  });
  after(() => sim?.close());

  it('answers invoke with the Anthropic message and token-count headers', async () => {
    const res = await post(`${base()}/invoke`, { anthropic_version: 'bedrock-2023-05-31', max_tokens: 50, messages: [{ role: 'user', content: 'bedrock echo' }] });
    assert.equal(res.statusCode, 200);
    const msg = (await res.body.json()) as { id: string; type: string; content: { type: string; text: string }[]; stop_reason: string; usage: { output_tokens: number } };
    assert.match(msg.id, /^msg_bdrk_01/);
    assert.equal(msg.type, 'message');
    assert.equal(msg.content[0]?.text, 'bedrock echo');
    assert.equal(msg.stop_reason, 'end_turn');
    assert.equal(res.headers['x-amzn-bedrock-output-token-count'], String(msg.usage.output_tokens));
    assert.ok(Number(res.headers['x-amzn-bedrock-input-token-count']) > 0);
    assert.ok(res.headers['x-amzn-bedrock-invocation-latency'] !== undefined);
    assert.ok(res.headers['x-amzn-requestid']);
  });

  it('streams chunk frames of base64 Anthropic events; message_stop carries invocation metrics', async () => {
    const res = await post(`${base()}/invoke-with-response-stream`, {
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'stream via bedrock' }],
    });
    assert.equal(res.headers['content-type'], 'application/vnd.amazon.eventstream');
    const events = bedrockEvents(Buffer.from(await res.body.arrayBuffer()));
    assert.equal(events[0]?.type, 'message_start');
    assert.equal(events[1]?.type, 'content_block_start');
    assert.deepEqual(events.slice(-3).map((e) => e.type), ['content_block_stop', 'message_delta', 'message_stop']);
    const text = events
      .filter((e) => e.type === 'content_block_delta')
      .map((e) => (e['delta'] as { text: string }).text)
      .join('');
    assert.equal(text, 'stream via bedrock');
    const metrics = events.at(-1)?.['amazon-bedrock-invocationMetrics'] as Record<string, number>;
    assert.equal(metrics['outputTokenCount'], 5);
    assert.ok(metrics['inputTokenCount'] !== undefined && metrics['invocationLatency'] !== undefined && metrics['firstByteLatency'] !== undefined);
  });

  it('round-trips a tool call, whole and streamed', async () => {
    const question = { role: 'user', content: 'find docs' };
    const res = await post(`${base()}/invoke`, { anthropic_version: 'bedrock-2023-05-31', max_tokens: 100, tools, messages: [question] });
    const msg = (await res.body.json()) as { content: { type: string; id: string; name: string; input: { query: unknown; limit: number } }[]; stop_reason: string };
    assert.equal(msg.stop_reason, 'tool_use');
    const use = msg.content[0];
    assert.ok(use && use.type === 'tool_use' && use.name === 'search');
    assert.equal(typeof use.input.query, 'string');
    assert.ok(use.input.limit >= 1 && use.input.limit <= 5);

    const streamed = await post(`${base()}/invoke-with-response-stream`, {
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 100,
      tools,
      tool_choice: { type: 'any' },
      messages: [question],
    });
    const events = bedrockEvents(Buffer.from(await streamed.body.arrayBuffer()));
    const start = events.find((e) => e.type === 'content_block_start');
    assert.equal((start?.['content_block'] as { type: string }).type, 'tool_use');
    const input = JSON.parse(inputJson(events)) as { query: unknown };
    assert.equal(typeof input.query, 'string');

    const final = await post(`${base()}/invoke`, {
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 10,
      tools,
      messages: [question, { role: 'assistant', content: msg.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'found' }] }],
    });
    const answer = (await final.body.json()) as { content: { type: string }[]; stop_reason: string };
    assert.equal(answer.content[0]?.type, 'text');
    assert.notEqual(answer.stop_reason, 'tool_use');
  });

  it('refuses a body without anthropic_version as Bedrock does', async () => {
    const res = await post(`${base()}/invoke`, { max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
    assert.equal(res.statusCode, 400);
    assert.equal(res.headers['x-amzn-errortype'], 'ValidationException');
    assert.match(((await res.body.json()) as { message: string }).message, /required key \[anthropic_version\] not found/);
    const withModel = await post(`${base()}/invoke`, { anthropic_version: 'bedrock-2023-05-31', model: BEDROCK_ID, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
    assert.equal(withModel.statusCode, 400);
    assert.match(((await withModel.body.json()) as { message: string }).message, /extraneous key \[model\] is not permitted/);
  });
});

describe('Claude on Vertex AI: rawPredict', () => {
  let sim: RunningSimulator;
  const base = (): string => `${sim.url}/v1/projects/proj/locations/us-east5/publishers/anthropic/models/${VERTEX_MODEL}`;

  before(async () => {
    sim = await startSimulator({ ...fast, model: VERTEX_MODEL, mode: 'echo' });
  });
  after(() => sim?.close());

  it('answers rawPredict with a message and streamRawPredict with Anthropic SSE', async () => {
    const res = await post(`${base()}:rawPredict`, { anthropic_version: 'vertex-2023-10-16', max_tokens: 20, messages: [{ role: 'user', content: 'vertex claude' }] });
    assert.equal(res.statusCode, 200);
    const msg = (await res.body.json()) as { id: string; model: string; content: { text: string }[] };
    assert.match(msg.id, /^msg_vrtx_01/);
    assert.equal(msg.model, VERTEX_MODEL);
    assert.equal(msg.content[0]?.text, 'vertex claude');

    const stream = await post(`${base()}:streamRawPredict`, { anthropic_version: 'vertex-2023-10-16', max_tokens: 20, stream: true, messages: [{ role: 'user', content: 'sse please' }] });
    assert.equal(stream.headers['content-type'], 'text/event-stream');
    const events = sseEvents(await stream.body.text());
    assert.equal(events[0]?.type, 'message_start');
    assert.equal(events.at(-1)?.type, 'message_stop');
  });

  it('round-trips a tool call on streamRawPredict', async () => {
    const stream = await post(`${base()}:streamRawPredict`, {
      anthropic_version: 'vertex-2023-10-16',
      max_tokens: 100,
      stream: true,
      tools,
      messages: [{ role: 'user', content: 'search for it' }],
    });
    const events = sseEvents(await stream.body.text());
    const start = events.find((e) => e.type === 'content_block_start')?.['content_block'] as { type: string; id: string };
    assert.equal(start.type, 'tool_use');
    assert.equal(typeof (JSON.parse(inputJson(events)) as { query: unknown }).query, 'string');
    const final = await post(`${base()}:rawPredict`, {
      anthropic_version: 'vertex-2023-10-16',
      max_tokens: 10,
      tools,
      messages: [
        { role: 'user', content: 'search for it' },
        { role: 'assistant', content: [{ type: 'tool_use', id: start.id, name: 'search', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: start.id, content: [{ type: 'text', text: 'results' }] }] },
      ],
    });
    assert.equal(((await final.body.json()) as { content: { type: string }[] }).content[0]?.type, 'text');
  });

  it('needs anthropic_version, and 404s an unknown model in Google shape', async () => {
    const bad = await post(`${base()}:rawPredict`, { max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
    assert.equal(bad.statusCode, 400);
    assert.equal(((await bad.body.json()) as { type: string }).type, 'error');
    const missing = await post(`${sim.url}/v1/projects/p/locations/l/publishers/anthropic/models/claude-nope:rawPredict`, {
      anthropic_version: 'vertex-2023-10-16',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'x' }],
    });
    assert.equal(missing.statusCode, 404);
    assert.equal(((await missing.body.json()) as { error: { status: string } }).error.status, 'NOT_FOUND');
  });
});
