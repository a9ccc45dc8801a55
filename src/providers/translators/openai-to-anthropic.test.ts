import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { GatewayError } from '../../errors.ts';
import type { BackendSchema } from '../../runtime/translator.ts';
import { bedrockChunkFrame, bedrockEventStream, bedrockExceptionFrame, fixture, fixtureJson, pieces, withTranslatingServer } from './anthropic-fixtures.ts';
import type { JsonObject } from './anthropic-shapes.ts';
import { DEFAULT_MAX_TOKENS, JSON_OBJECT_INSTRUCTION, createOpenAIToAnthropic, openAIChatToAnthropic, openAIToAnthropicFor } from './openai-to-anthropic.ts';
import { clientView, requestInput, runResponse, translatorSuite } from './translator-cases.ts';
import type { ErrorCase, TranslatorCase } from './translator-cases.ts';

const CREATED = 1700000000;
const now = () => CREATED;
const anthropic = createOpenAIToAnthropic({ schema: 'Anthropic', now });
const gcp = createOpenAIToAnthropic({ schema: 'GCPAnthropic', now });
const aws = createOpenAIToAnthropic({ schema: 'AWSAnthropic', now });

const ANTHROPIC: BackendSchema = { name: 'Anthropic', prefix: '/v1' };
const GCP: BackendSchema = { name: 'GCPAnthropic', prefix: '' };
const AWS: BackendSchema = { name: 'AWSAnthropic', prefix: '' };

const SSE = { 'content-type': 'text/event-stream; charset=utf-8' };
const JSON_HEAD = { 'content-type': 'application/json' };
const EVENTSTREAM = { 'content-type': 'application/vnd.amazon.eventstream' };

/** One expected client chunk. `usage: true` adds the `usage: null` field clients asking for usage see. */
function chunk(id: string, model: string, delta: JsonObject, finish: string | null = null, usage = false) {
  return { data: { id, object: 'chat.completion.chunk', created: CREATED, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(usage ? { usage: null } : {}) } };
}

function usageChunk(id: string, model: string, usage: JsonObject) {
  return { data: { id, object: 'chat.completion.chunk', created: CREATED, model, choices: [], usage } };
}

const DONE = { data: '[DONE]' };
const hello = { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hello' }] };
const pair = fixtureJson<{ client: JsonObject; upstream: JsonObject }>('request-openai-to-anthropic.json');

// --- golden expectations for the documented answers --------------------------------------------

const toolUseCompletion = {
  id: 'msg_01Aq9w938a90dw8q',
  object: 'chat.completion',
  created: CREATED,
  model: 'claude-sonnet-4-5-20250929',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: "I'll check the current weather in San Francisco for you.",
        refusal: null,
        tool_calls: [{ id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' } }],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 384, completion_tokens: 73, total_tokens: 457, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
};

const textCompletion = {
  id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
  object: 'chat.completion',
  created: CREATED,
  model: 'claude-sonnet-4-5-20250929',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I help you today?', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  // input = 12 + 2000 cache read + 1000 cache creation (reference §6)
  usage: { prompt_tokens: 3012, completion_tokens: 9, total_tokens: 3021, prompt_tokens_details: { cached_tokens: 2000, cache_creation_tokens: 1000 }, completion_tokens_details: { reasoning_tokens: 0 } },
};

const thinkingCompletion = {
  id: 'msg_01Bq7thinkingExample',
  object: 'chat.completion',
  created: CREATED,
  model: 'claude-sonnet-4-5-20250929',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'Yes, there are infinitely many prime numbers.',
        refusal: null,
        reasoning_content: "To approach this, let's think about what we know about prime numbers...",
        thinking_blocks: [
          { type: 'thinking', thinking: "To approach this, let's think about what we know about prime numbers...", signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
          { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP' },
        ],
      },
      logprobs: null,
      finish_reason: 'length',
    },
  ],
  usage: { prompt_tokens: 50, completion_tokens: 120, total_tokens: 170, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 80 } },
};

const TEXT_ID = 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY';
const SONNET = 'claude-sonnet-4-5-20250929';
const streamTextWithUsage = [
  chunk(TEXT_ID, SONNET, { role: 'assistant', content: '' }, null, true),
  chunk(TEXT_ID, SONNET, { content: 'Héllo' }, null, true),
  chunk(TEXT_ID, SONNET, { content: ' 👋!' }, null, true),
  chunk(TEXT_ID, SONNET, {}, 'stop', true),
  usageChunk(TEXT_ID, SONNET, { prompt_tokens: 125, completion_tokens: 15, total_tokens: 140, prompt_tokens_details: { cached_tokens: 100 }, completion_tokens_details: { reasoning_tokens: 0 } }),
  DONE,
];

const TOOL_ID = 'msg_014p7gG3wDgGV9EUtLvnow3U';
const streamToolUse = [
  chunk(TOOL_ID, SONNET, { role: 'assistant', content: '' }),
  chunk(TOOL_ID, SONNET, { content: 'Okay' }),
  chunk(TOOL_ID, SONNET, { content: ", let's check the weather for San Francisco, CA:" }),
  chunk(TOOL_ID, SONNET, { tool_calls: [{ index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
  chunk(TOOL_ID, SONNET, { tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] }),
  chunk(TOOL_ID, SONNET, { tool_calls: [{ index: 0, function: { arguments: ' "San Fra' } }] }),
  chunk(TOOL_ID, SONNET, { tool_calls: [{ index: 0, function: { arguments: 'ncisco, CA"' } }] }),
  chunk(TOOL_ID, SONNET, { tool_calls: [{ index: 0, function: { arguments: ', "unit": "fah' } }] }),
  chunk(TOOL_ID, SONNET, { tool_calls: [{ index: 0, function: { arguments: 'renheit"}' } }] }),
  chunk(TOOL_ID, SONNET, {}, 'tool_calls'),
  DONE,
];

const THINK_ID = 'msg_01QthinkingStreamExample';
const streamThinking = [
  chunk(THINK_ID, SONNET, { role: 'assistant', content: '' }),
  chunk(THINK_ID, SONNET, { reasoning_content: 'Let me solve this step by step:\n\n1. First break down 27 * 453' }),
  chunk(THINK_ID, SONNET, { reasoning_content: '\n2. 453 = 400 + 50 + 3' }),
  chunk(THINK_ID, SONNET, { content: '27 * 453 = 12,231' }),
  chunk(THINK_ID, SONNET, {}, 'stop'),
  DONE,
];

const ERR_ID = 'msg_01ErrorStreamExample';
const streamError = [chunk(ERR_ID, SONNET, { role: 'assistant', content: '' }), chunk(ERR_ID, SONNET, { content: 'Once upon' }), { data: { error: { message: 'Overloaded', type: 'overloaded_error', param: null, code: null } } }];

const BEDROCK_ID = 'msg_bdrk_01XmYbGKp2jAoe1ExampleId';
const HAIKU = 'claude-haiku-4-5-20251001';
const streamBedrock = [
  chunk(BEDROCK_ID, HAIKU, { role: 'assistant', content: '' }, null, true),
  chunk(BEDROCK_ID, HAIKU, { content: 'Bonjour à ' }, null, true),
  chunk(BEDROCK_ID, HAIKU, { content: 'tous ✨' }, null, true),
  chunk(BEDROCK_ID, HAIKU, {}, 'stop', true),
  usageChunk(BEDROCK_ID, HAIKU, { prompt_tokens: 14, completion_tokens: 6, total_tokens: 20, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } }),
  DONE,
];

// --- Anthropic backend ------------------------------------------------------------------------

const anthropicCases: TranslatorCase[] = [
  {
    name: 'system/developer, images, tool calls and results, tools, tool_choice, stop, json_schema',
    input: requestInput(pair.client, { backend: ANTHROPIC }),
    expectRequest: { path: '/v1/messages', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: pair.upstream },
    upstream: { headers: JSON_HEAD, body: fixture('message-tool-use.json') },
    expectClient: toolUseCompletion,
    expectContentType: 'application/json',
    expectUsage: { inputTokens: 384, outputTokens: 73, totalTokens: 457, cachedInputTokens: 0 },
    expectResponseModel: SONNET,
  },
  {
    name: 'text with prompt-cache usage; max_tokens defaulted',
    input: requestInput(hello, { backend: ANTHROPIC, query: 'ignored=1' }),
    expectRequest: { path: '/v1/messages', body: { model: 'claude-sonnet-4-5', max_tokens: DEFAULT_MAX_TOKENS, messages: [{ role: 'user', content: 'Hello' }] } },
    upstream: { headers: JSON_HEAD, body: fixture('message-text.json') },
    expectClient: textCompletion,
    expectUsage: { inputTokens: 3012, outputTokens: 9, totalTokens: 3021, cachedInputTokens: 2000, cacheCreationInputTokens: 1000 },
    expectResponseModel: SONNET,
  },
  {
    name: 'reasoning_effort → thinking; thinking blocks back as reasoning_content; max_tokens → length',
    input: requestInput({ ...hello, reasoning_effort: 'medium' }, { backend: ANTHROPIC, model: 'claude-sonnet-4-5-20250929', modelChanged: true }),
    expectRequest: { path: '/v1/messages', body: { model: 'claude-sonnet-4-5-20250929', max_tokens: 8192 + DEFAULT_MAX_TOKENS, messages: [{ role: 'user', content: 'Hello' }], thinking: { type: 'enabled', budget_tokens: 8192 } } },
    upstream: { headers: JSON_HEAD, body: fixture('message-thinking.json') },
    expectClient: thinkingCompletion,
    expectUsage: { inputTokens: 50, outputTokens: 120, reasoningTokens: 80 },
  },
  {
    name: 'stop sequences: a matched stop sequence finishes with stop',
    input: requestInput({ model: 'claude-haiku-4-5', max_tokens: 20, stop: ['4', '5'], messages: [{ role: 'user', content: 'Count to 10' }] }, { backend: ANTHROPIC }),
    expectRequest: { path: '/v1/messages', body: { model: 'claude-haiku-4-5', max_tokens: 20, stop_sequences: ['4', '5'], messages: [{ role: 'user', content: 'Count to 10' }] } },
    upstream: { headers: JSON_HEAD, body: fixture('message-stop-sequence.json') },
    expectClient: {
      id: 'msg_01StopSequenceExample',
      object: 'chat.completion',
      created: CREATED,
      model: 'claude-haiku-4-5-20251001',
      choices: [{ index: 0, message: { role: 'assistant', content: '1, 2, 3', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 14, completion_tokens: 7, total_tokens: 21, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
    },
  },
  {
    name: 'stream with include_usage asked: usage chunk, cache read counted as input',
    input: requestInput({ ...hello, stream: true, stream_options: { include_usage: true } }, { backend: ANTHROPIC }),
    expectRequest: { path: '/v1/messages', body: { model: 'claude-sonnet-4-5', max_tokens: DEFAULT_MAX_TOKENS, messages: [{ role: 'user', content: 'Hello' }], stream: true } },
    upstream: { headers: SSE, body: fixture('stream-text.sse') },
    hideUsageChunk: false,
    expectClient: streamTextWithUsage,
    expectContentType: 'text/event-stream',
    expectUsage: { inputTokens: 125, outputTokens: 15, totalTokens: 140, cachedInputTokens: 100 },
    expectResponseModel: SONNET,
  },
  {
    name: 'stream without include_usage: no usage chunk, usage still recorded',
    input: requestInput({ ...hello, stream: true }, { backend: ANTHROPIC }),
    expectRequest: { path: '/v1/messages' },
    upstream: { headers: SSE, body: fixture('stream-text.sse') },
    hideUsageChunk: true,
    expectClient: [
      chunk(TEXT_ID, SONNET, { role: 'assistant', content: '' }),
      chunk(TEXT_ID, SONNET, { content: 'Héllo' }),
      chunk(TEXT_ID, SONNET, { content: ' 👋!' }),
      chunk(TEXT_ID, SONNET, {}, 'stop'),
      DONE,
    ],
    expectUsage: { inputTokens: 125, outputTokens: 15 },
  },
  {
    name: 'stream with tool use: tool call chunk, argument deltas, finish tool_calls',
    input: requestInput({ ...hello, stream: true, tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }], tool_choice: 'auto' }, { backend: ANTHROPIC }),
    expectRequest: { path: '/v1/messages', body: { model: 'claude-sonnet-4-5', max_tokens: DEFAULT_MAX_TOKENS, messages: [{ role: 'user', content: 'Hello' }], stream: true, tools: [{ name: 'get_weather', input_schema: { type: 'object' } }], tool_choice: { type: 'auto' } } },
    upstream: { headers: SSE, body: fixture('stream-tool-use.sse') },
    hideUsageChunk: true,
    expectClient: streamToolUse,
    expectUsage: { inputTokens: 472, outputTokens: 89 },
  },
  {
    name: 'stream with thinking: reasoning_content deltas, cumulative message_delta usage',
    input: requestInput({ ...hello, stream: true, thinking: { type: 'enabled', budget_tokens: 2000 }, max_tokens: 4000 }, { backend: ANTHROPIC }),
    expectRequest: { path: '/v1/messages', body: { model: 'claude-sonnet-4-5', max_tokens: 4000, messages: [{ role: 'user', content: 'Hello' }], stream: true, thinking: { type: 'enabled', budget_tokens: 2000 } } },
    upstream: { headers: SSE, body: fixture('stream-thinking.sse') },
    hideUsageChunk: true,
    expectClient: streamThinking,
    expectUsage: { inputTokens: 50, outputTokens: 120, totalTokens: 170, cacheCreationInputTokens: 10, reasoningTokens: 90 },
  },
  {
    name: 'stream with a mid-stream error event: OpenAI error event, no [DONE]',
    input: requestInput({ ...hello, stream: true }, { backend: ANTHROPIC }),
    expectRequest: { path: '/v1/messages' },
    upstream: { headers: SSE, body: fixture('stream-error.sse') },
    hideUsageChunk: true,
    expectClient: streamError,
    expectUsage: { inputTokens: 8, outputTokens: 1 },
  },
];

// --- Vertex AI ---------------------------------------------------------------------------------

const VERTEX_MODEL = 'claude-sonnet-4-5@20250929';
const gcpCases: TranslatorCase[] = [
  {
    name: 'Vertex rawPredict: model in the path, anthropic_version in the body',
    input: requestInput(pair.client, { backend: GCP, model: VERTEX_MODEL, modelChanged: true }),
    expectRequest: {
      path: `publishers/anthropic/models/${VERTEX_MODEL}:rawPredict`,
      body: (() => {
        const { model: _m, ...rest } = pair.upstream;
        return { anthropic_version: 'vertex-2023-10-16', ...rest };
      })(),
    },
    upstream: { headers: JSON_HEAD, body: fixture('message-tool-use.json') },
    expectClient: toolUseCompletion,
  },
  {
    name: 'Vertex streamRawPredict with schema.version',
    input: requestInput({ ...hello, stream: true }, { backend: { ...GCP, version: 'vertex-2099-01-01' }, model: VERTEX_MODEL }),
    expectRequest: { path: `publishers/anthropic/models/${VERTEX_MODEL}:streamRawPredict`, body: { anthropic_version: 'vertex-2099-01-01', max_tokens: DEFAULT_MAX_TOKENS, messages: [{ role: 'user', content: 'Hello' }], stream: true } },
    upstream: { headers: SSE, body: fixture('stream-text.sse') },
    expectClient: streamTextWithUsage,
  },
];

// --- Bedrock -----------------------------------------------------------------------------------

const BEDROCK_MODEL = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const awsCases: TranslatorCase[] = [
  {
    name: 'Bedrock invoke: url-encoded model id, anthropic_version, no model',
    input: requestInput(hello, { backend: AWS, model: BEDROCK_MODEL, modelChanged: true }),
    expectRequest: { path: '/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/invoke', headers: { 'content-type': 'application/json' }, body: { anthropic_version: 'bedrock-2023-05-31', max_tokens: DEFAULT_MAX_TOKENS, messages: [{ role: 'user', content: 'Hello' }] } },
    upstream: { headers: JSON_HEAD, body: fixture('message-text.json') },
    expectClient: textCompletion,
  },
  {
    name: 'Bedrock invoke-with-response-stream: event-stream frames decoded, no stream field sent',
    input: requestInput({ ...hello, stream: true, stream_options: { include_usage: true } }, { backend: AWS, model: BEDROCK_MODEL, modelChanged: true }),
    expectRequest: { path: '/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/invoke-with-response-stream', body: { anthropic_version: 'bedrock-2023-05-31', max_tokens: DEFAULT_MAX_TOKENS, messages: [{ role: 'user', content: 'Hello' }] } },
    upstream: { headers: EVENTSTREAM, body: bedrockEventStream(fixture('stream-bedrock.sse')) },
    expectClient: streamBedrock,
    expectContentType: 'text/event-stream',
    expectUsage: { inputTokens: 14, outputTokens: 6, totalTokens: 20 },
    expectResponseModel: HAIKU,
  },
  {
    name: 'Bedrock stream exception frame → OpenAI error event',
    input: requestInput({ ...hello, stream: true }, { backend: AWS, model: BEDROCK_MODEL }),
    expectRequest: { path: '/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/invoke-with-response-stream' },
    upstream: {
      headers: EVENTSTREAM,
      body: Buffer.concat([bedrockEventStream(fixture('stream-bedrock.sse').split('event: content_block_delta')[0]!), bedrockExceptionFrame('throttlingException', 'Too many requests, please wait before trying again.')]),
    },
    hideUsageChunk: true,
    expectClient: [
      chunk(BEDROCK_ID, HAIKU, { role: 'assistant', content: '' }),
      { data: { error: { message: 'throttlingException: Too many requests, please wait before trying again.', type: 'rate_limit_error', param: null, code: null } } },
    ],
  },
];

const errors: ErrorCase[] = [
  { name: '400 keeps its status with Anthropic message and type', status: 400, body: fixture('error-invalid-request.json'), expectStatus: 400, schema: 'OpenAI', messageIncludes: 'roles must alternate' },
  { name: '429 stays 429', status: 429, body: fixture('error-rate-limit.json'), expectStatus: 429, schema: 'OpenAI', messageIncludes: 'rate limit' },
  { name: '529 overloaded → 503', status: 529, body: fixture('error-overloaded.json'), expectStatus: 503, schema: 'OpenAI', messageIncludes: 'Overloaded' },
  { name: '500 → 502 with the upstream message', status: 500, body: JSON.stringify({ type: 'error', error: { type: 'api_error', message: 'Internal server error' } }), expectStatus: 502, schema: 'OpenAI', messageIncludes: 'Internal server error' },
  { name: 'Bedrock 400 with x-amzn-errortype', status: 400, headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/' }, body: fixture('error-bedrock-validation.json'), expectStatus: 400, schema: 'OpenAI', messageIncludes: 'extraneous key' },
  { name: 'non-JSON 502 body', status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad gateway</html>', expectStatus: 502, schema: 'OpenAI', messageIncludes: 'Bad gateway' },
];

translatorSuite(anthropic, anthropicCases, errors);
translatorSuite(gcp, gcpCases);
translatorSuite(aws, awsCases, errors.slice(4));

// --- focused tests -----------------------------------------------------------------------------

function throws422(body: JsonObject, param?: string): void {
  assert.throws(
    () => openAIChatToAnthropic(body),
    (e: unknown) => e instanceof GatewayError && e.status === 422 && (param === undefined || e.param === param),
  );
}

describe('openAIChatToAnthropic', () => {
  it('refuses what Anthropic cannot honour with 422', () => {
    throws422({ ...hello, n: 2 }, 'n');
    throws422({ ...hello, temperature: 1.5 }, 'temperature');
    throws422({ ...hello, logprobs: true }, 'logprobs');
    throws422({ ...hello, modalities: ['text', 'audio'] }, 'modalities');
    throws422({ ...hello, functions: [{ name: 'f' }] }, 'functions');
    throws422({ ...hello, tools: [{ type: 'custom', custom: { name: 'x' } }] }, 'tools[0]');
    throws422({ ...hello, reasoning_effort: 'extreme' }, 'reasoning_effort');
    throws422({ ...hello, response_format: { type: 'grammar' } }, 'response_format');
    throws422({ model: 'm', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] });
    throws422({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }] });
    throws422({ model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{not json' } }] }] });
    throws422({ model: 'm', messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }] });
  });

  it('rejects malformed bodies with 400', () => {
    assert.throws(() => openAIChatToAnthropic({ model: 'm' }), (e: unknown) => e instanceof GatewayError && e.status === 400);
    assert.throws(() => openAIChatToAnthropic({ model: 'm', messages: [{ role: 'wizard', content: 'x' }] }), (e: unknown) => e instanceof GatewayError && e.status === 400);
  });

  it('fits the thinking budget under an explicit max_tokens, or leaves thinking off', () => {
    assert.deepEqual(openAIChatToAnthropic({ ...hello, reasoning_effort: 'high', max_completion_tokens: 2000 })['thinking'], { type: 'enabled', budget_tokens: 1999 });
    assert.equal(openAIChatToAnthropic({ ...hello, reasoning_effort: 'high', max_tokens: 800 })['thinking'], undefined);
    assert.equal(openAIChatToAnthropic({ ...hello, reasoning_effort: 'none' })['thinking'], undefined);
    assert.equal(openAIChatToAnthropic({ ...hello, reasoning_effort: 'none' })['max_tokens'], DEFAULT_MAX_TOKENS);
    // The unified `thinking` field wins and passes as is; its budget gets room when max tokens are unset.
    assert.deepEqual(openAIChatToAnthropic({ ...hello, reasoning_effort: 'low', thinking: { type: 'adaptive' } })['thinking'], { type: 'adaptive' });
    assert.equal(openAIChatToAnthropic({ ...hello, thinking: { type: 'enabled', budget_tokens: 10000 } })['max_tokens'], 10000 + DEFAULT_MAX_TOKENS);
  });

  it('approximates json_object with a system instruction', () => {
    const out = openAIChatToAnthropic({ ...hello, response_format: { type: 'json_object' } });
    assert.equal(out['system'], JSON_OBJECT_INSTRUCTION);
    const withSystem = openAIChatToAnthropic({ model: 'm', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'x' }], response_format: { type: 'json_object' } });
    assert.deepEqual(withSystem['system'], [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: JSON_OBJECT_INSTRUCTION }]);
  });

  it('sends inline PDF and text files as documents', () => {
    const out = openAIChatToAnthropic({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQ=' } },
            { type: 'file', file: { file_data: 'data:text/plain;base64,' + Buffer.from('plain words').toString('base64') } },
          ],
        },
      ],
    });
    assert.deepEqual(out['messages'], [
      {
        role: 'user',
        content: [
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQ=' }, title: 'a.pdf' },
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain words' } },
        ],
      },
    ]);
  });

  it('sends thinking_blocks of an earlier answer back as thinking blocks before the tool use', () => {
    const out = openAIChatToAnthropic({
      model: 'm',
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, thinking_blocks: [{ type: 'thinking', thinking: 'call it', signature: 'sig' }, { type: 'redacted_thinking', data: 'xyz' }], tool_calls: [{ id: 't1', type: 'function', function: { name: 'w', arguments: '' } }] },
        { role: 'tool', tool_call_id: 't1', content: 'sunny' },
      ],
    });
    assert.deepEqual(out['messages'], [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'call it', signature: 'sig' }, { type: 'redacted_thinking', data: 'xyz' }, { type: 'tool_use', id: 't1', name: 'w', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'sunny' }] },
    ]);
  });

  it('merges consecutive turns of one role, tool results first; drops empty assistant turns', () => {
    const out = openAIChatToAnthropic({
      model: 'm',
      messages: [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
        { role: 'assistant', content: '' },
        { role: 'assistant', content: 'c', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'user', content: 'late user text' },
        { role: 'tool', tool_call_id: 't', content: 'r' },
      ],
      user: 'u1',
      top_k: 5,
      tool_choice: 'none',
    });
    assert.deepEqual(out['messages'], [
      { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'c' }, { type: 'tool_use', id: 't', name: 'f', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'r' }, { type: 'text', text: 'late user text' }] },
    ]);
    assert.deepEqual(out['metadata'], { user_id: 'u1' });
    assert.equal(out['top_k'], 5);
    assert.equal(out['tool_choice'], undefined, 'no tool_choice without tools');
  });

  it('answers only the chat operation', () => {
    assert.throws(() => anthropic.request(requestInput({ model: 'm', input: 'x' }, { operation: 'embeddings', backend: ANTHROPIC })), (e: unknown) => e instanceof GatewayError && e.status === 422);
  });

  it('one export per Anthropic backend schema, none for others', () => {
    assert.equal(openAIToAnthropicFor('Anthropic')?.name, 'openai-to-anthropic');
    assert.equal(openAIToAnthropicFor('GCPAnthropic')?.name, 'openai-to-gcp-anthropic');
    assert.equal(openAIToAnthropicFor('AWSAnthropic')?.name, 'openai-to-aws-anthropic');
    assert.equal(openAIToAnthropicFor('OpenAI'), undefined);
  });
});

describe('openai-to-anthropic response edge cases', () => {
  const streamCase = (body: Buffer | string, headers = SSE): TranslatorCase => ({ name: 'x', input: requestInput({ ...hello, stream: true }, { backend: ANTHROPIC }), expectRequest: { path: '' }, upstream: { headers, body }, hideUsageChunk: true });

  it('reads Bedrock framing from the content type whatever backend the instance was made for', () => {
    const r = runResponse(anthropic, streamCase(bedrockEventStream(fixture('stream-bedrock.sse')), EVENTSTREAM), [bedrockEventStream(fixture('stream-bedrock.sse'))]);
    const events = clientView(r.bytes, true) as { data: JsonObject }[];
    assert.equal(events.length, 5);
    assert.equal(r.usage.outputTokens, 6);
  });

  it('a stream cut before message_stop ends with an error event, not [DONE]', () => {
    const cut = fixture('stream-text.sse').split('event: message_delta')[0]!;
    const events = clientView(runResponse(anthropic, streamCase(cut), [Buffer.from(cut)]).bytes, true) as { data: unknown }[];
    const last = events[events.length - 1]!.data as { error?: { message: string } };
    assert.match(last.error?.message ?? '', /ended before message_stop/);
  });

  it('a Bedrock frame cut short or corrupt is reported once', () => {
    const frames = bedrockEventStream(fixture('stream-bedrock.sse'));
    const cut = frames.subarray(0, frames.length - 5);
    const events = clientView(runResponse(aws, streamCase(cut, EVENTSTREAM), pieces(cut, 13)).bytes, true) as { data: { error?: { message: string } } }[];
    assert.match(events[events.length - 1]!.data.error?.message ?? '', /ended inside a frame/);
    const corrupt = Buffer.from(bedrockChunkFrame('{"type":"ping"}'));
    corrupt.writeUInt8(corrupt.readUInt8(corrupt.length - 1) ^ 0xff, corrupt.length - 1);
    const bad = clientView(runResponse(aws, streamCase(corrupt, EVENTSTREAM), [corrupt]).bytes, true) as { data: { error?: { message: string } } }[];
    assert.equal(bad.length, 1);
    assert.match(bad[0]!.data.error?.message ?? '', /corrupt/);
  });

  it('a whole body that is not an Anthropic message becomes an OpenAI error body', () => {
    const c: TranslatorCase = { name: 'x', input: requestInput(hello, { backend: ANTHROPIC }), expectRequest: { path: '' }, upstream: { body: 'oops' } };
    const body = JSON.parse(runResponse(anthropic, c, [Buffer.from('oops')]).bytes.toString('utf8')) as { error: { type: string } };
    assert.equal(body.error.type, 'upstream_error');
  });
});

// --- end to end with the official openai SDK as the parser --------------------------------------

describe('openai SDK reads what openai-to-anthropic produces', () => {
  const client = (baseURL: string) => new OpenAI({ apiKey: 'test', baseURL: baseURL + '/v1', maxRetries: 0 });

  it('streams a tool call that the SDK assembles, with the usage chunk it asked for', async () => {
    await withTranslatingServer(
      anthropic,
      (_req, body) => ({ headers: SSE, chunks: pieces(Buffer.from(fixture('stream-tool-use.sse')), 7), stream: true, model: String(body['model']), hideUsageChunk: false }),
      async (baseURL) => {
        const stream = client(baseURL).chat.completions.stream({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'weather in SF?' }], stream_options: { include_usage: true }, tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }] });
        const final = await stream.finalChatCompletion();
        const choice = final.choices[0]!;
        assert.equal(choice.finish_reason, 'tool_calls');
        assert.equal(choice.message.content, "Okay, let's check the weather for San Francisco, CA:");
        const call = choice.message.tool_calls![0]!;
        assert.equal(call.type, 'function');
        assert.equal(call.id, 'toolu_01T1x1fJ34qAmk2tNTrN7Up6');
        if (call.type === 'function') assert.deepEqual(JSON.parse(call.function.arguments), { location: 'San Francisco, CA', unit: 'fahrenheit' });
        assert.equal(final.usage?.prompt_tokens, 472);
        assert.equal(final.usage?.completion_tokens, 89);
      },
    );
  });

  it('parses a whole completion and a Bedrock-framed stream', async () => {
    await withTranslatingServer(
      aws,
      (_req, body) =>
        body['stream'] === true
          ? { headers: EVENTSTREAM, chunks: pieces(bedrockEventStream(fixture('stream-bedrock.sse')), 11), stream: true, model: String(body['model']), hideUsageChunk: true }
          : { headers: JSON_HEAD, chunks: [Buffer.from(fixture('message-thinking.json'))], stream: false, model: String(body['model']) },
      async (baseURL) => {
        const c = client(baseURL);
        const whole = await c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'primes?' }] });
        assert.equal(whole.choices[0]!.message.content, 'Yes, there are infinitely many prime numbers.');
        assert.equal(whole.choices[0]!.finish_reason, 'length');
        assert.equal(whole.usage?.completion_tokens_details?.reasoning_tokens, 80);
        let text = '';
        for await (const ch of await c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true })) text += ch.choices[0]?.delta.content ?? '';
        assert.equal(text, 'Bonjour à tous ✨');
      },
    );
  });

  it('raises APIError on a mid-stream Anthropic error', async () => {
    await withTranslatingServer(
      anthropic,
      (_req, body) => ({ headers: SSE, chunks: [Buffer.from(fixture('stream-error.sse'))], stream: true, model: String(body['model']), hideUsageChunk: true }),
      async (baseURL) => {
        let text = '';
        await assert.rejects(
          (async () => {
            for await (const ch of await client(baseURL).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'story' }], stream: true })) text += ch.choices[0]?.delta.content ?? '';
          })(),
          (e: unknown) => e instanceof OpenAI.APIError && e.message.includes('Overloaded'),
        );
        assert.equal(text, 'Once upon');
      },
    );
  });
});
