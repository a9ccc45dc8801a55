import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '../../errors.ts';
import { anthropicToBedrock } from './anthropic-to-bedrock.ts';
import { clientView, requestInput, runResponse, translatorSuite } from './translator-cases.ts';
import type { TranslatorCase } from './translator-cases.ts';
import { BEDROCK_BACKEND, CLAUDE, CLAUDE_PATH, PNG_BASE64, REQUEST_ID, bedrockErrorCases, bedrockHeaders, eventStreamBytes, fixtureJson, fixtureStream, invalidSignatureError } from './bedrock-test-support.ts';
import type { StreamItem } from './bedrock-test-support.ts';

// Golden cases from AWS's documented Converse shapes (fixtures/bedrock/README.md), seen from an
// Anthropic Messages client: the request it sends, the Converse request it becomes, and the Anthropic
// Message / SSE events it gets back.

const input = (body: Record<string, unknown>, over: Parameters<typeof requestInput>[1] = {}) => requestInput({ model: CLAUDE, max_tokens: 512, ...body }, { operation: 'messages', backend: BEDROCK_BACKEND, ...over });
const json = { headers: bedrockHeaders(false) };
const sse = { headers: bedrockHeaders(true) };
const STREAM_PATH = CLAUDE_PATH.replace(/converse$/, 'converse-stream');

function usage(input: number, output: number, cacheRead = 0, cacheWrite = 0) {
  return { input_tokens: input, cache_creation_input_tokens: cacheWrite, cache_read_input_tokens: cacheRead, output_tokens: output };
}

function message(content: unknown[], stopReason: string, u: unknown) {
  return { id: REQUEST_ID, type: 'message', role: 'assistant', model: CLAUDE, content, stop_reason: stopReason, stop_sequence: null, usage: u };
}

const ev = (type: string, data: Record<string, unknown> = {}) => ({ event: type, data: { type, ...data } });
const messageStart = ev('message_start', {
  message: { id: REQUEST_ID, type: 'message', role: 'assistant', model: CLAUDE, content: [], stop_reason: null, stop_sequence: null, usage: usage(0, 0) },
});
const blockStart = (index: number, block: Record<string, unknown>) => ev('content_block_start', { index, content_block: block });
const blockDelta = (index: number, delta: Record<string, unknown>) => ev('content_block_delta', { index, delta });
const blockStop = (index: number) => ev('content_block_stop', { index });
const messageDelta = (stopReason: string, u: unknown) => ev('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: u });
const messageStop = ev('message_stop');

const topSong = {
  name: 'top_song',
  description: 'Get the most popular song played on a radio station.',
  input_schema: {
    type: 'object',
    properties: { sign: { type: 'string', description: 'The call sign for the radio station for which you want the most popular song. Example calls signs are WZPZ and WKRP.' } },
    required: ['sign'],
  },
};
const topSongSpec = { toolSpec: { name: topSong.name, description: topSong.description, inputSchema: { json: topSong.input_schema } } };
const question = { role: 'user', content: 'What is the most popular song on WZPZ?' };
const toolUse = { type: 'tool_use', id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'top_song', input: { sign: 'WZPZ' } };
const SIGNATURE = 'EqoBCkgIARABGAIiQKXf0Ow7ZcqY0sSL9m8q1xBzUq6xYp0cW+JpV3d7tE7tyXn6Zb3kKx1Y8qK+0uJmSg==';

const textWire = fixtureStream('stream-text.events.json');
const streamTextEvents = [
  messageStart,
  blockStart(0, { type: 'text', text: '' }),
  blockDelta(0, { type: 'text_delta', text: 'Here are 3 pop songs: ' }),
  blockDelta(0, { type: 'text_delta', text: '"Wannabe" — Spice Girls 🎤, ' }),
  blockDelta(0, { type: 'text_delta', text: '"Don\'t Look Back in Anger" — Oasis.' }),
  blockStop(0),
];

const cases: TranslatorCase[] = [
  {
    name: 'text: inference parameters, top_k as an additional field, the documented answer',
    input: input({ messages: [{ role: 'user', content: 'Create a list of 3 pop songs.' }], temperature: 0.5, top_p: 0.9, top_k: 200 }),
    expectRequest: {
      path: CLAUDE_PATH,
      headers: { 'content-type': 'application/json' },
      body: {
        messages: [{ role: 'user', content: [{ text: 'Create a list of 3 pop songs.' }] }],
        inferenceConfig: { maxTokens: 512, temperature: 0.5, topP: 0.9 },
        additionalModelRequestFields: { top_k: 200 },
      },
    },
    upstream: { ...json, body: JSON.stringify(fixtureJson('text.response.json')) },
    expectContentType: 'application/json',
    expectClient: message(
      [{ type: 'text', text: 'Here is a list of 3 pop songs by artists from the United Kingdom:\n\n1. "Wannabe" by Spice Girls\n2. "Bitter Sweet Symphony" by The Verve\n3. "Don\'t Look Back in Anger" by Oasis' }],
      'end_turn',
      usage(125, 60),
    ),
    expectUsage: { inputTokens: 125, outputTokens: 60, totalTokens: 185 },
    expectResponseModel: CLAUDE,
  },
  {
    name: 'system blocks with cache_control, stop sequences, consecutive user turns merged',
    input: input({
      system: [{ type: 'text', text: 'You are a music expert.', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Answer as a numbered list.' }],
      messages: [
        { role: 'user', content: 'Name two pop songs.' },
        { role: 'user', content: [{ type: 'text', text: 'British ones.', cache_control: { type: 'ephemeral' } }] },
      ],
      stop_sequences: ['\n3.'],
    }),
    expectRequest: {
      path: CLAUDE_PATH,
      body: {
        messages: [{ role: 'user', content: [{ text: 'Name two pop songs.' }, { text: 'British ones.' }, { cachePoint: { type: 'default' } }] }],
        system: [{ text: 'You are a music expert.' }, { cachePoint: { type: 'default' } }, { text: 'Answer as a numbered list.' }],
        inferenceConfig: { maxTokens: 512, stopSequences: ['\n3.'] },
      },
    },
    upstream: { ...json, body: JSON.stringify(fixtureJson('stop-sequence.response.json')) },
    expectClient: message([{ type: 'text', text: '1. Wannabe\n2. Bitter Sweet Symphony\n' }], 'stop_sequence', usage(20, 12)),
  },
  {
    name: 'tools: the model calls a tool',
    input: input({ messages: [question], tools: [topSong], tool_choice: { type: 'auto' } }),
    expectRequest: {
      path: CLAUDE_PATH,
      body: { messages: [{ role: 'user', content: [{ text: question.content }] }], inferenceConfig: { maxTokens: 512 }, toolConfig: { tools: [topSongSpec], toolChoice: { auto: {} } } },
    },
    upstream: { ...json, body: JSON.stringify(fixtureJson('tool-use.response.json')) },
    expectClient: message([{ type: 'text', text: "I'll look up the most popular song on WZPZ." }, toolUse], 'tool_use', usage(375, 72)),
  },
  {
    name: 'tools: the tool result goes back as a toolResult',
    input: input({
      system: 'You are a radio assistant.',
      messages: [
        question,
        { role: 'assistant', content: [{ type: 'text', text: "I'll look up the most popular song on WZPZ." }, toolUse] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: '{"song":"Elemental Hotel","artist":"8 Storey Hike"}' }] },
      ],
      tools: [topSong],
      tool_choice: { type: 'auto' },
    }),
    expectRequest: { path: CLAUDE_PATH, body: fixtureJson('tool.request.json') },
    upstream: { ...json, body: JSON.stringify(fixtureJson('tool-result.response.json')) },
    expectClient: message([{ type: 'text', text: 'The most popular song on WZPZ is Elemental Hotel by 8 Storey Hike.' }], 'end_turn', usage(482, 21)),
  },
  {
    name: 'tools: error results, block content, any and named choices, cache_control on a tool',
    input: input({
      messages: [
        question,
        { role: 'assistant', content: [toolUse] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: toolUse.id, is_error: true, content: [{ type: 'text', text: 'station offline' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } }] },
            { type: 'text', text: 'Try again.' },
          ],
        },
      ],
      tools: [{ ...topSong, cache_control: { type: 'ephemeral' } }],
      tool_choice: { type: 'tool', name: 'top_song', disable_parallel_tool_use: true },
    }),
    expectRequest: {
      path: CLAUDE_PATH,
      body: {
        messages: [
          { role: 'user', content: [{ text: question.content }] },
          { role: 'assistant', content: [{ toolUse: { toolUseId: toolUse.id, name: 'top_song', input: { sign: 'WZPZ' } } }] },
          {
            role: 'user',
            content: [
              { toolResult: { toolUseId: toolUse.id, content: [{ text: 'station offline' }, { image: { format: 'png', source: { bytes: PNG_BASE64 } } }], status: 'error' } },
              { text: 'Try again.' },
            ],
          },
        ],
        inferenceConfig: { maxTokens: 512 },
        toolConfig: { tools: [topSongSpec, { cachePoint: { type: 'default' } }], toolChoice: { tool: { name: 'top_song' } } },
      },
    },
  },
  {
    name: 'tools: none without tool history leaves the tools out; any → any',
    input: input({ messages: [question], tools: [topSong], tool_choice: { type: 'none' } }),
    expectRequest: { path: CLAUDE_PATH, body: { messages: [{ role: 'user', content: [{ text: question.content }] }], inferenceConfig: { maxTokens: 512 } } },
  },
  {
    name: 'images and documents (base64 and plain text)',
    input: input({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
            { type: 'document', title: 'Q1 report.pdf', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' } },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Grass is green.' } },
            { type: 'text', text: "What's in these?" },
          ],
        },
      ],
    }),
    expectRequest: {
      path: CLAUDE_PATH,
      body: {
        messages: [
          {
            role: 'user',
            content: [
              { image: { format: 'png', source: { bytes: PNG_BASE64 } } },
              { document: { format: 'pdf', name: 'Q1 report', source: { bytes: 'JVBERi0xLjQK' } } },
              { document: { format: 'txt', name: 'document-2', source: { bytes: Buffer.from('Grass is green.').toString('base64') } } },
              { text: "What's in these?" },
            ],
          },
        ],
        inferenceConfig: { maxTokens: 512 },
      },
    },
    upstream: { ...json, body: JSON.stringify(fixtureJson('text.response.json')) },
    expectUsage: { inputTokens: 125, outputTokens: 60 },
  },
  {
    name: 'thinking: enabled thinking goes to additionalModelRequestFields; thinking, redacted and text blocks come back',
    input: input({
      messages: [
        { role: 'user', content: 'What is 26 * 453?' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'multiply', signature: 'c2ln' }, { type: 'redacted_thinking', data: 'cmVk' }, { type: 'text', text: '11,778' }] },
        { role: 'user', content: 'What is 27 * 453?' },
      ],
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
    }),
    expectRequest: {
      path: CLAUDE_PATH,
      body: {
        messages: [
          { role: 'user', content: [{ text: 'What is 26 * 453?' }] },
          { role: 'assistant', content: [{ reasoningContent: { reasoningText: { text: 'multiply', signature: 'c2ln' } } }, { reasoningContent: { redactedContent: 'cmVk' } }, { text: '11,778' }] },
          { role: 'user', content: [{ text: 'What is 27 * 453?' }] },
        ],
        inferenceConfig: { maxTokens: 4096 },
        additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 2048 } },
      },
    },
    upstream: { ...json, body: JSON.stringify(fixtureJson('reasoning.response.json')) },
    expectClient: message(
      [
        { type: 'thinking', thinking: 'The user asks for 27 * 453. 27 * 453 = 27 * 400 + 27 * 53 = 10800 + 1431 = 12231.', signature: SIGNATURE },
        { type: 'redacted_thinking', data: 'RXJyb3IgcmVkYWN0ZWQgdGhpbmtpbmc=' },
        { type: 'text', text: '27 × 453 = 12,231' },
      ],
      'end_turn',
      usage(46, 142),
    ),
  },
  {
    name: 'prompt cache usage: Anthropic figures for the client, normalised input for the gateway',
    input: input({ messages: [{ role: 'user', content: 'When does it renew?' }] }),
    expectRequest: { path: CLAUDE_PATH },
    upstream: { ...json, body: JSON.stringify(fixtureJson('cache.response.json')) },
    expectClient: message([{ type: 'text', text: 'The contract renews on 1 March.' }], 'end_turn', usage(14, 9, 2500, 1024)),
    expectUsage: { inputTokens: 3538, outputTokens: 9, totalTokens: 3547, cachedInputTokens: 2500, cacheCreationInputTokens: 1024 },
  },
  {
    name: 'structured output and effort',
    input: input({ messages: [{ role: 'user', content: 'Top song as JSON.' }], output_config: { effort: 'low', format: { type: 'json_schema', schema: { type: 'object', properties: { title: { type: 'string' } } } } } }),
    expectRequest: {
      path: CLAUDE_PATH,
      body: {
        messages: [{ role: 'user', content: [{ text: 'Top song as JSON.' }] }],
        inferenceConfig: { maxTokens: 512 },
        additionalModelRequestFields: { output_config: { effort: 'low' } },
        outputConfig: { textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: '{"type":"object","properties":{"title":{"type":"string"}}}' } } } },
      },
    },
  },
  {
    name: 'guardrail_intervened → refusal',
    input: input({ messages: [{ role: 'user', content: '…' }] }),
    expectRequest: { path: CLAUDE_PATH },
    upstream: { ...json, body: JSON.stringify(fixtureJson('guardrail.response.json')) },
    expectClient: message([{ type: 'text', text: 'Sorry, the model cannot answer this question.' }], 'refusal', usage(30, 0)),
  },
  {
    name: 'max_tokens',
    input: input({ messages: [{ role: 'user', content: 'Tell me a story.' }], max_tokens: 8 }),
    expectRequest: { path: CLAUDE_PATH },
    upstream: { ...json, body: JSON.stringify(fixtureJson('max-tokens.response.json')) },
    expectClient: message([{ type: 'text', text: 'Once upon a time, in a' }], 'max_tokens', usage(12, 8)),
  },
  {
    name: 'count_tokens → CountTokens with the Converse messages and system',
    input: input({ system: 'You are terse.', messages: [{ role: 'user', content: 'Hello, Claude' }], tools: [topSong] }, { operation: 'count_tokens' }),
    expectRequest: {
      path: '/model/anthropic.claude-3-haiku-20240307-v1%3A0/count-tokens',
      body: { input: { converse: { messages: [{ role: 'user', content: [{ text: 'Hello, Claude' }] }], system: [{ text: 'You are terse.' }] } } },
    },
    upstream: { ...json, body: '{"inputTokens":14}' },
    expectClient: { input_tokens: 14 },
    expectUsage: { inputTokens: 0, outputTokens: 0 },
  },
  {
    name: 'stream: text',
    input: input({ messages: [{ role: 'user', content: 'Create a list of 3 pop songs.' }], stream: true }),
    expectRequest: { path: STREAM_PATH, body: { messages: [{ role: 'user', content: [{ text: 'Create a list of 3 pop songs.' }] }], inferenceConfig: { maxTokens: 512 } } },
    upstream: { ...sse, body: textWire },
    expectContentType: 'text/event-stream',
    expectClient: [...streamTextEvents, messageDelta('end_turn', usage(17, 29)), messageStop],
    expectUsage: { inputTokens: 17, outputTokens: 29, totalTokens: 46 },
    expectResponseModel: CLAUDE,
  },
  {
    name: 'stream: text then two tool_use blocks with input_json_delta',
    input: input({ messages: [question], tools: [topSong], stream: true }),
    expectRequest: { path: STREAM_PATH },
    upstream: { ...sse, body: fixtureStream('stream-tool.events.json') },
    expectClient: [
      messageStart,
      blockStart(0, { type: 'text', text: '' }),
      blockDelta(0, { type: 'text_delta', text: 'Let me check WZPZ.' }),
      blockStop(0),
      blockStart(1, { type: 'tool_use', id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'top_song', input: {} }),
      blockDelta(1, { type: 'input_json_delta', partial_json: '' }),
      blockDelta(1, { type: 'input_json_delta', partial_json: '{"sign": "WZ' }),
      blockDelta(1, { type: 'input_json_delta', partial_json: 'PZ"}' }),
      blockStop(1),
      blockStart(2, { type: 'tool_use', id: 'tooluse_2nd3sQx5TnqdcT1R0rYl9w', name: 'top_song', input: {} }),
      blockDelta(2, { type: 'input_json_delta', partial_json: '{"sign": "WKRP"}' }),
      blockStop(2),
      messageDelta('tool_use', usage(375, 91)),
      messageStop,
    ],
    expectUsage: { inputTokens: 375, outputTokens: 91, totalTokens: 466 },
  },
  {
    name: 'stream: thinking with its signature, a redacted block, text, cache usage',
    input: input({ messages: [{ role: 'user', content: 'What is 27 * 453?' }], stream: true, thinking: { type: 'enabled', budget_tokens: 2048 } }),
    expectRequest: { path: STREAM_PATH },
    upstream: { ...sse, body: fixtureStream('stream-reasoning.events.json') },
    expectClient: [
      messageStart,
      blockStart(0, { type: 'thinking', thinking: '', signature: '' }),
      blockDelta(0, { type: 'thinking_delta', thinking: '27 * 453 = 27 * 400 + 27 * 53' }),
      blockDelta(0, { type: 'thinking_delta', thinking: ' = 10800 + 1431 = 12231.' }),
      blockDelta(0, { type: 'signature_delta', signature: SIGNATURE }),
      blockStop(0),
      blockStart(1, { type: 'redacted_thinking', data: 'RXJyb3IgcmVkYWN0ZWQgdGhpbmtpbmc=' }),
      blockStop(1),
      blockStart(2, { type: 'text', text: '' }),
      blockDelta(2, { type: 'text_delta', text: '27 × 453 = 12,231' }),
      blockStop(2),
      messageDelta('end_turn', usage(46, 142, 1800, 200)),
      messageStop,
    ],
    expectUsage: { inputTokens: 2046, outputTokens: 142, totalTokens: 2188, cachedInputTokens: 1800, cacheCreationInputTokens: 200 },
  },
  {
    name: 'stream: an exception mid-stream ends it with an Anthropic error event',
    input: input({ messages: [{ role: 'user', content: 'Create a list of 3 pop songs.' }], stream: true }),
    expectRequest: { path: STREAM_PATH },
    upstream: { ...sse, body: fixtureStream('stream-exception.events.json') },
    expectClient: [
      messageStart,
      blockStart(0, { type: 'text', text: '' }),
      blockDelta(0, { type: 'text_delta', text: 'Here are 3 pop' }),
      { event: 'error', data: { type: 'error', error: { type: 'rate_limit_error', message: 'AWS Bedrock throttlingException during the stream: Too many tokens, please wait before trying again.' }, request_id: REQUEST_ID } },
    ],
  },
  {
    name: 'stream: usage missing at the end still closes the message',
    input: input({ messages: [{ role: 'user', content: 'hi' }], stream: true }),
    expectRequest: { path: STREAM_PATH },
    upstream: { ...sse, body: eventStreamBytes(fixtureJson<StreamItem[]>('stream-text.events.json').slice(0, -1)) },
    expectClient: [...streamTextEvents, messageDelta('end_turn', usage(0, 0)), messageStop],
    expectUsage: { inputTokens: 0, outputTokens: 0 },
  },
  {
    name: 'stream: cut inside a frame → an error event',
    input: input({ messages: [{ role: 'user', content: 'hi' }], stream: true }),
    expectRequest: { path: STREAM_PATH },
    upstream: { ...sse, body: textWire.subarray(0, textWire.readUInt32BE(0) + 20) },
    expectClient: [
      messageStart,
      { event: 'error', data: { type: 'error', error: { type: 'api_error', message: 'AWS Bedrock IncompleteEventStream during the stream: event stream ended inside a message (20 bytes left over)' }, request_id: REQUEST_ID } },
    ],
  },
];

translatorSuite(anthropicToBedrock, cases, bedrockErrorCases('Anthropic'));

describe('anthropic-to-bedrock beyond the suite', () => {
  it('never echoes the signed request of an InvalidSignatureException', () => {
    const e = invalidSignatureError();
    const r = anthropicToBedrock.error(e.status, e.headers, e.body);
    assert.equal(r.status, 403);
    assert.doesNotMatch(r.body, /security-token|IQoJ|Canonical|host:|AWS4-HMAC/i);
    assert.deepEqual((JSON.parse(r.body) as { error: { type: string } }).error.type, 'permission_error');
  });

  it('maps throttling to rate_limit_error and 5xx to a 502 api_error', () => {
    const t = anthropicToBedrock.error(429, { 'x-amzn-errortype': 'ThrottlingException', 'retry-after': '3' }, Buffer.from('{"message":"slow down"}'));
    assert.equal(t.status, 429);
    assert.deepEqual(t.headers, { 'retry-after': '3' });
    assert.deepEqual(JSON.parse(t.body), { type: 'error', error: { type: 'rate_limit_error', message: 'AWS Bedrock ThrottlingException: slow down' } });
    const s = anthropicToBedrock.error(500, { 'x-amzn-errortype': 'InternalServerException:http://internal.amazon.com/coral/com.amazon.bedrock/' }, Buffer.from('{"message":"oops"}'));
    assert.equal(s.status, 502);
    assert.equal(s.headers, undefined);
    assert.equal((JSON.parse(s.body) as { error: { type: string } }).error.type, 'api_error');
  });

  it('answers 422 for what Converse cannot express', () => {
    const bad: Array<[Record<string, unknown>, string | undefined]> = [
      [{ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }] }] }, 'messages[0].content[0].source'],
      [{ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/tiff', data: 'AA==' } }] }] }, 'messages[0].content[0]'],
      [{ messages: [{ role: 'assistant', content: [{ type: 'server_tool_use', id: 'x', name: 'web_search', input: {} }] }] }, 'messages[0].content[0]'],
      [{ messages: [], tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, 'tools[0]'],
      [{ messages: [{ role: 'system', content: 'x' }] }, 'messages[0].role'],
      [{ messages: [], mcp_servers: [] }, undefined],
    ];
    for (const [body, param] of bad) {
      assert.throws(
        () => anthropicToBedrock.request(input(body)),
        (err: unknown) => err instanceof GatewayError && err.status === 422 && (param === undefined || err.param === param),
        JSON.stringify(body),
      );
    }
  });

  it('reports a 200 without output.message in the Anthropic error shape', () => {
    const c: TranslatorCase = { name: 'x', input: input({ messages: [] }), expectRequest: { path: CLAUDE_PATH }, upstream: { ...json, body: '{}' } };
    const r = runResponse(anthropicToBedrock, c, [Buffer.from('{"Output":{"__type":"com.amazon.coral.service#UnknownOperationException"}}')]);
    const view = clientView(r.bytes, false) as { type: string; error: { type: string; message: string } };
    assert.equal(view.type, 'error');
    assert.match(view.error.message, /without output\.message/);
  });
});
