// What the chaos benchmark runs: three simulator processes behind a Backend (one failing 20 % of
// requests, one to be killed, one hanging every request), three emulated simulator replicas in an
// InferencePool with the same three roles, and a Sluice process serving both through one
// AIGatewayRoute, watching its manifest (the benchmark touches it every second). Everything binds to
// 127.0.0.1 and is registered in children.ts for cleanup.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { onCleanup, spawnChild } from './children.ts';
import type { Child } from './children.ts';
import { PROJECT_ROOT, freePort, waitHttp } from './targets.ts';
import type { Runtime } from './targets.ts';

export const POOL_MODEL = 'chaos-pool';
export const BACKEND_MODEL = 'chaos-backend';
export const CHAOS_MODELS = [POOL_MODEL, BACKEND_MODEL] as const;

/** The three roles every group has: failing 20 %, killed mid-run, hanging. */
export type Role = 'fail' | 'kill' | 'hang';
export const ROLES: readonly Role[] = ['fail', 'kill', 'hang'];

/** Simulator flags of each role (the killed one behaves until it is killed). */
export function roleArgs(role: Role): string[] {
  const common = ['--model', 'chaos-model', '--served-model-name', POOL_MODEL, BACKEND_MODEL, '--max-num-seqs', '32'];
  if (role === 'fail') return [...common, '--failure-injection-rate', '20', '--failure-types', '503'];
  if (role === 'hang') return [...common, '--fault-hang-rate', '100'];
  return common;
}

export interface SimProcess {
  readonly role: Role;
  readonly child: Child;
  readonly port: number;
}

/** One `sluice sim` process. */
export async function startSimProcess(rt: Runtime, role: Role, echo: boolean): Promise<SimProcess> {
  const child = spawnChild(`sim-${role}`, process.execPath, [...rt.sluice, 'sim', ...roleArgs(role), '--port', '0', '--seed', String(ROLES.indexOf(role) + 1)], { cwd: PROJECT_ROOT, echo });
  const port = await child.waitForLine((line) => {
    const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
    return m ? Number(m[1]) : undefined;
  }, 30_000);
  return { role, child, port };
}

/** The manifests: pool replicas as Deployments (emulated in the gateway), the Backend over the simulator processes. */
export function chaosManifests(backendPorts: readonly number[], requestTimeout: string): string {
  const deployment = (role: Role) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: pool-${role}}
spec:
  replicas: 1
  selector: {matchLabels: {app: chaos-pool, role: ${role}}}
  template:
    metadata: {labels: {app: chaos-pool, role: ${role}}}
    spec:
      containers:
        - name: sim
          image: ghcr.io/llm-d/llm-d-inference-sim:v0.4.0
          args: [${roleArgs(role)
            .map((a) => JSON.stringify(a))
            .join(', ')}, "--port", "8000"]
          ports: [{containerPort: 8000}]
---
`;
  return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: chaos}
spec:
  gatewayClassName: sluice
  listeners: [{name: http, protocol: HTTP, port: 8080}]
---
${ROLES.map(deployment).join('')}apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: chaos-pool}
spec:
  selector: {matchLabels: {app: chaos-pool}}
  targetPorts: [{number: 8000}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: chaos-backend}
spec:
  endpoints:
${backendPorts.map((p) => `    - ip: {address: 127.0.0.1, port: ${p}}`).join('\n')}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: chaos-backend}
spec:
  schema: {name: OpenAI}
  backendRef: {name: chaos-backend, kind: Backend, group: gateway.envoyproxy.io}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: chaos}
spec:
  parentRefs: [{name: chaos}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${POOL_MODEL}}]}]
      backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: chaos-pool}]
      timeouts: {request: ${requestTimeout}}
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${BACKEND_MODEL}}]}]
      backendRefs: [{name: chaos-backend}]
      timeouts: {request: ${requestTimeout}}
`;
}

export interface ChaosGateway {
  readonly child: Child;
  readonly port: number;
  readonly adminPort: number;
  /** The manifest file (touched to reload). */
  readonly manifest: string;
  /** Log lines that report an internal error, so far. */
  internalErrorLines(): readonly string[];
}

/** `sluice run` as targets.ts starts it, but watching its manifest (reloads are part of the chaos). */
export async function startChaosGateway(rt: Runtime, manifests: string, echo: boolean): Promise<ChaosGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-chaos-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const manifest = join(dir, 'chaos.yaml');
  writeFileSync(manifest, manifests);
  const port = await freePort();
  const adminPort = await freePort();
  const child = spawnChild('sluice', process.execPath, [...rt.sluice, 'run', '-f', dir, '--port', String(port), '--admin-port', String(adminPort)], { cwd: PROJECT_ROOT, echo });
  const internal: string[] = [];
  let pending = '';
  const scan = (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) if (/internal error/i.test(l)) internal.push(l);
  };
  child.proc.stdout?.on('data', scan);
  child.proc.stderr?.on('data', scan);
  await waitHttp(child, `http://127.0.0.1:${adminPort}/readyz`, 60_000, (s) => s === 200);
  return { child, port, adminPort, manifest, internalErrorLines: () => internal };
}

export interface StatusView {
  readonly generation: number;
  readonly pools: readonly { name: string; endpoints: readonly { pod: string; address: string; ready: boolean }[] }[];
}

export async function gatewayStatus(adminPort: number): Promise<StatusView> {
  const res = await request(`http://127.0.0.1:${adminPort}/api/status`, { headersTimeout: 5000, bodyTimeout: 5000 });
  return (await res.body.json()) as StatusView;
}

/** Waits until the pool has an endpoint for each role; returns role → address (host:port). */
export async function poolReplicas(adminPort: number, timeoutMs: number): Promise<Map<Role, string>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await gatewayStatus(adminPort).catch(() => undefined);
    const pool = status?.pools.find((p) => p.name === 'chaos-pool');
    const found = new Map<Role, string>();
    for (const e of pool?.endpoints ?? []) {
      const role = ROLES.find((r) => e.pod.startsWith(`pool-${r}-`));
      if (role && e.ready) found.set(role, e.address);
    }
    if (found.size === ROLES.length) return found;
    if (Date.now() > deadline) throw new Error(`the pool's replicas were not all ready within ${timeoutMs} ms (found ${[...found.keys()].join(', ') || 'none'})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * "Kills" an emulated pool replica, which lives inside the gateway process: every new connection to it
 * is reset and its readiness fails, as a crashed pod's address behaves until Kubernetes removes it.
 */
export async function breakReplica(address: string): Promise<void> {
  const res = await request(`http://${address}/admin/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ 'fault-reset-rate': 100, 'fault-not-ready': true }),
    headersTimeout: 5000,
    bodyTimeout: 5000,
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`the pool replica at ${address} refused the fault (${res.statusCode}): ${text}`);
}
