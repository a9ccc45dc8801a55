import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { JWK, JWTPayload } from 'jose';
import { JwtAuthenticator, claimAt, isJwtPrincipal } from './jwt.ts';
import { unauthorizedError } from './result.ts';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const sec = (ms: number) => Math.floor(ms / 1000);

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

let privateKey: PrivateKey;
let otherKey: PrivateKey;
let jwk: JWK;
let server: Server;
let jwksUrl = '';
let jwksHits = 0;

async function sign(payload: JWTPayload, opts: { key?: PrivateKey; kid?: string; exp?: number; iat?: number } = {}): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: opts.kid ?? 'k1' })
    .setIssuedAt(opts.iat ?? sec(NOW) - 10)
    .setExpirationTime(opts.exp ?? sec(NOW) + 3600)
    .sign(opts.key ?? privateKey);
}

before(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('ES256')).privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  server = createServer((req, res) => {
    jwksHits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
});

after(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
});

describe('JWT (EG SecurityPolicy jwt)', () => {
  const local = () =>
    new JwtAuthenticator(
      {
        providers: [
          {
            name: 'corp',
            issuer: 'https://idp.example.com',
            audiences: ['sluice'],
            localJWKS: { inline: JSON.stringify({ keys: [jwk] }) },
            claimToHeaders: [
              { header: 'X-Org', claim: 'org.name' },
              { header: 'x-groups', claim: 'groups' },
            ],
            teamClaim: 'org.team',
          },
        ],
      },
      { now: () => NOW },
    );

  it('verifies against a local JWKS and builds the principal, claim headers and team', async () => {
    const token = await sign({ iss: 'https://idp.example.com', aud: 'sluice', sub: 'user-1', org: { name: 'acme', team: 'ml' }, groups: ['a'] });
    const r = await local().authenticate({ headers: { authorization: `Bearer ${token}` } });
    assert.ok(r.ok, JSON.stringify(r));
    assert.ok(isJwtPrincipal(r.principal));
    assert.equal(r.principal.id, 'user-1');
    assert.equal(r.principal.team, 'ml');
    assert.equal(r.principal.provider, 'corp');
    assert.deepEqual(r.setHeaders, [['x-org', 'acme']], 'array claims are not copied to headers');
  });

  it('rejects a wrong issuer, audience or signature as invalid and an old token as expired', async () => {
    const auth = local();
    const reason = async (t: string) => {
      const r = await auth.authenticate({ headers: { authorization: `Bearer ${t}` } });
      return r.ok ? 'ok' : r.reason;
    };
    assert.equal(await reason(await sign({ iss: 'https://evil.example.com', aud: 'sluice', sub: 'x' })), 'invalid');
    assert.equal(await reason(await sign({ iss: 'https://idp.example.com', aud: 'other', sub: 'x' })), 'invalid');
    assert.equal(await reason(await sign({ iss: 'https://idp.example.com', aud: 'sluice', sub: 'x' }, { key: otherKey })), 'invalid');
    assert.equal(await reason('not.a.jwt'), 'invalid');
    assert.equal(await reason(await sign({ iss: 'https://idp.example.com', aud: 'sluice', sub: 'x' }, { exp: sec(NOW) - 3600 })), 'expired');
    assert.equal(await reason(await sign({ iss: 'https://idp.example.com', aud: 'sluice', sub: 'x' }, { exp: sec(NOW) - 30 })), 'ok', 'within the 60 s clock tolerance');
  });

  it('a missing token fails unless the policy is optional; an invalid one always fails', async () => {
    const strict = await local().authenticate({ headers: {} });
    assert.ok(!strict.ok && strict.reason === 'missing');
    assert.match(unauthorizedError(strict).message, /Missing bearer token/);
    const optional = new JwtAuthenticator({ optional: true, providers: [{ name: 'p', localJWKS: { inline: { keys: [jwk] } } }] }, { now: () => NOW });
    const anon = await optional.authenticate({ headers: {} });
    assert.ok(anon.ok && anon.principal === undefined);
    const bad = await optional.authenticate({ headers: { authorization: 'Bearer x.y.z' } });
    assert.equal(bad.ok, false);
  });

  it('reads the access_token query parameter by default and custom extractors when set', async () => {
    const token = await sign({ sub: 'q' });
    const byQuery = await new JwtAuthenticator({ providers: [{ name: 'p', localJWKS: { inline: { keys: [jwk] } } }] }, { now: () => NOW }).authenticate({ headers: {}, query: `access_token=${token}` });
    assert.ok(byQuery.ok && byQuery.principal?.id === 'q');
    const custom = new JwtAuthenticator({ providers: [{ name: 'p', localJWKS: { inline: { keys: [jwk] } }, extractFrom: { headers: [{ name: 'X-Token', valuePrefix: 'JWT ' }] } }] }, { now: () => NOW });
    assert.ok((await custom.authenticate({ headers: { 'x-token': `JWT ${token}` } })).ok);
    const notThere = await custom.authenticate({ headers: { authorization: `Bearer ${token}` } });
    assert.ok(!notThere.ok && notThere.reason === 'missing');
  });

  it('fetches a remote JWKS once and caches keys and verified tokens', async () => {
    jwksHits = 0;
    let now = NOW;
    const auth = new JwtAuthenticator({ providers: [{ name: 'remote', remoteJWKS: { uri: jwksUrl } }], cacheSeconds: 60 }, { now: () => now });
    const t1 = await sign({ sub: 'a' });
    const t2 = await sign({ sub: 'b' });
    assert.ok((await auth.authenticate({ headers: { authorization: `Bearer ${t1}` } })).ok);
    assert.ok((await auth.authenticate({ headers: { authorization: `Bearer ${t2}` } })).ok);
    const first = await auth.authenticate({ headers: { authorization: `Bearer ${t1}` } });
    const second = await auth.authenticate({ headers: { authorization: `Bearer ${t1}` } });
    assert.ok(first.ok && second.ok && first.principal === second.principal, 'a verified token is served from the cache');
    assert.equal(jwksHits, 1);
    now = NOW + 2 * 3600 * 1000;
    const stale = await auth.authenticate({ headers: { authorization: `Bearer ${t1}` } });
    assert.ok(!stale.ok && stale.reason === 'expired', 'the cache never outlives exp');
  });

  it('an unreachable JWKS is "unavailable", not "invalid"', async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const auth = new JwtAuthenticator({ providers: [{ name: 'down', remoteJWKS: { uri: `http://127.0.0.1:${port}/jwks`, timeoutMs: 2000 } }] }, { now: () => NOW });
    const r = await auth.authenticate({ headers: { authorization: `Bearer ${await sign({ sub: 'x' })}` } });
    assert.ok(!r.ok && r.reason === 'unavailable', JSON.stringify(r));
    assert.equal(unauthorizedError(r).status, 401);
  });

  it('any provider may verify (EG: valid if any provider validates)', async () => {
    const auth = new JwtAuthenticator(
      {
        providers: [
          { name: 'first', issuer: 'https://a', localJWKS: { inline: { keys: [jwk] } } },
          { name: 'second', issuer: 'https://b', localJWKS: { inline: { keys: [jwk] } } },
        ],
      },
      { now: () => NOW },
    );
    const r = await auth.authenticate({ headers: { authorization: `Bearer ${await sign({ iss: 'https://b', sub: 's' })}` } });
    assert.ok(r.ok && isJwtPrincipal(r.principal) && r.principal.provider === 'second');
  });

  it('reports provider configuration problems', () => {
    const a = new JwtAuthenticator({ providers: [{ name: 'none' }, { name: 'bad', localJWKS: { inline: '{"nokeys":1}' } }, { name: 'url', remoteJWKS: { uri: 'not a url' } }] });
    assert.equal(a.problems.length, 3);
  });

  it('reads nested and dotted claim names', () => {
    assert.equal(claimAt({ org: { dept: 'x' } }, 'org.dept'), 'x');
    assert.equal(claimAt({ 'org.dept': 'flat' }, 'org.dept'), 'flat');
    assert.equal(claimAt({ org: 'x' }, 'org.dept'), undefined);
  });
});
