// With invalidReferences: 'serve', reference problems follow the Gateway API: status shows the reason
// and requests get the spec's effect (500 for the invalid backend's weighted share, the rest served;
// a rule with an invalid regex is dropped alone).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { TEST_GATEWAY_YAML, backendYaml, startTestGateway } from '../../test/support/gateway.ts';
import type { TestGateway } from '../../test/support/gateway.ts';
import { startEcho } from '../../test/support/echo.ts';

describe('serving with invalid references', () => {
  let t: TestGateway;
  let echo: Awaited<ReturnType<typeof startEcho>>;

  before(async () => {
    echo = await startEcho('ok');
    t = await startTestGateway(
      `${TEST_GATEWAY_YAML}${backendYaml('ok', echo.port)}apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /half}}]
      backendRefs:
        - {group: gateway.envoyproxy.io, kind: Backend, name: ok}
        - {name: no-such-service, port: 80}
    - matches: [{path: {type: RegularExpression, value: "/bad(("}}]
      backendRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: ok}]
    - matches: [{path: {type: PathPrefix, value: /good}}]
      backendRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: ok}]
`,
      { invalidReferences: 'serve' },
    );
  });
  after(async () => {
    await t?.close();
    await echo?.close();
  });

  it('reports the reasons in status', () => {
    const route = t.gw.snapshot!.statuses.find((s) => s.kind === 'HTTPRoute')!;
    assert.equal(route.conditions.find((c) => c.type === 'Accepted')?.status, 'True');
    const refs = route.conditions.find((c) => c.type === 'ResolvedRefs');
    assert.equal(refs?.status, 'False');
    assert.equal(refs?.reason, 'BackendNotFound');
    assert.equal(route.conditions.find((c) => c.type === 'PartiallyInvalid')?.status, 'True');
  });

  it('answers 500 for the invalid backend share and serves the rest', async () => {
    let ok = 0;
    let failed = 0;
    for (let i = 0; i < 100; i++) {
      const res = await request(`${t.base}/half`);
      if (res.statusCode === 200) ok++;
      else if (res.statusCode === 500) failed++;
      await res.body.dump();
    }
    assert.equal(ok + failed, 100);
    // Expected 50/50; the bounds are 5 standard deviations wide.
    assert.ok(ok > 25 && ok < 75, `200s: ${ok}, 500s: ${failed}`);
  });

  it('drops only the rule with the invalid regex', async () => {
    const good = await request(`${t.base}/good`);
    assert.equal(good.statusCode, 200);
    await good.body.dump();
    const bad = await request(`${t.base}/bad`);
    assert.equal(bad.statusCode, 404);
    await bad.body.dump();
  });
});
