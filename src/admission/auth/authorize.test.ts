import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal } from '../../runtime/context.ts';
import { Authorizer, forbiddenError, modelsVisibleTo } from './authorize.ts';
import type { AuthorizationRequest } from './authorize.ts';
import { CidrSet, parseCidr } from './cidr.ts';
import type { JwtPrincipal } from './jwt.ts';
import { VirtualKeyAuthenticator } from './virtual-keys.ts';

const jwtUser: JwtPrincipal = { kind: 'jwt', id: 'u1', provider: 'corp', claims: { sub: 'u1', roles: ['admin', 'dev'], org: { tier: 'gold' }, scope: 'read write', level: 3 } };

function req(over: Partial<AuthorizationRequest> = {}): AuthorizationRequest {
  return { principal: undefined, clientAddress: '10.1.2.3', method: 'POST', headers: {}, ...over };
}

describe('authorization (EG SecurityPolicy authorization)', () => {
  it('denies by default once configured, allows when not configured', () => {
    assert.equal(new Authorizer({}).authorize(req()).allowed, true);
    const d = new Authorizer({ rules: [] }).authorize(req());
    assert.ok(!d.allowed && d.reason === 'default');
    assert.equal(new Authorizer({ defaultAction: 'Allow', rules: [] }).authorize(req()).allowed, true);
    assert.equal(new Authorizer({ enabled: true }).authorize(req()).allowed, false, 'an empty authorization section denies, as in EG');
  });

  it('first matching rule wins', () => {
    const a = new Authorizer({
      defaultAction: 'Deny',
      rules: [
        { name: 'block-bad-net', action: 'Deny', principal: { clientCIDRs: ['10.1.0.0/16'] } },
        { name: 'allow-private', action: 'Allow', principal: { clientCIDRs: ['10.0.0.0/8', 'fd00::/8'] } },
      ],
    });
    const blocked = a.authorize(req());
    assert.ok(!blocked.allowed && blocked.rule === 'block-bad-net');
    assert.equal(a.authorize(req({ clientAddress: '10.2.0.1' })).allowed, true);
    assert.equal(a.authorize(req({ clientAddress: '::ffff:10.2.0.1' })).allowed, true, 'IPv4-mapped addresses are tested as IPv4');
    assert.equal(a.authorize(req({ clientAddress: 'fd00::1' })).allowed, true);
    assert.equal(a.authorize(req({ clientAddress: '192.168.0.1' })).allowed, false);
  });

  it('matches JWT claims, claim arrays, nested claims and scopes of the named provider', () => {
    const a = new Authorizer({
      defaultAction: 'Deny',
      rules: [
        {
          action: 'Allow',
          principal: {
            jwt: {
              provider: 'corp',
              claims: [
                { name: 'roles', valueType: 'StringArray', values: ['admin'] },
                { name: 'org.tier', values: ['gold', 'platinum'] },
                { name: 'level', values: ['3'] },
              ],
              scopes: ['read'],
            },
          },
        },
      ],
    });
    assert.equal(a.authorize(req({ principal: jwtUser })).allowed, true);
    const otherProvider: JwtPrincipal = { ...jwtUser, provider: 'other' };
    assert.equal(a.authorize(req({ principal: otherProvider })).allowed, false);
    assert.equal(a.authorize(req({ principal: { ...jwtUser, claims: { ...jwtUser.claims, roles: ['dev'] } } })).allowed, false);
    assert.equal(a.authorize(req({ principal: { ...jwtUser, claims: { ...jwtUser.claims, scope: 'write' } } })).allowed, false);
    assert.equal(a.authorize(req({ principal: { kind: 'api-key', id: 'u1' } })).allowed, false);
  });

  it('matches headers (all listed, any value), methods, ids and teams', () => {
    const a = new Authorizer({
      rules: [
        { action: 'Allow', operation: { methods: ['GET'] }, principal: { headers: [{ name: 'X-User', values: ['alice', 'bob'] }] } },
        { action: 'Allow', principal: { ids: ['svc-a'] } },
        { action: 'Allow', principal: { teams: ['ml'] } },
      ],
    });
    assert.equal(a.authorize(req({ method: 'GET', headers: { 'x-user': 'bob' } })).allowed, true);
    assert.equal(a.authorize(req({ method: 'POST', headers: { 'x-user': 'bob' } })).allowed, false, 'the method must match too');
    assert.equal(a.authorize(req({ method: 'GET', headers: { 'x-user': ['carol', 'alice'] } })).allowed, true);
    assert.equal(a.authorize(req({ principal: { kind: 'api-key', id: 'svc-a' } })).allowed, true);
    assert.equal(a.authorize(req({ principal: { kind: 'virtual-key', id: 'k', team: 'ml' } })).allowed, true);
  });

  it('reports malformed rules', () => {
    const a = new Authorizer({ rules: [{ action: 'Allow', principal: {} }, { action: 'Allow', principal: { clientCIDRs: ['10.0.0.0/33'] } }] });
    assert.equal(a.problems.length, 2);
  });

  it('checks per-model access: virtual-key lists and modelAccess entries', () => {
    const keys = new VirtualKeyAuthenticator({
      keys: [
        { name: 'narrow', key: 'k1', team: 'apps', models: ['gpt-4o-mini', 'llama-*'] },
        { name: 'wide', key: 'k2', team: 'research' },
      ],
    });
    const narrow = keys.principalOf('narrow')!;
    const wide = keys.principalOf('wide')!;
    const a = new Authorizer({ modelAccess: [{ models: ['o1*'], teams: ['research'] }, { models: ['o1-pro'], ids: ['narrow'] }] });
    const models = ['gpt-4o-mini', 'gpt-4o', 'llama-3-8b', 'o1-mini', 'o1-pro'];
    assert.deepEqual(a.modelsVisibleTo(narrow, models), ['gpt-4o-mini', 'llama-3-8b'], 'its own list still applies to o1-pro');
    assert.deepEqual(a.modelsVisibleTo(wide, models), models);
    assert.deepEqual(a.modelsVisibleTo(undefined, models), ['gpt-4o-mini', 'gpt-4o', 'llama-3-8b']);
    assert.deepEqual(modelsVisibleTo(narrow, models), ['gpt-4o-mini', 'llama-3-8b']);
    const denied = a.authorize(req({ principal: narrow, model: 'gpt-4o' }));
    assert.ok(!denied.allowed && denied.reason === 'model');
    const err = forbiddenError(denied);
    assert.equal(err.status, 403);
    assert.equal(err.param, 'model');
    assert.equal(a.authorize(req({ principal: narrow, model: 'gpt-4o-mini' })).allowed, true);
  });
});

describe('CIDR sets', () => {
  it('parses and matches IPv4 and IPv6', () => {
    assert.deepEqual(parseCidr('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    assert.equal(parseCidr('10.0.0.0/33'), undefined);
    assert.equal(parseCidr('nope/8'), undefined);
    const s = new CidrSet(['192.168.1.0/24', '2001:db8::/32', '203.0.113.7']);
    assert.ok(s.has('192.168.1.200') && !s.has('192.168.2.1'));
    assert.ok(s.has('2001:db8::1') && !s.has('2001:db9::1'));
    assert.ok(s.has('203.0.113.7') && !s.has('203.0.113.8'));
    assert.ok(!s.has('garbage'));
    const p: Principal = { kind: 'api-key', id: 'x' };
    assert.equal(p.id, 'x');
  });
});
