// Routing cannot be bypassed: the gateway owns x-ai-eg-model, AI rules serve only the AI endpoints,
// paths are canonical before matching (and forwarded canonical), internal headers never come from a
// client, and a failed upstream is named by its resource, not its address. Each bypass reported in
// the issue, one by one, against a model rule and a /public prefix rule in front of echo backends.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request } from 'undici';
import { TEST_GATEWAY_YAML, backendYaml, startTestGateway } from '../../test/support/gateway.ts';
import type { TestGateway } from '../../test/support/gateway.ts';
import { startEcho } from '../../test/support/echo.ts';
import type { EchoServer } from '../../test/support/echo.ts';

describe('routing cannot be bypassed', () => {
  let t: TestGateway;
  let model: EchoServer;
  let web: EchoServer;

  before(async () => {
    model = await startEcho('model-server');
    web = await startEcho('web');
    t = await startTestGateway(`${TEST_GATEWAY_YAML}${backendYaml('model', model.port)}${backendYaml('web', web.port)}apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: ai}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: m}]}]
      backendRefs: [{name: model}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: public}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /public}}]
      backendRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: web}]
`);
  });
  after(async () => {
    await t?.close();
    await model?.close();
    await web?.close();
  });

  const send = async (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) => {
    const res = await request(`${t.base}${path}`, { method: method as 'GET', headers: { 'content-type': 'application/json', ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.body.text();
    return { status: res.statusCode, text };
  };

  it('a model header cannot route non-AI paths: trailing slash, case, admin and LoRA paths', async () => {
    const before = model.received.length;
    for (const path of ['/v1/chat/completions/', '/V1/chat/completions', '/admin/config', '/v1/unload_lora_adapter', '/v1/load_lora_adapter']) {
      const r = await send('POST', path, { 'x-ai-eg-model': 'm' }, { model: 'm', lora_name: 'sql-lora' });
      assert.equal(r.status, 404, `${path}: ${r.text}`);
    }
    assert.equal(model.received.length, before, 'nothing reached the model server');
  });

  it('the body decides the model on an AI path, whatever the header says (also after slash merging)', async () => {
    const r = await send('POST', '/v1//chat/completions', { 'x-ai-eg-model': 'm' }, { model: 'not-configured', messages: [] });
    assert.equal(r.status, 404);
    assert.match(r.text, /model_not_found/);
    const ok = await send('POST', '/v1//chat/completions', { 'x-ai-eg-model': 'other' }, { model: 'm', messages: [] });
    assert.equal(ok.status, 200);
    assert.equal((JSON.parse(ok.text) as { path: string }).path, '/v1/chat/completions');
  });

  it('dot segments and encoded dots cannot climb out of a prefix; encoded slashes are refused', async () => {
    assert.equal((await send('GET', '/public/../admin/config')).status, 404);
    assert.equal((await send('GET', '/public/%2e%2e/admin')).status, 404);
    assert.equal((await send('GET', '/public/..%2fadmin')).status, 400);
    assert.equal((await send('GET', '/public/%2E%2E%2Fadmin')).status, 400);
    const inside = await send('GET', '/public/a/../b/./c');
    assert.equal(inside.status, 200);
    assert.equal((JSON.parse(inside.text) as { path: string }).path, '/public/b/c');
  });

  it('an encoded slash is kept only for the gateway\'s own GET /v1/models/{id}, never routed or forwarded', async () => {
    const found = await send('GET', '/v1/models/m');
    assert.equal(found.status, 200);
    // A model id with a slash, as the openai SDK's models.retrieve encodes it: answered by the gateway.
    const slashed = await send('GET', '/v1/models/org%2Fm');
    assert.equal(slashed.status, 404, slashed.text);
    assert.match(slashed.text, /org\/m/);
    // Anything else with an encoded slash stays refused, including what climbs out of /v1/models/.
    assert.equal((await send('GET', '/v1/models/..%2F..%2Fpublic%2Fx')).status, 404);
    assert.equal(web.received.some((r) => r.path.includes('%2F')), false);
    assert.equal((await send('POST', '/v1/models/org%2Fm', {}, {})).status, 400);
  });

  it('a raw request target with dot segments is normalised before matching too', async () => {
    const url = new URL(t.base);
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      const socket = connect(Number(url.port), url.hostname, () => socket.write('GET /public/../../admin/config HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'));
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.on('close', () => resolve(text));
    });
    assert.match(answer, /^HTTP\/1\.1 404 /);
  });

  it('internal headers from a client never reach an upstream', async () => {
    const r = await send('POST', '/v1/chat/completions', { 'x-sim-error': '500', 'x-sluice-pick': 'x', 'x-gateway-destination-endpoint': '10.0.0.9:8000', 'x-ai-eg-original-path': '/admin' }, { model: 'm', messages: [] });
    assert.equal(r.status, 200);
    const headers = (JSON.parse(r.text) as { headers: Record<string, unknown> }).headers;
    for (const h of ['x-sim-error', 'x-sluice-pick', 'x-gateway-destination-endpoint', 'x-ai-eg-original-path']) assert.equal(headers[h], undefined, h);
    assert.equal(headers['x-ai-eg-model'], 'm');
  });

  it('an unreachable backend is named by its resource, not its address', async () => {
    await model.close();
    const r = await send('POST', '/v1/chat/completions', {}, { model: 'm', messages: [] });
    assert.equal(r.status, 502);
    assert.match(r.text, /Backend default\/model is unreachable/);
    assert.doesNotMatch(r.text, /127\.0\.0\.1|:\d{4,5}\b/);
  });
});
