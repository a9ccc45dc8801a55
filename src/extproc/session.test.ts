// The ext_proc session state machine without gRPC: message sequences in, answers out, over a pool of
// fake endpoints whose metrics the tests set (fresh for an hour: the picker config's saturation
// detector is given a 1 h staleness threshold, so no test depends on timing).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '../errors.ts';
import { PoolScheduler, toPickerConfig } from '../picker/index.ts';
import { fakeEndpoint } from '../picker/testing.ts';
import type { EndpointState, ModelServerMetrics } from '../runtime/endpoint.ts';
import type { PoolPicker } from '../runtime/picker.ts';
import type { PoolRuntime } from '../runtime/snapshot.ts';
import { BodySendMode } from './proto.ts';
import type { ProcessingRequest, ProcessingResponse } from './proto.ts';
import { ExtProcSession } from './session.ts';
import type { FlowGate, SessionOptions } from './session.ts';

const CONFIG = {
  apiVersion: 'inference.networking.x-k8s.io/v1alpha1',
  kind: 'EndpointPickerConfig',
  plugins: [{ type: 'queue-scorer' }, { type: 'kv-cache-utilization-scorer' }, { type: 'prefix-cache-scorer' }],
  schedulingProfiles: [{ name: 'default', plugins: [{ pluginRef: 'queue-scorer', weight: 2 }, { pluginRef: 'kv-cache-utilization-scorer', weight: 2 }, { pluginRef: 'prefix-cache-scorer', weight: 3 }] }],
  saturationDetector: { metricsStalenessThreshold: '1h' },
};

function endpoint(key: string, metrics: Partial<ModelServerMetrics> = {}): EndpointState {
  return fakeEndpoint(key, { updatedAt: performance.now(), ...metrics });
}

function pool(endpoints: EndpointState[], extra: { failureMode?: 'FailOpen' | 'FailClose'; picker?: PoolPicker; objectives?: [string, number][] } = {}): PoolRuntime {
  const failureMode = extra.failureMode ?? 'FailClose';
  const picker = extra.picker ?? new PoolScheduler({ namespace: 'default', name: 'p', failureMode }, toPickerConfig(CONFIG), { endpoints });
  return { namespace: 'default', name: 'p', endpoints, failureMode, objectives: new Map(extra.objectives ?? [['batch', -1]]), pickerConfigSource: 'test', picker, flowControl: undefined };
}

function session(p: PoolRuntime | undefined, options: Partial<SessionOptions> = {}) {
  const answers: ProcessingResponse[] = [];
  const s = new ExtProcSession({ pool: () => p, poolKey: 'default/p', random: () => 0, ...options }, (r) => answers.push(r));
  return { s, answers };
}

const headers = (h: Record<string, string>, endOfStream = false): ProcessingRequest => ({
  request: 'requestHeaders',
  requestHeaders: { headers: { headers: Object.entries({ ':method': 'POST', ':path': '/v1/chat/completions', ...h }).map(([key, v]) => ({ key, rawValue: Buffer.from(v) })) }, endOfStream },
});
const body = (text: string, endOfStream: boolean): ProcessingRequest => ({ request: 'requestBody', requestBody: { body: Buffer.from(text), endOfStream } });
const respHeaders = (contentType: string): ProcessingRequest => ({ request: 'responseHeaders', responseHeaders: { headers: { headers: [{ key: ':status', rawValue: Buffer.from('200') }, { key: 'content-type', rawValue: Buffer.from(contentType) }] } } });
const respBody = (text: string, endOfStream: boolean): ProcessingRequest => ({ request: 'responseBody', responseBody: { body: Buffer.from(text), endOfStream } });

function destinationOf(r: ProcessingResponse | undefined): string | undefined {
  const common = r?.requestHeaders?.response ?? r?.requestBody?.response;
  const h = common?.headerMutation?.setHeaders?.find((x) => x.header.key === 'x-gateway-destination-endpoint');
  return h?.header.rawValue?.toString();
}

function streamed(answers: ProcessingResponse[], phase: 'requestBody' | 'responseBody'): string {
  return answers
    .map((a) => a[phase]?.response?.bodyMutation?.streamedResponse?.body?.toString() ?? '')
    .join('');
}

const CHAT = JSON.stringify({ model: 'llama', messages: [{ role: 'user', content: 'Say this is a test' }] });

describe('ExtProcSession', () => {
  it('FULL_DUPLEX_STREAMED: waits for the whole body, routes to the best-scored endpoint, hands the body back, then passes the response through', () => {
    const eps = [endpoint('10.0.0.1:8000', { waiting: 4 }), endpoint('10.0.0.2:8000', { waiting: 0 }), endpoint('10.0.0.3:8000', { waiting: 2 })];
    const { s, answers } = session(pool(eps));
    s.handle(headers({ 'content-type': 'application/json' }));
    s.handle(body(CHAT.slice(0, 10), false));
    s.handle(body(CHAT.slice(10, 30), false));
    assert.equal(answers.length, 0, 'nothing is answered before the body is complete');
    s.handle(body(CHAT.slice(30), true));
    assert.equal(destinationOf(answers[0]), '10.0.0.2:8000');
    assert.equal(answers[0]!.requestHeaders!.response!.clearRouteCache, true);
    assert.equal(answers[0]!.dynamicMetadata!.fields!['envoy.lb']!.structValue!.fields!['x-gateway-destination-endpoint']!.stringValue, '10.0.0.2:8000');
    assert.equal(streamed(answers, 'requestBody'), CHAT, 'the body is handed back unchanged');
    assert.equal(answers.at(-1)!.requestBody!.response!.bodyMutation!.streamedResponse!.endOfStream, true);
    assert.equal(eps[1]!.inflight, 1);
    answers.length = 0;
    s.handle(respHeaders('application/json'));
    assert.deepEqual(answers[0], { responseHeaders: { response: {} } });
    assert.equal(answers.length, 1);
    s.handle(respBody('{"id":"1",', false));
    assert.equal(answers.length, 1, 'a JSON response is buffered to its end');
    s.handle(respBody('"usage":{"prompt_tokens":1}}', true));
    assert.equal(streamed(answers, 'responseBody'), '{"id":"1","usage":{"prompt_tokens":1}}');
    assert.equal(eps[1]!.inflight, 0, 'released at the end of the response');
  });

  it('streams event-stream responses chunk by chunk', () => {
    const eps = [endpoint('10.0.0.1:8000')];
    const { s, answers } = session(pool(eps));
    s.handle(headers({}));
    s.handle(body(CHAT, true));
    answers.length = 0;
    s.handle(respHeaders('text/event-stream'));
    s.handle(respBody('data: {"a":1}\n\n', false));
    s.handle(respBody('data: [DONE]\n\n', true));
    assert.equal(answers.length, 3);
    assert.deepEqual(
      answers.slice(1).map((a) => [a.responseBody!.response!.bodyMutation!.streamedResponse!.body!.toString(), a.responseBody!.response!.bodyMutation!.streamedResponse!.endOfStream]),
      [
        ['data: {"a":1}\n\n', false],
        ['data: [DONE]\n\n', true],
      ],
    );
  });

  it('a request without a body is answered at once with a random ready endpoint of the subset', () => {
    const eps = [endpoint('10.0.0.1:8000'), endpoint('10.0.0.2:8000'), endpoint('10.0.0.3:8000')];
    const { s, answers } = session(pool(eps), { random: () => 0.99 });
    s.handle({ ...headers({ ':method': 'GET', ':path': '/v1/models' }, true), metadataContext: { filterMetadata: { 'envoy.lb.subset_hint': { fields: { 'x-gateway-destination-endpoint-subset': { stringValue: '10.0.0.1:8000,10.0.0.2:8000' } } } } } });
    assert.equal(answers.length, 1);
    assert.equal(destinationOf(answers[0]), '10.0.0.2:8000');
  });

  it('BUFFERED mode (announced in protocol_config): CONTINUE on headers, routing on the body answer, CONTINUE on response bodies', () => {
    const eps = [endpoint('10.0.0.1:8000', { kvCacheUsage: 0.9 }), endpoint('10.0.0.2:8000', { kvCacheUsage: 0.1 })];
    const { s, answers } = session(pool(eps));
    s.handle({ ...headers({}), protocolConfig: { requestBodyMode: BodySendMode.BUFFERED, responseBodyMode: BodySendMode.BUFFERED } });
    assert.deepEqual(answers[0], { requestHeaders: { response: {} } });
    assert.equal(answers.length, 1);
    s.handle(body(CHAT, true));
    assert.equal(destinationOf(answers[1]), '10.0.0.2:8000');
    assert.equal(answers[1]!.requestBody!.response!.bodyMutation, undefined, 'the body is not replaced');
    assert.ok(answers[1]!.dynamicMetadata);
    s.handle(respHeaders('application/json'));
    s.handle(respBody('{}', true));
    assert.deepEqual(answers.slice(2), [{ responseHeaders: { response: {} } }, { responseBody: { response: {} } }]);
  });

  it('a model rewrite header rewrites the body model and sets the new content-length', () => {
    const { s, answers } = session(pool([endpoint('10.0.0.1:8000')]));
    s.handle(headers({ 'x-gateway-model-name-rewrite': 'llama-v2' }));
    s.handle(body(CHAT, true));
    const forwarded = streamed(answers, 'requestBody');
    assert.equal((JSON.parse(forwarded) as { model: string }).model, 'llama-v2');
    const set = answers[0]!.requestHeaders!.response!.headerMutation!;
    assert.equal(set.setHeaders!.find((h) => h.header.key === 'content-length')!.header.rawValue!.toString(), String(Buffer.byteLength(forwarded)));
    assert.deepEqual(set.removeHeaders, ['x-gateway-model-name-rewrite']);
  });

  it('400 for a body that is not JSON, not an object, nested too deep, or has no model; 413 over the size limit', () => {
    const cases: [string, number, string][] = [
      ['{"model":', 400, 'invalid_json'],
      ['[1,2]', 400, 'invalid_request'],
      ['{"messages":[]}', 400, 'model_required'],
      [`{"model":"llama","messages":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, 400, 'invalid_request'],
    ];
    for (const [text, status, code] of cases) {
      const { s, answers } = session(pool([endpoint('10.0.0.1:8000')]));
      s.handle(headers({ 'x-request-id': 'r1' }));
      s.handle(body(text, true));
      assert.equal(answers.length, 1);
      assert.equal(answers[0]!.immediateResponse!.status.code, status);
      const err = JSON.parse(answers[0]!.immediateResponse!.body!.toString()) as { error: { code: string; request_id: string } };
      assert.equal(err.error.code, code);
      assert.equal(err.error.request_id, 'r1');
    }
    const { s, answers } = session(pool([endpoint('10.0.0.1:8000')]), { maxBodyBytes: 16 });
    s.handle(headers({}));
    s.handle(body(CHAT, false));
    assert.equal(answers[0]!.immediateResponse!.status.code, 413);
    s.handle(body('more', true));
    assert.equal(answers.length, 1, 'nothing more after an immediate response');
  });

  it('a body ended by trailers is routed before the trailers are answered', () => {
    const { s, answers } = session(pool([endpoint('10.0.0.1:8000')]));
    s.handle(headers({}));
    s.handle(body(CHAT, false));
    s.handle({ request: 'requestTrailers', requestTrailers: {} });
    assert.equal(destinationOf(answers[0]), '10.0.0.1:8000');
    assert.equal(answers[1]!.requestBody!.response!.bodyMutation!.streamedResponse!.endOfStream, false);
    assert.deepEqual(answers.at(-1), { requestTrailers: {} });
  });

  it('flow control: routing waits for the queue; a rejection is an ImmediateResponse; closing the stream withdraws the request', async () => {
    const eps = [endpoint('10.0.0.1:8000')];
    let release!: () => void;
    let cancelled = false;
    const gate: FlowGate = {
      for: () => ({
        wait: (h, onCancel) => {
          assert.equal(h['x-gateway-inference-objective'], 'batch');
          onCancel(() => (cancelled = true));
          return new Promise<void>((resolve) => (release = resolve));
        },
        size: 0,
      }),
    };
    const a = session(pool(eps), { flows: gate });
    a.s.handle(headers({ 'x-gateway-inference-objective': 'batch' }));
    const pending = a.s.handle(body(CHAT, true));
    assert.ok(pending instanceof Promise);
    assert.equal(a.answers.length, 0);
    release();
    await pending;
    assert.equal(destinationOf(a.answers[0]), '10.0.0.1:8000');

    const rejecting: FlowGate = { for: () => ({ wait: () => Promise.reject(new GatewayError('shed', 'queue full', { headers: { 'x-llm-d-request-dropped-reason': 'rejected-saturated' } })), size: 0 }) };
    const b = session(pool(eps), { flows: rejecting });
    b.s.handle(headers({}));
    await b.s.handle(body(CHAT, true));
    assert.equal(b.answers[0]!.immediateResponse!.status.code, 429);

    const c = session(pool(eps), { flows: gate });
    c.s.handle(headers({ 'x-gateway-inference-objective': 'batch' }));
    const waiting = c.s.handle(body(CHAT, true));
    c.s.close();
    assert.equal(cancelled, true);
    release();
    await waiting;
    assert.equal(c.answers.length, 0, 'no answer on a closed stream');
  });

  it('counts the request on the endpoint that served (a fallback) and releases it when the stream closes early', () => {
    const eps = [endpoint('10.0.0.1:8000'), endpoint('10.0.0.2:8000', { waiting: 3 })];
    const { s } = session(pool(eps));
    s.handle(headers({}));
    s.handle(body(CHAT, true));
    assert.deepEqual(
      eps.map((e) => e.inflight),
      [1, 0],
    );
    s.handle({ ...respHeaders('application/json'), metadataContext: { filterMetadata: { 'envoy.lb': { fields: { 'x-gateway-destination-endpoint-served': { stringValue: '10.0.0.2:8000' } } } } } });
    assert.deepEqual(
      eps.map((e) => e.inflight),
      [0, 1],
    );
    s.close();
    assert.deepEqual(
      eps.map((e) => e.inflight),
      [0, 0],
    );
  });

  it('503 while the pool is unknown', () => {
    const { s, answers } = session(undefined);
    s.handle(headers({}));
    s.handle(body(CHAT, true));
    assert.equal(answers[0]!.immediateResponse!.status.code, 503);
    assert.match(answers[0]!.immediateResponse!.body!.toString(), /default\/p is not known/);
  });

  it('a failure around the picker follows the pool failure mode: FailOpen routes to a random endpoint, FailClose answers 500', () => {
    const broken: PoolPicker = {
      pick: () => {
        throw new TypeError('unexpected');
      },
      saturation: { queueDepthThreshold: 5, kvCacheUtilThreshold: 0.8, metricsStalenessMs: 3_600_000 },
      warnings: [],
      prefixIndexSize: () => 0,
    };
    const eps = [endpoint('10.0.0.1:8000'), endpoint('10.0.0.2:8000')];
    const open = session(pool(eps, { failureMode: 'FailOpen', picker: broken }), { random: () => 0.6 });
    open.s.handle(headers({}));
    open.s.handle(body(CHAT, true));
    assert.equal(destinationOf(open.answers[0]), '10.0.0.2:8000');
    const closed = session(pool(eps, { failureMode: 'FailClose', picker: broken }));
    closed.s.handle(headers({}));
    closed.s.handle(body(CHAT, true));
    assert.equal(closed.answers[0]!.immediateResponse!.status.code, 500);
  });
});
