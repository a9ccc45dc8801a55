// HTTPRoute through the running gateway, against echo backends: matching, precedence, weights,
// header modifiers, redirects, rewrites and the 500 for filters not implemented yet.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { TEST_GATEWAY_YAML, backendYaml, startTestGateway } from '../../test/support/gateway.ts';
import type { TestGateway } from '../../test/support/gateway.ts';
import { startEcho } from '../../test/support/echo.ts';
import type { EchoAnswer } from '../../test/support/echo.ts';

function manifests(a: number, b: number): string {
  const ref = (name: string, extra = '') => `{group: gateway.envoyproxy.io, kind: Backend, name: ${name}${extra}}`;
  return `${TEST_GATEWAY_YAML}${backendYaml('a', a)}${backendYaml('b', b)}apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  hostnames: [example.com]
  rules:
    - matches: [{path: {type: PathPrefix, value: /}}]
      backendRefs: [${ref('a')}]
    - matches: [{path: {type: Exact, value: /b}}, {headers: [{name: version, value: two}]}]
      backendRefs: [${ref('b')}]
    - matches: [{path: {type: PathPrefix, value: /headers}}]
      filters:
        - type: RequestHeaderModifier
          requestHeaderModifier:
            set: [{name: X-Header-Set, value: set-overwrites-values}]
            add: [{name: X-Header-Add, value: add-appends-values}]
            remove: [X-Header-Remove]
        - type: ResponseHeaderModifier
          responseHeaderModifier:
            add: [{name: X-Response-Add, value: added}]
            remove: [x-upstream-header]
      backendRefs: [${ref('a')}]
    - matches: [{path: {type: PathPrefix, value: /redirect}}]
      filters: [{type: RequestRedirect, requestRedirect: {hostname: other.example.com, statusCode: 301, path: {type: ReplacePrefixMatch, replacePrefixMatch: /moved}}}]
    - matches: [{path: {type: PathPrefix, value: /prefix/one}}]
      filters: [{type: URLRewrite, urlRewrite: {hostname: rewritten.example.com, path: {type: ReplacePrefixMatch, replacePrefixMatch: /one}}}]
      backendRefs: [${ref('b')}]
    - matches: [{path: {type: PathPrefix, value: /split}}]
      backendRefs: [${ref('a', ', weight: 1')}, ${ref('b', ', weight: 3')}]
    - matches: [{path: {type: PathPrefix, value: /mirror}}]
      filters:
        - {type: RequestMirror, requestMirror: {backendRef: ${ref('b')}}}
        - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-mirrored-with, value: modified}]}}
      backendRefs: [${ref('a')}]
    - matches: [{path: {type: PathPrefix, value: /extension}}]
      filters: [{type: ExtensionRef, extensionRef: {group: example.com, kind: Thing, name: t}}]
      backendRefs: [${ref('a')}]
    - matches: [{path: {type: PathPrefix, value: /cors}}]
      filters:
        - type: CORS
          cors:
            allowOrigins: ["https://*.example.com"]
            allowMethods: [GET, POST]
            allowHeaders: [x-client]
            exposeHeaders: [x-echo-pod]
            allowCredentials: true
            maxAge: 60
      backendRefs: [${ref('a')}]
`;
}

describe('HTTPRoute data plane', () => {
  let t: TestGateway;
  let base: string;
  let echoes: Awaited<ReturnType<typeof startEcho>>[];

  before(async () => {
    echoes = [await startEcho('pod-a'), await startEcho('pod-b')];
    t = await startTestGateway(manifests(echoes[0]!.port, echoes[1]!.port));
    base = t.base;
  });
  after(async () => {
    await t?.close();
    for (const e of echoes) await e?.close();
  });

  async function get(path: string, headers: Record<string, string> = {}) {
    const res = await request(`${base}${path}`, { headers: { host: 'example.com', ...headers } });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, echo: res.headers['content-type'] === 'application/json' && res.statusCode === 200 ? (JSON.parse(text) as EchoAnswer) : undefined, text };
  }

  it('matches by path and headers with precedence, forwarding path, query and Host unchanged', async () => {
    assert.equal((await get('/b')).echo?.pod, 'pod-b');
    assert.equal((await get('/b/')).echo?.pod, 'pod-a', 'Exact /b does not match /b/');
    assert.equal((await get('/anything', { version: 'two' })).echo?.pod, 'pod-b');
    const r = await get('/some/path?animal=whale');
    assert.equal(r.echo?.path, '/some/path?animal=whale');
    assert.equal(r.echo?.host, 'example.com');
  });

  it('answers 404 for a host the route does not serve', async () => {
    const res = await request(`${base}/`, { headers: { host: 'unknown.example.net' } });
    assert.equal(res.statusCode, 404);
    await res.body.dump();
  });

  it('applies request and response header modifiers', async () => {
    const r = await get('/headers', { 'x-header-set': 'some-other-value', 'X-Header-Add': 'some-other-value', 'x-header-remove': 'x' });
    assert.equal(r.echo?.headers['x-header-set'], 'set-overwrites-values');
    assert.equal(r.echo?.headers['x-header-add'], 'some-other-value,add-appends-values');
    assert.equal(r.echo?.headers['x-header-remove'], undefined);
    assert.equal(r.headers['x-response-add'], 'added');
    assert.equal(r.headers['x-upstream-header'], undefined);
  });

  it('redirects with the configured status and Location', async () => {
    const r = await get('/redirect/page?q=1');
    assert.equal(r.status, 301);
    // No scheme or port in the filter: the listener's port is kept (here the test's ephemeral port).
    assert.equal(r.headers['location'], `http://other.example.com:${t.gw.listenerPort(0)}/moved/page?q=1`);
  });

  it('rewrites host and path prefix', async () => {
    const r = await get('/prefix/one/two');
    assert.equal(r.echo?.pod, 'pod-b');
    assert.equal(r.echo?.path, '/one/two');
    assert.equal(r.echo?.host, 'rewritten.example.com');
  });

  it('splits traffic by weight', async () => {
    let b = 0;
    const n = 200;
    for (let i = 0; i < n; i++) if ((await get('/split')).echo?.pod === 'pod-b') b++;
    // Expected 150 of 200; the bound is over 6 standard deviations wide (sd ≈ 6.1).
    assert.ok(b > 110 && b < 190, `pod-b got ${b} of ${n}`);
  });

  it('mirrors the request, with the rule header modifications, and serves from the main backend', async () => {
    const before = echoes[1]!.received.length;
    const r = await get('/mirror/x?y=1');
    assert.equal(r.echo?.pod, 'pod-a');
    const deadline = Date.now() + 2000;
    while (echoes[1]!.received.length === before && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    const copy = echoes[1]!.received.at(-1);
    assert.equal(copy?.path, '/mirror/x?y=1');
    assert.equal(copy?.headers['x-mirrored-with'], 'modified');
  });

  it('answers CORS preflights itself and adds CORS headers for an allowed origin', async () => {
    const pre = await request(`${base}/cors`, { method: 'OPTIONS', headers: { host: 'example.com', origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-client' } });
    assert.equal(pre.statusCode, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(pre.headers['access-control-allow-methods'], 'GET, POST');
    assert.equal(pre.headers['access-control-allow-headers'], 'x-client');
    assert.equal(pre.headers['access-control-allow-credentials'], 'true');
    assert.equal(pre.headers['access-control-max-age'], '60');
    await pre.body.dump();
    const denied = await request(`${base}/cors`, { method: 'OPTIONS', headers: { host: 'example.com', origin: 'https://evil.test', 'access-control-request-method': 'POST' } });
    assert.equal(denied.headers['access-control-allow-origin'], undefined);
    await denied.body.dump();
    const actual = await get('/cors', { origin: 'https://app.example.com' });
    assert.equal(actual.status, 200);
    assert.equal(actual.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(actual.headers['access-control-expose-headers'], 'x-echo-pod');
  });

  it('answers 500 for a rule whose filter is not implemented, never serving without it', async () => {
    const r = await get('/extension');
    assert.equal(r.status, 500);
    assert.match(r.text, /ExtensionRef is not supported/);
  });
});
