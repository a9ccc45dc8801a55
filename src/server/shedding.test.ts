// Priority admission through the running gateway: with the pool saturated (one simulated replica,
// one running slot, a queue longer than the saturation threshold), a sheddable request (priority < 0)
// gets 429 at once while a critical one (priority >= 0) is admitted and completes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { TEST_GATEWAY_YAML, startTestGateway } from '../../test/support/gateway.ts';
import type { TestGateway } from '../../test/support/gateway.ts';

const MANIFESTS = `${TEST_GATEWAY_YAML}apiVersion: apps/v1
kind: Deployment
metadata: {name: sim}
spec:
  replicas: 1
  selector: {matchLabels: {app: sim}}
  template:
    metadata: {labels: {app: sim}}
    spec:
      containers:
        - name: sim
          image: ghcr.io/llm-d/llm-d-inference-sim:v0.4.0
          args: [--model, m, --port, "8000", --max-num-seqs, "1", --time-to-first-token, 400ms, --inter-token-latency, "0"]
---
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool}
spec:
  selector: {matchLabels: {app: sim}}
  targetPorts: [{number: 8000}]
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceObjective
metadata: {name: critical}
spec: {priority: 10, poolRef: {name: pool}}
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceObjective
metadata: {name: batch}
spec: {priority: -1, poolRef: {name: pool}}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: m}]}]
      backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: pool}]
`;

/** Requests that saturate the single-slot replica: 1 running, the rest waiting. */
const FILLERS = 12;

describe('priority admission under saturation', () => {
  let t: TestGateway;
  let base: string;

  before(async () => {
    t = await startTestGateway(MANIFESTS);
    base = t.base;
  });
  after(() => t?.close());

  const send = (objective: string) =>
    request(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gateway-inference-objective': objective },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: 1 }),
    });

  it('sheds priority < 0 with 429 and admits priority >= 0', async () => {
    // Fill the replica: 1 running + 11 waiting (> the queue-depth threshold of 5). One request takes
    // 400 ms, so the queue stays above the threshold for ~2.4 s after it forms: the shed request below
    // meets a saturated pool even on a loaded machine (a shorter window made this test flaky).
    const filling = Array.from({ length: FILLERS }, () => send('critical'));
    // Wait until the scraped metrics show the queue (bounded: the simulator answers in ~5 s in all).
    const pool = t.gw.snapshot!.pools.get('default/pool')!;
    const deadline = Date.now() + 10_000;
    while (pool.endpoints[0]!.metrics.waiting <= 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(pool.endpoints[0]!.metrics.waiting > 5, `queue seen by the picker: ${pool.endpoints[0]!.metrics.waiting}`);

    const shed = await send('batch');
    assert.equal(shed.statusCode, 429);
    assert.ok(shed.headers['retry-after']);
    const body = (await shed.body.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'shed');

    const critical = await send('critical');
    assert.equal(critical.statusCode, 200);
    await critical.body.dump();
    for (const r of await Promise.all(filling)) {
      assert.equal(r.statusCode, 200);
      await r.body.dump();
    }
  });
});

describe('priority admission with flow control', () => {
  let t: TestGateway;

  before(async () => {
    // The same pool, with an epp whose EndpointPickerConfig turns flow control on.
    const withFlowControl = MANIFESTS.replace(
      'spec:\n  selector: {matchLabels: {app: sim}}\n  targetPorts: [{number: 8000}]',
      'spec:\n  selector: {matchLabels: {app: sim}}\n  targetPorts: [{number: 8000}]\n  endpointPickerRef: {name: epp, port: {number: 9002}}',
    );
    assert.notEqual(withFlowControl, MANIFESTS);
    t = await startTestGateway(`${withFlowControl}---
apiVersion: v1
kind: Service
metadata: {name: epp}
spec:
  selector: {app: epp}
  ports: [{port: 9002}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: epp}
spec:
  selector: {matchLabels: {app: epp}}
  template:
    metadata: {labels: {app: epp}}
    spec:
      containers:
        - name: epp
          image: registry.k8s.io/gateway-api-inference-extension/epp:v1.0.1
          args: [--config-file, /config/epp.yaml]
          volumeMounts: [{name: config, mountPath: /config}]
      volumes: [{name: config, configMap: {name: epp-config}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: epp-config}
data:
  epp.yaml: |
    apiVersion: inference.networking.x-k8s.io/v1alpha1
    kind: EndpointPickerConfig
    featureGates: [flowControl]
    flowControl: {defaultRequestTTL: 20s}
`);
  });
  after(() => t?.close());

  it('queues a sheddable request while the pool is saturated instead of rejecting it', async () => {
    const send = (objective: string) =>
      request(`${t.base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-gateway-inference-objective': objective },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: 1 }),
      });
    const filling = Array.from({ length: FILLERS }, () => send('critical'));
    const pool = t.gw.snapshot!.pools.get('default/pool')!;
    const deadline = Date.now() + 10_000;
    while (pool.endpoints[0]!.metrics.waiting <= 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(pool.endpoints[0]!.metrics.waiting > 5, 'saturated');
    const batch = await send('batch');
    assert.equal(batch.statusCode, 200, 'served once the queue drained');
    await batch.body.dump();
    for (const r of await Promise.all(filling)) {
      assert.equal(r.statusCode, 200);
      await r.body.dump();
    }
  });
});
