import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { GatewayError } from '../../errors.ts';
import type { RequestTranslationInput, ResponseTranslationInput } from '../../runtime/translator.ts';
import { openAIToGemini } from './openai-to-gemini.ts';
import { requestInput, translatorSuite } from './translator-cases.ts';
import { fixture, fixtureText, sseWire, translate, withServer, writeTranslated } from './gemini-test-support.ts';

// Golden cases from Google's Vertex AI reference examples (fixtures/gemini/) and OpenAI's chat
// completions reference. The backend is GCPVertexAI; the path is the one before the GCP auth step.
const vertex = { name: 'GCPVertexAI', prefix: '/v1' } as const;
const chat = (body: Record<string, unknown>, over: Partial<RequestTranslationInput> = {}) => requestInput(body, { backend: vertex, ...over });
const json = { 'content-type': 'application/json' };
const sseHeaders = { 'content-type': 'text/event-stream' };
const usage0 = (prompt: number, completion: number, total: number, cached = 0, reasoning = 0) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: total,
  prompt_tokens_details: { cached_tokens: cached },
  completion_tokens_details: { reasoning_tokens: reasoning },
});

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_current_weather',
    description: 'Get the current weather in a given location',
    parameters: { type: 'object', properties: { location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['location'] },
  },
};

const streamText = fixture<unknown[]>('gemini/vertex-stream-text.json');
const streamTextChunks = (usage: boolean) => [
  { data: { id: 'chatcmpl-T1PRZ5_NEe6N2PgP0e3DkQg', object: 'chat.completion.chunk', created: 1741772415, model: 'gemini-2.0-flash-001', choices: [{ index: 0, delta: { role: 'assistant', content: 'The' }, logprobs: null, finish_reason: null }] } },
  { data: { id: 'chatcmpl-T1PRZ5_NEe6N2PgP0e3DkQg', object: 'chat.completion.chunk', created: 1741772415, model: 'gemini-2.0-flash-001', choices: [{ index: 0, delta: { content: ' sky is blue — Rayleigh scattering, ☀️' }, logprobs: null, finish_reason: null }] } },
  { data: { id: 'chatcmpl-T1PRZ5_NEe6N2PgP0e3DkQg', object: 'chat.completion.chunk', created: 1741772415, model: 'gemini-2.0-flash-001', choices: [{ index: 0, delta: { content: ' déjà vu.' }, logprobs: null, finish_reason: 'stop' }] } },
  ...(usage ? [{ data: { id: 'chatcmpl-T1PRZ5_NEe6N2PgP0e3DkQg', object: 'chat.completion.chunk', created: 1741772415, model: 'gemini-2.0-flash-001', choices: [], usage: usage0(7, 14, 21) } }] : []),
  { data: '[DONE]' },
];
const streamRequest = chat({ model: 'gemini-2.0-flash-001', stream: true, messages: [{ role: 'user', content: 'Why is the sky blue?' }] });
const streamRequestBody = { contents: [{ role: 'user', parts: [{ text: 'Why is the sky blue?' }] }] };
const streamPath = 'publishers/google/models/gemini-2.0-flash-001:streamGenerateContent?alt=sse';

translatorSuite(
  openAIToGemini,
  [
    {
      name: 'text with system and developer messages, sampling and stop sequences',
      input: chat({
        model: 'gemini-2.0-flash-001',
        messages: [
          { role: 'system', content: 'You are a physics teacher.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in one sentence.' }] },
          { role: 'user', content: 'Why is the sky blue?' },
        ],
        temperature: 0.2,
        top_p: 0.9,
        max_tokens: 256,
        stop: ['\n\n', 'END'],
        seed: 7,
        user: 'dropped-hint',
      }),
      expectRequest: {
        path: 'publishers/google/models/gemini-2.0-flash-001:generateContent',
        headers: json,
        body: {
          contents: [{ role: 'user', parts: [{ text: 'Why is the sky blue?' }] }],
          systemInstruction: { parts: [{ text: 'You are a physics teacher.' }, { text: 'Answer in one sentence.' }] },
          generationConfig: { temperature: 0.2, topP: 0.9, maxOutputTokens: 256, stopSequences: ['\n\n', 'END'], seed: 7 },
        },
      },
      upstream: { headers: json, body: fixtureText('gemini/vertex-text.json') },
      expectContentType: 'application/json',
      expectClient: {
        id: 'chatcmpl-y1LRZ6vLHdqJ2PgPuNnrkQs',
        object: 'chat.completion',
        created: 1741771563,
        model: 'gemini-2.0-flash-001',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'The sky appears blue because of Rayleigh scattering: air molecules scatter short, blue wavelengths of sunlight more than long, red ones.' },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: usage0(11, 27, 38),
      },
      expectUsage: { inputTokens: 11, outputTokens: 27, totalTokens: 38, cachedInputTokens: 0, reasoningTokens: 0 },
      expectResponseModel: 'gemini-2.0-flash-001',
    },
    {
      name: 'tools: declarations, a forced choice, a call and its result carried back; the response calls two functions',
      input: chat({
        model: 'gemini-3-pro-preview',
        messages: [
          { role: 'user', content: 'Weather in Boston?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_current_weather', arguments: '{"location":"Boston, MA"}' }, extra_content: { google: { thought_signature: 'c2lnbmF0dXJl' } } }],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":72,"unit":"fahrenheit"}' },
          { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
          { role: 'user', content: 'And Paris?' },
        ],
        tools: [weatherTool, { type: 'function', function: { name: 'now' } }],
        tool_choice: { type: 'function', function: { name: 'get_current_weather' } },
        parallel_tool_calls: true,
      }),
      expectRequest: {
        path: 'publishers/google/models/gemini-3-pro-preview:generateContent',
        body: {
          contents: [
            { role: 'user', parts: [{ text: 'Weather in Boston?' }] },
            { role: 'model', parts: [{ functionCall: { name: 'get_current_weather', args: { location: 'Boston, MA' } }, thoughtSignature: 'c2lnbmF0dXJl' }] },
            {
              role: 'user',
              parts: [
                { functionResponse: { name: 'get_current_weather', response: { output: { temperature: 72, unit: 'fahrenheit' } } } },
                { functionResponse: { name: 'get_current_weather', response: { output: 'sunny' } } },
                { text: 'And Paris?' },
              ],
            },
          ],
          tools: [{ functionDeclarations: [{ name: 'get_current_weather', description: 'Get the current weather in a given location', parametersJsonSchema: weatherTool.function.parameters }, { name: 'now' }] }],
          toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_current_weather'] } },
        },
      },
      upstream: { body: fixtureText('gemini/vertex-tool-call.json') },
      expectClient: {
        id: 'chatcmpl-A-4eac2WBbSl2PgP_t3miAk',
        object: 'chat.completion',
        created: 1763632867,
        model: 'gemini-3-pro-preview',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  id: 'call_A-4eac2WBbSl2PgP_t3miAk_0',
                  type: 'function',
                  function: { name: 'get_current_weather', arguments: '{"location":"Boston, MA","unit":"fahrenheit"}' },
                  extra_content: { google: { thought_signature: 'CiQBVKhc7ky4mOvz2pVjM3YqOTf0cLOPGpQrk1Tvi0HbQh9ZgX0=' } },
                },
                { id: 'call_A-4eac2WBbSl2PgP_t3miAk_1', type: 'function', function: { name: 'get_current_weather', arguments: '{"location":"Paris, France","unit":"celsius"}' } },
              ],
            },
            logprobs: null,
            finish_reason: 'tool_calls',
          },
        ],
        usage: usage0(57, 64, 121, 0, 40),
      },
      expectUsage: { inputTokens: 57, outputTokens: 64, totalTokens: 121, reasoningTokens: 40 },
    },
    {
      name: 'images (data URL, https, gs) and audio; a JSON schema converted for a pre-2.5 model; tool_choice auto',
      input: chat({
        model: 'gemini-2.0-flash-001',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare these.' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.webp?size=large' } },
              { type: 'image_url', image_url: { url: 'gs://cloud-samples-data/generative-ai/image/scones' } },
              { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
              { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
            ],
          },
        ],
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'comparison',
            strict: true,
            schema: {
              type: 'object',
              properties: { winner: { type: ['string', 'null'] }, scores: { type: 'array', items: { $ref: '#/$defs/score' } } },
              required: ['winner'],
              additionalProperties: false,
              $defs: { score: { type: 'number', minimum: 0 } },
            },
          },
        },
        tools: [weatherTool],
        tool_choice: 'auto',
      }),
      expectRequest: {
        path: 'publishers/google/models/gemini-2.0-flash-001:generateContent',
        body: {
          contents: [
            {
              role: 'user',
              parts: [
                { text: 'Compare these.' },
                { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
                { fileData: { mimeType: 'image/webp', fileUri: 'https://example.com/cat.webp?size=large' } },
                { fileData: { mimeType: 'image/jpeg', fileUri: 'gs://cloud-samples-data/generative-ai/image/scones' } },
                { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
                { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
              ],
            },
          ],
          tools: [
            {
              functionDeclarations: [
                {
                  name: 'get_current_weather',
                  description: 'Get the current weather in a given location',
                  parameters: { type: 'OBJECT', properties: { location: { type: 'STRING', description: 'The city and state, e.g. San Francisco, CA' }, unit: { type: 'STRING', enum: ['celsius', 'fahrenheit'] } }, required: ['location'] },
                },
              ],
            },
          ],
          toolConfig: { functionCallingConfig: { mode: 'AUTO' } },
          generationConfig: {
            responseMimeType: 'application/json',
            responseSchema: { type: 'OBJECT', required: ['winner'], properties: { winner: { type: 'STRING', nullable: true }, scores: { type: 'ARRAY', items: { type: 'NUMBER', minimum: 0 } } } },
          },
        },
      },
    },
    {
      name: 'thinking and cache usage: reasoning_effort high on Gemini 2.5 → thinkingBudget; thoughts → reasoning_content',
      input: chat({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'Which is larger, 9.11 or 9.9?' }], reasoning_effort: 'high', max_completion_tokens: 4096, max_tokens: 1 }),
      expectRequest: {
        path: 'publishers/google/models/gemini-2.5-pro:generateContent',
        body: { contents: [{ role: 'user', parts: [{ text: 'Which is larger, 9.11 or 9.9?' }] }], generationConfig: { maxOutputTokens: 4096, thinkingConfig: { thinkingBudget: 24576 } } },
      },
      upstream: { body: fixtureText('gemini/vertex-thinking-cached.json') },
      expectClient: {
        id: 'chatcmpl-pJRRaN_0BtOm2PgP7q2XwQo',
        object: 'chat.completion',
        created: 1750168964,
        model: 'gemini-2.5-pro',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: '9.9 is larger than 9.11.', reasoning_content: '**Weighing the options**\n\nThe user asks for the larger number; 9.11 and 9.9 compare digit by digit after the point.' },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: usage0(2051, 340, 2391, 2048, 331),
      },
      expectUsage: { inputTokens: 2051, outputTokens: 340, totalTokens: 2391, cachedInputTokens: 2048, reasoningTokens: 331 },
      expectResponseModel: 'gemini-2.5-pro',
    },
    {
      name: 'Gemini 3 Flash: reasoning_effort → thinkingLevel; json_schema as responseJsonSchema; unified thinking wins',
      input: chat({
        model: 'gemini-3-flash-preview',
        messages: [{ role: 'user', content: 'hi' }],
        reasoning_effort: 'minimal',
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { a: { type: 'string' } } } } },
        safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }],
      }),
      expectRequest: {
        path: 'publishers/google/models/gemini-3-flash-preview:generateContent',
        body: {
          contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
          generationConfig: { responseMimeType: 'application/json', responseJsonSchema: { type: 'object', properties: { a: { type: 'string' } } }, thinkingConfig: { thinkingLevel: 'MINIMAL' } },
          safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }],
        },
      },
    },
    {
      name: 'multi-candidate (n=3): stop, length and a custom recitation reason',
      input: chat({ model: 'gemini-2.0-flash-001', messages: [{ role: 'user', content: 'A poem' }], n: 3, max_tokens: 4, logprobs: true, top_logprobs: 2 }),
      expectRequest: {
        path: 'publishers/google/models/gemini-2.0-flash-001:generateContent',
        body: { contents: [{ role: 'user', parts: [{ text: 'A poem' }] }], generationConfig: { maxOutputTokens: 4, candidateCount: 3, responseLogprobs: true, logprobs: 2 } },
      },
      upstream: { body: fixtureText('gemini/vertex-multi-candidate.json') },
      expectClient: {
        id: 'chatcmpl-multiCandidate01',
        object: 'chat.completion',
        created: 1741771800,
        model: 'gemini-2.0-flash-001',
        choices: [
          { index: 0, message: { role: 'assistant', content: 'Roses are red' }, logprobs: null, finish_reason: 'stop' },
          { index: 1, message: { role: 'assistant', content: 'Violets are' }, logprobs: null, finish_reason: 'length' },
          { index: 2, message: { role: 'assistant', content: '' }, logprobs: null, finish_reason: 'recitation' },
        ],
        usage: usage0(6, 7, 13),
      },
    },
    {
      name: 'safety finish reasons → content_filter',
      input: chat({ model: 'gemini-2.0-flash-001', messages: [{ role: 'user', content: 'something bad' }], n: 4 }),
      expectRequest: { path: 'publishers/google/models/gemini-2.0-flash-001:generateContent' },
      upstream: { body: fixtureText('gemini/vertex-safety.json') },
      expectClient: {
        id: 'chatcmpl-safetyBlocked01',
        object: 'chat.completion',
        created: 1741771860,
        model: 'gemini-2.0-flash-001',
        choices: [0, 1, 2, 3].map((index) => ({ index, message: { role: 'assistant', content: '' }, logprobs: null, finish_reason: 'content_filter' })),
        usage: usage0(9, 0, 9),
      },
      expectUsage: { inputTokens: 9, outputTokens: 0, totalTokens: 9 },
    },
    {
      name: 'a blocked prompt (promptFeedback, no candidates) → one content_filter choice',
      input: chat({ model: 'gemini-2.0-flash-001', messages: [{ role: 'user', content: 'something bad' }] }),
      expectRequest: { path: 'publishers/google/models/gemini-2.0-flash-001:generateContent' },
      upstream: { body: fixtureText('gemini/vertex-prompt-blocked.json') },
      expectClient: {
        id: 'chatcmpl-promptBlocked01',
        object: 'chat.completion',
        created: 1741771920,
        model: 'gemini-2.0-flash-001',
        choices: [{ index: 0, message: { role: 'assistant', content: null }, logprobs: null, finish_reason: 'content_filter' }],
        usage: usage0(12, 0, 12),
      },
    },
    {
      name: 'stream (\\r\\n\\r\\n as Vertex sends it), client did not ask for usage: no usage chunk, usage recorded',
      input: streamRequest,
      expectRequest: { path: streamPath, body: streamRequestBody },
      hideUsageChunk: true,
      upstream: { headers: sseHeaders, body: sseWire(streamText, '\r\n\r\n') },
      expectContentType: 'text/event-stream',
      expectClient: streamTextChunks(false),
      expectUsage: { inputTokens: 7, outputTokens: 14, totalTokens: 21 },
      expectResponseModel: 'gemini-2.0-flash-001',
    },
    {
      name: 'stream (\\n\\n) with include_usage asked: the usage chunk before [DONE]',
      input: chat({ model: 'gemini-2.0-flash-001', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Why is the sky blue?' }] }),
      expectRequest: { path: streamPath, body: streamRequestBody },
      upstream: { headers: sseHeaders, body: sseWire(streamText, '\n\n') },
      expectClient: streamTextChunks(true),
      expectUsage: { inputTokens: 7, outputTokens: 14, totalTokens: 21 },
    },
    {
      name: 'stream framed with \\r\\r',
      input: streamRequest,
      expectRequest: { path: streamPath },
      upstream: { headers: sseHeaders, body: sseWire(streamText, '\r\r') },
      expectClient: streamTextChunks(true),
    },
    {
      name: 'stream with thoughts and a function call; the date header dates it',
      input: chat({ model: 'gemini-2.5-flash', stream: true, messages: [{ role: 'user', content: 'Weather in Boston?' }], tools: [weatherTool] }),
      expectRequest: { path: 'publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse' },
      upstream: { headers: { ...sseHeaders, date: 'Wed, 12 Mar 2025 09:45:00 GMT' }, body: sseWire(fixture<unknown[]>('gemini/vertex-stream-tool-call.json'), '\r\n\r\n') },
      expectClient: [
        { data: { id: 'chatcmpl-streamTool01', object: 'chat.completion.chunk', created: 1741772700, model: 'gemini-2.5-flash', choices: [{ index: 0, delta: { role: 'assistant', reasoning_content: 'Thinking about the weather tool.' }, logprobs: null, finish_reason: null }] } },
        {
          data: {
            id: 'chatcmpl-streamTool01',
            object: 'chat.completion.chunk',
            created: 1741772700,
            model: 'gemini-2.5-flash',
            choices: [
              {
                index: 0,
                delta: {
                  tool_calls: [
                    {
                      index: 0,
                      id: 'call_streamTool01_0',
                      type: 'function',
                      function: { name: 'get_current_weather', arguments: '{"location":"Boston, MA"}' },
                      extra_content: { google: { thought_signature: 'CiQBVKhc7ky4mOvz2pVjM3YqOTf0cLOPGpQrk1Tvi0HbQh9ZgX0=' } },
                    },
                  ],
                },
                logprobs: null,
                finish_reason: null,
              },
            ],
          },
        },
        { data: { id: 'chatcmpl-streamTool01', object: 'chat.completion.chunk', created: 1741772700, model: 'gemini-2.5-flash', choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' }] } },
        { data: { id: 'chatcmpl-streamTool01', object: 'chat.completion.chunk', created: 1741772700, model: 'gemini-2.5-flash', choices: [], usage: usage0(40, 42, 82, 0, 30) } },
        { data: '[DONE]' },
      ],
      expectUsage: { inputTokens: 40, outputTokens: 42, totalTokens: 82, reasoningTokens: 30 },
    },
    {
      name: 'stream stopped by safety → content_filter',
      input: streamRequest,
      expectRequest: { path: streamPath },
      hideUsageChunk: true,
      upstream: { headers: sseHeaders, body: sseWire(fixture<unknown[]>('gemini/vertex-stream-safety.json')) },
      expectClient: [
        { data: { id: 'chatcmpl-streamSafety01', object: 'chat.completion.chunk', created: 0, model: 'gemini-2.0-flash-001', choices: [{ index: 0, delta: { role: 'assistant', content: 'Here is how' }, logprobs: null, finish_reason: null }] } },
        { data: { id: 'chatcmpl-streamSafety01', object: 'chat.completion.chunk', created: 0, model: 'gemini-2.0-flash-001', choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'content_filter' }] } },
        { data: '[DONE]' },
      ],
      expectUsage: { inputTokens: 8, outputTokens: 3, totalTokens: 11 },
    },
    {
      name: 'an error inside the stream ends it with an OpenAI error event',
      input: streamRequest,
      expectRequest: { path: streamPath },
      upstream: { headers: sseHeaders, body: sseWire(fixture<unknown[]>('gemini/vertex-stream-error.json'), '\r\n\r\n') },
      expectClient: [
        { data: { id: 'chatcmpl-streamError01', object: 'chat.completion.chunk', created: 0, model: 'gemini-2.0-flash-001', choices: [{ index: 0, delta: { role: 'assistant', content: 'Once upon' }, logprobs: null, finish_reason: null }] } },
        { data: { error: { message: 'Resource exhausted. Please try again later.', type: 'rate_limit_error', param: null, code: 'RESOURCE_EXHAUSTED' } } },
      ],
    },
    {
      name: 'embeddings → Vertex predict',
      input: chat({ model: 'text-embedding-005', input: ['The quick brown fox', 'jumps'], dimensions: 4, encoding_format: 'float' }, { operation: 'embeddings' }),
      expectRequest: {
        path: 'publishers/google/models/text-embedding-005:predict',
        body: { instances: [{ content: 'The quick brown fox' }, { content: 'jumps' }], parameters: { outputDimensionality: 4 } },
      },
      upstream: { body: fixtureText('gemini/vertex-predict-embeddings.json') },
      expectClient: {
        object: 'list',
        data: [
          { object: 'embedding', index: 0, embedding: [0.0123, -0.0456, 0.5, 0.25] },
          { object: 'embedding', index: 1, embedding: [-0.75, 0.125, 0.0625, 1] },
        ],
        model: 'text-embedding-005',
        usage: { prompt_tokens: 10, total_tokens: 10 },
      },
      expectUsage: { inputTokens: 10, outputTokens: 0, totalTokens: 10 },
      expectResponseModel: 'text-embedding-005',
    },
  ],
  [
    { name: 'Google 400 → OpenAI 400 with the message', status: 400, body: fixtureText('gemini/vertex-error-400.json'), expectStatus: 400, schema: 'OpenAI', messageIncludes: 'invalid argument' },
    { name: 'Google 429 (array body of a streaming method) → 429', status: 429, body: fixtureText('gemini/vertex-error-429-stream.json'), expectStatus: 429, schema: 'OpenAI', messageIncludes: 'Resource exhausted' },
    { name: 'Google 500 → 502 upstream_error', status: 500, body: fixtureText('gemini/vertex-error-500.json'), expectStatus: 502, schema: 'OpenAI', messageIncludes: 'Internal error encountered' },
    { name: 'a non-JSON 403 keeps its status and text', status: 403, headers: { 'content-type': 'text/html' }, body: '<html>Forbidden</html>', expectStatus: 403, schema: 'OpenAI', messageIncludes: 'Forbidden' },
  ],
);

describe('openai-to-gemini specifics', () => {
  const refuses = (body: Record<string, unknown>, param: string, over: Partial<RequestTranslationInput> = {}) => {
    assert.throws(
      () => openAIToGemini.request(chat(body, over)),
      (err: unknown) => err instanceof GatewayError && err.code === 'unprocessable_request' && err.status === 422 && err.param === param,
    );
  };

  it('refuses what a Gemini backend cannot express, naming the field', () => {
    refuses({ model: 'g', messages: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] }, 'messages[0].tool_call_id');
    refuses({ model: 'g', messages: [], functions: [{ name: 'f' }] }, 'functions');
    refuses({ model: 'g', messages: [], guided_regex: '[a-z]+' }, 'guided_regex');
    refuses({ model: 'g', messages: [], reasoning_effort: 'extreme' }, 'reasoning_effort');
    refuses({ model: 'g', messages: [], tools: [{ type: 'web_search' }] }, 'tools[0]');
    refuses({ model: 'g', messages: [], tool_choice: { type: 'allowed_tools' } }, 'tool_choice');
    refuses({ model: 'g', messages: [{ role: 'assistant', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{oops' } }] }] }, 'messages[0].tool_calls[0]');
    refuses({ model: 'g', messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-1' } }] }] }, 'messages[0].content[0]');
    refuses({ model: 'e', input: [[1, 2, 3]] }, 'input', { operation: 'embeddings' });
    assert.throws(() => openAIToGemini.request(chat({ model: 'g', prompt: 'x' }, { operation: 'completions' })), /does not serve the OpenAI completions operation/);
  });

  it('percent-encodes the model so it cannot leave the models collection', () => {
    const r = openAIToGemini.request(chat({ model: 'x', messages: [] }, { model: '../../../other/x' }));
    assert.equal(r.path, 'publishers/google/models/..%2F..%2F..%2Fother%2Fx:generateContent');
  });

  it('maps reasoning_effort per model family (Google OpenAI-compatibility table)', () => {
    const config = (model: string, effort: string) => (JSON.parse(openAIToGemini.request(chat({ model, messages: [], reasoning_effort: effort }, { model })).body.toString()) as { generationConfig: unknown }).generationConfig;
    assert.deepEqual(config('gemini-2.5-flash', 'none'), { thinkingConfig: { thinkingBudget: 0 } });
    assert.deepEqual(config('gemini-2.5-flash', 'low'), { thinkingConfig: { thinkingBudget: 1024 } });
    assert.deepEqual(config('gemini-2.5-flash', 'medium'), { thinkingConfig: { thinkingBudget: 8192 } });
    assert.deepEqual(config('gemini-3-pro-preview', 'medium'), { thinkingConfig: { thinkingLevel: 'HIGH' } });
    assert.deepEqual(config('gemini-3-pro-preview', 'low'), { thinkingConfig: { thinkingLevel: 'LOW' } });
    assert.deepEqual(config('gemini-3-flash-preview', 'medium'), { thinkingConfig: { thinkingLevel: 'MEDIUM' } });
    const unified = JSON.parse(openAIToGemini.request(chat({ model: 'gemini-2.5-pro', messages: [], thinking: { type: 'enabled', budget_tokens: 2048 } })).body.toString()) as Record<string, unknown>;
    assert.deepEqual(unified['generationConfig'], { thinkingConfig: { thinkingBudget: 2048, includeThoughts: true } });
  });

  it('guided_choice → the text/x.enum output mode', () => {
    const body = JSON.parse(openAIToGemini.request(chat({ model: 'gemini-2.0-flash', messages: [], guided_choice: ['positive', 'negative'] })).body.toString()) as Record<string, unknown>;
    assert.deepEqual(body['generationConfig'], { responseMimeType: 'text/x.enum', responseSchema: { type: 'STRING', enum: ['positive', 'negative'] } });
  });

  it('writes base64 vectors when the client asked for them (when the gateway passes the client body)', () => {
    const input = { operation: 'embeddings', stream: false, requestModel: 'text-embedding-005', hideUsageChunk: false, body: { encoding_format: 'base64' } } as ResponseTranslationInput;
    const r = translate(openAIToGemini, input, { body: fixtureText('gemini/vertex-predict-embeddings.json') });
    const out = JSON.parse(r.body.toString()) as { data: { embedding: string }[] };
    const buf = Buffer.from(out.data[1]!.embedding, 'base64');
    assert.deepEqual([...new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4)], [-0.75, 0.125, 0.0625, 1]);
  });
});

describe('openai-to-gemini with the official openai SDK as the client', () => {
  /**
   * A stand-in for the gateway: the SDK's request is translated (and checked) with request(), the
   * Vertex fixture is translated with response(), and the SDK reads the result.
   */
  const serve = (upstream: (stream: boolean) => string, upstreamHeaders: Record<string, string> = {}) =>
    withServer.bind(null, (x, res) => {
      const body = JSON.parse(x.body.toString()) as Record<string, unknown>;
      const operation = x.url.endsWith('/embeddings') ? 'embeddings' : 'chat';
      const input = requestInput(body, { operation, backend: vertex });
      const translated = openAIToGemini.request(input);
      assert.match(translated.path, /^publishers\/google\/models\//);
      const clientAsked = typeof body['stream_options'] === 'object' && (body['stream_options'] as Record<string, unknown>)['include_usage'] === true;
      const r = translate(openAIToGemini, { operation, stream: input.stream, requestModel: input.model, hideUsageChunk: !clientAsked, body } as ResponseTranslationInput, { headers: upstreamHeaders, body: upstream(input.stream) });
      writeTranslated(res, 200, r.contentType, r.body);
    });

  it('chat.completions.create (not streamed)', async () => {
    await serve(() => fixtureText('gemini/vertex-thinking-cached.json'))(async (baseURL) => {
      const client = new OpenAI({ apiKey: 'k', baseURL: `${baseURL}/v1`, maxRetries: 0 });
      const c = await client.chat.completions.create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'Which is larger?' }] });
      assert.equal(c.choices[0]?.message.content, '9.9 is larger than 9.11.');
      assert.equal(c.choices[0]?.finish_reason, 'stop');
      assert.equal(c.model, 'gemini-2.5-pro');
      assert.equal(c.usage?.prompt_tokens_details?.cached_tokens, 2048);
      assert.equal(c.usage?.completion_tokens_details?.reasoning_tokens, 331);
    });
  });

  it('a streamed text answer, with include_usage', async () => {
    await serve(() => sseWire(streamText, '\r\n\r\n'))(async (baseURL) => {
      const client = new OpenAI({ apiKey: 'k', baseURL: `${baseURL}/v1`, maxRetries: 0 });
      const stream = await client.chat.completions.create({ model: 'gemini-2.0-flash-001', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Why?' }] });
      let text = '';
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (chunk.usage) usage = chunk.usage;
      }
      assert.equal(text, 'The sky is blue — Rayleigh scattering, ☀️ déjà vu.');
      assert.equal(usage?.total_tokens, 21);
    });
  });

  it('streamed tool calls assemble in the SDK stream helper', async () => {
    await serve(() => sseWire(fixture<unknown[]>('gemini/vertex-stream-tool-call.json'), '\r\n\r\n'))(async (baseURL) => {
      const client = new OpenAI({ apiKey: 'k', baseURL: `${baseURL}/v1`, maxRetries: 0 });
      const runner = client.chat.completions.stream({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool as OpenAI.ChatCompletionTool] });
      const final = await runner.finalChatCompletion();
      const call = final.choices[0]?.message.tool_calls?.[0];
      assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
      assert.ok(call && call.type === 'function');
      assert.equal(call.function.name, 'get_current_weather');
      assert.deepEqual(JSON.parse(call.function.arguments), { location: 'Boston, MA' });
    });
  });

  it('a stream that fails upstream raises APIError in the SDK', async () => {
    await serve(() => sseWire(fixture<unknown[]>('gemini/vertex-stream-error.json')))(async (baseURL) => {
      const client = new OpenAI({ apiKey: 'k', baseURL: `${baseURL}/v1`, maxRetries: 0 });
      const stream = await client.chat.completions.create({ model: 'gemini-2.0-flash-001', stream: true, messages: [{ role: 'user', content: 'Tell a story' }] });
      await assert.rejects(async () => {
        for await (const chunk of stream) void chunk;
      }, (err: unknown) => err instanceof OpenAI.APIError && /Resource exhausted/.test(err.message));
    });
  });

  it('embeddings.create with the SDK default (base64) decodes to the Vertex vectors', async () => {
    await serve(() => fixtureText('gemini/vertex-predict-embeddings.json'))(async (baseURL) => {
      const client = new OpenAI({ apiKey: 'k', baseURL: `${baseURL}/v1`, maxRetries: 0 });
      const e = await client.embeddings.create({ model: 'text-embedding-005', input: ['a', 'b'] });
      assert.deepEqual(e.data[1]?.embedding, [-0.75, 0.125, 0.0625, 1]);
      assert.equal(e.usage.prompt_tokens, 10);
    });
  });

  it('an upstream Google error reaches the SDK as the typed OpenAI error', async () => {
    await withServer(
      (_x, res) => {
        const err = openAIToGemini.error(429, { 'content-type': 'application/json' }, Buffer.from(fixtureText('gemini/vertex-error-429-stream.json')));
        res.writeHead(err.status, { 'content-type': err.contentType }).end(err.body);
      },
      async (baseURL) => {
        const client = new OpenAI({ apiKey: 'k', baseURL: `${baseURL}/v1`, maxRetries: 0 });
        await assert.rejects(client.chat.completions.create({ model: 'g', messages: [{ role: 'user', content: 'x' }] }), (err: unknown) => err instanceof OpenAI.RateLimitError && /Resource exhausted/.test(err.message));
      },
    );
  });
});
