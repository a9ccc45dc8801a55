// GCPCredentials against a local test double of Google's OAuth 2.0 token endpoint (startTokenServer
// on 127.0.0.1:0, injected through tokenEndpoints.gcp). The double checks the JWT assertion the way
// Google does for a service account: RS256 signature by the key, issuer, scope. Time is a fake clock.
import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';

import { GatewayError } from '../../errors.ts';
import type { UpstreamAuth } from '../../runtime/upstream-auth.ts';

import { GCP_CLOUD_PLATFORM_SCOPE, parseServiceAccount } from './gcp-credentials.ts';
import { createUpstreamAuth } from './index.ts';
import type { UpstreamAuthDeps } from './index.ts';
import type { BackendSecurityPolicySpec } from './policy.ts';
import { assertNoSecret, draft, fakeClock, headerChanges, policy, startTokenServer } from './testing.ts';
import type { TokenRequest, TokenServer } from './testing.ts';
import { REFRESH_BEFORE_MS } from './token-cache.ts';

const SPEC: BackendSecurityPolicySpec = {
  type: 'GCPCredentials',
  gcpCredentials: { projectName: 'my-project', region: 'us-central1', credentialsFile: { secretRef: { name: 'vertex-sa' } } },
};

interface Account {
  readonly json: string;
  readonly email: string;
  readonly privatePem: string;
  readonly publicKey: KeyObject;
}

function account(email: string): Account {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const json = JSON.stringify({ type: 'service_account', project_id: 'my-project', private_key_id: 'kid-1', private_key: privatePem, client_email: email, token_uri: 'https://oauth2.googleapis.com/token' });
  return { json, email, privatePem, publicKey };
}

const first = account('gateway@my-project.iam.gserviceaccount.com');
const second = account('rotated@my-project.iam.gserviceaccount.com');
const PEM_BODY = (a: Account) => a.privatePem.split('\n')[1]!;

/** What Google checks of a jwt-bearer grant: the signature by a known key, the issuer, the scope. */
function checkAssertion(req: TokenRequest): { iss: string } | string {
  if (req.form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return 'unsupported_grant_type';
  const [h, p, s] = (req.form.get('assertion') ?? '').split('.');
  if (!h || !p || !s) return 'invalid_grant';
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { iss?: string; scope?: string };
  const key = [first, second].find((a) => a.email === claims.iss);
  if (!key || !verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key.publicKey, Buffer.from(s, 'base64url'))) return 'invalid_grant';
  if (claims.scope !== GCP_CLOUD_PLATFORM_SCOPE) return 'invalid_scope';
  return { iss: claims.iss! };
}

let server: TokenServer;
let issued = 0;
before(async () => {
  server = await startTokenServer(() => ({ status: 500, body: {} }));
});
after(() => server?.close());
beforeEach(() => {
  server.requests.length = 0;
  issued = 0;
  server.answer = (req) => {
    const checked = checkAssertion(req);
    if (typeof checked === 'string') return { status: 400, body: { error: checked, error_description: 'assertion rejected' } };
    return { status: 200, body: { access_token: `ya29.token-${++issued}-for-${checked.iss.split('@')[0]}`, expires_in: 3599, token_type: 'Bearer' } };
  };
});

function setup(over: Partial<UpstreamAuthDeps> = {}): { auth: UpstreamAuth; clock: ReturnType<typeof fakeClock>; setKey(json: string): void } {
  const clock = fakeClock();
  let json = first.json;
  const result = createUpstreamAuth(policy(SPEC), {
    secrets: (ns, name) => (ns === 'team-a' && name === 'vertex-sa' ? { 'service_account.json': json } : undefined),
    now: clock.now,
    tokenEndpoints: { gcp: `${server.url}/token` },
    ...over,
  });
  assert.ok('auth' in result, JSON.stringify(result));
  return {
    auth: result.auth,
    clock,
    setKey: (j) => {
      json = j;
    },
  };
}

function vertexDraft(path: string) {
  return draft({ origin: 'https://us-central1-aiplatform.googleapis.com', path, headers: { host: 'us-central1-aiplatform.googleapis.com', 'content-type': 'application/json' } });
}

describe('GCPCredentials', () => {
  test('gets a token for the service account, sets exactly authorization: Bearer and prefixes a publishers/ path', async () => {
    const { auth } = setup();
    const req = vertexDraft('publishers/google/models/gemini-2.0-flash:generateContent');
    const before = { ...req.headers };
    await auth.apply(req);
    assert.deepEqual(headerChanges(before, req.headers), { authorization: 'Bearer ya29.token-1-for-gateway' });
    assert.equal(req.path, '/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent');
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0]!.path, '/token');
    assertNoSecret([PEM_BODY(first), 'ya29.token-1'], auth);
  });

  test('a /publishers/ path is prefixed too; other paths are left alone', async () => {
    const { auth } = setup();
    const slash = vertexDraft('/publishers/anthropic/models/claude:rawPredict');
    await auth.apply(slash);
    assert.equal(slash.path, '/v1/projects/my-project/locations/us-central1/publishers/anthropic/models/claude:rawPredict');
    const full = vertexDraft('/v1/projects/p/locations/l/endpoints/openapi/chat/completions');
    await auth.apply(full);
    assert.equal(full.path, '/v1/projects/p/locations/l/endpoints/openapi/chat/completions');
  });

  test('caches the token and refreshes it five minutes before it expires', async () => {
    const { auth, clock } = setup();
    await auth.apply(vertexDraft('publishers/x'));
    clock.advance(3599_000 - REFRESH_BEFORE_MS - 5_000);
    const cached = vertexDraft('publishers/x');
    await auth.apply(cached);
    assert.equal(cached.headers['authorization'], 'Bearer ya29.token-1-for-gateway');
    assert.equal(server.requests.length, 1);
    clock.advance(10_000);
    const refreshed = vertexDraft('publishers/x');
    await auth.apply(refreshed);
    assert.equal(refreshed.headers['authorization'], 'Bearer ya29.token-2-for-gateway');
    assert.equal(server.requests.length, 2);
  });

  test('a rotated key in the Secret gets a token for the new account, same object', async () => {
    const { auth, setKey } = setup();
    await auth.apply(vertexDraft('publishers/x'));
    setKey(second.json);
    const req = vertexDraft('publishers/x');
    await auth.apply(req);
    assert.equal(req.headers['authorization'], 'Bearer ya29.token-2-for-rotated');
  });

  test('a refused assertion fails with upstream_auth_failed naming the policy, without key or assertion', async () => {
    server.answer = () => ({ status: 400, body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' } });
    const { auth } = setup();
    const err = await Promise.resolve(auth.apply(vertexDraft('publishers/x'))).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof GatewayError);
    assert.equal(err.code, 'upstream_auth_failed');
    assert.equal(err.message, 'BackendSecurityPolicy team-a/creds: Google refused the token request (HTTP 400 invalid_grant)');
    const assertion = server.requests[0]!.form.get('assertion')!;
    assertNoSecret([PEM_BODY(first), assertion, assertion.split('.')[2]!], err, auth);
  });

  test('a key that turns invalid in the Secret fails the request without its content', async () => {
    const { auth, setKey } = setup();
    setKey('{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----broken-key-material"');
    await assert.rejects(Promise.resolve(auth.apply(vertexDraft('publishers/x'))), (err: unknown) => {
      assert.ok(err instanceof GatewayError && err.code === 'upstream_auth_failed');
      assert.equal(err.message, 'BackendSecurityPolicy team-a/creds: key "service_account.json" of Secret team-a/vertex-sa is not valid JSON');
      assertNoSecret(['broken-key-material'], err);
      return true;
    });
  });

  test('without credentialsFile, the key file GOOGLE_APPLICATION_CREDENTIALS names (with a warning)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-gcp-'));
    try {
      const path = join(dir, 'sa.json');
      writeFileSync(path, first.json);
      const spec: BackendSecurityPolicySpec = { type: 'GCPCredentials', gcpCredentials: { projectName: 'my-project', region: 'global' } };
      const result = createUpstreamAuth(policy(spec), { secrets: () => undefined, env: { GOOGLE_APPLICATION_CREDENTIALS: path }, tokenEndpoints: { gcp: `${server.url}/token` } });
      assert.ok('auth' in result, JSON.stringify(result));
      assert.equal(result.warnings[0]!.field, 'spec.gcpCredentials.credentialsFile');
      const req = vertexDraft('publishers/google/models/g:generateContent');
      await result.auth.apply(req);
      assert.equal(req.headers['authorization'], 'Bearer ya29.token-1-for-gateway');
      assert.equal(req.path, '/v1/projects/my-project/locations/global/publishers/google/models/g:generateContent');

      const none = createUpstreamAuth(policy(spec), { secrets: () => undefined, env: {} });
      assert.ok('problems' in none);
      assert.equal(none.problems[0]!.field, 'spec.gcpCredentials.credentialsFile');
      assert.match(none.problems[0]!.message, /environment variable GOOGLE_APPLICATION_CREDENTIALS is not set.*Set credentialsFile.secretRef to a Secret with the key "service_account.json"/);

      const unreadable = createUpstreamAuth(policy(spec), { secrets: () => undefined, env: { GOOGLE_APPLICATION_CREDENTIALS: join(dir, 'missing.json') } });
      assert.ok('problems' in unreadable);
      assert.match(unreadable.problems[0]!.message, /cannot read file .*missing\.json \(ENOENT\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the key's own token_uri is where the token comes from, when no endpoint is forced", async () => {
    const own = JSON.stringify({ ...JSON.parse(first.json), token_uri: `${server.url}/token` });
    const result = createUpstreamAuth(policy(SPEC), { secrets: () => ({ 'service_account.json': own }), now: fakeClock().now });
    assert.ok('auth' in result, JSON.stringify(result));
    const req = vertexDraft('publishers/google/models/g:generateContent');
    await result.auth.apply(req);
    assert.equal(req.headers['authorization'], 'Bearer ya29.token-1-for-gateway');
    assert.equal(server.requests.length, 1);
  });

  test('config problems name field and fix, never key content', () => {
    const noKey = createUpstreamAuth(policy(SPEC), { secrets: () => ({ 'key.json': first.json }) });
    assert.ok('problems' in noKey);
    assert.equal(noKey.problems[0]!.field, 'spec.gcpCredentials.credentialsFile.secretRef.name');
    assert.match(noKey.problems[0]!.message, /has no key "service_account.json" \(it has "key.json"\); add the key "service_account.json"/);
    assertNoSecret([PEM_BODY(first)], noKey);

    const notJson = createUpstreamAuth(policy(SPEC), { secrets: () => ({ 'service_account.json': 'private-bits-not-json' }) });
    assert.ok('problems' in notJson);
    assert.match(notJson.problems[0]!.message, /is not valid JSON; put a service-account key/);
    assertNoSecret(['private-bits-not-json'], notJson);

    const user = createUpstreamAuth(policy(SPEC), { secrets: () => ({ 'service_account.json': JSON.stringify({ type: 'authorized_user', refresh_token: 'user-refresh' }) }) });
    assert.ok('problems' in user);
    assert.match(user.problems[0]!.message, /type "authorized_user"; only service-account keys/);

    const noRegion = createUpstreamAuth(policy({ ...SPEC, gcpCredentials: { ...SPEC.gcpCredentials!, region: '' } }), { secrets: () => ({ 'service_account.json': first.json }) });
    assert.ok('problems' in noRegion);
    assert.equal(noRegion.problems[0]!.field, 'spec.gcpCredentials.region');
    assert.match(noRegion.problems[0]!.message, /is required: the Vertex AI location/);
  });

  test('workloadIdentityFederationConfig is not supported yet: a problem, not Accepted', () => {
    const spec = {
      type: 'GCPCredentials',
      gcpCredentials: {
        projectName: 'p',
        region: 'us-central1',
        workloadIdentityFederationConfig: {
          projectID: 'p',
          workloadIdentityProviderName: 'prov',
          workloadIdentityPoolName: 'pool',
          oidcExchangeToken: { oidc: { provider: { issuer: 'https://idp' }, clientSecret: { name: 'o' } } },
        },
      },
    } as BackendSecurityPolicySpec;
    const result = createUpstreamAuth(policy(spec), { secrets: () => undefined });
    assert.ok('problems' in result);
    assert.equal(result.problems.length, 1);
    assert.equal(result.problems[0]!.field, 'spec.gcpCredentials.workloadIdentityFederationConfig');
    assert.match(result.problems[0]!.message, /^is not supported yet: .*the policy is not Accepted/);
  });

  test('parseServiceAccount', () => {
    assert.deepEqual(parseServiceAccount(first.json), { email: first.email, key: first.privatePem, tokenUri: 'https://oauth2.googleapis.com/token' });
    const noUri = JSON.stringify({ client_email: first.email, private_key: first.privatePem, token_uri: 'file:///etc/passwd' });
    assert.deepEqual(parseServiceAccount(noUri), { email: first.email, key: first.privatePem, tokenUri: undefined });
    assert.deepEqual(parseServiceAccount('[]'), { reason: 'is not a JSON object' });
    assert.deepEqual(parseServiceAccount('{"client_email":"a@b"}'), { reason: 'lacks a PEM private_key' });
    assert.deepEqual(parseServiceAccount('{"private_key":"-----BEGIN PRIVATE KEY-----"}'), { reason: 'lacks client_email' });
  });
});
