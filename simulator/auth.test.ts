// Provider credential checks (--api-key, --gcp-access-token, --aws-*): each provider's client with the
// right credential gets through, a wrong or missing one gets the provider's own refusal. SigV4
// requests are signed with @smithy/signature-v4, as the AWS SDK signs them.

import Anthropic from '@anthropic-ai/sdk';
import { Sha256 } from '@aws-crypto/sha256-js';
import { GoogleGenAI } from '@google/genai';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { OAuth2Client } from 'google-auth-library';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { AzureOpenAI } from 'openai';
import { request } from 'undici';
import { decodeEventStream } from './eventstream.ts';
import { startSimulator } from './server.ts';
import type { RunningSimulator } from './server.ts';

const KEY = 'sk-simulator-0123456789abcdef';
const TOKEN = 'ya29.simulated-access-token';
const AWS = { accessKeyId: 'AKIASIMULATOR0000001', secretAccessKey: 'c2ltdWxhdG9yLXNlY3JldC1rZXk', region: 'eu-west-1' };
const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const fast = { port: 0, latencyCalculator: 'constant' as const, timeToFirstTokenMs: 1, interTokenLatencyMs: 0.1 };

type Json = Record<string, unknown>;

async function raw(url: string, headers: Record<string, string>, body: unknown = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Json }> {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as Json };
}

describe('API keys and tokens', () => {
  let sim: RunningSimulator;

  before(async () => {
    sim = await startSimulator({ ...fast, model: MODEL, servedModelNames: ['gemini-2.0-flash', 'chat'], apiKey: KEY, gcpAccessToken: TOKEN });
  });
  after(() => sim?.close());

  it('OpenAI paths: Authorization: Bearer KEY; wrong → 401 invalid_api_key, missing → 401', async () => {
    const ok = new OpenAI({ baseURL: sim.url + '/v1', apiKey: KEY, maxRetries: 0 });
    assert.ok((await ok.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'x' }], max_tokens: 1 })).id);
    assert.ok((await ok.models.list()).data.length > 0);

    const wrong = new OpenAI({ baseURL: sim.url + '/v1', apiKey: 'sk-wrong-key-000000000000', maxRetries: 0 });
    await assert.rejects(wrong.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'x' }] }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.AuthenticationError);
      assert.equal(err.code, 'invalid_api_key');
      assert.equal(err.type, 'invalid_request_error');
      assert.match(err.message, /^401 Incorrect API key provided: sk-wro\*+0000\./);
      return true;
    });
    const missing = await raw(sim.url + '/v1/chat/completions', {}, { messages: [{ role: 'user', content: 'x' }] });
    assert.equal(missing.status, 401);
    const error = missing.body['error'] as Json;
    assert.match(String(error['message']), /^You didn't provide an API key/);
    assert.equal(error['code'], null);
  });

  it('Anthropic: x-api-key (or Bearer, as the SDK sends it); wrong → 401 authentication_error "invalid x-api-key", missing → "x-api-key header is required"', async () => {
    const ok = new Anthropic({ baseURL: sim.url, apiKey: KEY, maxRetries: 0 });
    assert.ok((await ok.messages.create({ model: MODEL, max_tokens: 1, messages: [{ role: 'user', content: 'x' }] })).id);
    const wrong = new Anthropic({ baseURL: sim.url, apiKey: 'nope', maxRetries: 0 });
    await assert.rejects(wrong.messages.create({ model: MODEL, max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }), (err: unknown) => {
      assert.ok(err instanceof Anthropic.AuthenticationError);
      assert.deepEqual(err.error, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
      return true;
    });
    const header = await raw(sim.url + '/v1/messages', { 'x-api-key': KEY }, { model: MODEL, max_tokens: 1, messages: [{ role: 'user', content: 'x' }] });
    assert.equal(header.status, 200, 'x-api-key, as the gateway sends it');
    const wrongHeader = await raw(sim.url + '/v1/messages', { 'x-api-key': 'bad' }, { model: MODEL, max_tokens: 1, messages: [] });
    assert.equal((wrongHeader.body['error'] as Json)['message'], 'invalid x-api-key');
    const missing = await raw(sim.url + '/v1/messages', {}, { model: MODEL, max_tokens: 1, messages: [] });
    assert.equal(missing.status, 401);
    assert.deepEqual(missing.body, { type: 'error', error: { type: 'authentication_error', message: 'x-api-key header is required' } });
    assert.match(String(missing.headers['request-id']), /^req_01/);
  });

  it('Azure: api-key (or Bearer); wrong → 401 in Azure shape', async () => {
    const ok = new AzureOpenAI({ endpoint: sim.url, apiKey: KEY, apiVersion: '2024-10-21', deployment: 'chat', maxRetries: 0 });
    assert.ok((await ok.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'x' }], max_tokens: 1 })).id);
    const path = `${sim.url}/openai/deployments/chat/chat/completions?api-version=2024-10-21`;
    const body = { messages: [{ role: 'user', content: 'x' }], max_tokens: 1 };
    assert.equal((await raw(path, { authorization: `Bearer ${KEY}` }, body)).status, 200);
    const wrong = await raw(path, { 'api-key': 'bad' }, body);
    assert.equal(wrong.status, 401);
    assert.equal((wrong.body['error'] as Json)['code'], '401');
    assert.match(String((wrong.body['error'] as Json)['message']), /^Access denied due to invalid subscription key or wrong API endpoint\./);
    assert.equal((await raw(path, {}, body)).status, 401);
  });

  it('Gemini Developer API: x-goog-api-key or ?key=; wrong → 400 INVALID_ARGUMENT, missing → 403 PERMISSION_DENIED', async () => {
    const ai = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: sim.url } });
    assert.ok((await ai.models.generateContent({ model: 'gemini-2.0-flash', contents: 'x', config: { maxOutputTokens: 1 } })).responseId);
    const bad = new GoogleGenAI({ apiKey: 'AIza-wrong', httpOptions: { baseUrl: sim.url } });
    await assert.rejects(bad.models.generateContent({ model: 'gemini-2.0-flash', contents: 'x' }), (err: Error & { status?: number }) => {
      assert.equal(err.status, 400);
      assert.match(err.message, /API key not valid\. Please pass a valid API key\./);
      assert.match(err.message, /API_KEY_INVALID/);
      return true;
    });
    const path = `${sim.url}/v1beta/models/gemini-2.0-flash:generateContent`;
    const body = { contents: [{ parts: [{ text: 'x' }] }], generationConfig: { maxOutputTokens: 1 } };
    const missing = await raw(path, {}, body);
    assert.equal(missing.status, 403);
    assert.equal((missing.body['error'] as Json)['status'], 'PERMISSION_DENIED');
    assert.equal((missing.body['error'] as Json)['code'], 403);
    assert.equal((await raw(`${path}?key=${KEY}`, {}, body)).status, 200);
  });

  it('Vertex AI: Authorization: Bearer TOKEN; wrong, missing or an API key → 401 UNAUTHENTICATED', async () => {
    const client = (token: string): GoogleGenAI => {
      const auth = new OAuth2Client();
      auth.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
      return new GoogleGenAI({ vertexai: true, project: 'p', location: 'us-central1', httpOptions: { baseUrl: sim.url, apiVersion: 'v1' }, googleAuthOptions: { authClient: auth } });
    };
    assert.ok((await client(TOKEN).models.generateContent({ model: 'gemini-2.0-flash', contents: 'x', config: { maxOutputTokens: 1 } })).responseId);
    await assert.rejects(client('ya29.other').models.generateContent({ model: 'gemini-2.0-flash', contents: 'x' }), (err: Error & { status?: number }) => {
      assert.equal(err.status, 401);
      assert.match(err.message, /Request had invalid authentication credentials/);
      return true;
    });
    const path = `${sim.url}/v1/projects/p/locations/l/publishers/google/models/gemini-2.0-flash:generateContent`;
    const body = { contents: [{ parts: [{ text: 'x' }] }] };
    const missing = await raw(path, {}, body);
    assert.equal(missing.status, 401);
    assert.equal((missing.body['error'] as Json)['status'], 'UNAUTHENTICATED');
    assert.match(String((missing.body['error'] as Json)['message']), /^Request is missing required authentication credential/);
    assert.match(String(missing.headers['www-authenticate']), /^Bearer/);
    const apiKey = await raw(path, { 'x-goog-api-key': KEY }, body);
    assert.match(String((apiKey.body['error'] as Json)['message']), /^API keys are not supported by this API/);
    const claude = await raw(`${sim.url}/v1/projects/p/locations/l/publishers/anthropic/models/${MODEL}:rawPredict`, { authorization: 'Bearer x' }, {});
    assert.equal(claude.status, 401);
    assert.equal((claude.body['error'] as Json)['status'], 'UNAUTHENTICATED');
  });

  it('never checks /health, /metrics or /admin', async () => {
    for (const path of ['/health', '/metrics', '/admin/state']) {
      const res = await request(sim.url + path);
      assert.equal(res.statusCode, 200, path);
      await res.body.dump();
    }
  });
});

describe('AWS SigV4 on the Bedrock paths', () => {
  let sim: RunningSimulator;
  let open: RunningSimulator;

  before(async () => {
    sim = await startSimulator({ ...fast, model: MODEL, awsAccessKeyId: AWS.accessKeyId, awsSecretAccessKey: AWS.secretAccessKey, awsRegion: AWS.region });
    open = await startSimulator({ ...fast, model: MODEL });
  });
  after(async () => {
    await Promise.all([sim.close(), open.close()]);
  });

  interface SignOptions {
    accessKeyId?: string;
    secretAccessKey?: string;
    region?: string;
    service?: string;
    sessionToken?: string;
    signingDate?: Date;
    tamper?: (body: string) => string;
  }

  /** Signs a POST of `body` to `path` as the AWS SDK does, and sends it (the tampered body, if asked). */
  async function send(base: string, path: string, body: unknown, o: SignOptions = {}): ReturnType<typeof request> {
    const url = new URL(base + path);
    const text = JSON.stringify(body);
    const signer = new SignatureV4({
      credentials: {
        accessKeyId: o.accessKeyId ?? AWS.accessKeyId,
        secretAccessKey: o.secretAccessKey ?? AWS.secretAccessKey,
        ...(o.sessionToken ? { sessionToken: o.sessionToken } : {}),
      },
      region: o.region ?? AWS.region,
      service: o.service ?? 'bedrock',
      sha256: Sha256,
    });
    const signed = await signer.sign(
      new HttpRequest({
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        headers: { host: url.host, 'content-type': 'application/json', accept: 'application/json' },
        body: text,
      }),
      o.signingDate ? { signingDate: o.signingDate } : {},
    );
    return request(url, { method: 'POST', headers: signed.headers, body: o.tamper ? o.tamper(text) : text });
  }

  const converse = `/model/${encodeURIComponent(MODEL)}/converse`;
  const converseBody = { messages: [{ role: 'user', content: [{ text: 'signed hello' }] }], inferenceConfig: { maxTokens: 2 } };

  async function refusal(res: Awaited<ReturnType<typeof request>>): Promise<{ status: number; type: unknown; message: string }> {
    const body = (await res.body.json()) as { message: string };
    return { status: res.statusCode, type: res.headers['x-amzn-errortype'], message: body.message };
  }

  it('accepts a correctly signed request on every Bedrock path (Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream)', async () => {
    const ok = await send(sim.url, converse, converseBody);
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
    const stream = await send(sim.url, `/model/${encodeURIComponent(MODEL)}/converse-stream`, converseBody);
    assert.equal(stream.statusCode, 200);
    assert.ok(decodeEventStream(Buffer.from(await stream.body.arrayBuffer())).length > 0);
    const anthropicBody = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 2, messages: [{ role: 'user', content: 'x' }] };
    const invoke = await send(sim.url, `/model/${encodeURIComponent(MODEL)}/invoke`, anthropicBody);
    assert.equal(invoke.statusCode, 200);
    await invoke.body.dump();
    const invokeStream = await send(sim.url, `/model/${encodeURIComponent(MODEL)}/invoke-with-response-stream`, anthropicBody);
    assert.equal(invokeStream.statusCode, 200);
    await invokeStream.body.dump();
    const withToken = await send(sim.url, converse, converseBody, { sessionToken: 'FQoGZXIvYXdzEXAMPLE' });
    assert.equal(withToken.statusCode, 200, 'a signed session token is accepted');
    await withToken.body.dump();
  });

  it('wrong secret → 403 InvalidSignatureException', async () => {
    const r = await refusal(await send(sim.url, converse, converseBody, { secretAccessKey: 'not-the-secret' }));
    assert.equal(r.status, 403);
    assert.equal(r.type, 'InvalidSignatureException');
    assert.match(r.message, /^The request signature we calculated does not match the signature you provided\./);
  });

  it('a body changed after signing → 403 InvalidSignatureException', async () => {
    const r = await refusal(await send(sim.url, converse, converseBody, { tamper: (b) => b.replace('signed hello', 'signed HELLO') }));
    assert.equal(r.status, 403);
    assert.equal(r.type, 'InvalidSignatureException');
  });

  it('wrong region or service in the credential scope → 403 InvalidSignatureException', async () => {
    const region = await refusal(await send(sim.url, converse, converseBody, { region: 'us-west-2' }));
    assert.deepEqual([region.status, region.type], [403, 'InvalidSignatureException']);
    assert.match(region.message, /^Credential should be scoped to a valid region/);
    const service = await refusal(await send(sim.url, converse, converseBody, { service: 'sagemaker' }));
    assert.deepEqual([service.status, service.type], [403, 'InvalidSignatureException']);
    assert.match(service.message, /correct service: 'bedrock'/);
  });

  it("wrong key id → 403 UnrecognizedClientException; no Authorization → 403 MissingAuthenticationTokenException", async () => {
    const key = await refusal(await send(sim.url, converse, converseBody, { accessKeyId: 'AKIAOTHER00000000000' }));
    assert.deepEqual(key, { status: 403, type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
    const none = await refusal(await request(sim.url + converse, { method: 'POST', body: JSON.stringify(converseBody) }));
    assert.deepEqual(none, { status: 403, type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
    const bearer = await refusal(await request(sim.url + converse, { method: 'POST', headers: { authorization: 'Bearer abc' }, body: '{}' }));
    assert.deepEqual([bearer.status, bearer.type], [403, 'IncompleteSignatureException']);
  });

  it('a signature dated an hour ago → 403 Signature expired', async () => {
    const r = await refusal(await send(sim.url, converse, converseBody, { signingDate: new Date(Date.now() - 3_600_000) }));
    assert.deepEqual([r.status, r.type], [403, 'InvalidSignatureException']);
    assert.match(r.message, /^Signature expired: \d{8}T\d{6}Z is now earlier than/);
  });

  it('without the AWS flags nothing is checked', async () => {
    const res = await request(open.url + converse, { method: 'POST', body: JSON.stringify(converseBody) });
    assert.equal(res.statusCode, 200);
    await res.body.dump();
  });
});
