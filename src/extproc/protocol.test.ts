// The protocol helpers: header maps, the subset hint, body chunking, the routing and error answers,
// usage reading and the self-signed certificate, checked against the wire encoding where it matters.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { GatewayError } from '../errors.ts';
import { loadProtos } from './proto.ts';
import type { ProcessingResponse } from './proto.ts';
import { BODY_CHUNK_BYTES, errorResponse, headerRecord, routedHeadersResponse, servedEndpoint, streamedBody, subsetHint } from './protocol.ts';
import { selfSignedCertificate } from './self-signed.ts';
import { UsageScanner, usageOfJson } from './usage.ts';

/** Encodes and decodes an answer as the server's gRPC layer does. */
function roundTrip(r: ProcessingResponse): ProcessingResponse {
  const method = loadProtos().extProc['Process']!;
  return method.responseDeserialize(method.responseSerialize(r)) as ProcessingResponse;
}

describe('ext_proc protocol helpers', () => {
  it('reads header maps: raw values first, names lower-cased, the first of a repeated header', () => {
    const h = headerRecord({ headers: [{ key: 'X-Gateway-Inference-Objective', rawValue: Buffer.from('batch') }, { key: 'a', value: 'v' }, { key: 'A', value: 'second' }, { key: ':path', rawValue: Buffer.from('/v1/completions') }] });
    assert.deepEqual(h, { 'x-gateway-inference-objective': 'batch', a: 'v', ':path': '/v1/completions' });
    assert.deepEqual(headerRecord(undefined), {});
  });

  it('reads the subset hint as a list or a comma-joined string; absent, empty and IPv6 forms', () => {
    const md = (value: unknown) => ({ filterMetadata: { 'envoy.lb.subset_hint': { fields: { 'x-gateway-destination-endpoint-subset': value as never } } } });
    assert.deepEqual([...subsetHint(md({ listValue: { values: [{ stringValue: '10.0.0.1:8000' }, { stringValue: '10.0.0.2:8000' }] } }))!], ['10.0.0.1:8000', '10.0.0.2:8000']);
    assert.deepEqual([...subsetHint(md({ stringValue: '10.0.0.1:8000, 10.0.0.3:8000' }))!], ['10.0.0.1:8000', '10.0.0.3:8000']);
    assert.deepEqual([...subsetHint(md({ listValue: {} }))!], []);
    assert.deepEqual([...subsetHint(md({ stringValue: '[fd00::1]:8000' }))!], ['fd00::1:8000']);
    assert.equal(subsetHint(undefined), undefined);
    assert.equal(subsetHint({ filterMetadata: { 'envoy.lb': { fields: {} } } }), undefined);
    assert.equal(servedEndpoint({ filterMetadata: { 'envoy.lb': { fields: { 'x-gateway-destination-endpoint-served': { stringValue: '10.0.0.2:8000' } } } } }), '10.0.0.2:8000');
  });

  it('hands bodies back in chunks of at most 62,000 bytes, end of stream on the last only', () => {
    const body = Buffer.alloc(BODY_CHUNK_BYTES * 2 + 10, 'a');
    const chunks = streamedBody('requestBody', body, true).map((r) => r.requestBody!.response!.bodyMutation!.streamedResponse!);
    assert.deepEqual(
      chunks.map((c) => [c.body!.length, c.endOfStream]),
      [
        [62_000, false],
        [62_000, false],
        [10, true],
      ],
    );
    assert.deepEqual(Buffer.concat(chunks.map((c) => c.body!)), body);
    const empty = streamedBody('responseBody', Buffer.alloc(0), true);
    assert.equal(empty.length, 1);
    assert.equal(empty[0]!.responseBody!.response!.bodyMutation!.streamedResponse!.endOfStream, true);
    // Trailers follow: no end of stream on the body.
    assert.equal(streamedBody('requestBody', Buffer.from('x'), false)[0]!.requestBody!.response!.bodyMutation!.streamedResponse!.endOfStream, false);
  });

  it('routes with the destination header, the same string in envoy.lb metadata, and strips control headers that were sent', () => {
    const r = roundTrip(routedHeadersResponse({ destination: '10.0.0.1:8000,10.0.0.2:8000', headers: { 'x-gateway-inference-objective': 'batch', 'x-gateway-destination-endpoint-served': 'forged', other: 'x' }, contentLength: 42 }));
    const common = r.requestHeaders!.response!;
    assert.equal(common.clearRouteCache, true);
    const set = Object.fromEntries(common.headerMutation!.setHeaders!.map((h) => [h.header.key, Buffer.from(h.header.rawValue!).toString()]));
    assert.deepEqual(set, { 'x-gateway-destination-endpoint': '10.0.0.1:8000,10.0.0.2:8000', 'content-length': '42' });
    assert.ok(common.headerMutation!.setHeaders!.every((h) => h.appendAction === 2), 'OVERWRITE_IF_EXISTS_OR_ADD');
    assert.deepEqual(common.headerMutation!.removeHeaders, ['x-gateway-inference-objective', 'x-gateway-destination-endpoint-served']);
    assert.equal(r.dynamicMetadata!.fields!['envoy.lb']!.structValue!.fields!['x-gateway-destination-endpoint']!.stringValue, '10.0.0.1:8000,10.0.0.2:8000');
  });

  it('answers a refusal with an ImmediateResponse: catalogue status, the error headers, an OpenAI error body', () => {
    const err = new GatewayError('shed', 'saturated', { headers: { 'retry-after': '1', 'x-llm-d-request-dropped-reason': 'rejected-saturated' } });
    const r = roundTrip(errorResponse(err, 'req-1'));
    const i = r.immediateResponse!;
    assert.equal(i.status.code, 429);
    assert.equal(i.details, 'sluice_epp_shed');
    const headers = Object.fromEntries(i.headers!.setHeaders!.map((h) => [h.header.key, Buffer.from(h.header.rawValue!).toString()]));
    assert.deepEqual(headers, { 'content-type': 'application/json', 'retry-after': '1', 'x-llm-d-request-dropped-reason': 'rejected-saturated' });
    assert.deepEqual(JSON.parse(Buffer.from(i.body!).toString()), { error: { message: 'saturated', type: 'rate_limit_error', param: null, code: 'shed', request_id: 'req-1' } });
  });

  it('reads usage from a JSON body and from an event stream split anywhere', () => {
    assert.deepEqual(usageOfJson(Buffer.from('{"usage":{"prompt_tokens":3,"completion_tokens":4}}')), { input: 3, output: 4 });
    assert.equal(usageOfJson(Buffer.from('not json "usage"')), undefined);
    const sse = 'data: {"choices":[{"delta":{"content":"hi"}}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":11,"completion_tokens":22}}\n\ndata: [DONE]\n\n';
    for (const cut of [1, 7, 30, 60, sse.length - 3]) {
      const s = new UsageScanner();
      s.push(Buffer.from(sse.slice(0, cut)));
      s.push(Buffer.from(sse.slice(cut)));
      assert.deepEqual(s.usage, { input: 11, output: 22 }, `cut at ${cut}`);
    }
    const anthropic = new UsageScanner();
    anthropic.push(Buffer.from('event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":9,"output_tokens":1}}}\n\nevent: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":30}}\n\n'));
    assert.deepEqual(anthropic.usage, { input: 9, output: 30 });
  });

  it('makes a self-signed certificate Node parses, with the key it was made with and the names asked for', () => {
    const c = selfSignedCertificate('sluice-epp', ['pool-epp.default.svc', '10.1.2.3']);
    const x = new X509Certificate(c.cert);
    assert.equal(x.subject, 'CN=sluice-epp');
    assert.ok(x.verify(x.publicKey), 'self-signed');
    assert.ok(x.checkPrivateKey(createPrivateKey(c.key)));
    assert.equal(x.checkHost('pool-epp.default.svc'), 'pool-epp.default.svc');
    assert.equal(x.checkHost('localhost'), 'localhost');
    assert.equal(x.checkIP('10.1.2.3'), '10.1.2.3');
    assert.ok(new Date(x.validTo).getTime() > Date.now() + 300 * 86400_000);
  });
});
