import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { GatewayError } from '../../errors.ts';
import type { BackendSchema } from '../../runtime/translator.ts';
import { fixture, fixtureJson, pieces, withTranslatingServer } from './anthropic-fixtures.ts';
import type { JsonObject } from './anthropic-shapes.ts';
import { anthropicMessagesToOpenAI, anthropicToOpenAI, effortForBudget } from './anthropic-to-openai.ts';
import { requestInput, runResponse, translatorSuite } from './translator-cases.ts';
import type { ErrorCase, TranslatorCase } from './translator-cases.ts';

const OPENAI: BackendSchema = { name: 'OpenAI', prefix: '/v1' };
const SSE = { 'content-type': 'text/event-stream' };
const JSON_HEAD = { 'content-type': 'application/json' };
const pair = fixtureJson<{ client: JsonObject; upstream: JsonObject }>('request-anthropic-to-openai.json');
const hi = { model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'Hello' }] };
const messages = (body: JsonObject, over: Parameters<typeof requestInput>[1] = {}) => requestInput(body, { operation: 'messages', backend: OPENAI, ...over });

/** Expected Anthropic SSE events (the suite's client view: event name + parsed data). */
const ev = (type: string, data: JsonObject) => ({ event: type, data: { type, ...data } });
const start = (id: string, model: string) => ev('message_start', { message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } } });
const blockStart = (index: number, content_block: JsonObject) => ev('content_block_start', { index, content_block });
const delta = (index: number, d: JsonObject) => ev('content_block_delta', { index, delta: d });
const blockStop = (index: number) => ev('content_block_stop', { index });
const messageDelta = (stop_reason: string, stop_sequence: string | null, usage: JsonObject) => ev('message_delta', { delta: { stop_reason, stop_sequence }, usage });
const stop = ev('message_stop', {});

const cases: TranslatorCase[] = [
  {
    name: 'Claude Code-like request: system blocks, image, thinking dropped, tool use and result, tools, stream with include_usage',
    input: messages(pair.client, { model: 'Qwen/Qwen3-8B', modelChanged: true, query: 'beta=true' }),
    expectRequest: { path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: pair.upstream },
    upstream: { headers: SSE, body: fixture('openai-stream-tools.sse') },
    expectContentType: 'text/event-stream',
    expectClient: [
      start('chatcmpl-tools1', 'gpt-4o-2024-08-06'),
      blockStart(0, { type: 'tool_use', id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', input: {} }),
      delta(0, { type: 'input_json_delta', partial_json: '{"' }),
      delta(0, { type: 'input_json_delta', partial_json: 'location":"Paris, France"}' }),
      blockStop(0),
      blockStart(1, { type: 'tool_use', id: 'call_8pZm4rTq1vUe6hYb2nKx0wQs', name: 'get_time', input: {} }),
      delta(1, { type: 'input_json_delta', partial_json: '{"tz":"Europe/Paris"}' }),
      blockStop(1),
      messageDelta('tool_use', null, { input_tokens: 120, output_tokens: 40, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 }),
      stop,
    ],
    expectUsage: { inputTokens: 120, outputTokens: 40, totalTokens: 160 },
    expectResponseModel: 'gpt-4o-2024-08-06',
  },
  {
    name: 'whole text answer',
    input: messages(hi),
    expectRequest: { path: '/v1/chat/completions', body: { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hello' }], max_completion_tokens: 1024 } },
    upstream: { headers: JSON_HEAD, body: fixture('openai-completion.json') },
    expectContentType: 'application/json',
    expectClient: {
      id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4.1-2025-04-14',
      content: [{ type: 'text', text: 'Hello! How can I assist you today?' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 19, output_tokens: 10, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    },
    expectUsage: { inputTokens: 19, outputTokens: 10, totalTokens: 29 },
    expectResponseModel: 'gpt-4.1-2025-04-14',
  },
  {
    name: 'whole tool call answer with cached prompt tokens',
    input: messages({ ...hi, tools: [{ name: 'get_current_weather', input_schema: { type: 'object', properties: { location: { type: 'string' } } } }], tool_choice: { type: 'any' } }),
    expectRequest: {
      path: '/v1/chat/completions',
      body: {
        model: 'claude-sonnet-4-5',
        messages: [{ role: 'user', content: 'Hello' }],
        max_completion_tokens: 1024,
        tools: [{ type: 'function', function: { name: 'get_current_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }],
        tool_choice: 'required',
      },
    },
    upstream: { headers: JSON_HEAD, body: fixture('openai-completion-tools.json') },
    expectClient: {
      id: 'chatcmpl-abc123',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o-mini',
      content: [{ type: 'tool_use', id: 'call_abc123', name: 'get_current_weather', input: { location: 'Boston, MA' } }],
      stop_reason: 'tool_use',
      stop_sequence: null,
      // OpenAI's 82 prompt tokens include 64 cached ones; Anthropic's input_tokens does not.
      usage: { input_tokens: 18, output_tokens: 17, cache_read_input_tokens: 64, cache_creation_input_tokens: 0 },
    },
    expectUsage: { inputTokens: 82, outputTokens: 17, cachedInputTokens: 64 },
  },
  {
    name: 'vLLM answer with reasoning_content and a matched stop string',
    input: messages({ ...hi, stop_sequences: ['4'] }, { model: 'Qwen/Qwen3-8B', modelChanged: true }),
    expectRequest: { path: '/v1/chat/completions', body: { model: 'Qwen/Qwen3-8B', messages: [{ role: 'user', content: 'Hello' }], max_completion_tokens: 1024, stop: ['4'] } },
    upstream: { headers: JSON_HEAD, body: fixture('openai-completion-vllm.json') },
    expectClient: {
      id: 'chatcmpl-9f1c0d3e2b7a4c5d',
      type: 'message',
      role: 'assistant',
      model: 'Qwen/Qwen3-8B',
      content: [
        { type: 'thinking', thinking: 'The user wants a count; stop before 4.', signature: '' },
        { type: 'text', text: '1, 2, 3' },
      ],
      stop_reason: 'stop_sequence',
      stop_sequence: '4',
      usage: { input_tokens: 30, output_tokens: 22, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    },
  },
  {
    name: 'streamed text with the usage chunk last',
    input: messages({ ...hi, stream: true }),
    expectRequest: { path: '/v1/chat/completions', body: { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hello' }], max_completion_tokens: 1024, stream: true, stream_options: { include_usage: true } } },
    upstream: { headers: SSE, body: fixture('openai-stream-text.sse') },
    expectClient: [
      start('chatcmpl-123', 'gpt-4o-mini'),
      blockStart(0, { type: 'text', text: '' }),
      delta(0, { type: 'text_delta', text: 'Héllo' }),
      delta(0, { type: 'text_delta', text: ' 👋' }),
      blockStop(0),
      messageDelta('end_turn', null, { input_tokens: 5, output_tokens: 3, cache_read_input_tokens: 4, cache_creation_input_tokens: 0 }),
      stop,
    ],
    expectUsage: { inputTokens: 9, outputTokens: 3, cachedInputTokens: 4 },
  },
  {
    name: 'streamed reasoning then text, stop string',
    input: messages({ ...hi, stream: true }),
    expectRequest: { path: '/v1/chat/completions' },
    upstream: { headers: SSE, body: fixture('openai-stream-reasoning.sse') },
    expectClient: [
      start('chatcmpl-vllm7', 'Qwen/Qwen3-8B'),
      blockStart(0, { type: 'thinking', thinking: '', signature: '' }),
      delta(0, { type: 'thinking_delta', thinking: 'Counting up' }),
      delta(0, { type: 'thinking_delta', thinking: ' to three.' }),
      blockStop(0),
      blockStart(1, { type: 'text', text: '' }),
      delta(1, { type: 'text_delta', text: '1, 2, 3' }),
      blockStop(1),
      messageDelta('stop_sequence', '4', { input_tokens: 30, output_tokens: 22, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 }),
      stop,
    ],
  },
  {
    name: 'mid-stream backend error → Anthropic error event',
    input: messages({ ...hi, stream: true }),
    expectRequest: { path: '/v1/chat/completions' },
    upstream: { headers: SSE, body: fixture('openai-stream-error.sse') },
    expectClient: [
      start('chatcmpl-err1', 'meta-llama/Llama-3.1-8B-Instruct'),
      blockStart(0, { type: 'text', text: '' }),
      delta(0, { type: 'text_delta', text: 'Par' }),
      ev('error', { error: { type: 'api_error', message: 'The engine died unexpectedly' } }),
    ],
  },
  {
    name: 'a stream without [DONE] that said how it finished still closes the message',
    input: messages({ ...hi, stream: true }),
    expectRequest: { path: '/v1/chat/completions' },
    upstream: { headers: SSE, body: fixture('openai-stream-text.sse').replace('data: [DONE]\n\n', '') },
    expectClient: [
      start('chatcmpl-123', 'gpt-4o-mini'),
      blockStart(0, { type: 'text', text: '' }),
      delta(0, { type: 'text_delta', text: 'Héllo' }),
      delta(0, { type: 'text_delta', text: ' 👋' }),
      blockStop(0),
      messageDelta('end_turn', null, { input_tokens: 5, output_tokens: 3, cache_read_input_tokens: 4, cache_creation_input_tokens: 0 }),
      stop,
    ],
  },
  {
    name: 'a stream cut before any finish_reason ends with an error event',
    input: messages({ ...hi, stream: true }),
    expectRequest: { path: '/v1/chat/completions' },
    upstream: { headers: SSE, body: fixture('openai-stream-text.sse').split('\n\n').slice(0, 2).join('\n\n') + '\n\n' },
    expectClient: [
      start('chatcmpl-123', 'gpt-4o-mini'),
      blockStart(0, { type: 'text', text: '' }),
      delta(0, { type: 'text_delta', text: 'Héllo' }),
      ev('error', { error: { type: 'api_error', message: "the backend's stream ended before a finish_reason" } }),
    ],
  },
];

const errors: ErrorCase[] = [
  { name: 'OpenAI 400 → Anthropic invalid_request_error', status: 400, body: fixture('error-openai.json'), expectStatus: 400, schema: 'Anthropic', messageIncludes: 'maximum context length' },
  { name: 'vLLM 404 → not_found_error', status: 404, body: fixture('error-vllm.json'), expectStatus: 404, schema: 'Anthropic', messageIncludes: 'does not exist' },
  { name: '429 stays 429', status: 429, body: JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }), expectStatus: 429, schema: 'Anthropic', messageIncludes: 'Rate limit' },
  { name: '503 → 503 overloaded', status: 503, body: JSON.stringify({ error: { message: 'The server is overloaded', type: 'server_error' } }), expectStatus: 503, schema: 'Anthropic', messageIncludes: 'overloaded' },
  { name: '500 → 502 api_error', status: 500, body: 'Internal Server Error', headers: { 'content-type': 'text/plain' }, expectStatus: 502, schema: 'Anthropic', messageIncludes: 'Internal Server Error' },
];

translatorSuite(anthropicToOpenAI, cases, errors);

describe('anthropic-to-openai error types', () => {
  it('uses Anthropic type names the SDK maps to its error classes', () => {
    const t = (status: number, body: string) => (JSON.parse(anthropicToOpenAI.error(status, { 'content-type': 'application/json' }, Buffer.from(body)).body) as { error: { type: string } }).error.type;
    assert.equal(t(400, fixture('error-openai.json')), 'invalid_request_error');
    assert.equal(t(404, fixture('error-vllm.json')), 'not_found_error');
    assert.equal(t(401, JSON.stringify({ error: { message: 'bad key', type: 'invalid_request_error' } })), 'authentication_error');
    assert.equal(t(403, '{}'), 'permission_error');
    assert.equal(t(503, '{}'), 'overloaded_error');
    assert.equal(t(500, '{}'), 'api_error');
  });
});

describe('anthropicMessagesToOpenAI', () => {
  const err = (status: number) => (e: unknown) => e instanceof GatewayError && e.status === status;

  it('count_tokens and other operations have no OpenAI equivalent', () => {
    assert.throws(() => anthropicToOpenAI.request(messages({ model: 'm', messages: [] }, { operation: 'count_tokens' })), (e: unknown) => e instanceof GatewayError && e.status === 422 && e.message.includes('count_tokens'));
    assert.throws(() => anthropicToOpenAI.request(messages({ model: 'm', input: 'x' }, { operation: 'embeddings' })), err(422));
  });

  it('refuses server tools and Anthropic-side features with 422', () => {
    assert.throws(() => anthropicMessagesToOpenAI({ ...hi, tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 5 }] }), err(422));
    assert.throws(() => anthropicMessagesToOpenAI({ ...hi, mcp_servers: [{ type: 'url', url: 'https://x', name: 'x' }] }), err(422));
    assert.throws(() => anthropicMessagesToOpenAI({ ...hi, tool_choice: { type: 'sometimes' }, tools: [{ name: 'f', input_schema: { type: 'object' } }] }), err(422));
    assert.throws(() => anthropicMessagesToOpenAI({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'file_1' } }] }] }), err(422));
    assert.throws(() => anthropicMessagesToOpenAI({ model: 'm', messages: [{ role: 'system', content: 'x' }] }), err(400));
  });

  it('puts tool results first, their images in a user message after them, documents as file parts', () => {
    const out = anthropicMessagesToOpenAI({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'see attached' },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'spec.pdf' },
            { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'screenshot taken' }, { type: 'image', source: { type: 'url', url: 'https://example.com/s.png' } }], is_error: false },
          ],
        },
      ],
    });
    assert.deepEqual(out['messages'], [
      { role: 'tool', tool_call_id: 't1', content: 'screenshot taken' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/s.png' } }] },
      { role: 'user', content: [{ type: 'text', text: 'see attached' }, { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'spec.pdf' } }] },
    ]);
  });

  it('maps output_config, thinking and tool_choice', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    const out = anthropicMessagesToOpenAI({ ...hi, output_config: { format: { type: 'json_schema', schema }, effort: 'max' }, thinking: { type: 'enabled', budget_tokens: 2048 }, tools: [{ name: 'f', input_schema: { type: 'object' }, strict: true }], tool_choice: { type: 'tool', name: 'f' } });
    assert.deepEqual(out['response_format'], { type: 'json_schema', json_schema: { name: 'output', schema, strict: true } });
    assert.equal(out['reasoning_effort'], 'high', 'output_config.effort wins over the thinking budget');
    assert.deepEqual(out['tool_choice'], { type: 'function', function: { name: 'f' } });
    assert.deepEqual(out['tools'], [{ type: 'function', function: { name: 'f', parameters: { type: 'object' }, strict: true } }]);
    assert.equal(anthropicMessagesToOpenAI({ ...hi, thinking: { type: 'disabled' } })['reasoning_effort'], undefined);
    assert.equal(anthropicMessagesToOpenAI({ ...hi, thinking: { type: 'enabled', budget_tokens: 2048 } })['reasoning_effort'], 'low');
    assert.equal(anthropicMessagesToOpenAI({ ...hi, tool_choice: { type: 'auto' } })['tool_choice'], undefined, 'no tool_choice without tools');
  });

  it('maps thinking budgets to efforts', () => {
    assert.equal(effortForBudget(1024), 'low');
    assert.equal(effortForBudget(4096), 'medium');
    assert.equal(effortForBudget(16383), 'medium');
    assert.equal(effortForBudget(16384), 'high');
  });

  it('drops an assistant turn that only had thinking', () => {
    const out = anthropicMessagesToOpenAI({ model: 'm', messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [{ type: 'thinking', thinking: 'hm', signature: 's' }] }] });
    assert.deepEqual(out['messages'], [{ role: 'user', content: 'x' }]);
  });
});

describe('anthropic-to-openai response details', () => {
  it('an OpenAI refusal reaches the Anthropic client as text', () => {
    const completion = { id: 'chatcmpl-r', object: 'chat.completion', model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: "I'm sorry, I can't help with that." }, finish_reason: 'stop' }] };
    const c: TranslatorCase = { name: 'refusal', input: messages(hi), expectRequest: { path: '' }, upstream: { body: JSON.stringify(completion) } };
    const out = JSON.parse(runResponse(anthropicToOpenAI, c, [Buffer.from(JSON.stringify(completion))]).bytes.toString('utf8')) as { content: unknown };
    assert.deepEqual(out.content, [{ type: 'text', text: "I'm sorry, I can't help with that." }]);
  });

  it('a 2xx body that is not a chat completion becomes an Anthropic error body', () => {
    const c: TranslatorCase = { name: 'bad', input: messages(hi), expectRequest: { path: '' }, upstream: { body: fixture('error-vllm.json') } };
    const out = JSON.parse(runResponse(anthropicToOpenAI, c, [Buffer.from(fixture('error-vllm.json'))]).bytes.toString('utf8')) as { type: string; error: { type: string; message: string } };
    assert.equal(out.type, 'error');
    assert.equal(out.error.type, 'not_found_error');
  });
});

// --- end to end with the official Anthropic SDK as the parser ------------------------------------

describe('@anthropic-ai/sdk reads what anthropic-to-openai produces', () => {
  const client = (baseURL: string) => new Anthropic({ apiKey: 'test', baseURL, maxRetries: 0 });

  it('assembles streamed tool calls into a final message with usage', async () => {
    await withTranslatingServer(
      anthropicToOpenAI,
      (_req, body) => ({ headers: SSE, chunks: pieces(Buffer.from(fixture('openai-stream-tools.sse')), 5), stream: body['stream'] === true, model: String(body['model']), operation: 'messages' }),
      async (baseURL) => {
        const final = await client(baseURL).messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'weather and time in Paris?' }] }).finalMessage();
        assert.equal(final.stop_reason, 'tool_use');
        const uses = final.content.filter((b) => b.type === 'tool_use');
        assert.deepEqual(
          uses.map((b) => [b.name, b.input]),
          [
            ['get_weather', { location: 'Paris, France' }],
            ['get_time', { tz: 'Europe/Paris' }],
          ],
        );
        assert.equal(final.usage.input_tokens, 120);
        assert.equal(final.usage.output_tokens, 40);
      },
    );
  });

  it('parses whole messages and streamed thinking', async () => {
    await withTranslatingServer(
      anthropicToOpenAI,
      (_req, body) =>
        body['stream'] === true
          ? { headers: SSE, chunks: pieces(Buffer.from(fixture('openai-stream-reasoning.sse')), 9), stream: true, model: String(body['model']), operation: 'messages' }
          : { headers: JSON_HEAD, chunks: [Buffer.from(fixture('openai-completion-vllm.json'))], stream: false, model: String(body['model']), operation: 'messages' },
      async (baseURL) => {
        const c = client(baseURL);
        const whole = await c.messages.create({ model: 'm', max_tokens: 50, messages: [{ role: 'user', content: 'count' }] });
        assert.equal(whole.stop_reason, 'stop_sequence');
        assert.equal(whole.stop_sequence, '4');
        assert.deepEqual(
          whole.content.map((b) => b.type),
          ['thinking', 'text'],
        );
        const streamed = await c.messages.stream({ model: 'm', max_tokens: 50, messages: [{ role: 'user', content: 'count' }] }).finalMessage();
        const thinking = streamed.content[0];
        assert.equal(thinking?.type === 'thinking' ? thinking.thinking : undefined, 'Counting up to three.');
        const text = streamed.content[1];
        assert.equal(text?.type === 'text' ? text.text : undefined, '1, 2, 3');
        assert.equal(streamed.usage.input_tokens, 30);
      },
    );
  });

  it('raises on a mid-stream error event', async () => {
    await withTranslatingServer(
      anthropicToOpenAI,
      (_req, body) => ({ headers: SSE, chunks: [Buffer.from(fixture('openai-stream-error.sse'))], stream: true, model: String(body['model']), operation: 'messages' }),
      async (baseURL) => {
        await assert.rejects(client(baseURL).messages.stream({ model: 'm', max_tokens: 50, messages: [{ role: 'user', content: 'x' }] }).finalMessage(), (e: unknown) => e instanceof Anthropic.APIError && e.message.includes('engine died'));
      },
    );
  });
});
