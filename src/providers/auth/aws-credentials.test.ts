import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

import { GatewayError } from '../../errors.ts';
import type { UpstreamAuth, UpstreamRequestDraft } from '../../runtime/upstream-auth.ts';

import { regionOfBedrockHost } from './aws-credentials.ts';
import { createUpstreamAuth } from './index.ts';
import type { UpstreamAuthDeps } from './index.ts';
import type { BackendSecurityPolicySpec } from './policy.ts';
import { FILE_CHECK_INTERVAL_MS } from './sources.ts';
import { assertNoSecret, fakeClock, headerChanges, policy } from './testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-aws-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const emptyHome = mkdtempSync(join(dir, 'home-'));

const HOST = 'bedrock-runtime.us-east-1.amazonaws.com';

function bedrockDraft(): UpstreamRequestDraft {
  return {
    method: 'POST',
    origin: `https://${HOST}`,
    path: '/model/amazon.nova-lite-v1%3A0/converse',
    headers: { host: HOST, 'content-type': 'application/json' },
    body: Buffer.from('{"messages":[{"role":"user","content":[{"text":"hello"}]}]}'),
  };
}

function ini(profile: string, id: string, secret: string, token?: string): string {
  return `[${profile}]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n${token ? `aws_session_token = ${token}\n` : ''}`;
}

function secretSpec(profile?: string, region = 'us-east-1'): BackendSecurityPolicySpec {
  return { type: 'AWSCredentials', awsCredentials: { region, credentialsFile: { secretRef: { name: 'aws' }, ...(profile ? { profile } : {}) } } };
}

/** Signs the same request with @smithy/signature-v4 directly, to check what `apply` produced. */
async function resign(req: UpstreamRequestDraft, keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, date: Date, region = 'us-east-1'): Promise<string | undefined> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (!['authorization', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token'].includes(k)) headers[k] = v;
  const signed = await new SignatureV4({ credentials: keys, region, service: 'bedrock', sha256: Sha256 }).sign(
    new HttpRequest({ method: req.method, protocol: 'https:', hostname: HOST, path: req.path, headers, body: req.body }),
    { signingDate: date },
  );
  return signed.headers['authorization'];
}

function created(spec: BackendSecurityPolicySpec, deps: UpstreamAuthDeps): UpstreamAuth {
  const result = createUpstreamAuth(policy(spec), deps);
  assert.ok('auth' in result, JSON.stringify('problems' in result ? result.problems : []));
  return result.auth;
}

describe('AWSCredentials from a Secret', () => {
  test('signs for bedrock in the region, setting exactly the SigV4 headers; a re-signature agrees', async () => {
    const clock = fakeClock(Date.UTC(2025, 4, 6, 7, 8, 9));
    const auth = created(secretSpec(), { secrets: () => ({ credentials: ini('default', 'AKIASECRETREF', 'aws-secret-one') }), now: clock.now, env: {} });
    assert.equal(auth.type, 'AWSCredentials');
    const req = bedrockDraft();
    const before = { ...req.headers };
    await auth.apply(req);
    const changed = headerChanges(before, req.headers);
    assert.deepEqual(Object.keys(changed).sort(), ['authorization', 'x-amz-content-sha256', 'x-amz-date']);
    assert.equal(changed['x-amz-date'], '20250506T070809Z');
    assert.match(changed['authorization']!, /^AWS4-HMAC-SHA256 Credential=AKIASECRETREF\/20250506\/us-east-1\/bedrock\/aws4_request, /);
    assert.equal(changed['authorization'], await resign(req, { accessKeyId: 'AKIASECRETREF', secretAccessKey: 'aws-secret-one' }, new Date(clock.now())));
    assertNoSecret(['aws-secret-one'], auth, req.headers);
  });

  test('a session token is sent as x-amz-security-token and signed', async () => {
    const clock = fakeClock();
    const auth = created(secretSpec('prod'), { secrets: () => ({ credentials: ini('default', 'AKIADEF', 'x') + ini('prod', 'ASIAPROD', 'prod-secret', 'prod-session-token') }), now: clock.now, env: {} });
    const req = bedrockDraft();
    const before = { ...req.headers };
    await auth.apply(req);
    assert.deepEqual(Object.keys(headerChanges(before, req.headers)).sort(), ['authorization', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-security-token']);
    assert.equal(req.headers['x-amz-security-token'], 'prod-session-token');
    assert.equal(req.headers['authorization'], await resign(req, { accessKeyId: 'ASIAPROD', secretAccessKey: 'prod-secret', sessionToken: 'prod-session-token' }, new Date(clock.now())));
  });

  test('rotated keys in the Secret are used by the next apply of the same object', async () => {
    let text = ini('default', 'AKIAFIRST', 'first-secret');
    const auth = created(secretSpec(), { secrets: () => ({ credentials: text }), env: {} });
    const a = bedrockDraft();
    await auth.apply(a);
    assert.match(a.headers['authorization']!, /Credential=AKIAFIRST\//);
    text = ini('default', 'AKIASECOND', 'second-secret');
    const b = bedrockDraft();
    await auth.apply(b);
    assert.match(b.headers['authorization']!, /Credential=AKIASECOND\//);
  });

  test('a Secret whose profile vanished fails the request without echoing the file', async () => {
    let text = ini('default', 'AKIAOK', 'still-secret');
    const auth = created(secretSpec(), { secrets: () => ({ credentials: text }), env: {} });
    text = ini('other', 'AKIAOTHER', 'other-secret');
    await assert.rejects(Promise.resolve(auth.apply(bedrockDraft())), (err: unknown) => {
      assert.ok(err instanceof GatewayError && err.code === 'upstream_auth_failed');
      assert.equal(err.message, 'BackendSecurityPolicy team-a/creds: key "credentials" of Secret team-a/aws has no profile [default] (profiles: other)');
      assertNoSecret(['still-secret', 'other-secret', 'AKIAOTHER'], err);
      return true;
    });
  });

  test('config problems: missing key, missing profile, incomplete profile', () => {
    const noKey = createUpstreamAuth(policy(secretSpec()), { secrets: () => ({ creds: 'x' }), env: {} });
    assert.ok('problems' in noKey);
    assert.equal(noKey.problems[0]!.field, 'spec.awsCredentials.credentialsFile.secretRef.name');
    assert.match(noKey.problems[0]!.message, /has no key "credentials".*add the key "credentials"/);

    const noProfile = createUpstreamAuth(policy(secretSpec('prod')), { secrets: () => ({ credentials: ini('default', 'AKIA', 'profile-secret') }), env: {} });
    assert.ok('problems' in noProfile);
    assert.equal(noProfile.problems[0]!.field, 'spec.awsCredentials.credentialsFile.profile');
    assert.match(noProfile.problems[0]!.message, /has no profile \[prod\] \(profiles: default\); set credentialsFile.profile/);
    assertNoSecret(['profile-secret'], noProfile);

    const incomplete = createUpstreamAuth(policy(secretSpec()), { secrets: () => ({ credentials: '[default]\naws_access_key_id=AKIA\n' }), env: {} });
    assert.ok('problems' in incomplete);
    assert.equal(incomplete.problems[0]!.field, 'spec.awsCredentials.credentialsFile.secretRef.name');
    assert.match(incomplete.problems[0]!.message, /profile \[default\] lacks aws_secret_access_key/);
  });
});

describe('AWSCredentials from the default chain', () => {
  const chainSpec: BackendSecurityPolicySpec = { type: 'AWSCredentials', awsCredentials: { region: 'us-east-1' } };

  test('environment variables, re-read on every apply (rotation), with a warning about the chain', async () => {
    const env: Record<string, string | undefined> = { AWS_ACCESS_KEY_ID: 'AKIAENV1', AWS_SECRET_ACCESS_KEY: 'env-secret-1' };
    const result = createUpstreamAuth(policy(chainSpec), { secrets: () => undefined, env, homeDir: emptyHome });
    assert.ok('auth' in result);
    assert.equal(result.warnings.length, 1);
    assert.equal(result.warnings[0]!.severity, 'warning');
    assert.equal(result.warnings[0]!.field, 'spec.awsCredentials.credentialsFile');
    assert.match(result.warnings[0]!.message, /not IRSA, EKS Pod Identity or instance roles/);
    const a = bedrockDraft();
    await result.auth.apply(a);
    assert.match(a.headers['authorization']!, /Credential=AKIAENV1\//);
    assert.equal(a.headers['x-amz-security-token'], undefined);

    env['AWS_ACCESS_KEY_ID'] = 'ASIAENV2';
    env['AWS_SECRET_ACCESS_KEY'] = 'env-secret-2';
    env['AWS_SESSION_TOKEN'] = 'env-session-2';
    const b = bedrockDraft();
    await result.auth.apply(b);
    assert.match(b.headers['authorization']!, /Credential=ASIAENV2\//);
    assert.equal(b.headers['x-amz-security-token'], 'env-session-2');

    delete env['AWS_SECRET_ACCESS_KEY'];
    await assert.rejects(Promise.resolve(result.auth.apply(bedrockDraft())), /BackendSecurityPolicy team-a\/creds: environment variable AWS_SECRET_ACCESS_KEY is not set/);
    assertNoSecret(['env-secret-1', 'env-secret-2', 'env-session-2'], result);
  });

  test('the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE), re-read when it changes', async () => {
    const path = join(dir, 'credentials');
    writeFileSync(path, ini('team', 'AKIAFILE1', 'file-secret-1'));
    const clock = fakeClock();
    const env = { AWS_SHARED_CREDENTIALS_FILE: path, AWS_PROFILE: 'team' };
    const auth = created(chainSpec, { secrets: () => undefined, env, now: clock.now });
    const a = bedrockDraft();
    await auth.apply(a);
    assert.match(a.headers['authorization']!, /Credential=AKIAFILE1\//);

    writeFileSync(path, ini('team', 'AKIAFILE2', 'file-secret-2-longer'));
    utimesSync(path, new Date(), new Date(Date.now() + 10_000));
    clock.advance(FILE_CHECK_INTERVAL_MS);
    const b = bedrockDraft();
    await auth.apply(b);
    assert.match(b.headers['authorization']!, /Credential=AKIAFILE2\//);

    rmSync(path);
    clock.advance(FILE_CHECK_INTERVAL_MS);
    await assert.rejects(Promise.resolve(auth.apply(bedrockDraft())), (err: unknown) => {
      assert.ok(err instanceof GatewayError && err.code === 'upstream_auth_failed');
      assert.equal(err.message, `BackendSecurityPolicy team-a/creds: cannot read file ${path} (ENOENT)`);
      assertNoSecret(['file-secret-2-longer'], err);
      return true;
    });
  });

  test('~/.aws/credentials under the home directory, profile default', async () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const awsDir = join(home, '.aws');
    mkdirSync(awsDir);
    writeFileSync(join(awsDir, 'credentials'), ini('default', 'AKIAHOME', 'home-secret'));
    const auth = created(chainSpec, { secrets: () => undefined, env: {}, homeDir: home });
    const req = bedrockDraft();
    await auth.apply(req);
    assert.match(req.headers['authorization']!, /Credential=AKIAHOME\//);
  });

  test('no keys anywhere is a problem naming the field, what was tried and the fix', () => {
    const result = createUpstreamAuth(policy(chainSpec), { secrets: () => undefined, env: {}, homeDir: emptyHome });
    assert.ok('problems' in result);
    assert.equal(result.problems.length, 1);
    const p = result.problems[0]!;
    assert.equal(p.field, 'spec.awsCredentials.credentialsFile');
    assert.match(p.message, /is not set, and the AWS default chain has no keys: cannot read file .*\.aws\/credentials \(ENOENT\)/);
    assert.match(p.message, /set credentialsFile.secretRef to a Secret with the key "credentials"/);
  });
});

describe('AWSCredentials region', () => {
  test('the region of Bedrock hosts', () => {
    assert.equal(regionOfBedrockHost('bedrock-runtime.us-east-1.amazonaws.com'), 'us-east-1');
    assert.equal(regionOfBedrockHost('bedrock-runtime-fips.us-gov-west-1.amazonaws.com'), 'us-gov-west-1');
    assert.equal(regionOfBedrockHost('bedrock.eu-central-1.amazonaws.com'), 'eu-central-1');
    assert.equal(regionOfBedrockHost('vpce-0abc-xyz.bedrock-runtime.ap-southeast-2.vpce.amazonaws.com'), 'ap-southeast-2');
    assert.equal(regionOfBedrockHost('bedrock-runtime.cn-north-1.amazonaws.com.cn'), 'cn-north-1');
    assert.equal(regionOfBedrockHost('bedrock-runtime.us-west-2.api.aws'), 'us-west-2');
    assert.equal(regionOfBedrockHost('BEDROCK-RUNTIME.US-EAST-2.AMAZONAWS.COM.'), 'us-east-2');
    assert.equal(regionOfBedrockHost('127.0.0.1'), undefined);
    assert.equal(regionOfBedrockHost('bedrock-proxy.internal'), undefined);
  });

  test('a region that differs from the Bedrock host a target sends to is a problem naming both', () => {
    const result = createUpstreamAuth(policy(secretSpec(undefined, 'us-west-2')), {
      secrets: () => ({ credentials: ini('default', 'AKIA', 's') }),
      env: {},
      targets: [
        { resource: 'AIServiceBackend team-a/bedrock', hostname: 'bedrock-runtime.eu-west-1.amazonaws.com' },
        { resource: 'AIServiceBackend team-a/local', hostname: '127.0.0.1' },
      ],
    });
    assert.ok('problems' in result);
    assert.equal(result.problems.length, 1);
    const p = result.problems[0]!;
    assert.equal(p.field, 'spec.awsCredentials.region');
    assert.match(p.message, /^is us-west-2, but AIServiceBackend team-a\/bedrock sends to bedrock-runtime\.eu-west-1\.amazonaws\.com in region eu-west-1/);
    assert.match(p.message, /Set region: eu-west-1/);
  });

  test('a matching host is fine', () => {
    const result = createUpstreamAuth(policy(secretSpec()), {
      secrets: () => ({ credentials: ini('default', 'AKIA', 's') }),
      env: {},
      targets: [{ resource: 'AIServiceBackend team-a/bedrock', hostname: HOST }],
    });
    assert.ok('auth' in result);
  });

  test('a missing or malformed region is a problem', () => {
    for (const [region, message] of [
      ['', /^is required: the AWS region of the Bedrock endpoint/],
      ['US East', /is not an AWS region name/],
    ] as const) {
      const result = createUpstreamAuth(policy(secretSpec(undefined, region)), { secrets: () => ({ credentials: ini('default', 'AKIA', 's') }), env: {} });
      assert.ok('problems' in result);
      assert.equal(result.problems[0]!.field, 'spec.awsCredentials.region');
      assert.match(result.problems[0]!.message, message);
    }
  });

  test('oidcExchangeToken is not supported yet: a problem, not Accepted', () => {
    const spec = {
      type: 'AWSCredentials',
      awsCredentials: { region: 'us-east-1', oidcExchangeToken: { oidc: { provider: { issuer: 'https://idp' }, clientSecret: { name: 'oidc' } }, awsRoleArn: 'arn:aws:iam::1:role/r' } },
    } as BackendSecurityPolicySpec;
    const result = createUpstreamAuth(policy(spec), { secrets: () => undefined, env: {} });
    assert.ok('problems' in result);
    assert.equal(result.problems[0]!.field, 'spec.awsCredentials.oidcExchangeToken');
    assert.match(result.problems[0]!.message, /is not supported yet: .*the policy is not Accepted. Use credentialsFile/);
  });
});
