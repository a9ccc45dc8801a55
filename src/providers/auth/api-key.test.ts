import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { GatewayError } from '../../errors.ts';

import { createUpstreamAuth } from './index.ts';
import type { BackendSecurityPolicySpec } from './policy.ts';
import { assertNoSecret, draft, headerChanges, policy } from './testing.ts';

const CASES = [
  { type: 'APIKey', field: 'apiKey', header: 'authorization', value: (k: string) => `Bearer ${k}` },
  { type: 'AnthropicAPIKey', field: 'anthropicAPIKey', header: 'x-api-key', value: (k: string) => k },
  { type: 'AzureAPIKey', field: 'azureAPIKey', header: 'api-key', value: (k: string) => k },
] as const;

function spec(c: (typeof CASES)[number], ref: { name: string; namespace?: string } = { name: 'provider-key' }): BackendSecurityPolicySpec {
  return { type: c.type, [c.field]: { secretRef: ref } } as BackendSecurityPolicySpec;
}

for (const c of CASES) {
  describe(c.type, () => {
    test(`sets exactly ${c.header}, and nothing else of the request`, async () => {
      const result = createUpstreamAuth(policy(spec(c)), { secrets: () => ({ apiKey: 'sk-live-123' }) });
      assert.ok('auth' in result, JSON.stringify(result));
      assert.deepEqual(result.warnings, []);
      assert.equal(result.auth.type, c.type);
      assert.equal(result.auth.source, 'BackendSecurityPolicy team-a/creds');
      const req = draft();
      const before = { ...req.headers };
      await result.auth.apply(req);
      assert.deepEqual(headerChanges(before, req.headers), { [c.header]: c.value('sk-live-123') });
      assert.equal(req.path, '/v1/chat/completions');
      assertNoSecret(['sk-live-123'], result, result.auth);
    });

    test('a rotated Secret is used by the next apply of the same object', async () => {
      let key = 'sk-old';
      const result = createUpstreamAuth(policy(spec(c)), { secrets: (ns, name) => (ns === 'team-a' && name === 'provider-key' ? { apiKey: key } : undefined) });
      assert.ok('auth' in result);
      const first = draft();
      await result.auth.apply(first);
      assert.equal(first.headers[c.header], c.value('sk-old'));
      key = 'sk-new';
      const second = draft();
      await result.auth.apply(second);
      assert.equal(second.headers[c.header], c.value('sk-new'));
    });

    test('a Secret that disappears later fails the request with upstream_auth_failed naming policy, Secret and key', async () => {
      let data: Record<string, string> | undefined = { apiKey: 'sk-gone-soon' };
      const result = createUpstreamAuth(policy(spec(c)), { secrets: () => data });
      assert.ok('auth' in result);
      data = undefined;
      const err = await Promise.resolve(result.auth.apply(draft())).then(
        () => assert.fail('expected a rejection'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof GatewayError);
      assert.equal(err.code, 'upstream_auth_failed');
      assert.equal(err.message, 'BackendSecurityPolicy team-a/creds: Secret team-a/provider-key not found');
      assertNoSecret(['sk-gone-soon'], err);
    });

    test(`a Secret without the key "apiKey" is a problem on spec.${c.field}.secretRef.name`, () => {
      const result = createUpstreamAuth(policy(spec(c)), { secrets: () => ({ api_key: 'sk-wrong-name' }) });
      assert.ok('problems' in result);
      assert.equal(result.problems.length, 1);
      const p = result.problems[0]!;
      assert.equal(p.severity, 'error');
      assert.equal(p.resource, 'BackendSecurityPolicy team-a/creds');
      assert.equal(p.field, `spec.${c.field}.secretRef.name`);
      assert.equal(p.message, 'Secret team-a/provider-key has no key "apiKey" (it has "api_key"); add the key "apiKey" to Secret team-a/provider-key');
      assertNoSecret(['sk-wrong-name'], result);
    });
  });
}

describe('API keys: shared behaviour', () => {
  const c = CASES[0];

  test('a missing Secret is a problem with the fix', () => {
    const result = createUpstreamAuth(policy(spec(c)), { secrets: () => undefined });
    assert.ok('problems' in result);
    assert.equal(result.problems[0]!.field, 'spec.apiKey.secretRef.name');
    assert.match(result.problems[0]!.message, /^Secret team-a\/provider-key not found; create it with the key "apiKey"/);
  });

  test('problems carry the file and line of the field when the policy came from a file', () => {
    const located = { ...policy(spec(c)), source: { locationOf: (path: readonly PropertyKey[]) => ({ file: 'creds.yaml', document: 2, line: 10 + path.length }) } };
    const result = createUpstreamAuth(located, { secrets: () => undefined });
    assert.ok('problems' in result);
    assert.deepEqual(result.problems[0]!.location, { file: 'creds.yaml', document: 2, line: 14 });
  });

  test('a Secret in another namespace needs a ReferenceGrant', () => {
    const s = spec(c, { name: 'shared-key', namespace: 'secrets' });
    const denied = createUpstreamAuth(policy(s), { secrets: () => ({ apiKey: 'k' }) });
    assert.ok('problems' in denied);
    assert.equal(denied.problems[0]!.field, 'spec.apiKey.secretRef.namespace');
    assert.match(denied.problems[0]!.message, /Secret secrets\/shared-key is in another namespace and no ReferenceGrant in secrets allows/);

    const asked: string[] = [];
    const allowed = createUpstreamAuth(policy(s), {
      secrets: (ns, name) => (ns === 'secrets' && name === 'shared-key' ? { apiKey: 'k' } : undefined),
      secretReferenceAllowed: (from, ns, name) => {
        asked.push(`${from}->${ns}/${name}`);
        return true;
      },
    });
    assert.ok('auth' in allowed);
    assert.deepEqual(asked, ['team-a->secrets/shared-key']);
  });

  test('a reference to something other than a core Secret is a problem', () => {
    const s = { type: 'APIKey', apiKey: { secretRef: { name: 'k', kind: 'ConfigMap' } } } as BackendSecurityPolicySpec;
    const result = createUpstreamAuth(policy(s), { secrets: () => ({ apiKey: 'k' }) });
    assert.ok('problems' in result);
    assert.equal(result.problems[0]!.field, 'spec.apiKey.secretRef.kind');
  });

  test('a key written with a trailing newline is trimmed; a key with a line break inside is refused without echoing it', async () => {
    let key = 'sk-with-newline\n';
    const result = createUpstreamAuth(policy(spec(c)), { secrets: () => ({ apiKey: key }) });
    assert.ok('auth' in result);
    const req = draft();
    await result.auth.apply(req);
    assert.equal(req.headers['authorization'], 'Bearer sk-with-newline');
    key = 'sk-part-one\r\nx-injected: yes';
    await assert.rejects(Promise.resolve(result.auth.apply(draft())), (err: unknown) => {
      assert.ok(err instanceof GatewayError && err.code === 'upstream_auth_failed');
      assert.match(err.message, /contains characters not allowed in an HTTP header/);
      assertNoSecret(['sk-part-one', 'x-injected'], err);
      return true;
    });
  });

  test('the field matching the type must be there', () => {
    const result = createUpstreamAuth(policy({ type: 'AnthropicAPIKey' } as BackendSecurityPolicySpec), { secrets: () => undefined });
    assert.ok('problems' in result);
    assert.equal(result.problems[0]!.field, 'spec.anthropicAPIKey');
  });
});
