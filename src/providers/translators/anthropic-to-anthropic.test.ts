import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { GatewayError } from '../../errors.ts';
import type { BackendSchema } from '../../runtime/translator.ts';
import { bedrockEventStream, bedrockExceptionFrame, fixture, fixtureJson, pieces, sseView, withTranslatingServer } from './anthropic-fixtures.ts';
import type { JsonObject } from './anthropic-shapes.ts';
import { anthropicToAWSAnthropic, anthropicToAnthropic, anthropicToAnthropicFor, anthropicToGCPAnthropic } from './anthropic-to-anthropic.ts';
import { requestInput, runResponse, translatorSuite } from './translator-cases.ts';
import type { ErrorCase, TranslatorCase } from './translator-cases.ts';

const ANTHROPIC: BackendSchema = { name: 'Anthropic', prefix: '/v1' };
const GCP: BackendSchema = { name: 'GCPAnthropic', prefix: '' };
const AWS: BackendSchema = { name: 'AWSAnthropic', prefix: '' };
const SSE = { 'content-type': 'text/event-stream; charset=utf-8' };
const JSON_HEAD = { 'content-type': 'application/json' };
const EVENTSTREAM = { 'content-type': 'application/vnd.amazon.eventstream' };

const body = {
  model: 'claude-sonnet-4-5',
  max_tokens: 1024,
  system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
  messages: [{ role: 'user', content: 'Hello, Claude' }],
};
const countBody = { model: 'claude-sonnet-4-5', system: 'You are a scientist', messages: [{ role: 'user', content: 'Hello, Claude' }] };
const op = (operation: 'messages' | 'count_tokens', b: JsonObject, over: Parameters<typeof requestInput>[1] = {}) => requestInput(b, { operation, ...over });
const { model: _model, ...bodyWithoutModel } = body;
const VERTEX_MODEL = 'claude-sonnet-4-5@20250929';
const BEDROCK_MODEL = 'global.anthropic.claude-sonnet-4-5-20250929-v1:0';
const BEDROCK_PATH = '/model/global.anthropic.claude-sonnet-4-5-20250929-v1%3A0';

const anthropicCases: TranslatorCase[] = [
  {
    name: 'messages: the client bytes go upstream unchanged, with the query (Claude Code ?beta=true)',
    input: op('messages', body, { backend: ANTHROPIC, query: 'beta=true' }),
    expectRequest: { path: '/v1/messages?beta=true', headers: { 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) },
    upstream: { headers: JSON_HEAD, body: fixture('message-text.json') },
    expectClient: fixtureJson('message-text.json'),
    expectUsage: { inputTokens: 3012, outputTokens: 9, cachedInputTokens: 2000, cacheCreationInputTokens: 1000 },
    expectResponseModel: 'claude-sonnet-4-5-20250929',
  },
  {
    name: 'messages with a model override',
    input: op('messages', body, { backend: ANTHROPIC, model: 'claude-opus-4-1', modelChanged: true }),
    expectRequest: { path: '/v1/messages', body: { ...body, model: 'claude-opus-4-1' } },
  },
  {
    name: 'stream: bytes pass through, usage from message_start and the cumulative message_delta',
    input: op('messages', { ...body, stream: true }, { backend: ANTHROPIC }),
    expectRequest: { path: '/v1/messages', body: { ...body, stream: true } },
    upstream: { headers: SSE, body: fixture('stream-thinking.sse') },
    expectClient: sseView(fixture('stream-thinking.sse')),
    expectUsage: { inputTokens: 50, outputTokens: 120, totalTokens: 170, cacheCreationInputTokens: 10, reasoningTokens: 90 },
    expectResponseModel: 'claude-sonnet-4-5-20250929',
  },
  {
    name: 'count_tokens',
    input: op('count_tokens', countBody, { backend: ANTHROPIC }),
    expectRequest: { path: '/v1/messages/count_tokens', body: countBody },
    upstream: { headers: JSON_HEAD, body: fixture('count-tokens.json') },
    expectClient: { input_tokens: 2095 },
    expectUsage: { inputTokens: 2095, outputTokens: 0, totalTokens: 2095 },
  },
];

const gcpCases: TranslatorCase[] = [
  {
    name: 'Vertex rawPredict: model in the path, anthropic_version in the body, no query',
    input: op('messages', body, { backend: GCP, model: VERTEX_MODEL, modelChanged: true, query: 'beta=true' }),
    expectRequest: { path: `publishers/anthropic/models/${VERTEX_MODEL}:rawPredict`, body: { anthropic_version: 'vertex-2023-10-16', ...bodyWithoutModel } },
    upstream: { headers: JSON_HEAD, body: fixture('message-tool-use.json') },
    expectClient: fixtureJson('message-tool-use.json'),
    expectUsage: { inputTokens: 384, outputTokens: 73 },
  },
  {
    name: 'Vertex streamRawPredict keeps stream: true; schema.version wins',
    input: op('messages', { ...body, stream: true, anthropic_version: 'client-sent' }, { backend: { ...GCP, version: 'vertex-2099-01-01' }, model: VERTEX_MODEL }),
    expectRequest: { path: `publishers/anthropic/models/${VERTEX_MODEL}:streamRawPredict`, body: { anthropic_version: 'vertex-2099-01-01', ...bodyWithoutModel, stream: true } },
    upstream: { headers: SSE, body: fixture('stream-tool-use.sse') },
    expectClient: sseView(fixture('stream-tool-use.sse')),
    expectUsage: { inputTokens: 472, outputTokens: 89 },
  },
  {
    name: 'Vertex count-tokens keeps the model in the body',
    input: op('count_tokens', countBody, { backend: GCP, model: VERTEX_MODEL, modelChanged: true }),
    expectRequest: { path: 'publishers/anthropic/models/count-tokens:rawPredict', body: { ...countBody, model: VERTEX_MODEL } },
    upstream: { headers: JSON_HEAD, body: fixture('count-tokens.json') },
    expectClient: { input_tokens: 2095 },
    expectUsage: { inputTokens: 2095 },
  },
];

const bedrockFrames = bedrockEventStream(fixture('stream-bedrock.sse'));
const bedrockHead = fixture('stream-bedrock.sse').split('event: content_block_delta')[0]!;

const awsCases: TranslatorCase[] = [
  {
    name: 'Bedrock invoke: no model, no stream, anthropic_version',
    input: op('messages', body, { backend: AWS, model: BEDROCK_MODEL, modelChanged: true }),
    expectRequest: { path: `${BEDROCK_PATH}/invoke`, headers: { accept: 'application/json' }, body: { anthropic_version: 'bedrock-2023-05-31', ...bodyWithoutModel } },
    upstream: { headers: JSON_HEAD, body: fixture('message-text.json') },
    expectClient: fixtureJson('message-text.json'),
  },
  {
    name: 'Bedrock stream: event-stream frames become the Anthropic SSE the client expects',
    input: op('messages', { ...body, stream: true }, { backend: AWS, model: BEDROCK_MODEL, modelChanged: true }),
    expectRequest: { path: `${BEDROCK_PATH}/invoke-with-response-stream`, body: { anthropic_version: 'bedrock-2023-05-31', ...bodyWithoutModel } },
    upstream: { headers: EVENTSTREAM, body: bedrockFrames },
    expectClient: sseView(fixture('stream-bedrock.sse')),
    expectContentType: 'text/event-stream',
    expectUsage: { inputTokens: 14, outputTokens: 6, totalTokens: 20 },
    expectResponseModel: 'claude-haiku-4-5-20251001',
  },
  {
    name: 'Bedrock stream exception → Anthropic error event',
    input: op('messages', { ...body, stream: true }, { backend: AWS, model: BEDROCK_MODEL }),
    expectRequest: { path: `${BEDROCK_PATH}/invoke-with-response-stream` },
    upstream: { headers: EVENTSTREAM, body: Buffer.concat([bedrockEventStream(bedrockHead), bedrockExceptionFrame('modelStreamErrorException', 'The model stream failed.')]) },
    expectClient: [...sseView(bedrockHead), { event: 'error', data: { type: 'error', error: { type: 'api_error', message: 'modelStreamErrorException: The model stream failed.' } } }],
  },
  {
    name: 'Bedrock count-tokens: the InvokeModel body base64-wrapped; inputTokens → input_tokens',
    input: op('count_tokens', countBody, { backend: AWS, model: BEDROCK_MODEL }),
    expectRequest: {
      path: `${BEDROCK_PATH}/count-tokens`,
      body: { input: { invokeModel: { body: Buffer.from(JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', system: 'You are a scientist', messages: [{ role: 'user', content: 'Hello, Claude' }], max_tokens: 1 })).toString('base64') } } },
    },
    upstream: { headers: JSON_HEAD, body: '{"inputTokens":42}' },
    expectClient: { input_tokens: 42 },
    expectUsage: { inputTokens: 42 },
  },
];

const errors: ErrorCase[] = [
  { name: 'Anthropic 400 passes through', status: 400, body: fixture('error-invalid-request.json'), expectStatus: 400, schema: 'Anthropic', messageIncludes: 'roles must alternate' },
  { name: '529 overloaded → 503 overloaded_error', status: 529, body: fixture('error-overloaded.json'), expectStatus: 503, schema: 'Anthropic', messageIncludes: 'Overloaded' },
  { name: 'Bedrock 400 → invalid_request_error', status: 400, headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/' }, body: fixture('error-bedrock-validation.json'), expectStatus: 400, schema: 'Anthropic', messageIncludes: 'extraneous key' },
  { name: 'Vertex 429 google error → rate_limit_error', status: 429, body: JSON.stringify({ error: { code: 429, message: 'Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model', status: 'RESOURCE_EXHAUSTED' } }), expectStatus: 429, schema: 'Anthropic', messageIncludes: 'Quota exceeded' },
  { name: '500 → 502 api_error', status: 500, body: JSON.stringify({ type: 'error', error: { type: 'api_error', message: 'Internal server error' } }), expectStatus: 502, schema: 'Anthropic', messageIncludes: 'Internal server error' },
];

translatorSuite(anthropicToAnthropic, anthropicCases, errors);
translatorSuite(anthropicToGCPAnthropic, gcpCases);
translatorSuite(anthropicToAWSAnthropic, awsCases, errors.slice(2, 3));

describe('anthropic-to-anthropic details', () => {
  it('an Anthropic-shaped 4xx reaches the client byte for byte (request_id kept)', () => {
    const raw = fixture('error-invalid-request.json');
    const r = anthropicToAnthropic.error(400, JSON_HEAD, Buffer.from(raw));
    assert.equal(r.body, raw);
    const overloaded = JSON.parse(anthropicToAnthropic.error(529, JSON_HEAD, Buffer.from(fixture('error-overloaded.json'))).body) as { error: { type: string } };
    assert.equal(overloaded.error.type, 'overloaded_error');
  });

  it('serves messages and count_tokens only', () => {
    assert.throws(() => anthropicToAnthropic.request(requestInput({ model: 'm' }, { operation: 'chat', backend: ANTHROPIC })), (e: unknown) => e instanceof GatewayError && e.status === 422);
  });

  it('refuses a backend that does not speak Anthropic', () => {
    assert.throws(() => anthropicToAnthropic.request(op('messages', body, { backend: { name: 'OpenAI', prefix: '/v1' } })), (e: unknown) => e instanceof GatewayError && e.code === 'invalid_backend');
  });

  it('reads usage at the end of a whole message too large to parse', () => {
    const msg = fixtureJson('message-text.json');
    const big = JSON.stringify({ ...msg, content: [{ type: 'text', text: 'x'.repeat(9 << 20) }] });
    const c: TranslatorCase = { name: 'big', input: op('messages', body, { backend: ANTHROPIC }), expectRequest: { path: '' }, upstream: { body: big } };
    const r = runResponse(anthropicToAnthropic, c, pieces(Buffer.from(big), 1 << 20));
    assert.equal(r.bytes.length, Buffer.byteLength(big));
    assert.equal(r.usage.inputTokens, 3012);
    assert.equal(r.usage.outputTokens, 9);
  });

  it('one export per Anthropic backend schema', () => {
    assert.equal(anthropicToAnthropicFor('Anthropic'), anthropicToAnthropic);
    assert.equal(anthropicToAnthropicFor('GCPAnthropic'), anthropicToGCPAnthropic);
    assert.equal(anthropicToAnthropicFor('AWSAnthropic'), anthropicToAWSAnthropic);
    assert.equal(anthropicToAnthropicFor('AzureOpenAI'), undefined);
  });
});

describe('@anthropic-ai/sdk reads Bedrock answers decoded by anthropic-to-aws-anthropic', () => {
  it('streams and counts tokens', async () => {
    await withTranslatingServer(
      anthropicToAWSAnthropic,
      (req, b) =>
        req.url?.includes('count_tokens')
          ? { headers: JSON_HEAD, chunks: [Buffer.from('{"inputTokens":42}')], stream: false, model: String(b['model']), operation: 'count_tokens' }
          : { headers: EVENTSTREAM, chunks: pieces(bedrockFrames, 3), stream: true, model: String(b['model']), operation: 'messages' },
      async (baseURL) => {
        const client = new Anthropic({ apiKey: 'test', baseURL, maxRetries: 0 });
        const final = await client.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Say hello in French' }] }).finalMessage();
        const text = final.content[0];
        assert.equal(text?.type === 'text' ? text.text : undefined, 'Bonjour à tous ✨');
        assert.equal(final.stop_reason, 'end_turn');
        assert.equal(final.usage.output_tokens, 6);
        const counted = await client.messages.countTokens({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'x' }] });
        assert.equal(counted.input_tokens, 42);
      },
    );
  });
});
