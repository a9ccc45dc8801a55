import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GoogleGenAI, ApiError, FunctionCallingConfigMode, Type } from '@google/genai';
import { GatewayError } from '../../errors.ts';
import type { RequestTranslationInput } from '../../runtime/translator.ts';
import { geminiToOpenAI } from './gemini-to-openai.ts';
import { translatorSuite } from './translator-cases.ts';
import { fixture, fixtureText, sseWire, translate, withServer, writeTranslated } from './gemini-test-support.ts';
import type { Exchange } from './gemini-test-support.ts';

// Golden cases: Gemini API request shapes (as @google/genai sends them) → OpenAI chat requests for a
// vLLM-style pool; OpenAI chat completion and chunk examples (fixtures/gemini/openai-*.json) →
// GenerateContentResponse JSON and Gemini SSE.

function geminiInput(model: string, body: Record<string, unknown>, stream: boolean, over: Partial<RequestTranslationInput> = {}): RequestTranslationInput {
  return { operation: 'generate', body, raw: Buffer.from(JSON.stringify(body)), model, modelChanged: false, stream, backend: { name: 'OpenAI', prefix: '/v1' }, wantUsage: true, query: stream ? 'alt=sse' : '', ...over };
}

const weatherDecl = {
  name: 'get_current_weather',
  description: 'Get the current weather in a given location',
  parameters: { type: 'OBJECT', properties: { location: { type: 'STRING', description: 'City and state' }, unit: { type: 'STRING', enum: ['celsius', 'fahrenheit'], nullable: true } }, required: ['location'] },
};
const weatherTool = {
  type: 'function',
  function: {
    name: 'get_current_weather',
    description: 'Get the current weather in a given location',
    parameters: { type: 'object', properties: { location: { type: 'string', description: 'City and state' }, unit: { type: ['string', 'null'], enum: ['celsius', 'fahrenheit'] } }, required: ['location'] },
  },
};
const streamText = fixture<unknown[]>('gemini/openai-stream-text.json');
const meta = (model: string, id: string) => ({ modelVersion: model, responseId: id });

translatorSuite(
  geminiToOpenAI,
  [
    {
      name: 'text with a system instruction, sampling, stop sequences and candidateCount',
      input: geminiInput(
        'qwen2.5-7b',
        {
          contents: [{ role: 'user', parts: [{ text: 'Hello' }, { text: ' there' }] }],
          systemInstruction: { parts: [{ text: 'You are terse.' }, { text: 'Answer in English.' }] },
          generationConfig: { temperature: 0.3, topP: 0.8, topK: 20, maxOutputTokens: 64, stopSequences: ['END'], candidateCount: 1, seed: 3, presencePenalty: 0.1, frequencyPenalty: 0.2 },
          safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
        },
        false,
        { query: 'key=client-secret' },
      ),
      expectRequest: {
        path: '/v1/chat/completions',
        headers: { 'content-type': 'application/json' },
        body: {
          model: 'qwen2.5-7b',
          messages: [
            { role: 'system', content: 'You are terse.\nAnswer in English.' },
            { role: 'user', content: 'Hello there' },
          ],
          temperature: 0.3,
          top_p: 0.8,
          top_k: 20,
          max_tokens: 64,
          stop: ['END'],
          n: 1,
          seed: 3,
          presence_penalty: 0.1,
          frequency_penalty: 0.2,
        },
      },
      upstream: { body: fixtureText('gemini/openai-completion-text.json') },
      expectContentType: 'application/json',
      expectClient: {
        candidates: [{ content: { role: 'model', parts: [{ text: 'Hello! How can I assist you today?' }] }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 19, candidatesTokenCount: 10, totalTokenCount: 29, cachedContentTokenCount: 16 },
        ...meta('Qwen/Qwen2.5-7B-Instruct', 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT'),
      },
      expectUsage: { inputTokens: 19, outputTokens: 10, totalTokens: 29, cachedInputTokens: 16 },
      expectResponseModel: 'Qwen/Qwen2.5-7B-Instruct',
    },
    {
      name: 'tools: declarations (OpenAPI schema → JSON Schema), a forced call, a call and its answer carried back; multi-candidate answer with a malformed call and a length stop',
      input: geminiInput(
        'qwen3-8b',
        {
          contents: [
            { role: 'user', parts: [{ text: 'Weather in Boston?' }] },
            { role: 'model', parts: [{ text: 'Checking.', thought: true }, { functionCall: { name: 'get_current_weather', args: { location: 'Boston, MA' } } }, { functionCall: { id: 'fc-2', name: 'get_time', args: {} } }] },
            { role: 'user', parts: [{ functionResponse: { id: 'fc-2', name: 'get_time', response: { output: { hour: 9 } } } }, { functionResponse: { name: 'get_current_weather', response: { output: 'sunny, 72F' } } }, { text: 'Thanks' }] },
          ],
          tools: [{ functionDeclarations: [weatherDecl, { name: 'get_time', parametersJsonSchema: { type: 'object', properties: {} } }] }],
          toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_current_weather'] } },
          generationConfig: { candidateCount: 3, thinkingConfig: { thinkingBudget: 8192 } },
        },
        false,
      ),
      expectRequest: {
        path: '/v1/chat/completions',
        body: {
          model: 'qwen3-8b',
          messages: [
            { role: 'user', content: 'Weather in Boston?' },
            {
              role: 'assistant',
              content: null,
              tool_calls: [
                { id: 'call_1_1', type: 'function', function: { name: 'get_current_weather', arguments: '{"location":"Boston, MA"}' } },
                { id: 'fc-2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
              ],
            },
            { role: 'tool', tool_call_id: 'fc-2', content: '{"hour":9}' },
            { role: 'tool', tool_call_id: 'call_1_1', content: 'sunny, 72F' },
            { role: 'user', content: 'Thanks' },
          ],
          tools: [weatherTool, { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } }],
          tool_choice: { type: 'function', function: { name: 'get_current_weather' } },
          n: 3,
          reasoning_effort: 'medium',
        },
      },
      upstream: { body: fixtureText('gemini/openai-completion-tools.json') },
      expectClient: {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [{ text: 'The user wants the weather in Boston; call the tool.', thought: true }, { functionCall: { id: 'call_abc123', name: 'get_current_weather', args: { location: 'Boston, MA' } } }],
            },
            finishReason: 'STOP',
            index: 0,
          },
          { finishReason: 'MALFORMED_FUNCTION_CALL', index: 1 },
          { content: { role: 'model', parts: [{ text: 'I cannot' }] }, finishReason: 'MAX_TOKENS', index: 2 },
        ],
        usageMetadata: { promptTokenCount: 82, candidatesTokenCount: 5, totalTokenCount: 99, thoughtsTokenCount: 12 },
        ...meta('Qwen/Qwen3-8B', 'chatcmpl-abc123'),
      },
      expectUsage: { inputTokens: 82, outputTokens: 17, totalTokens: 99, reasoningTokens: 12 },
    },
    {
      name: 'images (inline and by URL), audio, JSON output with a schema, thinking level',
      input: geminiInput(
        'llava',
        {
          contents: [
            {
              parts: [
                { text: 'Describe' },
                { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
                { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cat.jpg' } },
                { inlineData: { mimeType: 'audio/mpeg', data: 'SUQz' } },
              ],
            },
          ],
          generationConfig: { responseMimeType: 'application/json', responseSchema: { type: 'OBJECT', properties: { caption: { type: 'STRING' } }, propertyOrdering: ['caption'] }, thinkingConfig: { thinkingLevel: 'LOW' } },
        },
        false,
      ),
      expectRequest: {
        path: '/v1/chat/completions',
        body: {
          model: 'llava',
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'Describe' },
                { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
                { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
                { type: 'input_audio', input_audio: { data: 'SUQz', format: 'mp3' } },
              ],
            },
          ],
          response_format: { type: 'json_schema', json_schema: { name: 'response', schema: { type: 'object', properties: { caption: { type: 'string' } } } } },
          reasoning_effort: 'low',
        },
      },
    },
    {
      name: 'streamGenerateContent: include_usage asked upstream; deltas → events; finish and usage in the last event',
      input: geminiInput('qwen2.5-7b', { contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] }, true),
      expectRequest: {
        path: '/v1/chat/completions',
        body: { model: 'qwen2.5-7b', messages: [{ role: 'user', content: 'Hello' }], stream: true, stream_options: { include_usage: true } },
      },
      upstream: { headers: { 'content-type': 'text/event-stream' }, body: sseWire([...streamText, '[DONE]']) },
      expectContentType: 'text/event-stream',
      expectClient: [
        { data: { candidates: [{ content: { role: 'model', parts: [{ text: 'Héllo' }] }, index: 0 }], ...meta('Qwen/Qwen2.5-7B-Instruct', 'chatcmpl-123') } },
        { data: { candidates: [{ content: { role: 'model', parts: [{ text: ' 👋 there' }] }, index: 0 }], ...meta('Qwen/Qwen2.5-7B-Instruct', 'chatcmpl-123') } },
        { data: { candidates: [{ finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 4, totalTokenCount: 13 }, ...meta('Qwen/Qwen2.5-7B-Instruct', 'chatcmpl-123') } },
      ],
      expectUsage: { inputTokens: 9, outputTokens: 4, totalTokens: 13 },
      expectResponseModel: 'Qwen/Qwen2.5-7B-Instruct',
    },
    {
      name: 'stream with reasoning and tool-call argument fragments gathered into whole function calls',
      input: geminiInput('qwen3-8b', { contents: [{ role: 'user', parts: [{ text: 'Weather?' }] }], tools: [{ functionDeclarations: [weatherDecl] }] }, true),
      expectRequest: { path: '/v1/chat/completions' },
      upstream: { body: sseWire([...fixture<unknown[]>('gemini/openai-stream-tools.json'), '[DONE]'], '\r\n\r\n') },
      expectClient: [
        { data: { candidates: [{ content: { role: 'model', parts: [{ text: 'Need the weather tool.', thought: true }] }, index: 0 }], ...meta('Qwen/Qwen3-8B', 'chatcmpl-tool1') } },
        {
          data: {
            candidates: [
              {
                content: {
                  role: 'model',
                  parts: [{ functionCall: { id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_current_weather', args: { location: 'Boston, MA' } } }, { functionCall: { id: 'call_2', name: 'get_time', args: {} } }],
                },
                finishReason: 'STOP',
                index: 0,
              },
            ],
            usageMetadata: { promptTokenCount: 80, candidatesTokenCount: 25, totalTokenCount: 110, thoughtsTokenCount: 5 },
            ...meta('Qwen/Qwen3-8B', 'chatcmpl-tool1'),
          },
        },
      ],
      expectUsage: { inputTokens: 80, outputTokens: 30, totalTokens: 110, reasoningTokens: 5 },
    },
    {
      name: 'a stream cut before [DONE] still ends with its last event',
      input: geminiInput('qwen2.5-7b', { contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] }, true),
      expectRequest: { path: '/v1/chat/completions' },
      upstream: { body: sseWire(streamText.slice(0, 4)) },
      expectClient: [
        { data: { candidates: [{ content: { role: 'model', parts: [{ text: 'Héllo' }] }, index: 0 }], ...meta('Qwen/Qwen2.5-7B-Instruct', 'chatcmpl-123') } },
        { data: { candidates: [{ content: { role: 'model', parts: [{ text: ' 👋 there' }] }, index: 0 }], ...meta('Qwen/Qwen2.5-7B-Instruct', 'chatcmpl-123') } },
        { data: { candidates: [{ finishReason: 'STOP', index: 0 }], ...meta('Qwen/Qwen2.5-7B-Instruct', 'chatcmpl-123') } },
      ],
    },
    {
      name: 'an error event inside the stream → the Google error event',
      input: geminiInput('qwen2.5-7b', { contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] }, true),
      expectRequest: { path: '/v1/chat/completions' },
      upstream: { body: sseWire([streamText[1], { error: { message: 'rate limited', type: 'rate_limit_error', code: null } }, streamText[2]]) },
      expectClient: [
        { data: { candidates: [{ content: { role: 'model', parts: [{ text: 'Héllo' }] }, index: 0 }], ...meta('Qwen/Qwen2.5-7B-Instruct', 'chatcmpl-123') } },
        { data: { error: { code: 429, message: 'rate limited', status: 'RESOURCE_EXHAUSTED' } } },
      ],
    },
  ],
  [
    { name: 'OpenAI 400 → Google 400 INVALID_ARGUMENT', status: 400, body: fixtureText('gemini/openai-error-400.json'), expectStatus: 400, schema: 'Gemini', messageIncludes: 'maximum context length' },
    { name: 'OpenAI 401 → Google 401', status: 401, body: JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }), expectStatus: 401, schema: 'Gemini', messageIncludes: 'Incorrect API key' },
    { name: 'vLLM 503 → 502 in the Google shape', status: 503, body: fixtureText('gemini/openai-error-503.json'), expectStatus: 502, schema: 'Gemini', messageIncludes: 'overloaded' },
  ],
);

describe('gemini-to-openai specifics', () => {
  const refuses = (body: Record<string, unknown>, param: string) =>
    assert.throws(
      () => geminiToOpenAI.request(geminiInput('m', body, false)),
      (err: unknown) => err instanceof GatewayError && err.status === 422 && err.param === param,
    );

  it('refuses what an OpenAI-schema backend cannot express, naming the field', () => {
    refuses({ contents: [], tools: [{ googleSearch: {} }] }, 'tools[0]');
    refuses({ contents: [], cachedContent: 'cachedContents/abc' }, 'cachedContent');
    refuses({ contents: [], generationConfig: { responseModalities: ['TEXT', 'IMAGE'] } }, 'generationConfig.responseModalities');
    refuses({ contents: [], generationConfig: { responseMimeType: 'text/x.enum' } }, 'generationConfig.responseMimeType');
    refuses({ contents: [{ role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] }] }, 'contents[0].parts[0]');
    refuses({ contents: [{ role: 'user', parts: [{ inlineData: { mimeType: 'video/mp4', data: 'AAAA' } }] }] }, 'contents[0].parts[0]');
    refuses({ contents: [{ role: 'system', parts: [] }] }, 'contents[0].role');
  });

  it('thinking budgets map to reasoning_effort by the inverse of Google’s table', () => {
    const effort = (t: Record<string, unknown>) => (JSON.parse(geminiToOpenAI.request(geminiInput('m', { contents: [], generationConfig: { thinkingConfig: t } }, false)).body.toString()) as Record<string, unknown>)['reasoning_effort'];
    assert.equal(effort({ thinkingBudget: 0 }), 'none');
    assert.equal(effort({ thinkingBudget: 1024 }), 'low');
    assert.equal(effort({ thinkingBudget: 24576 }), 'high');
    assert.equal(effort({ thinkingBudget: -1 }), undefined);
    assert.equal(effort({ thinkingLevel: 'HIGH' }), 'high');
  });

  it('answers on the backend prefix and drops the client query', () => {
    const r = geminiToOpenAI.request(geminiInput('m', { contents: 'hi' }, true, { backend: { name: 'OpenAI', prefix: '/v1beta/openai' }, query: 'alt=sse&key=secret' }));
    assert.equal(r.path, '/v1beta/openai/chat/completions');
  });
});

describe('gemini-to-openai with @google/genai as the client', () => {
  /** The gateway stand-in: the SDK's call is translated (and checked); an OpenAI fixture answers. */
  const answer = (upstream: (stream: boolean) => string, check?: (openAIBody: Record<string, unknown>) => void) => (x: Exchange, res: Parameters<Parameters<typeof withServer>[0]>[1]) => {
    const m = /^\/v1beta\/models\/([^:/?]+):(generateContent|streamGenerateContent)(?:\?(.*))?$/.exec(x.url);
    assert.ok(m, `unexpected path ${x.url}`);
    const stream = m[2] === 'streamGenerateContent';
    const input = geminiInput(m[1]!, JSON.parse(x.body.toString()) as Record<string, unknown>, stream, { raw: x.body, query: m[3] ?? '' });
    const t = geminiToOpenAI.request(input);
    check?.(JSON.parse(t.body.toString()) as Record<string, unknown>);
    const r = translate(geminiToOpenAI, { operation: 'generate', stream, requestModel: input.model, hideUsageChunk: false }, { body: upstream(stream) });
    writeTranslated(res, 200, r.contentType, r.body);
  };

  it('models.generateContent with a function declaration reads the function call back', async () => {
    let sent: Record<string, unknown> | undefined;
    await withServer(
      answer(
        () => fixtureText('gemini/openai-completion-tools.json'),
        (b) => (sent = b),
      ),
      async (baseUrl) => {
        const ai = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl } });
        const r = await ai.models.generateContent({
          model: 'qwen3-8b',
          contents: 'Weather in Boston?',
          config: {
            systemInstruction: 'Use tools.',
            tools: [{ functionDeclarations: [{ name: 'get_current_weather', parameters: { type: Type.OBJECT, properties: { location: { type: Type.STRING } }, required: ['location'] } }] }],
            toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.AUTO } },
          },
        });
        assert.deepEqual(r.functionCalls?.[0]?.args, { location: 'Boston, MA' });
        assert.equal(r.functionCalls?.[0]?.name, 'get_current_weather');
        assert.equal(r.usageMetadata?.thoughtsTokenCount, 12);
        assert.equal(r.candidates?.[1]?.finishReason, 'MALFORMED_FUNCTION_CALL');
      },
    );
    assert.deepEqual(sent?.['messages'], [
      { role: 'system', content: 'Use tools.' },
      { role: 'user', content: 'Weather in Boston?' },
    ]);
    assert.equal(sent?.['tool_choice'], 'auto');
  });

  it('models.generateContentStream reads text and the final usage', async () => {
    await withServer(
      answer(() => sseWire([...streamText, '[DONE]'])),
      async (baseUrl) => {
        const ai = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl } });
        let text = '';
        let usage: number | undefined;
        let finish: string | undefined;
        for await (const chunk of await ai.models.generateContentStream({ model: 'qwen2.5-7b', contents: 'Hello' })) {
          text += chunk.text ?? '';
          usage = chunk.usageMetadata?.totalTokenCount ?? usage;
          finish = chunk.candidates?.[0]?.finishReason ?? finish;
        }
        assert.equal(text, 'Héllo 👋 there');
        assert.equal(usage, 13);
        assert.equal(finish, 'STOP');
      },
    );
  });

  it('streamed tool calls arrive whole', async () => {
    await withServer(
      answer(() => sseWire([...fixture<unknown[]>('gemini/openai-stream-tools.json'), '[DONE]'])),
      async (baseUrl) => {
        const ai = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl } });
        const calls: unknown[] = [];
        for await (const chunk of await ai.models.generateContentStream({ model: 'qwen3-8b', contents: 'Weather?' })) calls.push(...(chunk.functionCalls ?? []));
        assert.deepEqual(calls, [
          { id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_current_weather', args: { location: 'Boston, MA' } },
          { id: 'call_2', name: 'get_time', args: {} },
        ]);
      },
    );
  });

  it('an error inside the stream raises in the SDK', async () => {
    await withServer(
      answer(() => sseWire([streamText[1], { error: { message: 'rate limited', type: 'rate_limit_error', code: null } }])),
      async (baseUrl) => {
        const ai = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl } });
        await assert.rejects(async () => {
          for await (const chunk of await ai.models.generateContentStream({ model: 'qwen2.5-7b', contents: 'Hello' })) void chunk;
        }, /rate limited/);
      },
    );
  });

  it('an upstream OpenAI error reaches the SDK as ApiError with the status', async () => {
    await withServer(
      (_x, res) => {
        const err = geminiToOpenAI.error(400, {}, Buffer.from(fixtureText('gemini/openai-error-400.json')));
        res.writeHead(err.status, { 'content-type': err.contentType }).end(err.body);
      },
      async (baseUrl) => {
        const ai = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl, retryOptions: { attempts: 1 } } });
        await assert.rejects(ai.models.generateContent({ model: 'qwen2.5-7b', contents: 'x' }), (err: unknown) => err instanceof ApiError && err.status === 400 && /maximum context length/.test(err.message));
      },
    );
  });
});
