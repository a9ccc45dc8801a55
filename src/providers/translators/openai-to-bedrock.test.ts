import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '../../errors.ts';
import { openAIToBedrock, JSON_OBJECT_INSTRUCTION } from './openai-to-bedrock.ts';
import { requestInput, runResponse, clientView, translatorSuite } from './translator-cases.ts';
import type { TranslatorCase } from './translator-cases.ts';
import { BEDROCK_BACKEND, CLAUDE, CLAUDE_PATH, CREATED, PNG_BASE64, REQUEST_ID, bedrockErrorCases, bedrockHeaders, eventStreamBytes, fixtureJson, fixtureStream, invalidSignatureError } from './bedrock-test-support.ts';
import type { StreamItem } from './bedrock-test-support.ts';

// Golden cases from AWS's documented Converse shapes (fixtures/bedrock/README.md): the OpenAI request
// each scenario starts from, the Converse request it must become, and the OpenAI answer the client
// gets from the documented Converse / ConverseStream answer.

const input = (body: Record<string, unknown>, over: Parameters<typeof requestInput>[1] = {}) => requestInput({ model: CLAUDE, ...body }, { backend: BEDROCK_BACKEND, ...over });
const json = { headers: bedrockHeaders(false) };
const sse = { headers: bedrockHeaders(true) };
const STREAM_PATH = CLAUDE_PATH.replace(/converse$/, 'converse-stream');

function usage(prompt: number, completion: number, cached = 0, creation = 0) {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached, ...(creation > 0 ? { cache_creation_tokens: creation } : {}) },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

function completion(message: Record<string, unknown>, finish: string, u: unknown) {
  return { id: REQUEST_ID, object: 'chat.completion', created: CREATED, model: CLAUDE, choices: [{ index: 0, message, logprobs: null, finish_reason: finish }], usage: u };
}

function chunk(delta: Record<string, unknown>, finish: string | null = null) {
  return { data: { id: REQUEST_ID, object: 'chat.completion.chunk', created: CREATED, model: CLAUDE, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] } };
}

function usageChunk(u: unknown) {
  return { data: { id: REQUEST_ID, object: 'chat.completion.chunk', created: CREATED, model: CLAUDE, choices: [], usage: u } };
}

const DONE = { data: '[DONE]' };

const topSong = {
  type: 'function',
  function: {
    name: 'top_song',
    description: 'Get the most popular song played on a radio station.',
    parameters: {
      type: 'object',
      properties: { sign: { type: 'string', description: 'The call sign for the radio station for which you want the most popular song. Example calls signs are WZPZ and WKRP.' } },
      required: ['sign'],
    },
  },
};
const topSongCall = { id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', type: 'function', function: { name: 'top_song', arguments: '{"sign":"WZPZ"}' } };
const question = { role: 'user', content: 'What is the most popular song on WZPZ?' };

const streamText = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ content: 'Here are 3 pop songs: ' }),
  chunk({ content: '"Wannabe" — Spice Girls 🎤, ' }),
  chunk({ content: '"Don\'t Look Back in Anger" — Oasis.' }),
  chunk({}, 'stop'),
];

const exceptionWire = fixtureStream('stream-exception.events.json');
const textWire = fixtureStream('stream-text.events.json');

const cases: TranslatorCase[] = [
  {
    name: 'text: inference parameters, the documented answer',
    input: input({ messages: [{ role: 'user', content: 'Create a list of 3 pop songs.' }], max_tokens: 512, temperature: 0.5, top_p: 0.9 }),
    expectRequest: {
      path: CLAUDE_PATH,
      headers: { 'content-type': 'application/json' },
      body: { messages: [{ role: 'user', content: [{ text: 'Create a list of 3 pop songs.' }] }], inferenceConfig: { maxTokens: 512, temperature: 0.5, topP: 0.9 } },
    },
    upstream: { ...json, body: JSON.stringify(fixtureJson('text.response.json')) },
    expectContentType: 'application/json',
    expectClient: completion(
      { role: 'assistant', content: 'Here is a list of 3 pop songs by artists from the United Kingdom:\n\n1. "Wannabe" by Spice Girls\n2. "Bitter Sweet Symphony" by The Verve\n3. "Don\'t Look Back in Anger" by Oasis' },
      'stop',
      usage(125, 60),
    ),
    expectUsage: { inputTokens: 125, outputTokens: 60, totalTokens: 185, cachedInputTokens: 0 },
    expectResponseModel: CLAUDE,
  },
  {
    name: 'system and developer messages, stop sequences, max_completion_tokens over max_tokens',
    input: input({
      messages: [
        { role: 'system', content: 'You are a music expert.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer as a numbered list.' }] },
        { role: 'user', content: 'Name two pop songs.' },
      ],
      max_tokens: 100,
      max_completion_tokens: 200,
      stop: ['\n3.'],
    }),
    expectRequest: {
      path: CLAUDE_PATH,
      body: {
        messages: [{ role: 'user', content: [{ text: 'Name two pop songs.' }] }],
        system: [{ text: 'You are a music expert.' }, { text: 'Answer as a numbered list.' }],
        inferenceConfig: { maxTokens: 200, stopSequences: ['\n3.'] },
      },
    },
    upstream: { ...json, body: JSON.stringify(fixtureJson('stop-sequence.response.json')) },
    expectClient: completion({ role: 'assistant', content: '1. Wannabe\n2. Bitter Sweet Symphony\n' }, 'stop', usage(20, 12)),
  },
  {
    name: 'tools: the model calls a tool (tool_choice auto)',
    input: input({ messages: [question], tools: [topSong], tool_choice: 'auto', max_tokens: 512 }),
    expectRequest: {
      path: CLAUDE_PATH,
      body: {
        messages: [{ role: 'user', content: [{ text: question.content }] }],
        inferenceConfig: { maxTokens: 512 },
        toolConfig: (fixtureJson('tool.request.json') as { toolConfig: unknown }).toolConfig,
      },
    },
    upstream: { ...json, body: JSON.stringify(fixtureJson('tool-use.response.json')) },
    expectClient: completion({ role: 'assistant', content: "I'll look up the most popular song on WZPZ.", tool_calls: [topSongCall] }, 'tool_calls', usage(375, 72)),
  },
  {
    name: 'tools: the tool result goes back as a user toolResult',
    input: input({
      messages: [
        { role: 'system', content: 'You are a radio assistant.' },
        question,
        { role: 'assistant', content: "I'll look up the most popular song on WZPZ.", tool_calls: [topSongCall] },
        { role: 'tool', tool_call_id: topSongCall.id, content: '{"song":"Elemental Hotel","artist":"8 Storey Hike"}' },
      ],
      tools: [topSong],
      tool_choice: 'auto',
      max_tokens: 512,
    }),
    expectRequest: { path: CLAUDE_PATH, body: fixtureJson('tool.request.json') },
    upstream: { ...json, body: JSON.stringify(fixtureJson('tool-result.response.json')) },
    expectClient: completion({ role: 'assistant', content: 'The most popular song on WZPZ is Elemental Hotel by 8 Storey Hike.' }, 'stop', usage(482, 21)),
  },
  {
    name: 'tools: consecutive tool messages merged with the next user turn, empty assistant dropped, required and named choices',
    input: input({
      messages: [
        question,
        { role: 'assistant', content: null, tool_calls: [topSongCall, { id: 'tooluse_2', type: 'function', function: { name: 'top_song', arguments: '{"sign":"WKRP"}' } }] },
        { role: 'tool', tool_call_id: topSongCall.id, content: 'Elemental Hotel' },
        { role: 'tool', tool_call_id: 'tooluse_2', content: [{ type: 'text', text: 'Dreams' }] },
        { role: 'user', content: 'Compare them.' },
        { role: 'assistant', content: '' },
        { role: 'user', content: 'Well?' },
      ],
      tools: [topSong],
      tool_choice: { type: 'function', function: { name: 'top_song' } },
    }),
    expectRequest: {
      path: CLAUDE_PATH,
      body: {
        messages: [
          { role: 'user', content: [{ text: question.content }] },
          {
            role: 'assistant',
            content: [
              { toolUse: { toolUseId: topSongCall.id, name: 'top_song', input: { sign: 'WZPZ' } } },
              { toolUse: { toolUseId: 'tooluse_2', name: 'top_song', input: { sign: 'WKRP' } } },
            ],
          },
          {
            role: 'user',
            content: [
              { toolResult: { toolUseId: topSongCall.id, content: [{ text: 'Elemental Hotel' }] } },
              { toolResult: { toolUseId: 'tooluse_2', content: [{ text: 'Dreams' }] } },
              { text: 'Compare them.' },
              { text: 'Well?' },
            ],
          },
        ],
        toolConfig: { tools: [{ toolSpec: { name: 'top_song', description: topSong.function.description, inputSchema: { json: topSong.function.parameters } } }], toolChoice: { tool: { name: 'top_song' } } },
      },
    },
  },
  {
    name: 'tools: required → any; none with tool history keeps the tools without a choice',
    input: input({ messages: [question, { role: 'assistant', tool_calls: [topSongCall] }, { role: 'tool', tool_call_id: topSongCall.id, content: 'Elemental Hotel' }], tools: [topSong], tool_choice: 'none' }),
    expectRequest: {
      path: CLAUDE_PATH,
      body: {
        messages: [
          { role: 'user', content: [{ text: question.content }] },
          { role: 'assistant', content: [{ toolUse: { toolUseId: topSongCall.id, name: 'top_song', input: { sign: 'WZPZ' } } }] },
          { role: 'user', content: [{ toolResult: { toolUseId: topSongCall.id, content: [{ text: 'Elemental Hotel' }] } }] },
        ],
        toolConfig: { tools: [{ toolSpec: { name: 'top_song', description: topSong.function.description, inputSchema: { json: topSong.function.parameters } } }] },
      },
    },
  },
  {
    name: 'tools: required → any',
    input: input({ messages: [question], tools: [{ type: 'function', function: { name: 'top_song' } }], tool_choice: 'required' }),
    expectRequest: {
      path: CLAUDE_PATH,
      body: { messages: [{ role: 'user', content: [{ text: question.content }] }], toolConfig: { tools: [{ toolSpec: { name: 'top_song', inputSchema: { json: { type: 'object', properties: {} } } } }], toolChoice: { any: {} } } },
    },
  },
  {
    name: 'images: a data URL becomes image bytes, a PDF file a document',
    input: input({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: "What's in this image?" },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}`, detail: 'low' } },
            { type: 'file', file: { filename: 'Q1 report.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQK' } },
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
            content: [{ text: "What's in this image?" }, { image: { format: 'png', source: { bytes: PNG_BASE64 } } }, { document: { format: 'pdf', name: 'Q1 report', source: { bytes: 'JVBERi0xLjQK' } } }],
          },
        ],
      },
    },
    upstream: { ...json, body: JSON.stringify(fixtureJson('text.response.json')) },
    expectUsage: { inputTokens: 125, outputTokens: 60 },
  },
  {
    name: 'reasoning: thinking → additionalModelRequestFields; reasoning content, signature and redacted blocks come back',
    input: input({ messages: [{ role: 'user', content: 'What is 27 * 453?' }], max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 } }),
    expectRequest: {
      path: CLAUDE_PATH,
      body: { messages: [{ role: 'user', content: [{ text: 'What is 27 * 453?' }] }], inferenceConfig: { maxTokens: 4096 }, additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 2048 } } },
    },
    upstream: { ...json, body: JSON.stringify(fixtureJson('reasoning.response.json')) },
    expectClient: completion(
      {
        role: 'assistant',
        content: '27 × 453 = 12,231',
        reasoning_content: 'The user asks for 27 * 453. 27 * 453 = 27 * 400 + 27 * 53 = 10800 + 1431 = 12231.',
        thinking_blocks: [
          { type: 'thinking', thinking: 'The user asks for 27 * 453. 27 * 453 = 27 * 400 + 27 * 53 = 10800 + 1431 = 12231.', signature: 'EqoBCkgIARABGAIiQKXf0Ow7ZcqY0sSL9m8q1xBzUq6xYp0cW+JpV3d7tE7tyXn6Zb3kKx1Y8qK+0uJmSg==' },
          { type: 'redacted_thinking', data: 'RXJyb3IgcmVkYWN0ZWQgdGhpbmtpbmc=' },
        ],
      },
      'stop',
      usage(46, 142),
    ),
  },
  {
    name: 'reasoning: reasoning_effort → reasoning_config; thinking blocks in the history go back as reasoningContent',
    input: input({
      messages: [
        { role: 'user', content: 'What is 27 * 453?' },
        { role: 'assistant', content: '12,231', thinking_blocks: [{ type: 'thinking', thinking: 'multiply', signature: 'c2ln' }, { type: 'redacted_thinking', data: 'cmVk' }] },
        { role: 'user', content: 'And 28 * 453?' },
      ],
      reasoning_effort: 'low',
    }),
    expectRequest: {
      path: CLAUDE_PATH,
      body: {
        messages: [
          { role: 'user', content: [{ text: 'What is 27 * 453?' }] },
          { role: 'assistant', content: [{ reasoningContent: { reasoningText: { text: 'multiply', signature: 'c2ln' } } }, { reasoningContent: { redactedContent: 'cmVk' } }, { text: '12,231' }] },
          { role: 'user', content: [{ text: 'And 28 * 453?' }] },
        ],
        additionalModelRequestFields: { reasoning_config: 'low' },
      },
    },
  },
  {
    name: 'prompt caching: cache_control → cachePoint; cache reads and writes count as input',
    input: input({
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Contract text …', cache_control: { type: 'ephemeral' } }] },
        { role: 'user', content: [{ type: 'text', text: 'When does it renew?', cache_control: { type: 'ephemeral' } }] },
      ],
      tools: [{ ...topSong, function: { ...topSong.function, cache_control: { type: 'ephemeral' } } }],
    }),
    expectRequest: {
      path: CLAUDE_PATH,
      body: {
        messages: [{ role: 'user', content: [{ text: 'When does it renew?' }, { cachePoint: { type: 'default' } }] }],
        system: [{ text: 'Contract text …' }, { cachePoint: { type: 'default' } }],
        toolConfig: { tools: [{ toolSpec: { name: 'top_song', description: topSong.function.description, inputSchema: { json: topSong.function.parameters } } }, { cachePoint: { type: 'default' } }] },
      },
    },
    upstream: { ...json, body: JSON.stringify(fixtureJson('cache.response.json')) },
    expectClient: completion({ role: 'assistant', content: 'The contract renews on 1 March.' }, 'stop', usage(3538, 9, 2500, 1024)),
    expectUsage: { inputTokens: 3538, outputTokens: 9, totalTokens: 3547, cachedInputTokens: 2500, cacheCreationInputTokens: 1024 },
  },
  {
    name: 'response_format json_schema → outputConfig; service tier',
    input: input({
      messages: [{ role: 'user', content: 'Top song on WZPZ as JSON.' }],
      response_format: { type: 'json_schema', json_schema: { name: 'song', description: 'A song', strict: true, schema: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'], additionalProperties: false } } },
      service_tier: 'flex',
    }),
    expectRequest: {
      path: CLAUDE_PATH,
      body: {
        messages: [{ role: 'user', content: [{ text: 'Top song on WZPZ as JSON.' }] }],
        outputConfig: {
          textFormat: {
            type: 'json_schema',
            structure: { jsonSchema: { schema: '{"type":"object","properties":{"title":{"type":"string"}},"required":["title"],"additionalProperties":false}', name: 'song', description: 'A song' } },
          },
        },
        serviceTier: { type: 'flex' },
      },
    },
  },
  {
    name: 'response_format json_object → a system instruction (approximation)',
    input: input({ messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Top song as JSON.' }], response_format: { type: 'json_object' }, service_tier: 'auto' }),
    expectRequest: { path: CLAUDE_PATH, body: { messages: [{ role: 'user', content: [{ text: 'Top song as JSON.' }] }], system: [{ text: 'Be terse.' }, { text: JSON_OBJECT_INSTRUCTION }] } },
  },
  {
    name: 'an inference-profile ARN is escaped in the path',
    input: input({ messages: [{ role: 'user', content: 'hi' }] }, { model: 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0', modelChanged: true }),
    expectRequest: { path: '/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-7-sonnet-20250219-v1%3A0/converse' },
  },
  {
    name: 'max_tokens → length',
    input: input({ messages: [{ role: 'user', content: 'Tell me a story.' }], max_tokens: 8 }),
    expectRequest: { path: CLAUDE_PATH },
    upstream: { ...json, body: JSON.stringify(fixtureJson('max-tokens.response.json')) },
    expectClient: completion({ role: 'assistant', content: 'Once upon a time, in a' }, 'length', usage(12, 8)),
  },
  {
    name: 'guardrail_intervened → content_filter',
    input: input({ messages: [{ role: 'user', content: '…' }] }),
    expectRequest: { path: CLAUDE_PATH },
    upstream: { ...json, body: JSON.stringify(fixtureJson('guardrail.response.json')) },
    expectClient: completion({ role: 'assistant', content: 'Sorry, the model cannot answer this question.' }, 'content_filter', usage(30, 0)),
  },
  {
    name: 'stream: text with the usage chunk the client asked for',
    input: input({ messages: [{ role: 'user', content: 'Create a list of 3 pop songs.' }], stream: true, stream_options: { include_usage: true } }),
    expectRequest: { path: STREAM_PATH, body: { messages: [{ role: 'user', content: [{ text: 'Create a list of 3 pop songs.' }] }] } },
    upstream: { ...sse, body: textWire },
    expectContentType: 'text/event-stream',
    expectClient: [...streamText, usageChunk(usage(17, 29)), DONE],
    expectUsage: { inputTokens: 17, outputTokens: 29, totalTokens: 46 },
    expectResponseModel: CLAUDE,
  },
  {
    name: 'stream: no usage chunk for a client that did not ask, usage still recorded',
    input: input({ messages: [{ role: 'user', content: 'Create a list of 3 pop songs.' }], stream: true }),
    expectRequest: { path: STREAM_PATH },
    hideUsageChunk: true,
    upstream: { ...sse, body: textWire },
    expectClient: [...streamText, DONE],
    expectUsage: { inputTokens: 17, outputTokens: 29, totalTokens: 46 },
  },
  {
    name: 'stream: text then two tool calls, arguments streamed per call',
    input: input({ messages: [question], tools: [topSong], stream: true }),
    expectRequest: { path: STREAM_PATH },
    hideUsageChunk: true,
    upstream: { ...sse, body: fixtureStream('stream-tool.events.json') },
    expectClient: [
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Let me check WZPZ.' }),
      chunk({ tool_calls: [{ index: 0, id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', type: 'function', function: { name: 'top_song', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"sign": "WZ' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: 'PZ"}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'tooluse_2nd3sQx5TnqdcT1R0rYl9w', type: 'function', function: { name: 'top_song', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '{"sign": "WKRP"}' } }] }),
      chunk({}, 'tool_calls'),
      DONE,
    ],
    expectUsage: { inputTokens: 375, outputTokens: 91, totalTokens: 466 },
  },
  {
    name: 'stream: reasoning deltas, signature and redacted blocks, cache usage',
    input: input({ messages: [{ role: 'user', content: 'What is 27 * 453?' }], stream: true, stream_options: { include_usage: true }, thinking: { type: 'enabled', budget_tokens: 2048 } }),
    expectRequest: { path: STREAM_PATH },
    upstream: { ...sse, body: fixtureStream('stream-reasoning.events.json') },
    expectClient: [
      chunk({ role: 'assistant', content: '' }),
      chunk({ reasoning_content: '27 * 453 = 27 * 400 + 27 * 53' }),
      chunk({ reasoning_content: ' = 10800 + 1431 = 12231.' }),
      chunk({ thinking_blocks: [{ type: 'thinking', thinking: '', signature: 'EqoBCkgIARABGAIiQKXf0Ow7ZcqY0sSL9m8q1xBzUq6xYp0cW+JpV3d7tE7tyXn6Zb3kKx1Y8qK+0uJmSg==' }] }),
      chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: 'RXJyb3IgcmVkYWN0ZWQgdGhpbmtpbmc=' }] }),
      chunk({ content: '27 × 453 = 12,231' }),
      chunk({}, 'stop'),
      usageChunk(usage(2046, 142, 1800, 200)),
      DONE,
    ],
    expectUsage: { inputTokens: 2046, outputTokens: 142, totalTokens: 2188, cachedInputTokens: 1800, cacheCreationInputTokens: 200 },
  },
  {
    name: 'stream: an exception mid-stream ends it with an OpenAI error event',
    input: input({ messages: [{ role: 'user', content: 'Create a list of 3 pop songs.' }], stream: true }),
    expectRequest: { path: STREAM_PATH },
    hideUsageChunk: true,
    upstream: { ...sse, body: exceptionWire },
    expectClient: [
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Here are 3 pop' }),
      { data: { error: { message: 'AWS Bedrock throttlingException during the stream: Too many tokens, please wait before trying again.', type: 'rate_limit_error', param: null, code: 'throttlingException' } } },
    ],
  },
  {
    name: 'stream: cut inside a frame → an error event, no [DONE]',
    input: input({ messages: [{ role: 'user', content: 'hi' }], stream: true }),
    expectRequest: { path: STREAM_PATH },
    hideUsageChunk: true,
    upstream: { ...sse, body: textWire.subarray(0, textWire.length - 7) },
    expectClient: [
      ...streamText,
      { data: { error: { message: 'AWS Bedrock IncompleteEventStream during the stream: event stream ended inside a message (219 bytes left over)', type: 'upstream_error', param: null, code: 'IncompleteEventStream' } } },
    ],
  },
];

translatorSuite(openAIToBedrock, cases, bedrockErrorCases('OpenAI'));

describe('openai-to-bedrock beyond the suite', () => {
  it('never echoes the signed request of an InvalidSignatureException', () => {
    const e = invalidSignatureError();
    const r = openAIToBedrock.error(e.status, e.headers, e.body);
    assert.equal(r.status, 403);
    assert.doesNotMatch(r.body, /security-token|IQoJ|Canonical|host:|AWS4-HMAC/i);
    const body = JSON.parse(r.body) as { error: { message: string; type: string; code: string } };
    assert.equal(body.error.type, 'permission_error');
    assert.equal(body.error.code, 'InvalidSignatureException');
  });

  it('answers 422 for what Converse cannot express', () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] }, 'messages[0].content[0]'],
      [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/tiff;base64,${PNG_BASE64}` } }] }] }, 'messages[0].content[0]'],
      [{ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AA==', format: 'wav' } }] }] }, 'messages[0].content[0]'],
      [{ messages: [{ role: 'assistant', tool_calls: [{ id: 'x', type: 'function', function: { name: 'f', arguments: '{oops' } }] }] }, 'messages[0].tool_calls[0].function.arguments'],
      [{ messages: [{ role: 'function', name: 'f', content: 'x' }] }, 'messages[0].role'],
      [{ messages: [], n: 2 }, 'n'],
      [{ messages: [], tools: [{ type: 'custom', custom: { name: 'x' } }] }, 'tools[0]'],
      [{ messages: [], response_format: { type: 'grammar' } }, 'response_format'],
    ];
    for (const [body, param] of bad) {
      assert.throws(
        () => openAIToBedrock.request(input(body)),
        (err: unknown) => err instanceof GatewayError && err.status === 422 && err.param === param,
        JSON.stringify(body),
      );
    }
    assert.throws(() => openAIToBedrock.request(input({ input: 'x' }, { operation: 'embeddings' })), (err: unknown) => err instanceof GatewayError && err.status === 422);
  });

  it('reports a 200 without output.message in the OpenAI error shape', () => {
    const c: TranslatorCase = { name: 'x', input: input({ messages: [] }), expectRequest: { path: CLAUDE_PATH }, upstream: { ...json, body: '{"stopReason":"end_turn"}' } };
    const r = runResponse(openAIToBedrock, c, [Buffer.from('{"stopReason":"end_turn"}')]);
    const view = clientView(r.bytes, false) as { error: { message: string } };
    assert.match(view.error.message, /without output\.message/);
  });

  it('a stream without messageStart still begins with the role chunk', () => {
    const c: TranslatorCase = { name: 'x', input: input({ messages: [], stream: true }), expectRequest: { path: STREAM_PATH }, upstream: { ...sse, body: textWire }, hideUsageChunk: true };
    const items = fixtureJson<Array<StreamItem & { event: string }>>('stream-text.events.json').filter((e) => e.event !== 'messageStart');
    const r = runResponse(openAIToBedrock, c, [eventStreamBytes(items)]);
    assert.deepEqual(clientView(r.bytes, true), [...streamText, DONE]);
  });

  it('a stream that ends cleanly before messageStop is an error, not a finished answer', () => {
    const c: TranslatorCase = { name: 'x', input: input({ messages: [], stream: true }), expectRequest: { path: STREAM_PATH }, upstream: { ...sse, body: textWire } };
    const items = fixtureJson<Array<StreamItem & { event: string }>>('stream-text.events.json').filter((e) => e.event !== 'messageStop' && e.event !== 'metadata');
    const wire = eventStreamBytes(items);
    const r = runResponse(openAIToBedrock, c, [wire]);
    const events = clientView(r.bytes, true) as Array<{ data: unknown }>;
    assert.deepEqual(events.at(-1), { data: { error: { message: 'AWS Bedrock IncompleteStream during the stream: the stream ended before messageStop', type: 'upstream_error', param: null, code: 'IncompleteStream' } } });
  });
});
