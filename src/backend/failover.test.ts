// Endpoint health and retries through the running gateway, with simulated replicas: a replica that
// dies stops costing clients anything (its refused connections are retried on another endpoint and
// it is ejected), a replica that fails 20% of requests is hidden by a BackendTrafficPolicy retry, and
// a hanging replica costs one per-try timeout per ejection window, not one per request. Same for an
// InferencePool and for a Backend of three endpoints.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { request } from 'undici';
import { startSimulator } from '../../simulator/server.ts';
import { parseSimulatorArgs } from '../../simulator/options.ts';
import { TEST_GATEWAY_YAML, startTestGateway } from '../../test/support/gateway.ts';
import type { TestGateway } from '../../test/support/gateway.ts';

type Sim = Awaited<ReturnType<typeof startSimulator>>;

async function sim(extra: string[] = []): Promise<Sim> {
  const { options } = parseSimulatorArgs(['--model', 'm', '--time-to-first-token', '0', '--inter-token-latency', '0', ...extra], { host: '127.0.0.1' });
  return startSimulator({ ...options, port: 0 });
}

/** A TCP server that accepts connections and never answers (a hung replica). */
async function hanging(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const portOf = (s: Sim) => Number(new URL(s.url).port);

function manifests(ports: readonly number[], policy = ''): string {
  return `${TEST_GATEWAY_YAML}apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: replicas}
spec:
  endpoints:
${ports.map((p) => `    - ip: {address: 127.0.0.1, port: ${p}}`).join('\n')}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: m}]}]
      backendRefs: [{name: replicas}]
---
${policy}`;
}

async function chat(base: string): Promise<number> {
  const res = await request(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }) });
  const text = await res.body.text();
  if (res.statusCode !== 200 && process.env['DEBUG_FAILOVER']) process.stderr.write(`${res.statusCode} ${text}\n`);
  return res.statusCode;
}

describe('a Backend of three replicas, one failing 20% and one killed', () => {
  let t: TestGateway;
  const sims: Sim[] = [];

  before(async () => {
    sims.push(await sim(), await sim(['--failure-injection-rate', '20', '--failure-types', '503']), await sim());
    // The retry policy hides the flaky replica's 503s; connection failures need no policy.
    t = await startTestGateway(
      manifests(
        sims.map(portOf),
        `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: retry}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]
  retry:
    numRetries: 2
    retryOn: {triggers: [connect-failure, reset], httpStatusCodes: [503]}
    perRetry: {backOff: {baseInterval: 1ms}}
`,
      ),
    );
  });
  after(async () => {
    await t?.close();
    for (const s of sims) await s?.close().catch(() => undefined);
  });

  it('every request succeeds, before and after the kill', async () => {
    const before = await Promise.all(Array.from({ length: 60 }, () => chat(t.base)));
    assert.deepEqual(before.filter((s) => s !== 200), []);
    await sims[2]!.close();
    const afterKill: number[] = [];
    for (let i = 0; i < 10; i++) afterKill.push(...(await Promise.all(Array.from({ length: 20 }, () => chat(t.base)))));
    assert.deepEqual(afterKill.filter((s) => s !== 200), [], `failures after the kill: ${afterKill.filter((s) => s !== 200).join(',')}`);
  });
});

describe('a replica that hangs', () => {
  let t: TestGateway;
  let hung: Awaited<ReturnType<typeof hanging>>;
  const sims: Sim[] = [];

  before(async () => {
    hung = await hanging();
    sims.push(await sim(), await sim());
    t = await startTestGateway(
      manifests(
        [...sims.map(portOf), hung.port],
        `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: per-try}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]
  retry:
    numRetries: 2
    retryOn: {triggers: [connect-failure, reset, deadline-exceeded]}
    perRetry: {timeout: 150ms}
  healthCheck:
    passive: {splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailures: 1, baseEjectionTime: 60s, maxEjectionPercent: 50}
`,
      ),
    );
  });
  after(async () => {
    await t?.close();
    await hung?.close();
    for (const s of sims) await s?.close();
  });

  it('costs one per-try timeout per ejection window, not one per request', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push(await chat(t.base));
    assert.deepEqual(statuses.filter((s) => s !== 200), []);
    const timeouts = t.gw.flowLog.records().reduce((n, r) => n + (r.attemptErrors ?? []).filter((e) => e === 'upstream_timeout').length, 0);
    assert.ok(timeouts <= 1, `per-try timeouts spent on the hung replica: ${timeouts}`);
  });
});
