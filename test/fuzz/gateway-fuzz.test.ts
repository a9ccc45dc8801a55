// 10,000 fuzzed requests (bench/lib/fuzz-requests.ts) against a running gateway: an AIGatewayRoute to
// a Backend of two simulators (one of them failing: errors, resets, streams cut, hangs) and to an
// InferencePool of emulated simulator replicas, with short route timeouts so that requests to a
// hanging simulator are answered in time. Cases go out
// concurrently, each on its own connection, split across writes. Every case must get an answer, none
// may be a 500 internal_error, the gateway must log no internal error, and it must still serve an
// ordinary request at the end. The seed is printed; SLUICE_FUZZ_SEED and SLUICE_FUZZ_RUNS replay or
// resize a run.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { request } from 'undici';
import { exchange, fuzzCaseArb } from '../../bench/lib/fuzz-requests.ts';
import type { Exchange, FuzzCase } from '../../bench/lib/fuzz-requests.ts';
import { startSimulator } from '../../simulator/server.ts';
import type { RunningSimulator } from '../../simulator/server.ts';
import { TEST_GATEWAY_YAML, startTestGateway } from '../support/gateway.ts';
import type { TestGateway } from '../support/gateway.ts';

const RUNS = Number(process.env['SLUICE_FUZZ_RUNS'] ?? 10_000);
const SEED = Number(process.env['SLUICE_FUZZ_SEED'] ?? Date.now() % 2 ** 31);
const CONCURRENCY = 24;
const MODELS = ['fuzz-backend', 'fuzz-pool'];

function manifests(simPorts: readonly number[]): string {
  const sim = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 1
  selector: {matchLabels: {app: fuzz-pool}}
  template:
    metadata: {labels: {app: fuzz-pool}}
    spec:
      containers:
        - name: sim
          image: ghcr.io/llm-d/llm-d-inference-sim:v0.4.0
          args: [--model, fuzz-model, --served-model-name, fuzz-pool, fuzz-backend, --inter-token-latency, "0", --max-num-seqs, "64", --seed, "7"]
          ports: [{containerPort: 8000}]
---
`;
  return `${TEST_GATEWAY_YAML}${sim('pool-a')}${sim('pool-b')}apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: fuzz-pool}
spec:
  selector: {matchLabels: {app: fuzz-pool}}
  targetPorts: [{number: 8000}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: sims}
spec:
  endpoints:
${simPorts.map((p) => `    - ip: {address: 127.0.0.1, port: ${p}}`).join('\n')}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: sims}
spec:
  schema: {name: OpenAI}
  backendRef: {name: sims, kind: Backend, group: gateway.envoyproxy.io}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: fuzz}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: fuzz-backend}]}]
      backendRefs: [{name: sims}]
      timeouts: {request: 2s}
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: fuzz-pool}]}]
      backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: fuzz-pool}]
      timeouts: {request: 2s}
`;
}

describe('gateway fuzz', () => {
  let t: TestGateway;
  const sims: RunningSimulator[] = [];
  const logs: string[] = [];

  before(async () => {
    // One well-behaved simulator and one that fails: errors, resets, streams cut mid-way, now and then a hang.
    sims.push(await startSimulator({ model: 'fuzz-model', servedModelNames: MODELS, port: 0, interTokenLatencyMs: 0, maxNumSeqs: 64, seed: 1 }));
    sims.push(
      await startSimulator({
        model: 'fuzz-model',
        servedModelNames: MODELS,
        port: 0,
        interTokenLatencyMs: 0,
        maxNumSeqs: 64,
        seed: 2,
        failureInjectionRate: 10,
        failureTypes: [],
        failureStatuses: [500, 503, 429],
        faultResetRate: 3,
        faultAbortRate: 5,
        faultHangRate: 0.5,
      }),
    );
    t = await startTestGateway(manifests(sims.map((s) => s.port)), { log: (l: string) => logs.push(l) });
  });
  after(async () => {
    await t?.close();
    await Promise.all(sims.map((s) => s.close()));
  });

  const failures: { c: FuzzCase; r: Exchange; why: string }[] = [];
  const show = (list: typeof failures) => list.slice(0, 5).map((f) => `${f.why}: ${f.c.label}\n--- request (first 400 bytes)\n${f.c.raw.subarray(0, 400).toString('latin1')}\n--- answer\n${f.r.text.slice(0, 400)}`);

  it(`answers ${RUNS} fuzzed requests without a crash or an internal_error (seed ${SEED})`, { timeout: 240_000 }, async (ctx) => {
    const port = Number(new URL(t.base).port);
    const cases = fc.sample(fuzzCaseArb({ models: MODELS }), { seed: SEED, numRuns: RUNS });
    const byStatus = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        const r = await exchange(port, c, 20_000);
        byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
        const why = r.internalError ? 'internal_error' : r.status === 0 ? (r.timedOut ? 'no answer within 20 s' : 'connection closed without an answer') : '';
        if (why) failures.push({ c, r, why });
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;
    ctx.diagnostic(`${RUNS} cases in ${seconds.toFixed(1)} s, seed ${SEED}; statuses ${[...byStatus].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}: ${n}`).join(', ')}`);
    // A crash takes this process down; an internal error shows as an answer or a log line; a gateway
    // that stops answering shows as cases without an answer in 20 s (its timeouts are 2 s).
    const hard = failures.filter((f) => f.why !== 'connection closed without an answer');
    assert.deepEqual(show(hard), [], `${hard.length} failing cases (seed ${SEED})`);
    const internal = logs.filter((l) => l.includes('internal error'));
    assert.deepEqual(internal.slice(0, 3), [], 'the gateway logged internal errors');
    // Still serving.
    const ok = await request(`${t.base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'fuzz-backend', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }) });
    assert.equal(ok.statusCode, 200, await ok.body.text());
    await ok.body.dump().catch(() => undefined);
  });

  // A translated, non-streamed answer (a Gemini or Anthropic client in front of the OpenAI backend)
  // whose upstream body is cut half-way reached the client with nothing: it is answered with a 502 in
  // the client's schema (upstream/send.ts holds the head until the first byte goes out).
  it('every fuzzed request gets an answer', () => {
    const closed = failures.filter((f) => f.why === 'connection closed without an answer');
    assert.deepEqual(show(closed), [], `${closed.length} cases closed without an answer (seed ${SEED})`);
  });
});
