// End to end: upstream credentials that are wrong. (1) At config time: a BackendSecurityPolicy whose
// credential is not there — a missing Secret or key, an unreadable credentials file, a region that
// does not match the Bedrock endpoint, a missing profile — is refused the way `sluice validate` and
// `sluice run` refuse it: a problem naming the resource, the field and the fix, never the secret.
// (2) At request time: a provider that refuses the gateway's credential (the simulators check them as
// the providers do) is answered to an OpenAI client in the OpenAI error shape, without the key.
// Loopback only; no timing asserted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { ConfigError, Gateway } from '../../src/gateway.ts';
import { allProblems, dryCompile, loadConfig } from '../../src/controlplane/pipeline.ts';
import { formatProblem, hasErrors } from '../../src/config/problems.ts';
import type { Problem } from '../../src/config/problems.ts';
import { startTestGateway, TEST_GATEWAY_YAML } from '../support/gateway.ts';
import type { TestGateway } from '../support/gateway.ts';
import { repoRoot } from '../support/paths.ts';

const SIM_IMAGE = 'ghcr.io/llm-d/llm-d-inference-sim:v0.4.0';
const AWS_ID = 'AKIACREDSEXAMPLE';
const AWS_SECRET = 'Hu7Ge2Fd9Sa4Lk1Jh6Gf3Dq';

/** A Bedrock AIServiceBackend on `hostname` and its AWSCredentials policy (`awsCredentials` as YAML flow). */
function bedrockYaml(hostname: string, awsCredentials: string, extra = ''): string {
  return `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: bedrock, namespace: default}
spec:
  endpoints: [{fqdn: {hostname: ${hostname}, port: 443}}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: bedrock, namespace: default}
spec:
  schema: {name: AWSBedrock}
  backendRef: {name: bedrock, kind: Backend, group: gateway.envoyproxy.io}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: bedrock-credentials, namespace: default}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: bedrock}]
  type: AWSCredentials
  awsCredentials: ${awsCredentials}
---
${extra}`;
}

function anthropicYaml(secret: string): string {
  return `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: anthropic, namespace: default}
spec:
  endpoints: [{fqdn: {hostname: api.anthropic.com, port: 443}}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: anthropic, namespace: default}
spec:
  schema: {name: Anthropic}
  backendRef: {name: anthropic, kind: Backend, group: gateway.envoyproxy.io}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: anthropic-key, namespace: default}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: anthropic}]
  type: AnthropicAPIKey
  anthropicAPIKey: {secretRef: {name: anthropic-key}}
---
${secret}`;
}

const INI = `[default]
    aws_access_key_id = ${AWS_ID}
    aws_secret_access_key = ${AWS_SECRET}`;

function iniSecret(name = 'aws-credentials', key = 'credentials'): string {
  return `apiVersion: v1
kind: Secret
metadata: {name: ${name}, namespace: default}
stringData:
  ${key}: |
    ${INI}
---
`;
}

describe('bad credential configuration: refused, naming resource, field and fix', () => {
  let dir: string;
  const saved = new Map<string, string | undefined>();
  const setEnv = (k: string, v: string | undefined) => {
    if (!saved.has(k)) saved.set(k, process.env[k]);
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-e2e-creds-'));
    // The AWS default chain must find nothing of the machine's own.
    setEnv('AWS_ACCESS_KEY_ID', undefined);
    setEnv('AWS_SECRET_ACCESS_KEY', undefined);
    setEnv('AWS_SESSION_TOKEN', undefined);
    setEnv('AWS_PROFILE', undefined);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  /** `sluice validate`'s problems for these manifests (load, validate, compile without running). */
  function validate(name: string, yaml: string): { problems: Problem[]; errors: Problem[]; file: string } {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, TEST_GATEWAY_YAML + yaml);
    const config = loadConfig([file]);
    const snapshot = hasErrors(config.problems) ? undefined : dryCompile(config);
    const problems = allProblems(config, snapshot);
    return { problems, errors: problems.filter((p) => p.severity === 'error'), file };
  }

  /** The one error about `resource`, with its field; every problem is checked for secrets. */
  function theError(r: { errors: Problem[]; problems: Problem[] }, resource: string, field: string): Problem {
    for (const p of r.problems) {
      const text = formatProblem(p);
      for (const secret of [AWS_SECRET, AWS_ID, 'sk-ant-creds-key']) assert.ok(!text.includes(secret), `a secret appears in: ${text}`);
    }
    const mine = r.errors.filter((p) => p.resource === resource && p.field === field);
    assert.equal(mine.length, 1, `expected one error on ${resource} ${field}; got:\n${r.problems.map(formatProblem).join('\n')}`);
    return mine[0]!;
  }

  it('a Secret without the key the policy type reads (apiKey)', () => {
    const r = validate('missing-key', anthropicYaml('apiVersion: v1\nkind: Secret\nmetadata: {name: anthropic-key, namespace: default}\nstringData: {api-key: sk-ant-creds-key}\n'));
    const p = theError(r, 'BackendSecurityPolicy default/anthropic-key', 'spec.anthropicAPIKey.secretRef.name');
    assert.match(p.message, /Secret default\/anthropic-key has no key "apiKey" \(it has "api-key"\)/);
    assert.match(p.message, /add the key "apiKey" to Secret default\/anthropic-key/);
    assert.ok(p.location && p.location.file === r.file && p.location.line > 1, 'the problem points at the line');
  });

  it('a Secret that does not exist', () => {
    const r = validate('missing-secret', anthropicYaml(''));
    const p = theError(r, 'BackendSecurityPolicy default/anthropic-key', 'spec.anthropicAPIKey.secretRef.name');
    assert.match(p.message, /Secret default\/anthropic-key not found/);
    assert.match(p.message, /kubectl create secret generic anthropic-key -n default --from-literal=apiKey=/);
  });

  it('AWSCredentials whose Secret lacks the "credentials" key', () => {
    const r = validate('aws-no-credentials-key', bedrockYaml('bedrock-runtime.us-east-1.amazonaws.com', '{region: us-east-1, credentialsFile: {secretRef: {name: aws-credentials}}}', iniSecret('aws-credentials', 'config')));
    const p = theError(r, 'BackendSecurityPolicy default/bedrock-credentials', 'spec.awsCredentials.credentialsFile.secretRef.name');
    assert.match(p.message, /has no key "credentials"/);
  });

  it('AWSCredentials naming a profile the credentials file does not have', () => {
    const r = validate('aws-no-profile', bedrockYaml('bedrock-runtime.us-east-1.amazonaws.com', '{region: us-east-1, credentialsFile: {secretRef: {name: aws-credentials}, profile: prod}}', iniSecret()));
    const p = theError(r, 'BackendSecurityPolicy default/bedrock-credentials', 'spec.awsCredentials.credentialsFile.profile');
    assert.match(p.message, /\[prod\]/);
    assert.match(p.message, /set credentialsFile\.profile to one of its profiles or add \[prod\]/);
  });

  it('AWSCredentials from the default chain with an unreadable shared credentials file (missing, and a directory)', () => {
    for (const [label, path, code] of [
      ['missing', join(dir, 'no-such-credentials'), 'ENOENT'],
      ['a directory', join(dir, 'credentials-dir'), 'EISDIR'],
    ] as const) {
      if (code === 'EISDIR') mkdirSync(path, { recursive: true });
      setEnv('AWS_SHARED_CREDENTIALS_FILE', path);
      const r = validate(`aws-file-${code}`, bedrockYaml('bedrock-runtime.us-east-1.amazonaws.com', '{region: us-east-1}'));
      const p = theError(r, 'BackendSecurityPolicy default/bedrock-credentials', 'spec.awsCredentials.credentialsFile');
      assert.ok(p.message.includes(`cannot read file ${path} (${code})`), `${label}: ${p.message}`);
      assert.match(p.message, /set credentialsFile\.secretRef to a Secret with the key "credentials"/);
    }
    setEnv('AWS_SHARED_CREDENTIALS_FILE', undefined);
  });

  it('GCPCredentials without a key file, and GOOGLE_APPLICATION_CREDENTIALS naming an unreadable file', () => {
    const path = join(dir, 'no-such-service-account.json');
    setEnv('GOOGLE_APPLICATION_CREDENTIALS', path);
    const r = validate(
      'gcp-file',
      `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: vertex, namespace: default}
spec:
  endpoints: [{fqdn: {hostname: us-central1-aiplatform.googleapis.com, port: 443}}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: vertex, namespace: default}
spec:
  schema: {name: GCPVertexAI}
  backendRef: {name: vertex, kind: Backend, group: gateway.envoyproxy.io}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: vertex-credentials, namespace: default}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: vertex}]
  type: GCPCredentials
  gcpCredentials: {projectName: my-project, region: us-central1}
`,
    );
    setEnv('GOOGLE_APPLICATION_CREDENTIALS', undefined);
    const errors = r.errors.filter((p) => p.resource === 'BackendSecurityPolicy default/vertex-credentials');
    assert.equal(errors.length, 1, r.problems.map(formatProblem).join('\n'));
    assert.ok(errors[0]!.message.includes(path), errors[0]!.message);
    assert.match(errors[0]!.field ?? '', /^spec\.gcpCredentials/);
  });

  it('AWSCredentials whose region is not the region of the Bedrock endpoint', () => {
    const r = validate('aws-wrong-region', bedrockYaml('bedrock-runtime.us-west-2.amazonaws.com', '{region: us-east-1, credentialsFile: {secretRef: {name: aws-credentials}}}', iniSecret()));
    const p = theError(r, 'BackendSecurityPolicy default/bedrock-credentials', 'spec.awsCredentials.region');
    assert.match(p.message, /is us-east-1, but AIServiceBackend default\/bedrock sends to bedrock-runtime\.us-west-2\.amazonaws\.com in region us-west-2/);
    assert.match(p.message, /Set region: us-west-2/);
  });

  it('AWSCredentials with a region that is not a region name', () => {
    const r = validate('aws-bad-region', bedrockYaml('bedrock-runtime.us-east-1.amazonaws.com', '{region: us-east, credentialsFile: {secretRef: {name: aws-credentials}}}', iniSecret()));
    const p = theError(r, 'BackendSecurityPolicy default/bedrock-credentials', 'spec.awsCredentials.region');
    assert.match(p.message, /"us-east" is not an AWS region name/);
  });

  it('`sluice run` (Gateway.start) refuses the whole configuration with the same problem', async () => {
    const file = join(dir, 'run', 'manifests.yaml');
    mkdirSync(join(dir, 'run'), { recursive: true });
    writeFileSync(
      file,
      TEST_GATEWAY_YAML +
        anthropicYaml('apiVersion: v1\nkind: Secret\nmetadata: {name: anthropic-key, namespace: default}\nstringData: {api-key: sk-ant-creds-key}\n') +
        `---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: claude, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: claude}]}]
      backendRefs: [{name: anthropic}]
`,
    );
    await assert.rejects(Gateway.start({ files: [file], port: 0, adminPort: false, watch: false, log: () => undefined }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      const p = e.problems.find((x) => x.severity === 'error' && x.resource === 'BackendSecurityPolicy default/anthropic-key');
      assert.ok(p, e.message);
      assert.equal(p.field, 'spec.anthropicAPIKey.secretRef.name');
      assert.ok(e.message.includes('BackendSecurityPolicy default/anthropic-key: spec.anthropicAPIKey.secretRef.name: Secret default/anthropic-key has no key "apiKey"'), e.message);
      assert.ok(!e.message.includes('sk-ant-creds-key'));
      return true;
    });
  });

  it(
    'served anyway (invalidReferences: serve, as a controller does): the backend of a refused policy fails closed, the client\'s key is not forwarded',
    async () => {
      const seen: IncomingHttpHeaders[] = [];
      const upstream = createServer((req, res) => {
        seen.push(req.headers);
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}');
        });
      });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      const port = (upstream.address() as AddressInfo).port;
      const yaml = anthropicYaml('apiVersion: v1\nkind: Secret\nmetadata: {name: anthropic-key, namespace: default}\nstringData: {api-key: sk-ant-creds-key}\n')
        .replace('endpoints: [{fqdn: {hostname: api.anthropic.com, port: 443}}]', `endpoints: [{ip: {address: 127.0.0.1, port: ${port}}}]`);
      const tg = await startTestGateway(
        TEST_GATEWAY_YAML +
          yaml +
          `---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: claude, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: claude}]}]
      backendRefs: [{name: anthropic}]
`,
        { invalidReferences: 'serve' },
      );
      try {
        const res = await fetch(`${tg.base}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-must-not-leave' },
          body: JSON.stringify({ model: 'claude', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }),
        });
        const text = await res.text();
        for (const h of seen) assert.ok(!JSON.stringify(h).includes('sk-client-must-not-leave'), `the provider received the client's key: ${JSON.stringify(h)}`);
        assert.equal(res.status, 502, text);
        assert.equal(seen.length, 0, 'nothing is sent to the backend of a refused policy');
        assert.match(text, /BackendSecurityPolicy default\/anthropic-key/);
        assert.match(text, /not Accepted/);
      } finally {
        await tg.close();
        await new Promise<void>((resolve) => upstream.close(() => resolve()));
      }
    },
  );

  it('`sluice validate` prints the problem with file, line, resource, field and fix, and exits 1', () => {
    const r = validate('cli', anthropicYaml('apiVersion: v1\nkind: Secret\nmetadata: {name: anthropic-key, namespace: default}\nstringData: {api-key: sk-ant-creds-key}\n'));
    const out = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'cli', 'main.ts'), 'validate', '-f', r.file], { cwd: repoRoot, encoding: 'utf8', timeout: 100_000 });
    assert.equal(out.status, 1, out.stderr);
    assert.match(out.stderr, new RegExp(`${r.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+ \\(document \\d+\\): error: BackendSecurityPolicy default/anthropic-key: spec\\.anthropicAPIKey\\.secretRef\\.name: Secret default/anthropic-key has no key "apiKey"`));
    assert.ok(!out.stderr.includes('sk-ant-creds-key') && !out.stdout.includes('sk-ant-creds-key'));
    assert.match(out.stdout, /1 error\(s\)/);
  });
});

// ---------------------------------------------------------------------------------------------
// Providers refusing the gateway's credential.

// Random-looking keys: no five characters of them occur in a resource name or a message.
const RIGHT = { vllm: 'sk-v7QpZr2Lk9xTm4Nd', anthropic: 'sk-ant-J3fW8qVb1Rz6Yc0H', azure: 'az5Kp3nV8bQe2Xr7Tw' } as const;
const WRONG = { vllm: 'sk-v1GhU4oPq8Jf5Sb3', anthropic: 'sk-ant-M6tD9uLx2Ne4Ak7P', azure: 'az9Wc2Hy5Fm1Zj6Qs', awsSecret: 'Tq4Rw8Yz1Bv6Nx3Mc0Pl5Kj' } as const;
const CLIENT_KEY = 'sk-client-creds-secret';

function sim(name: string, args: readonly string[]): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
        - name: sim
          image: ${SIM_IMAGE}
          args: ${JSON.stringify(['--port', '8000', ...args])}
          ports: [{containerPort: 8000}]
---
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  selector: {app: ${name}}
  ports: [{port: 80, targetPort: 8000}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: ${name}}
spec:
  endpoints: [{fqdn: {hostname: ${name}.default.svc.cluster.local, port: 80}}]
---
`;
}

/** An AIServiceBackend `name` on Backend `backend`, its policy, and a route for model `name`. */
function refusing(name: string, backend: string, schema: string, policySpec: string, model: string): string {
  return `apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: ${name}}
spec:
  schema: {name: ${schema}${schema === 'AzureOpenAI' ? ', version: "2024-10-21"' : ''}}
  backendRef: {name: ${backend}, kind: Backend, group: gateway.envoyproxy.io}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: ${name}}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: ${name}}]
${policySpec}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: ${name}}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${name}}]}]
      backendRefs: [{name: ${name}, modelNameOverride: "${model}"}]
---
`;
}

const secret = (name: string, data: string) => `apiVersion: v1\nkind: Secret\nmetadata: {name: ${name}}\nstringData:\n${data}\n---\n`;

const REFUSALS =
  TEST_GATEWAY_YAML +
  sim('vllm', ['--model', 'llama-3.1-8b', '--api-key', RIGHT.vllm]) +
  sim('anthropic', ['--model', 'claude-3-5-haiku-20241022', '--api-key', RIGHT.anthropic]) +
  sim('azure', ['--model', 'gpt-4o-mini', '--api-key', RIGHT.azure]) +
  sim('bedrock', ['--model', 'anthropic.claude-3-5-haiku-20241022-v1:0', '--aws-access-key-id', AWS_ID, '--aws-secret-access-key', AWS_SECRET, '--aws-region', 'us-east-1']) +
  secret('vllm-wrong', `  apiKey: ${WRONG.vllm}`) +
  secret('anthropic-wrong', `  apiKey: ${WRONG.anthropic}`) +
  secret('azure-wrong', `  apiKey: ${WRONG.azure}`) +
  secret('aws-right', `  credentials: |\n    [default]\n    aws_access_key_id = ${AWS_ID}\n    aws_secret_access_key = ${AWS_SECRET}`) +
  secret('aws-wrong', `  credentials: |\n    [default]\n    aws_access_key_id = ${AWS_ID}\n    aws_secret_access_key = ${WRONG.awsSecret}`) +
  refusing('vllm-wrong-key', 'vllm', 'OpenAI', '  type: APIKey\n  apiKey: {secretRef: {name: vllm-wrong}}', 'llama-3.1-8b') +
  refusing('anthropic-wrong-key', 'anthropic', 'Anthropic', '  type: AnthropicAPIKey\n  anthropicAPIKey: {secretRef: {name: anthropic-wrong}}', 'claude-3-5-haiku-20241022') +
  refusing('azure-wrong-key', 'azure', 'AzureOpenAI', '  type: AzureAPIKey\n  azureAPIKey: {secretRef: {name: azure-wrong}}', 'gpt-4o-mini') +
  refusing('bedrock-wrong-region', 'bedrock', 'AWSBedrock', '  type: AWSCredentials\n  awsCredentials: {region: us-west-2, credentialsFile: {secretRef: {name: aws-right}}}', 'anthropic.claude-3-5-haiku-20241022-v1:0') +
  refusing('bedrock-wrong-secret', 'bedrock', 'AWSBedrock', '  type: AWSCredentials\n  awsCredentials: {region: us-east-1, credentialsFile: {secretRef: {name: aws-wrong}}}', 'anthropic.claude-3-5-haiku-20241022-v1:0');

interface Refusal {
  readonly model: string;
  readonly backend: string;
  readonly status: number;
  /** What the provider's refusal says (passed on). */
  readonly says: RegExp;
  /** Secrets of this backend that must not reach the client, not even in part. */
  readonly secrets: readonly string[];
}

const CASES: readonly Refusal[] = [
  { model: 'vllm-wrong-key', backend: 'AIServiceBackend default/vllm-wrong-key', status: 401, says: /Incorrect API key provided/, secrets: [WRONG.vllm, RIGHT.vllm] },
  { model: 'anthropic-wrong-key', backend: 'AIServiceBackend default/anthropic-wrong-key', status: 401, says: /invalid x-api-key/, secrets: [WRONG.anthropic, RIGHT.anthropic] },
  { model: 'azure-wrong-key', backend: 'AIServiceBackend default/azure-wrong-key', status: 401, says: /Access denied due to invalid subscription key/, secrets: [WRONG.azure, RIGHT.azure] },
  { model: 'bedrock-wrong-region', backend: 'AIServiceBackend default/bedrock-wrong-region', status: 403, says: /InvalidSignatureException/, secrets: [AWS_SECRET] },
  { model: 'bedrock-wrong-secret', backend: 'AIServiceBackend default/bedrock-wrong-secret', status: 403, says: /InvalidSignatureException/, secrets: [AWS_SECRET, WRONG.awsSecret] },
];

/** Every run of 5 or more characters of `secret`: a masked key ("sk-ab***wxyz") shows a part. */
function fragments(secret: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 5 <= secret.length; i++) out.push(secret.slice(i, i + 5));
  return out;
}

describe("a provider refusing the gateway's credential", () => {
  let tg: TestGateway;
  const client = () => new OpenAI({ baseURL: `${tg.base}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });

  before(async () => {
    tg = await startTestGateway(REFUSALS, { simulatorDefaults: { prefillOverheadMs: 0, prefillTimePerTokenMs: 0, interTokenLatencyMs: 0, timeToFirstTokenMs: 0 } });
  });
  after(async () => {
    await tg?.close();
  });

  async function refusal(model: string, stream: boolean): Promise<{ status: number; body: Record<string, unknown>; raw: string }> {
    const res = await fetch(`${tg.base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, stream }),
    });
    const raw = await res.text();
    return { status: res.status, body: JSON.parse(raw) as Record<string, unknown>, raw };
  }

  for (const c of CASES) {
    it(`${c.model}: an error in the OpenAI shape, whole and streamed, without the key`, async () => {
      for (const stream of [false, true]) {
        const r = await refusal(c.model, stream);
        // The provider's 401/403 is the gateway's credential failing: a 502 that names the backend.
        assert.equal(r.status, 502, r.raw);
        const error = r.body['error'] as Record<string, unknown> | undefined;
        assert.ok(error, r.raw);
        assert.deepEqual(Object.keys(error).filter((k) => ['message', 'type', 'param', 'code'].includes(k)).sort(), ['code', 'message', 'param', 'type']);
        assert.equal(typeof error['message'], 'string');
        assert.equal(error['code'], 'upstream_auth_failed');
        assert.ok(String(error['message']).includes(`HTTP ${c.status}`), String(error['message']));
        for (const s of [...c.secrets, CLIENT_KEY]) assert.ok(!r.raw.includes(s), `the answer holds a secret: ${r.raw}`);
      }
      // The official client raises it as an APIError.
      await assert.rejects(client().chat.completions.create({ model: c.model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }), (e: unknown) => {
        assert.ok(e instanceof OpenAI.APIError);
        assert.equal(e.status, 502);
        return true;
      });
    });

    it(
      `${c.model}: the answer names the backend whose credential was refused, and no part of the key`,
      async () => {
        const r = await refusal(c.model, false);
        const message = String((r.body['error'] as Record<string, unknown> | undefined)?.['message']);
        assert.ok(message.includes(c.backend), message);
        assert.ok(message.includes(`BackendSecurityPolicy default/${c.model}`), message);
        for (const s of c.secrets) for (const f of fragments(s)) assert.ok(!r.raw.includes(f), `the answer holds part of a key (${f}): ${r.raw}`);
      },
    );
  }

  it('an Anthropic client gets the refusal in the Anthropic shape', async () => {
    const a = new Anthropic({ baseURL: tg.base, apiKey: CLIENT_KEY, maxRetries: 0 });
    await assert.rejects(a.messages.create({ model: 'bedrock-wrong-region', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => {
      assert.ok(e instanceof Anthropic.APIError);
      const body = e.error as { type?: string; error?: { type?: string; message?: string } } | undefined;
      assert.equal(body?.type, 'error');
      assert.equal(e.status, 502);
      assert.equal(body?.error?.type, 'api_error');
      assert.match(String(body?.error?.message), /AIServiceBackend default\/bedrock-wrong-region refused the credential from BackendSecurityPolicy default\/bedrock-wrong-region \(HTTP 403\)/);
      assert.ok(!JSON.stringify(body).includes(AWS_SECRET));
      return true;
    });
  });
});
