import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { AzureOpenAI } from 'openai';
import { GatewayError } from '../../errors.ts';
import type { RequestTranslationInput } from '../../runtime/translator.ts';
import { openAIToAzure } from './openai-to-azure.ts';
import { requestInput, translatorSuite } from './translator-cases.ts';
import { fixture, fixtureText, sseWire, translate, withServer, writeTranslated } from './gemini-test-support.ts';

// Golden cases from Azure OpenAI's REST reference examples (fixtures/azure/).
const VERSION = '2024-10-21';
const azure = { name: 'AzureOpenAI', prefix: '/v1', version: VERSION } as const;
const input = (body: Record<string, unknown>, over: Partial<RequestTranslationInput> = {}) => requestInput(body, { backend: azure, ...over });
const stream = fixture<Record<string, unknown>[]>('azure/chat-stream.json');
const completion = fixture('azure/chat-completion.json');

translatorSuite(
  openAIToAzure,
  [
    {
      name: 'chat: deployment and api-version in the path, body unchanged',
      input: input({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Does Azure OpenAI support customer managed keys?' }] }),
      expectRequest: {
        path: `/openai/deployments/gpt-4o/chat/completions?api-version=${VERSION}`,
        headers: { 'content-type': 'application/json' },
        body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'Does Azure OpenAI support customer managed keys?' }] },
      },
      upstream: { headers: { 'content-type': 'application/json' }, body: fixtureText('azure/chat-completion.json') },
      expectClient: completion,
      expectUsage: { inputTokens: 1536, outputTokens: 12, totalTokens: 1548, cachedInputTokens: 1280 },
      expectResponseModel: 'gpt-4o-2024-05-13',
    },
    {
      name: 'a modelNameOverride names the deployment; other client query parameters follow api-version',
      input: input({ model: 'alias', messages: [] }, { model: 'gpt 4o/mini', modelChanged: true, query: 'api-version=client&trace=1' }),
      expectRequest: { path: `/openai/deployments/gpt%204o%2Fmini/chat/completions?api-version=${VERSION}&trace=1`, body: { model: 'gpt 4o/mini', messages: [] } },
    },
    {
      name: 'stream, client asked for usage: bytes pass through; the model comes from the first chunk naming one',
      input: input({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Bonjour?' }] }),
      expectRequest: { path: `/openai/deployments/gpt-4o/chat/completions?api-version=${VERSION}`, body: { model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Bonjour?' }] } },
      upstream: { headers: { 'content-type': 'text/event-stream' }, body: sseWire([...stream, '[DONE]']) },
      expectClient: [...stream.map((data) => ({ data })), { data: '[DONE]' }],
      expectUsage: { inputTokens: 18, outputTokens: 4, totalTokens: 22 },
      expectResponseModel: 'gpt-4o-2024-08-06',
    },
    {
      name: 'stream without include_usage: the gateway asks for it and hides the usage chunk (the prompt-filter chunk stays)',
      input: input({ model: 'gpt-4o', stream: true, messages: [] }),
      expectRequest: { path: `/openai/deployments/gpt-4o/chat/completions?api-version=${VERSION}`, body: { model: 'gpt-4o', stream: true, messages: [], stream_options: { include_usage: true } } },
      hideUsageChunk: true,
      upstream: { headers: { 'content-type': 'text/event-stream' }, body: sseWire([...stream, '[DONE]'], '\r\n\r\n') },
      expectClient: [...stream.slice(0, 4).map((data) => ({ data })), { data: '[DONE]' }],
      expectUsage: { inputTokens: 18, outputTokens: 4, totalTokens: 22 },
      expectResponseModel: 'gpt-4o-2024-08-06',
    },
    {
      name: 'embeddings',
      input: input({ model: 'text-embedding-3-small', input: 'Sample Document goes here' }, { operation: 'embeddings' }),
      expectRequest: { path: `/openai/deployments/text-embedding-3-small/embeddings?api-version=${VERSION}` },
      upstream: { body: fixtureText('azure/embeddings.json') },
      expectClient: fixture('azure/embeddings.json'),
      expectUsage: { inputTokens: 4, outputTokens: 0, totalTokens: 4 },
      expectResponseModel: 'text-embedding-3-small',
    },
    {
      name: 'legacy completions',
      input: input({ model: 'gpt-35-turbo-instruct', prompt: 'Say hi' }, { operation: 'completions' }),
      expectRequest: { path: `/openai/deployments/gpt-35-turbo-instruct/completions?api-version=${VERSION}` },
    },
    {
      name: 'responses: one path, the deployment in the body',
      input: input({ model: 'gpt-4.1-nano', input: 'hi' }, { operation: 'responses', model: 'gpt-4.1-nano-deploy', modelChanged: true }),
      expectRequest: { path: `/openai/responses?api-version=${VERSION}`, body: { model: 'gpt-4.1-nano-deploy', input: 'hi' } },
    },
  ],
  [
    { name: 'DeploymentNotFound 404 → OpenAI shape', status: 404, body: fixtureText('azure/error-deployment-not-found.json'), expectStatus: 404, schema: 'OpenAI', messageIncludes: 'deployment for this resource does not exist' },
    { name: 'content_filter 400 keeps code and param', status: 400, body: fixtureText('azure/error-content-filter.json'), expectStatus: 400, schema: 'OpenAI', messageIncludes: 'content management policy' },
    { name: '429 rate limit', status: 429, body: fixtureText('azure/error-429.json'), expectStatus: 429, schema: 'OpenAI', messageIncludes: 'exceeded token rate limit' },
    { name: 'API Management 401 (statusCode/message)', status: 401, body: fixtureText('azure/error-401-apim.json'), expectStatus: 401, schema: 'OpenAI', messageIncludes: 'Access token is missing' },
    { name: '500 → 502 upstream_error', status: 500, body: fixtureText('azure/error-500.json'), expectStatus: 502, schema: 'OpenAI', messageIncludes: 'had an error' },
  ],
);

describe('openai-to-azure specifics', () => {
  it('refuses a backend without schema.version, naming the field', () => {
    assert.throws(
      () => openAIToAzure.request(requestInput({ model: 'gpt-4o', messages: [] }, { backend: { name: 'AzureOpenAI', prefix: '/v1' } })),
      (err: unknown) => err instanceof GatewayError && err.code === 'unprocessable_request' && /AIServiceBackend\.spec\.schema\.version/.test(err.message),
    );
  });

  it('maps the Azure error to the full OpenAI shape', () => {
    const r = openAIToAzure.error(400, {}, Buffer.from(fixtureText('azure/error-content-filter.json')));
    const body = JSON.parse(r.body) as { error: Record<string, unknown> };
    assert.deepEqual({ ...body.error, message: undefined }, { message: undefined, type: 'invalid_request_error', param: 'prompt', code: 'content_filter' });
  });

  it('refuses operations Azure does not serve', () => {
    assert.throws(() => openAIToAzure.request(input({ model: 'm' }, { operation: 'messages' })), /does not serve the messages operation/);
  });
});

describe('openai-to-azure with the official AzureOpenAI client', () => {
  /**
   * The AzureOpenAI client talks to this server as it would to Azure: its path and api-version must
   * be what openAIToAzure produces for the same body; the Azure fixture is answered through the
   * translator's response side.
   */
  const serve = (upstream: string, hideUsage: boolean) =>
    withServer.bind(null, (x, res) => {
      const body = JSON.parse(x.body.toString()) as Record<string, unknown>;
      const m = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)\?/.exec(x.url);
      assert.ok(m, `unexpected path ${x.url}`);
      const operation = m[2] === 'embeddings' ? 'embeddings' : 'chat';
      const t = openAIToAzure.request(input(body, { operation }));
      assert.equal(t.path, x.url, 'the translated path is the one the Azure SDK uses');
      const r = translate(openAIToAzure, { operation, stream: body['stream'] === true, requestModel: String(body['model']), hideUsageChunk: hideUsage }, { body: upstream });
      writeTranslated(res, 200, body['stream'] === true ? 'text/event-stream' : 'application/json', r.body);
    });

  const client = (baseUrl: string) => new AzureOpenAI({ endpoint: baseUrl, apiKey: 'azure-key', apiVersion: VERSION, maxRetries: 0 });

  it('chat.completions.create', async () => {
    await serve(fixtureText('azure/chat-completion.json'), false)(async (baseUrl, seen) => {
      const c = await client(baseUrl).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'CMK?' }] });
      assert.equal(c.choices[0]?.message.content, 'Yes, customer managed keys are supported by Azure OpenAI.');
      assert.equal(seen[0]?.url, `/openai/deployments/gpt-4o/chat/completions?api-version=${VERSION}`);
    });
  });

  it('a stream with the prompt-filter chunk first', async () => {
    await serve(sseWire([...stream, '[DONE]']), false)(async (baseUrl) => {
      let text = '';
      let total: number | undefined;
      const s = await client(baseUrl).chat.completions.create({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Bonjour?' }] });
      for await (const chunk of s) {
        text += chunk.choices[0]?.delta.content ?? '';
        total = chunk.usage?.total_tokens ?? total;
      }
      assert.equal(text, 'Bonjour 🇫🇷');
      assert.equal(total, 22);
    });
  });

  it('embeddings with the SDK default encoding pass through', async () => {
    const b64 = Buffer.from(new Float32Array([0.5, -0.25]).buffer).toString('base64');
    const answer = JSON.stringify({ data: [{ embedding: b64, index: 0, object: 'embedding' }], model: 'text-embedding-3-small', object: 'list', usage: { prompt_tokens: 2, total_tokens: 2 } });
    await serve(answer, false)(async (baseUrl) => {
      const e = await client(baseUrl).embeddings.create({ model: 'text-embedding-3-small', input: 'hi' });
      assert.deepEqual(e.data[0]?.embedding, [0.5, -0.25]);
    });
  });

  it('an Azure error reaches the SDK as the typed OpenAI error', async () => {
    await withServer(
      (_x, res) => {
        const err = openAIToAzure.error(404, {}, Buffer.from(fixtureText('azure/error-deployment-not-found.json')));
        res.writeHead(err.status, { 'content-type': err.contentType }).end(err.body);
      },
      async (baseUrl) => {
        await assert.rejects(client(baseUrl).chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }), (err: unknown) => err instanceof OpenAI.NotFoundError && /deployment/.test(err.message));
      },
    );
  });
});
