import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { VirtualKeyAuthenticator, parseExpiry, virtualKeyModels } from './virtual-keys.ts';
import { ModelMatcher } from './model-match.ts';

const T0 = Date.parse('2026-03-01T00:00:00Z');

describe('virtual keys', () => {
  let now = T0;
  const auth = new VirtualKeyAuthenticator(
    {
      keys: [
        { name: 'ci-bot', key: 'sk-ci', team: 'platform', models: ['gpt-4o-mini', 'meta-llama/*'], budget: 'platform-monthly', metadata: { env: 'ci' } },
        { name: 'hashed', keySha256: createHash('sha256').update('sk-hashed').digest('hex') },
        { name: 'old', key: 'sk-old', expiresAt: '2026-02-01T00:00:00Z' },
        { name: 'soon', key: 'sk-soon', expiresAt: T0 + 1000 },
        { name: 'off', key: 'sk-off', disabled: true },
      ],
    },
    { now: () => now },
  );

  it('authenticates by Bearer or x-api-key and builds the principal once', () => {
    const r = auth.authenticate({ headers: { authorization: 'Bearer sk-ci' } });
    assert.ok(r.ok);
    assert.deepEqual(r.principal, {
      kind: 'virtual-key',
      id: 'ci-bot',
      team: 'platform',
      claims: { env: 'ci', team: 'platform', models: ['gpt-4o-mini', 'meta-llama/*'], budget: 'platform-monthly' },
    });
    const again = auth.authenticate({ headers: { 'x-api-key': 'sk-ci' } });
    assert.ok(again.ok);
    assert.equal(again.principal, r.principal);
    assert.equal(auth.principalOf('ci-bot'), r.principal);
  });

  it('accepts keys configured only by their SHA-256', () => {
    const r = auth.authenticate({ headers: { authorization: 'Bearer sk-hashed' } });
    assert.ok(r.ok && r.principal?.id === 'hashed');
  });

  it('tells missing, invalid, expired and disabled apart', () => {
    const reason = (headers: Record<string, string>) => {
      const r = auth.authenticate({ headers });
      return r.ok ? 'ok' : r.reason;
    };
    assert.equal(reason({}), 'missing');
    assert.equal(reason({ authorization: 'Bearer sk-nope' }), 'invalid');
    assert.equal(reason({ authorization: 'Bearer sk-old' }), 'expired');
    assert.equal(reason({ authorization: 'Bearer sk-off' }), 'disabled');
    now = T0;
    assert.equal(reason({ authorization: 'Bearer sk-soon' }), 'ok');
    now = T0 + 1000;
    assert.equal(reason({ authorization: 'Bearer sk-soon' }), 'expired', 'expiry follows the injected clock');
    now = T0;
  });

  it('exposes the compiled model allow list', () => {
    const p = auth.principalOf('ci-bot');
    assert.ok(p);
    const m = virtualKeyModels(p);
    assert.ok(m instanceof ModelMatcher);
    assert.ok(m.test('gpt-4o-mini') && m.test('meta-llama/Llama-3.1-8B') && !m.test('gpt-4o'));
    assert.equal(virtualKeyModels(auth.principalOf('hashed')!), undefined, 'no list = every model');
  });

  it('reports configuration problems without the keys and skips bad entries', () => {
    const a = new VirtualKeyAuthenticator({
      keys: [
        { name: 'a', key: 'k-1' },
        { name: 'a', key: 'k-2' },
        { name: 'b', key: 'k-1' },
        { name: 'c' },
        { name: 'd', keySha256: 'not-hex' },
        { name: 'e', key: 'k-e', expiresAt: '2026-01-01' },
        { name: 'f', key: 'k-f', keySha256: 'ab' },
      ],
    });
    assert.equal(a.problems.length, 6);
    assert.ok(!a.problems.join('\n').includes('k-'), 'no key appears in a problem');
    assert.equal(a.authenticate({ headers: { authorization: 'Bearer k-2' } }).ok, false);
  });

  it('replace() rotates and revokes keys atomically', () => {
    const a = new VirtualKeyAuthenticator({ keys: [{ name: 'x', key: 'k-old' }] });
    a.replace([{ name: 'x', key: 'k-new' }]);
    assert.equal(a.authenticate({ headers: { authorization: 'Bearer k-old' } }).ok, false);
    assert.equal(a.authenticate({ headers: { authorization: 'Bearer k-new' } }).ok, true);
  });

  it('parses expiries strictly', () => {
    assert.equal(parseExpiry(undefined), Infinity);
    assert.equal(parseExpiry('2026-01-31T00:00:00Z'), Date.parse('2026-01-31T00:00:00Z'));
    assert.equal(parseExpiry('2026-01-31T02:00:00+02:00'), Date.parse('2026-01-31T00:00:00Z'));
    assert.ok(Number.isNaN(parseExpiry('2026-01-31')), 'a bare date depends on the host zone');
    assert.ok(Number.isNaN(parseExpiry('tomorrow')));
  });
});

describe('model patterns', () => {
  it('matches exact names, globs and *', () => {
    const m = new ModelMatcher(['gpt-4o', 'claude-*', 'llama-?b']);
    assert.deepEqual(m.filter(['gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet', 'llama-8b', 'llama-70b', 'x.y']), ['gpt-4o', 'claude-3-5-sonnet', 'llama-8b']);
    assert.ok(new ModelMatcher(['*']).test('anything/at:all'));
    assert.ok(!new ModelMatcher([]).test('gpt-4o'));
    assert.ok(new ModelMatcher(['a.b*']).test('a.bc') && !new ModelMatcher(['a.b*']).test('axbc'), 'dots are literal');
  });
});
