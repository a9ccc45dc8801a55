// The factory as the compiler sees it: every policy type builds, unsupported fields are problems,
// problems format as `resource: field: message`, and no object or error of this folder prints a
// secret. The Azure and GCP cases use the local token-endpoint test double from testing.ts.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { BACKEND_SECURITY_POLICY_TYPES } from '../../config/schemas/ai-gateway.ts';
import { formatProblem } from '../../config/problems.ts';
import type { BackendSecurityPolicy } from '../../config/schemas/index.ts';
import type { Resource } from '../../config/validate.ts';

import { createUpstreamAuth } from './index.ts';
import type { PolicyInput, UpstreamAuthDeps } from './index.ts';
import type { BackendSecurityPolicySpec } from './policy.ts';
import { assertNoSecret, draft, policy, startTokenServer } from './testing.ts';
import type { TokenServer } from './testing.ts';

const PRIVATE_PEM = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PEM_LINE = PRIVATE_PEM.split('\n')[1]!;

/** Every credential below, as it would leak. */
const SECRETS = ['sk-openai-leakcheck', 'sk-ant-leakcheck', 'azure-key-leakcheck', 'azure-client-secret-leakcheck', 'aws-secret-leakcheck', 'aws-session-leakcheck', 'issued-token-leakcheck', PEM_LINE];

const SECRET_DATA: Record<string, Record<string, string>> = {
  openai: { apiKey: 'sk-openai-leakcheck' },
  anthropic: { apiKey: 'sk-ant-leakcheck' },
  azure: { apiKey: 'azure-key-leakcheck' },
  entra: { 'client-secret': 'azure-client-secret-leakcheck' },
  aws: { credentials: '[default]\naws_access_key_id=AKIALEAK\naws_secret_access_key=aws-secret-leakcheck\naws_session_token=aws-session-leakcheck\n' },
  vertex: { 'service_account.json': JSON.stringify({ type: 'service_account', client_email: 'sa@p.iam.gserviceaccount.com', private_key: PRIVATE_PEM }) },
};

const SPECS: Record<(typeof BACKEND_SECURITY_POLICY_TYPES)[number], BackendSecurityPolicySpec> = {
  APIKey: { type: 'APIKey', apiKey: { secretRef: { name: 'openai' } } },
  AnthropicAPIKey: { type: 'AnthropicAPIKey', anthropicAPIKey: { secretRef: { name: 'anthropic' } } },
  AzureAPIKey: { type: 'AzureAPIKey', azureAPIKey: { secretRef: { name: 'azure' } } },
  AzureCredentials: { type: 'AzureCredentials', azureCredentials: { clientID: 'c', tenantID: 't', clientSecretRef: { name: 'entra' } } },
  AWSCredentials: { type: 'AWSCredentials', awsCredentials: { region: 'us-east-1', credentialsFile: { secretRef: { name: 'aws' } } } },
  GCPCredentials: { type: 'GCPCredentials', gcpCredentials: { projectName: 'p', region: 'us-central1', credentialsFile: { secretRef: { name: 'vertex' } } } },
};

let server: TokenServer;
let fail = false;
before(async () => {
  server = await startTokenServer(() =>
    fail
      ? { status: 401, body: { error: 'invalid_client', error_description: 'bad secret azure-client-secret-leakcheck' } }
      : { status: 200, body: { access_token: 'issued-token-leakcheck', expires_in: 3600 } },
  );
});
after(() => server?.close());

function deps(secrets: Record<string, Record<string, string>> = SECRET_DATA): UpstreamAuthDeps {
  return {
    secrets: (ns, name) => (ns === 'team-a' ? secrets[name] : undefined),
    env: {},
    tokenEndpoints: { azure: () => `${server.url}/entra`, gcp: `${server.url}/google` },
  };
}

describe('createUpstreamAuth', () => {
  test('builds an UpstreamAuth for every BackendSecurityPolicy type', async () => {
    fail = false;
    for (const type of BACKEND_SECURITY_POLICY_TYPES) {
      const result = createUpstreamAuth(policy(SPECS[type]), deps());
      assert.ok('auth' in result, `${type}: ${JSON.stringify(result)}`);
      assert.equal(result.auth.type, type);
      assert.equal(result.auth.source, 'BackendSecurityPolicy team-a/creds');
      const req = draft({ path: 'publishers/google/models/g:generateContent' });
      await result.auth.apply(req);
      assert.ok(req.headers['authorization'] ?? req.headers['x-api-key'] ?? req.headers['api-key'], type);
    }
  });

  test('credentialOverride is not supported yet: a problem, the policy is not Accepted', () => {
    const spec = { ...SPECS.APIKey, credentialOverride: { fromRequestHeaders: { header: 'x-aigw-api-key' } } } as BackendSecurityPolicySpec;
    const result = createUpstreamAuth(policy(spec), deps());
    assert.ok('problems' in result);
    assert.equal(result.problems.length, 1);
    const p = result.problems[0]!;
    assert.equal(p.severity, 'error');
    assert.equal(p.field, 'spec.credentialOverride');
    assert.match(p.message, /^is not supported yet: Sluice does not take upstream credentials from request headers or metadata/);
    assert.match(p.message, /Remove credentialOverride/);
  });

  test('problems format as file:line, severity, resource, field, message', () => {
    const located = { ...policy(SPECS.APIKey, 'prod', 'openai-creds'), source: { locationOf: () => ({ file: 'providers.yaml', document: 3, line: 41 }) } };
    const result = createUpstreamAuth(located, { secrets: () => ({}) });
    assert.ok('problems' in result);
    assert.equal(
      formatProblem(result.problems[0]!),
      'providers.yaml:41 (document 3): error: BackendSecurityPolicy prod/openai-creds: spec.apiKey.secretRef.name: Secret prod/openai has no key "apiKey" (it has no keys); add the key "apiKey" to Secret prod/openai',
    );
  });

  test('the leak check itself catches a field, a nested error cause and a message', () => {
    assert.throws(() => assertNoSecret(['s3cr3t'], { nested: { deep: { value: 's3cr3t' } } }));
    assert.throws(() => assertNoSecret(['s3cr3t'], new Error('wrapped', { cause: { body: 'key=s3cr3t' } })));
    assert.throws(() => assertNoSecret(['s3cr3t'], Object.defineProperty({}, 'hidden', { value: 's3cr3t', enumerable: false })));
  });

  test('no secret appears in any object, result, problem or error of any type', async () => {
    const seen: unknown[] = [];
    fail = false;
    for (const type of BACKEND_SECURITY_POLICY_TYPES) {
      const result = createUpstreamAuth(policy(SPECS[type]), deps());
      assert.ok('auth' in result);
      await result.auth.apply(draft({ path: 'publishers/x' }));
      seen.push(result, result.auth, Object.getPrototypeOf(result.auth));
    }
    // Failures at request time: the token endpoint refuses; the Secret goes away.
    fail = true;
    for (const type of ['AzureCredentials', 'GCPCredentials'] as const) {
      const result = createUpstreamAuth(policy(SPECS[type]), deps());
      assert.ok('auth' in result);
      seen.push(await Promise.resolve(result.auth.apply(draft())).then(() => assert.fail(`${type} should fail`), (e: unknown) => e));
    }
    fail = false;
    for (const type of BACKEND_SECURITY_POLICY_TYPES) {
      let secrets: Record<string, Record<string, string>> = SECRET_DATA;
      const result = createUpstreamAuth(policy(SPECS[type]), { ...deps(), secrets: (ns, name) => (ns === 'team-a' ? secrets[name] : undefined) });
      assert.ok('auth' in result);
      secrets = {};
      seen.push(await Promise.resolve(result.auth.apply(draft())).then(() => assert.fail(`${type} should fail`), (e: unknown) => e));
    }
    // Config problems: every Secret there, but under the wrong key.
    for (const type of BACKEND_SECURITY_POLICY_TYPES) {
      const wrong = Object.fromEntries(Object.entries(SECRET_DATA).map(([name, data]) => [name, Object.fromEntries(Object.entries(data).map(([k, v]) => [`${k}-old`, v]))]));
      const result = createUpstreamAuth(policy(SPECS[type]), deps(wrong));
      assert.ok('problems' in result);
      seen.push(result, ...result.problems.map(formatProblem));
    }
    assert.ok(seen.length > 20);
    assertNoSecret(SECRETS, ...seen);
  });
});

// The compiler holds policies as validated resources: they must fit the factory's input as they are.
export const resourceFitsPolicyInput = (r: Resource<BackendSecurityPolicy>): PolicyInput => r;
