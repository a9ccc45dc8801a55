import { openAIToOpenAI } from './openai-to-openai.ts';
import { requestInput, translatorSuite } from './translator-cases.ts';

// Recorded shapes: OpenAI's chat completions API reference (object, chunk and usage examples), and
// what vLLM sends with stream_options.include_usage.
const completion = {
  id: 'chatcmpl-123',
  object: 'chat.completion',
  created: 1677652288,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there, how may I assist you today?' }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 2 } },
};

const chunk = (choices: unknown[], usage: unknown = null) => ({ id: 'chatcmpl-123', object: 'chat.completion.chunk', created: 1694268190, model: 'gpt-4o-mini', choices, usage });
const streamEvents = [
  chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
  chunk([{ index: 0, delta: { content: 'Héllo 👋' }, finish_reason: null }]),
  chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
  chunk([], { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 }),
];
const streamWire = streamEvents.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n';

translatorSuite(
  openAIToOpenAI,
  [
    {
      name: 'chat, not streamed, body sent unchanged',
      input: requestInput({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello!' }] }),
      expectRequest: { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello!' }] }, headers: { 'content-type': 'application/json' } },
      upstream: { body: JSON.stringify(completion) },
      expectClient: completion,
      expectUsage: { inputTokens: 9, outputTokens: 12, totalTokens: 21, cachedInputTokens: 4, reasoningTokens: 2 },
      expectResponseModel: 'gpt-4o-mini-2024-07-18',
    },
    {
      name: 'modelNameOverride and a prefix',
      input: requestInput({ model: 'alias', messages: [] }, { model: 'real-model', modelChanged: true, backend: { name: 'OpenAI', prefix: '/v1beta/openai' }, query: 'x=1' }),
      expectRequest: { path: '/v1beta/openai/chat/completions?x=1', body: { model: 'real-model', messages: [] } },
    },
    {
      name: 'stream with include_usage asked by the client: bytes pass through',
      input: requestInput({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [] }),
      expectRequest: { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [] } },
      upstream: { headers: { 'content-type': 'text/event-stream' }, body: streamWire },
      expectClient: [...streamEvents.map((data) => ({ data })), { data: '[DONE]' }],
      expectUsage: { inputTokens: 9, outputTokens: 3, totalTokens: 12 },
      expectResponseModel: 'gpt-4o-mini',
    },
    {
      name: 'stream without include_usage: the gateway asks for usage and hides the usage chunk',
      input: requestInput({ model: 'gpt-4o-mini', stream: true, messages: [] }),
      expectRequest: { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', stream: true, messages: [], stream_options: { include_usage: true } } },
      hideUsageChunk: true,
      upstream: { headers: { 'content-type': 'text/event-stream' }, body: streamWire },
      expectClient: [...streamEvents.slice(0, 3).map((data) => ({ data })), { data: '[DONE]' }],
      expectUsage: { inputTokens: 9, outputTokens: 3, totalTokens: 12 },
    },
    {
      name: 'embeddings',
      input: requestInput({ model: 'text-embedding-3-small', input: 'hi' }, { operation: 'embeddings' }),
      expectRequest: { path: '/v1/embeddings' },
      upstream: { body: JSON.stringify({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, -0.2] }], model: 'text-embedding-3-small', usage: { prompt_tokens: 1, total_tokens: 1 } }) },
      expectUsage: { inputTokens: 1, outputTokens: 0, totalTokens: 1 },
    },
  ],
  [
    { name: '4xx passes through', status: 400, body: JSON.stringify({ error: { message: 'bad things', type: 'invalid_request_error', param: null, code: null } }), expectStatus: 400, schema: 'OpenAI', messageIncludes: 'bad things' },
    { name: '5xx becomes 502 with the upstream message', status: 503, body: JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } }), expectStatus: 502, schema: 'OpenAI', messageIncludes: 'overloaded' },
  ],
);
