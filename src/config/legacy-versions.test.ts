// Legacy and unpublished apiVersions: seed 003's InferencePool (`inference.networking.x-k8s.io/v1`,
// with targetPortNumber and extensionRef) is read as the v1alpha2 pool with a deprecation warning that
// shows the modern spelling, and it serves; a known kind in a version Sluice does not read is an error
// naming the versions it does; fields carried over from prose get advice, not just "unknown field".
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startTestGateway } from '../../test/support/gateway.ts';
import type { TestGateway } from '../../test/support/gateway.ts';
import { parseYamlText } from './load.ts';
import { validateDocuments } from './validate.ts';

function validate(yaml: string) {
  const { documents, problems } = parseYamlText('seed.yaml', yaml, {});
  assert.deepEqual(problems, []);
  return validateDocuments(documents);
}

// Seed 003's InferencePool and HTTPRoute, as the user wrote them (names as in the seed).
const SEED_POOL = `apiVersion: inference.networking.x-k8s.io/v1
kind: InferencePool
metadata:
  name: chat-llama3-pool
spec:
  targetPortNumber: 8000
  selector:
    app: chat-llama3
  extensionRef:
    name: prefix-cache-aware
`;

const SEED_ROUTE = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: llm-route
spec:
  parentRefs:
    - name: public-gateway
  rules:
    - matches:
        - path:
            type: PathPrefix
            value: /v1/chat/completions
      backendRefs:
        - group: inference.networking.x-k8s.io
          kind: InferencePool
          name: chat-llama3-pool
`;

describe('legacy apiVersions', () => {
  it("seed 003's InferencePool validates, read as v1alpha2, with one deprecation warning showing the modern spelling", () => {
    const r = validate(SEED_POOL);
    assert.deepEqual(r.problems.filter((p) => p.severity === 'error'), []);
    const warnings = r.problems.filter((p) => p.severity === 'warning');
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.equal(warnings[0]!.field, 'apiVersion');
    assert.equal(warnings[0]!.resource, 'InferencePool default/chat-llama3-pool');
    assert.match(warnings[0]!.message, /not a published version; read as the legacy v1alpha2 InferencePool/);
    assert.match(warnings[0]!.message, /apiVersion: inference\.networking\.k8s\.io\/v1 with spec\.targetPorts/);
    assert.equal(r.resources[0]!.apiVersion, 'inference.networking.x-k8s.io/v1alpha2');
  });

  it('the published v1alpha2 pool is read too, with a deprecation warning', () => {
    const r = validate(SEED_POOL.replace('x-k8s.io/v1', 'x-k8s.io/v1alpha2'));
    assert.deepEqual(r.problems.map((p) => [p.severity, p.field]), [['warning', 'apiVersion']]);
    assert.match(r.problems[0]!.message, /deprecated upstream/);
  });

  it('a known kind in a version Sluice does not read is an error naming the versions it reads', () => {
    const r = validate(SEED_POOL.replace('inference.networking.x-k8s.io/v1', 'inference.networking.k8s.io/v2'));
    assert.equal(r.resources.length, 0);
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0]!.severity, 'error');
    assert.equal(r.problems[0]!.field, 'apiVersion');
    assert.match(r.problems[0]!.message, /inference\.networking\.k8s\.io\/v2 is not a version of InferencePool that Sluice reads; it reads inference\.networking\.k8s\.io\/v1, inference\.networking\.x-k8s\.io\/v1alpha2/);
  });

  it("seed 003's InferenceObjectives: read as v1alpha2, and each carried-over field says what to write instead", () => {
    const r = validate(`apiVersion: inference.networking.x-k8s.io/v1
kind: InferenceObjective
metadata:
  name: chat-critical
spec:
  criticality: Critical
  preferredModel: llama3-70b
  fallbackModel: llama3-8b
`);
    const errors = r.problems.filter((p) => p.severity === 'error');
    const unknown = errors.find((p) => /unknown field "criticality"/.test(p.message));
    assert.ok(unknown, JSON.stringify(errors));
    assert.match(unknown.message, /set spec\.priority.*Critical → 1/);
    assert.match(unknown.message, /unknown field "preferredModel": InferenceObjective does not choose models/);
    assert.ok(r.problems.some((p) => p.severity === 'warning' && p.field === 'apiVersion' && /read as inference\.networking\.x-k8s\.io\/v1alpha2/.test(p.message)));
  });

  it('an unknown kind stays a warning (ignored), not an error', () => {
    const r = validate('apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n');
    assert.deepEqual(r.problems.map((p) => p.severity), ['warning']);
  });
});

describe("seed 003's pool serves", () => {
  let tg: TestGateway | undefined;
  before(async () => {
    tg = await startTestGateway(`apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: public-gateway}
spec:
  gatewayClassName: any
  listeners: [{name: http, protocol: HTTP, port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: chat-llama3}
spec:
  replicas: 2
  selector: {matchLabels: {app: chat-llama3}}
  template:
    metadata: {labels: {app: chat-llama3}}
    spec:
      containers:
        - name: vllm
          image: ghcr.io/llm-d/llm-d-inference-sim:v0.4.0
          args: [--model, llama3-8b, --port, "8000", --time-to-first-token, "0", --inter-token-latency, "0"]
---
${SEED_POOL}---
${SEED_ROUTE}`);
  });
  after(async () => {
    await tg?.close();
  });

  it('the openai client gets a completion through the legacy pool', async () => {
    const client = new OpenAI({ baseURL: `${tg!.base}/v1`, apiKey: 'unused', maxRetries: 0 });
    const c = await client.chat.completions.create({ model: 'llama3-8b', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });
    assert.equal(c.object, 'chat.completion');
    assert.ok((c.usage?.completion_tokens ?? 0) > 0);
  });
});
