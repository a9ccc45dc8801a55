// Starting the processes a benchmark measures: the upstream, the bare proxy, Sluice, the load
// generator. Everything binds to 127.0.0.1 and is registered in children.ts for cleanup.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { forkChild, onCleanup, spawnChild } from './children.ts';
import type { Child } from './children.ts';
import type { FromLoadgen, LoadConfig, LoadResult, ToLoadgen } from './load-types.ts';

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** `--import` value that makes Node run TypeScript (tsx), resolved from this checkout. */
export const TSX = import.meta.resolve('tsx');

/** How Sluice is run: compiled by the bench (default), the checkout's dist/ (npm run build), or its sources through tsx. */
export type SluiceEntry = 'build' | 'dist' | 'source';

/** Node arguments that start Sluice's CLI and the bench's own processes (upstream, bare proxy, load generator). */
export interface Runtime {
  readonly entry: SluiceEntry;
  readonly sluice: readonly string[];
  /** Node arguments (flags and module) that run bench/NAME. */
  helper(name: 'upstream' | 'bare-proxy' | 'loadgen'): { readonly execArgv: readonly string[]; readonly module: string };
}

function tsc(root: string, args: readonly string[]): Promise<string | undefined> {
  const bin = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      resolve(err ? (stdout.trim().split('\n')[0] ?? err.message) : undefined);
    });
  });
}

/**
 * 'build' compiles this checkout (src, cli and bench) with its own tsc into .tmp/bench-dist
 * (git-ignored) and runs everything measured from there, as `npm run build` output runs. tsx is kept
 * for the dispatcher only: its transform (esbuild keepNames) wraps named closures in a `__name` call,
 * a per-request cost that tsc output does not have, and its loader adds a thread and memory.
 */
export async function prepareRuntime(entry: SluiceEntry, log: (s: string) => void): Promise<Runtime> {
  const viaTsx = (name: string) => ({ execArgv: ['--import', TSX], module: join(BENCH_DIR, `${name}.ts`) });
  if (entry === 'source') return { entry, sluice: ['--import', TSX, join(PROJECT_ROOT, 'cli', 'main.ts')], helper: viaTsx };
  if (entry === 'dist') {
    const bin = join(PROJECT_ROOT, 'bin', 'sluice.js');
    if (!existsSync(join(PROJECT_ROOT, 'dist', 'cli', 'main.js'))) throw new Error('--sluice dist: dist/ is missing; run `npm run build` first');
    return { entry, sluice: [bin], helper: viaTsx };
  }
  const out = join(PROJECT_ROOT, '.tmp', 'bench-dist');
  rmSync(out, { recursive: true, force: true });
  const started = Date.now();
  const problem = await tsc(PROJECT_ROOT, ['-p', 'tsconfig.json', '--noEmit', 'false', '--outDir', out, '--sourceMap', 'false', '--declaration', 'false']);
  const main = join(out, 'cli', 'main.js');
  const helpers = ['upstream', 'bare-proxy', 'loadgen'].map((n) => join(out, 'bench', `${n}.js`));
  if (![main, ...helpers].every((f) => existsSync(f))) throw new Error(`compiling the checkout produced no ${main}: ${problem ?? 'unknown error'}`);
  log(`  compiled the checkout into .tmp/bench-dist in ${((Date.now() - started) / 1000).toFixed(1)} s${problem ? ` (tsc reported type errors; its output is used anyway: ${problem})` : ''}`);
  return { entry, sluice: [main], helper: (name) => ({ execArgv: [], module: join(out, 'bench', `${name}.js`) }) };
}

/** Compiles another checkout's Sluice (--root, an A/B comparison) into ROOT/.tmp/bench-dist; returns its Node arguments. */
export async function buildOtherSluice(root: string, log: (s: string) => void): Promise<readonly string[]> {
  const out = join(root, '.tmp', 'bench-dist');
  rmSync(out, { recursive: true, force: true });
  const problem = await tsc(root, ['-p', 'tsconfig.build.json', '--outDir', out, '--sourceMap', 'false', '--declaration', 'false']);
  const main = join(out, 'cli', 'main.js');
  if (!existsSync(main)) throw new Error(`compiling ${root} produced no ${main}: ${problem ?? 'unknown error'}`);
  log(`  compiled Sluice from ${root}${problem ? ` (tsc reported type errors: ${problem})` : ''}`);
  return [main];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `url` until `ok(status)` (any answer by default), the child exits, or the time is up. */
export async function waitHttp(child: Child, url: string, timeoutMs: number, ok: (status: number) => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child.hasExited) throw new Error(`${child.name} exited before it was ready:\n${child.tail()}`);
    try {
      const res = await request(url, { headersTimeout: 1000, bodyTimeout: 1000 });
      await res.body.dump();
      if (ok(res.statusCode)) return;
      last = `status ${res.statusCode}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${child.name} did not answer ${url} within ${timeoutMs} ms (${last}):\n${child.tail()}`);
}

function readyPort(line: string): number | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const j = JSON.parse(line) as { ready?: boolean; port?: number };
    return j.ready === true && typeof j.port === 'number' ? j.port : undefined;
  } catch {
    return undefined;
  }
}

export interface Running {
  readonly child: Child;
  readonly port: number;
  readonly origin: string;
}

export interface UpstreamOptions {
  readonly chunks: number;
  readonly chunkDelayMs: number;
  /** Delay between chunks for models named *-paced. */
  readonly pacedDelayMs?: number;
  readonly echo: boolean;
}

export async function startUpstream(rt: Runtime, o: UpstreamOptions): Promise<Running> {
  const h = rt.helper('upstream');
  const child = spawnChild('upstream', process.execPath, [...h.execArgv, h.module, '--port', '0', '--chunks', String(o.chunks), '--chunk-delay-ms', String(o.chunkDelayMs), '--paced-delay-ms', String(o.pacedDelayMs ?? 10)], { echo: o.echo });
  const port = await child.waitForLine(readyPort, 20_000);
  return { child, port, origin: `http://127.0.0.1:${port}` };
}

export async function startBareProxy(rt: Runtime, upstreamOrigin: string, echo: boolean): Promise<Running> {
  const h = rt.helper('bare-proxy');
  const child = spawnChild('bare proxy', process.execPath, [...h.execArgv, h.module, '--port', '0', '--upstream', upstreamOrigin], { echo });
  const port = await child.waitForLine(readyPort, 20_000);
  return { child, port, origin: `http://127.0.0.1:${port}` };
}

export const BENCH_MODEL = 'bench-model';
/** Streams of this model are paced by the upstream (a delay between chunks, like token generation). */
export const PACED_MODEL = 'bench-model-paced';

/** The manifest set Sluice serves in a benchmark: one listener, one AIGatewayRoute (two models), one backend. */
export function sluiceManifests(upstreamPort: number): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bench}
spec:
  gatewayClassName: sluice
  listeners: [{name: http, protocol: HTTP, port: 8080}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: upstream}
spec:
  endpoints: [{ip: {address: 127.0.0.1, port: ${upstreamPort}}}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: upstream}
spec:
  schema: {name: OpenAI}
  backendRef: {name: upstream, kind: Backend, group: gateway.envoyproxy.io}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: bench}
spec:
  parentRefs: [{name: bench}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${BENCH_MODEL}}]}]
      backendRefs: [{name: upstream}]
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${PACED_MODEL}}]}]
      backendRefs: [{name: upstream}]
`;
}

export interface SluiceOptions {
  readonly upstreamPort: number;
  /** Node arguments that start the CLI: Runtime.sluice, or another checkout's build. */
  readonly command: readonly string[];
  /** The checkout it runs in (default this one). */
  readonly root?: string;
  /** Extra Node flags, e.g. --cpu-prof. */
  readonly nodeFlags?: readonly string[];
  readonly echo: boolean;
  readonly name?: string;
  /** The manifests to serve (default: sluiceManifests(upstreamPort)). */
  readonly manifests?: string;
  readonly readyTimeoutMs?: number;
  /** Extra `sluice run` arguments (e.g. --access-log FILE, --flow-log-size 0). */
  readonly args?: readonly string[];
  /** The child's environment (default: this process's), e.g. OTEL_* for tracing. */
  readonly env?: NodeJS.ProcessEnv;
}

export async function startSluice(o: SluiceOptions): Promise<Running & { readonly adminPort: number; readonly dir: string }> {
  const root = o.root ?? PROJECT_ROOT;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'bench.yaml'), o.manifests ?? sluiceManifests(o.upstreamPort));
  const port = await freePort();
  const adminPort = await freePort();
  const child = spawnChild(o.name ?? 'sluice', process.execPath, [...(o.nodeFlags ?? []), ...o.command, 'run', '-f', dir, '--port', String(port), '--admin-port', String(adminPort), '--no-watch', ...(o.args ?? [])], { cwd: root, echo: o.echo, ...(o.env !== undefined ? { env: o.env } : {}) });
  await waitHttp(child, `http://127.0.0.1:${adminPort}/readyz`, o.readyTimeoutMs ?? 30_000, (s) => s === 200);
  return { child, port, origin: `http://127.0.0.1:${port}`, adminPort, dir };
}

/** The load generator process; one run at a time. */
export class LoadGenerator {
  readonly child: Child;
  #nextId = 1;

  private constructor(child: Child) {
    this.child = child;
  }

  static async start(rt: Runtime, echo: boolean): Promise<LoadGenerator> {
    const h = rt.helper('loadgen');
    const child = forkChild('load generator', h.module, [], h.execArgv, { echo });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the load generator did not start within 20 s:\n${child.tail()}`)), 20_000);
      child.proc.once('exit', () => reject(new Error(`the load generator exited:\n${child.tail()}`)));
      child.proc.once('message', (m: FromLoadgen) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    return new LoadGenerator(child);
  }

  /** Runs one load; `onMeasuring`/`onMeasured` fire at the edges of the measured window. */
  run(config: LoadConfig, hooks: { onMeasuring?: () => void; onMeasured?: () => void } = {}): Promise<LoadResult> {
    const id = this.#nextId++;
    const proc = this.child.proc;
    return new Promise<LoadResult>((resolve, reject) => {
      const limit = config.warmupMs + config.durationMs + config.timeoutMs + 15_000;
      const cleanup = () => {
        clearTimeout(timer);
        proc.off('message', onMessage);
        proc.off('exit', onExit);
      };
      const timer = setTimeout(() => (cleanup(), reject(new Error(`load run ${id} did not finish within ${limit} ms`))), limit);
      const onExit = () => (cleanup(), reject(new Error(`the load generator exited:\n${this.child.tail()}`)));
      const onMessage = (m: FromLoadgen) => {
        if (!('id' in m) || m.id !== id) return;
        if (m.type === 'measuring') hooks.onMeasuring?.();
        else if (m.type === 'measured') hooks.onMeasured?.();
        else if (m.type === 'result') {
          cleanup();
          resolve(m.result);
        } else if (m.type === 'error') {
          cleanup();
          reject(new Error(m.message));
        }
      };
      proc.on('message', onMessage);
      proc.once('exit', onExit);
      const msg: ToLoadgen = { type: 'run', id, config };
      proc.send(msg);
    });
  }
}
