// AzureCredentials against a local test double of the Microsoft Entra v2.0 token endpoint
// (startTokenServer on 127.0.0.1:0, injected through tokenEndpoints.azure). Time is a fake clock.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';

import { GatewayError } from '../../errors.ts';
import type { UpstreamAuth } from '../../runtime/upstream-auth.ts';

import { AZURE_COGNITIVE_SERVICES_SCOPE, entraTokenEndpoint } from './azure-credentials.ts';
import { createUpstreamAuth } from './index.ts';
import type { UpstreamAuthDeps } from './index.ts';
import type { BackendSecurityPolicySpec } from './policy.ts';
import { assertNoSecret, draft, fakeClock, headerChanges, policy, startTokenServer } from './testing.ts';
import type { TokenServer } from './testing.ts';
import { REFRESH_BEFORE_MS, RETRY_AFTER_FAILURE_MS } from './token-cache.ts';

const SPEC: BackendSecurityPolicySpec = {
  type: 'AzureCredentials',
  azureCredentials: { clientID: 'app-client-id', tenantID: 'tenant-1234', clientSecretRef: { name: 'azure-app' } },
};

let server: TokenServer;
let issued = 0;
before(async () => {
  server = await startTokenServer(() => ({ status: 200, body: {} }));
});
after(() => server?.close());
beforeEach(() => {
  server.requests.length = 0;
  issued = 0;
  server.answer = () => ({ status: 200, body: { token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: `entra-token-${++issued}` } });
});

function setup(over: Partial<UpstreamAuthDeps> = {}): { auth: UpstreamAuth; clock: ReturnType<typeof fakeClock>; setSecret(s: string): void } {
  const clock = fakeClock();
  let secret = 'azure-client-secret-1';
  const result = createUpstreamAuth(policy(SPEC), {
    secrets: (ns, name) => (ns === 'team-a' && name === 'azure-app' ? { 'client-secret': secret } : undefined),
    now: clock.now,
    tokenEndpoints: { azure: (tenant) => `${server.url}/${tenant}/oauth2/v2.0/token` },
    ...over,
  });
  assert.ok('auth' in result, JSON.stringify(result));
  return {
    auth: result.auth,
    clock,
    setSecret: (s) => {
      secret = s;
    },
  };
}

describe('AzureCredentials', () => {
  test('the default token endpoint is the tenant’s Entra v2.0 endpoint', () => {
    assert.equal(entraTokenEndpoint('tenant-1234'), 'https://login.microsoftonline.com/tenant-1234/oauth2/v2.0/token');
  });

  test('exchanges the client credentials for a token and sets exactly authorization: Bearer', async () => {
    const { auth } = setup();
    const req = draft();
    const before = { ...req.headers };
    await auth.apply(req);
    assert.deepEqual(headerChanges(before, req.headers), { authorization: 'Bearer entra-token-1' });
    assert.equal(server.requests.length, 1);
    const r = server.requests[0]!;
    assert.equal(r.path, '/tenant-1234/oauth2/v2.0/token');
    assert.equal(r.contentType, 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(r.form), {
      grant_type: 'client_credentials',
      client_id: 'app-client-id',
      client_secret: 'azure-client-secret-1',
      scope: AZURE_COGNITIVE_SERVICES_SCOPE,
    });
    assertNoSecret(['azure-client-secret-1', 'entra-token-1'], auth);
  });

  test('caches the token until five minutes before it expires, then refreshes', async () => {
    const { auth, clock } = setup();
    await auth.apply(draft());
    clock.advance(3600_000 - REFRESH_BEFORE_MS - 1);
    const cached = draft();
    await auth.apply(cached);
    assert.equal(cached.headers['authorization'], 'Bearer entra-token-1');
    assert.equal(server.requests.length, 1);
    clock.advance(1);
    const refreshed = draft();
    await auth.apply(refreshed);
    assert.equal(refreshed.headers['authorization'], 'Bearer entra-token-2');
    assert.equal(server.requests.length, 2);
  });

  test('concurrent requests share one token request', async () => {
    const { auth } = setup();
    const reqs = [draft(), draft(), draft(), draft()];
    await Promise.all(reqs.map((r) => auth.apply(r)));
    assert.equal(server.requests.length, 1);
    for (const r of reqs) assert.equal(r.headers['authorization'], 'Bearer entra-token-1');
  });

  test('a rotated client secret gets a new token with the new secret, same object', async () => {
    const { auth, setSecret } = setup();
    await auth.apply(draft());
    setSecret('azure-client-secret-2');
    const req = draft();
    await auth.apply(req);
    assert.equal(req.headers['authorization'], 'Bearer entra-token-2');
    assert.equal(server.requests[1]!.form.get('client_secret'), 'azure-client-secret-2');
  });

  test('a refused token request fails with upstream_auth_failed: status and OAuth code, no secret, no description', async () => {
    server.answer = () => ({
      status: 401,
      body: { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided: azure-client-secret-1' },
    });
    const { auth } = setup();
    const err = await Promise.resolve(auth.apply(draft())).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof GatewayError);
    assert.equal(err.code, 'upstream_auth_failed');
    assert.equal(err.retryable, true);
    assert.equal(err.message, 'BackendSecurityPolicy team-a/creds: Microsoft Entra refused the token request (HTTP 401 invalid_client)');
    assertNoSecret(['azure-client-secret-1', 'AADSTS7000215'], err, auth);
  });

  test('after a failure the endpoint is asked again only after a pause; a token that has not expired is still used', async () => {
    const { auth, clock } = setup();
    await auth.apply(draft());
    server.answer = () => ({ status: 503, body: { error: 'temporarily_unavailable' } });
    clock.advance(3600_000 - REFRESH_BEFORE_MS);
    const stillValid = draft();
    await auth.apply(stillValid);
    assert.equal(stillValid.headers['authorization'], 'Bearer entra-token-1', 'the old token is valid for five more minutes');
    assert.equal(server.requests.length, 2);
    await auth.apply(draft());
    assert.equal(server.requests.length, 2, 'no new request within the pause');
    clock.advance(REFRESH_BEFORE_MS);
    await assert.rejects(Promise.resolve(auth.apply(draft())), /Microsoft Entra refused the token request \(HTTP 503 temporarily_unavailable\)/);
    assert.equal(server.requests.length, 3, 'the token expired: asked again, refused');
    await assert.rejects(Promise.resolve(auth.apply(draft())), GatewayError);
    assert.equal(server.requests.length, 3, 'the remembered failure answers within the pause');
    clock.advance(RETRY_AFTER_FAILURE_MS);
    server.answer = () => ({ status: 200, body: { access_token: 'entra-token-recovered', expires_in: '3600' } });
    const recovered = draft();
    await auth.apply(recovered);
    assert.equal(recovered.headers['authorization'], 'Bearer entra-token-recovered');
    assert.equal(server.requests.length, 4);
  });

  test('an unreachable token endpoint names no address', async () => {
    const { auth } = setup({ tokenEndpoints: { azure: () => 'http://127.0.0.1:1/t/oauth2/v2.0/token' } });
    await assert.rejects(Promise.resolve(auth.apply(draft())), (err: unknown) => {
      assert.ok(err instanceof GatewayError && err.code === 'upstream_auth_failed');
      assert.match(err.message, /^BackendSecurityPolicy team-a\/creds: the Microsoft Entra token endpoint could not be reached \(ECONNREFUSED\)$/);
      return true;
    });
  });

  test('an answer without access_token is a failure', async () => {
    server.answer = () => ({ status: 200, body: { token_type: 'Bearer' } });
    const { auth } = setup();
    await assert.rejects(Promise.resolve(auth.apply(draft())), /the Microsoft Entra token answer has no access_token/);
  });

  test('config problems: a missing client-secret key; oidcExchangeToken not supported', () => {
    const missing = createUpstreamAuth(policy(SPEC), { secrets: () => ({ clientSecret: 'x' }) });
    assert.ok('problems' in missing);
    assert.equal(missing.problems[0]!.field, 'spec.azureCredentials.clientSecretRef.name');
    assert.match(missing.problems[0]!.message, /has no key "client-secret" .*; add the key "client-secret" to Secret team-a\/azure-app/);

    const oidc = {
      type: 'AzureCredentials',
      azureCredentials: { clientID: 'c', tenantID: 't', oidcExchangeToken: { oidc: { provider: { issuer: 'https://idp' }, clientSecret: { name: 'o' } } } },
    } as BackendSecurityPolicySpec;
    const unsupported = createUpstreamAuth(policy(oidc), { secrets: () => undefined });
    assert.ok('problems' in unsupported);
    assert.equal(unsupported.problems.length, 1);
    assert.equal(unsupported.problems[0]!.field, 'spec.azureCredentials.oidcExchangeToken');
    assert.match(unsupported.problems[0]!.message, /^is not supported yet: .*the policy is not Accepted/);
  });
});
