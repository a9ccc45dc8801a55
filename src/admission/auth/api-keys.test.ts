import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKeyAuthenticator, apiKeySources } from './api-keys.ts';
import { bearerToken, cookieValue, queryParam } from './credentials.ts';
import { anyOf, failureMessage, unauthorizedError } from './result.ts';
import type { AuthResult } from './result.ts';

function principalId(r: AuthResult): string | undefined {
  return r.ok ? r.principal?.id : undefined;
}

describe('credential extraction', () => {
  it('reads Bearer tokens case-insensitively and nothing else from Authorization', () => {
    assert.equal(bearerToken('Bearer sk-1'), 'sk-1');
    assert.equal(bearerToken('bearer   sk-2 '), 'sk-2');
    assert.equal(bearerToken('Basic dXNlcjpwYXNz'), undefined);
    assert.equal(bearerToken('Bearer '), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });

  it('reads query parameters and cookies', () => {
    assert.equal(queryParam('a=1&key=s%20k&b', 'key'), 's k');
    assert.equal(queryParam('keyx=1&key=2', 'key'), '2');
    assert.equal(queryParam('a=1', 'key'), undefined);
    assert.equal(queryParam('key=%E0%A4%A', 'key'), undefined, 'malformed escapes are not a key');
    assert.equal(cookieValue('a=1; session="abc"; b=2', 'session'), 'abc');
    assert.equal(cookieValue('a=1', 'session'), undefined);
  });
});

describe('API keys (EG apiKeyAuth)', () => {
  const secrets = [{ alice: 'key-alice', bob: 'key-bob\n' }, { alice: 'ignored-second-alice', carol: 'key-carol' }];

  it('reads x-api-key by default, then Authorization: Bearer', () => {
    const auth = new ApiKeyAuthenticator({ credentials: secrets });
    assert.deepEqual(
      apiKeySources({}).map((s) => `${s.from}:${s.name}`),
      ['header:x-api-key', 'header:authorization'],
    );
    assert.equal(principalId(auth.authenticate({ headers: { 'x-api-key': 'key-alice' } })), 'alice');
    assert.equal(principalId(auth.authenticate({ headers: { authorization: 'Bearer key-bob' } })), 'bob', 'Secret values are trimmed (kubectl --from-file adds a newline)');
    assert.equal(principalId(auth.authenticate({ headers: { 'x-api-key': 'key-carol', authorization: 'Bearer key-bob' } })), 'carol', 'the first source that has a key wins');
  });

  it('keeps the first key of a client present in several Secrets and reports the duplicate', () => {
    const auth = new ApiKeyAuthenticator({ credentials: secrets });
    assert.equal(auth.authenticate({ headers: { 'x-api-key': 'ignored-second-alice' } }).ok, false);
    assert.equal(auth.problems.length, 1);
    assert.match(auth.problems[0]!, /client "alice" already has a key/);
    assert.ok(!auth.problems.join(' ').includes('ignored-second-alice'), 'problems never contain a key');
  });

  it('reports two clients sharing one key and keeps it with the first', () => {
    const auth = new ApiKeyAuthenticator({ credentials: [{ a: 'same', b: 'same', c: '' }] });
    assert.equal(principalId(auth.authenticate({ headers: { 'x-api-key': 'same' } })), 'a');
    assert.equal(auth.problems.length, 2);
  });

  it('distinguishes a missing key from an invalid one and never echoes the key', () => {
    const auth = new ApiKeyAuthenticator({ credentials: secrets });
    const missing = auth.authenticate({ headers: {} });
    const invalid = auth.authenticate({ headers: { 'x-api-key': 'sk-secret-guess-123' } });
    assert.ok(!missing.ok && missing.reason === 'missing');
    assert.ok(!invalid.ok && invalid.reason === 'invalid');
    assert.equal(failureMessage(missing), "Missing API key. Send it in the 'x-api-key' header or as 'Authorization: Bearer <key>'.");
    const err = unauthorizedError(invalid);
    assert.equal(err.status, 401);
    assert.equal(err.code, 'unauthorized');
    assert.equal(err.type, 'authentication_error');
    assert.ok(!err.message.includes('sk-secret'));
    assert.match(err.headers['www-authenticate'] ?? '', /invalid_token/);
  });

  it('honours extractFrom headers, params and cookies in order, and bearer: false', () => {
    const auth = new ApiKeyAuthenticator({ credentials: secrets, extractFrom: [{ headers: ['X-Key'] }, { params: ['api_key'] }, { cookies: ['k'] }], bearer: false });
    assert.equal(principalId(auth.authenticate({ headers: { 'x-key': 'key-alice' } })), 'alice');
    assert.equal(principalId(auth.authenticate({ headers: {}, query: 'api_key=key-carol' })), 'carol');
    assert.equal(principalId(auth.authenticate({ headers: { cookie: 'k=key-alice' } })), 'alice');
    const bearerOnly = auth.authenticate({ headers: { authorization: 'Bearer key-alice', 'x-api-key': 'key-alice' } });
    assert.ok(!bearerOnly.ok && bearerOnly.reason === 'missing', 'only the configured sources are read');
  });

  it('an authorization header source yields the Bearer token', () => {
    const auth = new ApiKeyAuthenticator({ credentials: secrets, extractFrom: [{ headers: ['authorization'] }] });
    assert.equal(principalId(auth.authenticate({ headers: { authorization: 'Bearer key-alice' } })), 'alice');
  });

  it('forwards the client id header and lists the headers to sanitize', () => {
    const auth = new ApiKeyAuthenticator({ credentials: secrets, forwardClientIDHeader: 'X-Client-ID', sanitize: true });
    const r = auth.authenticate({ headers: { 'x-api-key': 'key-bob' } });
    assert.ok(r.ok);
    assert.deepEqual(r.setHeaders, [['x-client-id', 'bob']]);
    assert.deepEqual(auth.credentialHeaders, ['x-api-key', 'authorization']);
    assert.equal(auth.sanitize, true);
  });

  it('rotates keys without a restart: replace() swaps the whole table', () => {
    const auth = new ApiKeyAuthenticator({ credentials: [{ alice: 'old-key' }] });
    assert.equal(principalId(auth.authenticate({ headers: { 'x-api-key': 'old-key' } })), 'alice');
    auth.replace([{ alice: 'new-key' }]);
    assert.equal(auth.authenticate({ headers: { 'x-api-key': 'old-key' } }).ok, false);
    assert.equal(principalId(auth.authenticate({ headers: { 'x-api-key': 'new-key' } })), 'alice');
  });

  it('reuses one frozen principal per client (no allocation per request)', () => {
    const auth = new ApiKeyAuthenticator({ credentials: secrets });
    const a = auth.authenticate({ headers: { 'x-api-key': 'key-alice' } });
    const b = auth.authenticate({ headers: { 'x-api-key': 'key-alice' } });
    assert.ok(a.ok && b.ok);
    assert.equal(a.principal, b.principal);
    assert.ok(Object.isFrozen(a.principal));
  });

  it('anyOf returns the first success, else the most telling failure', async () => {
    const one = new ApiKeyAuthenticator({ credentials: [{ a: 'k1' }] });
    const two = new ApiKeyAuthenticator({ credentials: [{ b: 'k2' }], extractFrom: [{ headers: ['x-other'] }], bearer: false });
    const both = anyOf([two, one]);
    assert.equal(principalId(await both.authenticate({ headers: { 'x-api-key': 'k1' } })), 'a');
    const r = await both.authenticate({ headers: { 'x-api-key': 'nope' } });
    assert.ok(!r.ok && r.reason === 'invalid', 'invalid beats missing');
    assert.throws(() => anyOf([]));
  });
});
