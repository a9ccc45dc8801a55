// Gemini through the official @google/genai client: the Developer API (httpOptions.baseUrl + apiKey)
// and Vertex AI (vertexai: true with a fixed OAuth token from google-auth-library), plus raw HTTP for
// what the client does not show (the JSON-array stream, error bodies).

import { FunctionCallingConfigMode, GoogleGenAI, Type } from '@google/genai';
import type { Content, FunctionDeclaration } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { startSimulator } from './server.ts';
import type { RunningSimulator } from './server.ts';

const MODEL = 'gemini-2.0-flash';
const fast = { port: 0, latencyCalculator: 'constant' as const, timeToFirstTokenMs: 1, interTokenLatencyMs: 0.1 };

const getWeather: FunctionDeclaration = {
  name: 'get_weather',
  description: 'Weather forecast',
  parameters: {
    type: Type.OBJECT,
    properties: {
      city: { type: Type.STRING },
      unit: { type: Type.STRING, enum: ['celsius', 'fahrenheit'] },
      days: { type: Type.INTEGER, minimum: 1, maximum: 3 },
    },
    required: ['city', 'unit', 'days'],
  },
};

function vertexClient(url: string, token: string): GoogleGenAI {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
  return new GoogleGenAI({ vertexai: true, project: 'proj-1', location: 'us-central1', httpOptions: { baseUrl: url, apiVersion: 'v1' }, googleAuthOptions: { authClient: auth } });
}

describe('Gemini Developer API (@google/genai)', () => {
  let sim: RunningSimulator;
  let echo: RunningSimulator;
  let ai: GoogleGenAI;

  before(async () => {
    sim = await startSimulator({ ...fast, model: MODEL, seed: 4 });
    echo = await startSimulator({ ...fast, model: MODEL, mode: 'echo' });
    ai = new GoogleGenAI({ apiKey: 'any', httpOptions: { baseUrl: sim.url } });
  });
  after(async () => {
    await Promise.all([sim.close(), echo.close()]);
  });

  it('answers generateContent with candidates, finishReason, usageMetadata, modelVersion and responseId', async () => {
    const echoAi = new GoogleGenAI({ apiKey: 'any', httpOptions: { baseUrl: echo.url } });
    const r = await echoAi.models.generateContent({
      model: MODEL,
      contents: [{ role: 'user', parts: [{ text: 'Say this back' }] }],
      config: { systemInstruction: 'Be kind.', maxOutputTokens: 2 },
    });
    assert.equal(r.text, 'Say this');
    const c = r.candidates?.[0];
    assert.equal(c?.finishReason, 'MAX_TOKENS');
    assert.equal(c?.content?.role, 'model');
    assert.equal(c?.index, 0);
    assert.equal(r.modelVersion, MODEL);
    assert.ok(r.responseId && r.responseId.length >= 20);
    const u = r.usageMetadata;
    assert.equal(u?.candidatesTokenCount, 2);
    assert.equal(u?.totalTokenCount, (u?.promptTokenCount ?? 0) + 2);
    assert.equal(u?.cachedContentTokenCount, undefined, 'omitted while 0, as Google does');

    const long = 'A long shared Gemini context. '.repeat(40);
    await ai.models.generateContent({ model: MODEL, contents: long, config: { maxOutputTokens: 1 } });
    const again = await ai.models.generateContent({ model: MODEL, contents: long, config: { maxOutputTokens: 1 } });
    assert.ok((again.usageMetadata?.cachedContentTokenCount ?? 0) > 0);
  });

  it('streams SSE chunks whose texts join to the answer; the last has finishReason and usage', async () => {
    const echoAi = new GoogleGenAI({ apiKey: 'any', httpOptions: { baseUrl: echo.url } });
    const chunks = [];
    for await (const chunk of await echoAi.models.generateContentStream({ model: MODEL, contents: 'Stream these words please' })) chunks.push(chunk);
    assert.ok(chunks.length > 2);
    assert.equal(chunks.map((c) => c.text ?? '').join(''), 'Stream these words please');
    assert.ok(chunks.slice(0, -1).every((c) => c.candidates?.[0]?.finishReason === undefined));
    const last = chunks.at(-1);
    assert.equal(last?.candidates?.[0]?.finishReason, 'STOP');
    assert.equal(last?.usageMetadata?.candidatesTokenCount, 7);
  });

  it('streams a JSON array without alt=sse, as Google does', async () => {
    const res = await request(`${echo.url}/v1beta/models/${MODEL}:streamGenerateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'abcdefghijkl' }] }] }),
    });
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const text = await res.body.text();
    assert.ok(text.startsWith('[') && text.endsWith(']'));
    assert.ok(text.includes(',\r\n'));
    const items = JSON.parse(text) as { candidates: { content: { parts: { text: string }[] }; finishReason?: string }[] }[];
    assert.equal(items.map((i) => i.candidates[0]?.content.parts[0]?.text).join(''), 'abcdefghijkl');
    assert.equal(items.at(-1)?.candidates[0]?.finishReason, 'STOP');
  });

  it('calls a function, then answers its functionResponse with text (whole and streamed)', async () => {
    const question: Content = { role: 'user', parts: [{ text: 'What is the weather in Rome?' }] };
    const first = await ai.models.generateContent({ model: MODEL, contents: [question], config: { tools: [{ functionDeclarations: [getWeather] }] } });
    const call = first.functionCalls?.[0];
    assert.equal(call?.name, 'get_weather');
    const args = call?.args as { city: unknown; unit: unknown; days: unknown };
    assert.equal(typeof args.city, 'string');
    assert.ok(args.unit === 'celsius' || args.unit === 'fahrenheit');
    assert.ok(Number.isInteger(args.days) && (args.days as number) >= 1 && (args.days as number) <= 3);
    assert.equal(first.candidates?.[0]?.finishReason, 'STOP');
    assert.ok((first.usageMetadata?.candidatesTokenCount ?? 0) >= Math.ceil(JSON.stringify(args).length / 4));

    const history: Content[] = [
      question,
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: call?.args ?? {} } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 23 } } }] },
    ];
    const second = await ai.models.generateContent({ model: MODEL, contents: history, config: { tools: [{ functionDeclarations: [getWeather] }], maxOutputTokens: 10 } });
    assert.equal(second.functionCalls, undefined);
    assert.ok((second.text ?? '').length > 0);
    assert.ok((second.usageMetadata?.promptTokenCount ?? 0) > (first.usageMetadata?.promptTokenCount ?? 0));

    const chunks = [];
    for await (const c of await ai.models.generateContentStream({ model: MODEL, contents: [question], config: { tools: [{ functionDeclarations: [getWeather] }] } })) chunks.push(c);
    assert.equal(chunks.length, 1, 'a function call comes whole, in the final chunk');
    assert.equal(chunks[0]?.functionCalls?.[0]?.name, 'get_weather');

    let streamedText = '';
    for await (const c of await ai.models.generateContentStream({ model: MODEL, contents: history, config: { tools: [{ functionDeclarations: [getWeather] }], maxOutputTokens: 6 } })) {
      assert.equal(c.functionCalls, undefined);
      streamedText += c.text ?? '';
    }
    assert.ok(streamedText.length > 0);
  });

  it('follows functionCallingConfig: ANY with allowedFunctionNames, NONE', async () => {
    const other: FunctionDeclaration = { name: 'get_time', parameters: { type: Type.OBJECT, properties: {} } };
    const tools = [{ functionDeclarations: [other, getWeather] }];
    const any = await ai.models.generateContent({
      model: MODEL,
      contents: 'hello',
      config: { tools, toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: ['get_weather'] } } },
    });
    assert.equal(any.functionCalls?.[0]?.name, 'get_weather');
    const none = await ai.models.generateContent({
      model: MODEL,
      contents: 'get_weather now',
      config: { tools, toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.NONE } }, maxOutputTokens: 4 },
    });
    assert.equal(none.functionCalls, undefined);
  });

  it('answers JSON satisfying responseSchema, and candidateCount candidates', async () => {
    const r = await ai.models.generateContent({
      model: MODEL,
      contents: 'list',
      config: {
        responseMimeType: 'application/json',
        responseSchema: { type: Type.OBJECT, properties: { name: { type: Type.STRING }, n: { type: Type.NUMBER } }, required: ['name', 'n'] },
        candidateCount: 3,
      },
    });
    assert.equal(r.candidates?.length, 3);
    assert.deepEqual(r.candidates?.map((c) => c.index), [0, 1, 2]);
    const value = JSON.parse(r.text ?? '') as { name: unknown; n: unknown };
    assert.equal(typeof value.name, 'string');
    assert.equal(typeof value.n, 'number');
  });

  it('answers errors in Google shape: unknown model 404, bad request 400, injected 429', async () => {
    await assert.rejects(ai.models.generateContent({ model: 'nope', contents: 'x' }), (err: Error & { status?: number }) => err.status === 404 && /models\/nope is not found/.test(err.message));
    const bad = await request(`${sim.url}/v1beta/models/${MODEL}:generateContent`, { method: 'POST', body: JSON.stringify({ contents: [] }) });
    assert.equal(bad.statusCode, 400);
    const body = (await bad.body.json()) as { error: { code: number; status: string; message: string } };
    assert.equal(body.error.code, 400);
    assert.equal(body.error.status, 'INVALID_ARGUMENT');
    const limited = await request(`${sim.url}/v1beta/models/${MODEL}:generateContent`, {
      method: 'POST',
      headers: { 'x-sim-error': '429' },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'x' }] }] }),
    });
    assert.equal(limited.statusCode, 429);
    assert.equal(((await limited.body.json()) as { error: { status: string } }).error.status, 'RESOURCE_EXHAUSTED');
  });
});

describe('Vertex AI Gemini', () => {
  let sim: RunningSimulator;

  before(async () => {
    sim = await startSimulator({ ...fast, model: MODEL, mode: 'echo' });
  });
  after(() => sim?.close());

  it('answers the official client in Vertex mode (createTime too), whole and streamed', async () => {
    const ai = vertexClient(sim.url, 'token-1');
    const r = await ai.models.generateContent({ model: MODEL, contents: 'vertex hello' });
    assert.equal(r.text, 'vertex hello');
    assert.ok(r.createTime);
    const chunks = [];
    for await (const c of await ai.models.generateContentStream({ model: MODEL, contents: 'streamed on vertex' })) chunks.push(c.text ?? '');
    assert.equal(chunks.join(''), 'streamed on vertex');
  });

  it('serves the v1beta1 path the client uses by default, and 404s an unknown publisher model', async () => {
    const path = `/v1beta1/projects/p/locations/europe-west4/publishers/google/models/${MODEL}:generateContent`;
    const ok = await request(sim.url + path, { method: 'POST', body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'beta' }] }] }) });
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
    const missing = await request(`${sim.url}/v1/projects/p/locations/l/publishers/google/models/other:generateContent`, {
      method: 'POST',
      body: JSON.stringify({ contents: [{ parts: [{ text: 'x' }] }] }),
    });
    assert.equal(missing.statusCode, 404);
    const body = (await missing.body.json()) as { error: { status: string; message: string } };
    assert.equal(body.error.status, 'NOT_FOUND');
    assert.match(body.error.message, /Publisher Model `projects\/p\/locations\/l\/publishers\/google\/models\/other`/);
  });
});
