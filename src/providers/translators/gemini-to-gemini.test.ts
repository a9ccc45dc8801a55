import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GoogleGenAI, ApiError } from '@google/genai';
import type { RequestTranslationInput } from '../../runtime/translator.ts';
import { geminiToGemini } from './gemini-to-gemini.ts';
import { translatorSuite } from './translator-cases.ts';
import { fixture, fixtureText, sseWire, translate, withServer, writeTranslated } from './gemini-test-support.ts';
import type { Exchange } from './gemini-test-support.ts';

// Golden cases from Google's Vertex AI reference examples (fixtures/gemini/): a Gemini client's
// request goes to Vertex unchanged but for the path; the answer comes back byte for byte.

/** The translation input the gateway builds for a Gemini client's call. */
function geminiInput(model: string, body: Record<string, unknown>, stream: boolean, query = stream ? 'alt=sse' : ''): RequestTranslationInput {
  return { operation: 'generate', body, raw: Buffer.from(JSON.stringify(body)), model, modelChanged: false, stream, backend: { name: 'GCPVertexAI', prefix: '/v1' }, wantUsage: true, query };
}

const request = {
  contents: [{ role: 'user', parts: [{ text: 'Why is the sky blue?' }] }],
  systemInstruction: { parts: [{ text: 'Answer in one sentence.' }] },
  generationConfig: { temperature: 0.2, stopSequences: ['END'], thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } },
  tools: [{ functionDeclarations: [{ name: 'get_current_weather', parametersJsonSchema: { type: 'object', properties: { location: { type: 'string' } } } }] }],
};
const streamText = fixture<unknown[]>('gemini/vertex-stream-text.json');

translatorSuite(
  geminiToGemini,
  [
    {
      name: 'generateContent: body unchanged, Vertex path, client key not forwarded',
      input: geminiInput('gemini-2.0-flash-001', request, false, 'key=client-secret'),
      expectRequest: { path: 'publishers/google/models/gemini-2.0-flash-001:generateContent', body: Buffer.from(JSON.stringify(request)), headers: { 'content-type': 'application/json' } },
      upstream: { headers: { 'content-type': 'application/json; charset=UTF-8' }, body: fixtureText('gemini/vertex-text.json') },
      expectClient: fixture('gemini/vertex-text.json'),
      expectUsage: { inputTokens: 11, outputTokens: 27, totalTokens: 38 },
      expectResponseModel: 'gemini-2.0-flash-001',
    },
    {
      name: 'a modelNameOverride changes only the path',
      input: { ...geminiInput('alias', request, false), model: 'gemini-2.5-pro', modelChanged: true },
      expectRequest: { path: 'publishers/google/models/gemini-2.5-pro:generateContent', body: Buffer.from(JSON.stringify(request)) },
    },
    {
      name: 'thinking and cache usage',
      input: geminiInput('gemini-2.5-pro', request, false),
      expectRequest: { path: 'publishers/google/models/gemini-2.5-pro:generateContent' },
      upstream: { body: fixtureText('gemini/vertex-thinking-cached.json') },
      expectClient: fixture('gemini/vertex-thinking-cached.json'),
      expectUsage: { inputTokens: 2051, outputTokens: 340, totalTokens: 2391, cachedInputTokens: 2048, reasoningTokens: 331 },
      expectResponseModel: 'gemini-2.5-pro',
    },
    {
      name: 'function calls and a body whose text mentions "usageMetadata"',
      input: geminiInput('gemini-3-pro-preview', request, false),
      expectRequest: { path: 'publishers/google/models/gemini-3-pro-preview:generateContent' },
      upstream: { body: fixtureText('gemini/vertex-tool-call.json').replace('"Boston, MA"', '"Boston \\"usageMetadata\\": {\\"promptTokenCount\\": 999}"') },
      expectUsage: { inputTokens: 57, outputTokens: 64, totalTokens: 121, reasoningTokens: 40 },
      expectResponseModel: 'gemini-3-pro-preview',
    },
    {
      name: 'streamGenerateContent (\\r\\n\\r\\n): bytes pass through, the last usage wins',
      input: geminiInput('gemini-2.0-flash-001', request, true),
      expectRequest: { path: 'publishers/google/models/gemini-2.0-flash-001:streamGenerateContent?alt=sse', body: Buffer.from(JSON.stringify(request)) },
      upstream: { headers: { 'content-type': 'text/event-stream' }, body: sseWire(streamText, '\r\n\r\n') },
      expectClient: streamText.map((data) => ({ data })),
      expectUsage: { inputTokens: 7, outputTokens: 14, totalTokens: 21 },
      expectResponseModel: 'gemini-2.0-flash-001',
    },
    {
      name: 'stream with thoughts and a function call (\\r\\r)',
      input: geminiInput('gemini-2.5-flash', request, true),
      expectRequest: { path: 'publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse' },
      upstream: { body: sseWire(fixture<unknown[]>('gemini/vertex-stream-tool-call.json'), '\r\r') },
      expectUsage: { inputTokens: 40, outputTokens: 42, totalTokens: 82, reasoningTokens: 30 },
      expectResponseModel: 'gemini-2.5-flash',
    },
    {
      name: 'stream stopped by safety',
      input: geminiInput('gemini-2.0-flash-001', request, true),
      expectRequest: { path: 'publishers/google/models/gemini-2.0-flash-001:streamGenerateContent?alt=sse' },
      upstream: { body: sseWire(fixture<unknown[]>('gemini/vertex-stream-safety.json')) },
      expectClient: fixture<unknown[]>('gemini/vertex-stream-safety.json').map((data) => ({ data })),
      expectUsage: { inputTokens: 8, outputTokens: 3, totalTokens: 11 },
    },
  ],
  [
    { name: 'Google 400 keeps its status and shape', status: 400, body: fixtureText('gemini/vertex-error-400.json'), expectStatus: 400, schema: 'Gemini', messageIncludes: 'invalid argument' },
    { name: 'a streaming method’s array error body becomes the object shape', status: 429, body: fixtureText('gemini/vertex-error-429-stream.json'), expectStatus: 429, schema: 'Gemini', messageIncludes: 'Resource exhausted' },
    { name: 'Google 500 → 502 in the Google shape', status: 500, body: fixtureText('gemini/vertex-error-500.json'), expectStatus: 502, schema: 'Gemini', messageIncludes: 'Internal error encountered' },
    { name: 'a non-JSON 404', status: 404, headers: { 'content-type': 'text/html' }, body: '<html>Not Found</html>', expectStatus: 404, schema: 'Gemini', messageIncludes: 'Not Found' },
  ],
);

describe('gemini-to-gemini specifics', () => {
  it('keeps the upstream Google status name', () => {
    const body = JSON.stringify({ error: { code: 400, message: 'precondition', status: 'FAILED_PRECONDITION' } });
    const r = geminiToGemini.error(400, {}, Buffer.from(body));
    assert.deepEqual(JSON.parse(r.body), { error: { code: 400, message: 'precondition', status: 'FAILED_PRECONDITION' } });
  });

  it('refuses operations other than generate', () => {
    assert.throws(() => geminiToGemini.request({ ...geminiInput('g', {}, false), operation: 'chat' }), /does not serve/);
  });
});

describe('gemini-to-gemini with @google/genai as the client', () => {
  /** The gateway stand-in: the SDK's call is translated and checked, the Vertex fixture passed back. */
  const answer = (upstream: (stream: boolean) => string) => (x: Exchange, res: Parameters<Parameters<typeof withServer>[0]>[1]) => {
    const m = /^\/v1beta\/models\/([^:/?]+):(generateContent|streamGenerateContent)(?:\?(.*))?$/.exec(x.url);
    assert.ok(m, `unexpected path ${x.url}`);
    const stream = m[2] === 'streamGenerateContent';
    const body = JSON.parse(x.body.toString()) as Record<string, unknown>;
    const input = { ...geminiInput(m[1]!, body, stream, m[3] ?? ''), raw: x.body };
    const t = geminiToGemini.request(input);
    assert.equal(t.path, `publishers/google/models/${m[1]}:${m[2]}${stream ? '?alt=sse' : ''}`);
    assert.ok(t.body.equals(x.body));
    const r = translate(geminiToGemini, { operation: 'generate', stream, requestModel: input.model, hideUsageChunk: false }, { body: upstream(stream) });
    writeTranslated(res, 200, r.contentType ?? (stream ? 'text/event-stream' : 'application/json'), r.body);
  };

  it('models.generateContent', async () => {
    await withServer(answer(() => fixtureText('gemini/vertex-thinking-cached.json')), async (baseUrl) => {
      const ai = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl } });
      const r = await ai.models.generateContent({ model: 'gemini-2.5-pro', contents: 'Which is larger, 9.11 or 9.9?', config: { thinkingConfig: { includeThoughts: true } } });
      assert.equal(r.text, '9.9 is larger than 9.11.');
      assert.equal(r.usageMetadata?.cachedContentTokenCount, 2048);
      assert.equal(r.modelVersion, 'gemini-2.5-pro');
    });
  });

  it('models.generateContentStream over \\r\\n\\r\\n', async () => {
    await withServer(answer(() => sseWire(streamText, '\r\n\r\n')), async (baseUrl) => {
      const ai = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl } });
      let text = '';
      let total: number | undefined;
      for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.0-flash-001', contents: 'Why is the sky blue?' })) {
        text += chunk.text ?? '';
        total = chunk.usageMetadata?.totalTokenCount ?? total;
      }
      assert.equal(text, 'The sky is blue — Rayleigh scattering, ☀️ déjà vu.');
      assert.equal(total, 21);
    });
  });

  it('an upstream error reaches the SDK as ApiError with the status', async () => {
    await withServer(
      (_x, res) => {
        const err = geminiToGemini.error(429, {}, Buffer.from(fixtureText('gemini/vertex-error-429-stream.json')));
        res.writeHead(err.status, { 'content-type': err.contentType }).end(err.body);
      },
      async (baseUrl) => {
        const ai = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl, retryOptions: { attempts: 1 } } });
        await assert.rejects(ai.models.generateContent({ model: 'gemini-2.0-flash-001', contents: 'x' }), (err: unknown) => err instanceof ApiError && err.status === 429 && /Resource exhausted/.test(err.message));
      },
    );
  });
});
