// A real `redis-server` for tests: started on a free loopback port in a temporary directory, with
// persistence off (`--save '' --appendonly no`), and stopped by the test file's `after` hook.
//
// Contract:
// - `startRedisServer()` resolves once the server answers PING; if it cannot (binary missing, no
//   port, crash) it kills what it started, removes the temp dir and rejects with a clear message.
// - `stop()` is idempotent and safe to call from `after` whether or not `before` succeeded (call it
//   through the optional chain: `await redis?.stop()`).
// - `kill()` ends the process abruptly (SIGKILL), `pause()`/`resume()` freeze and thaw it
//   (SIGSTOP/SIGCONT: the socket stays open but nothing answers), and `restart()` starts a fresh,
//   empty server on the same port: the tools for fail-open / fail-closed and recovery tests.
// - Every process started here is also killed when the test process exits.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER_PATH = process.env['SLUICE_REDIS_SERVER'] ?? '/usr/bin/redis-server';

export interface RedisServerHandle {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its directory. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL: the server vanishes mid-run, as a crashed Redis does. */
  kill(): Promise<void>;
  /** SIGSTOP: the server keeps its socket but answers nothing (a hung Redis). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Starts a fresh, empty server on the same port (after kill()). */
  restart(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** Throws a clear error when redis-server is not installed (CI installs the Debian package). */
export function requireRedisServer(): string {
  try {
    accessSync(REDIS_SERVER_PATH, constants.X_OK);
  } catch {
    throw new Error(
      `redis-server is required for this test but was not found at ${REDIS_SERVER_PATH}. ` +
        `Install it (Debian/Ubuntu: apt-get install redis-server) or set SLUICE_REDIS_SERVER to its path.`,
    );
  }
  return REDIS_SERVER_PATH;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One PING over a raw socket: true when the server answers +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

interface Started {
  child: ChildProcess;
  output: () => string;
}

/** Spawns redis-server on `port` and waits (bounded) until it answers PING. */
async function launch(binary: string, port: number, dir: string): Promise<Started> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning', '--daemonize', 'no'];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let log = '';
  child.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (spawnError !== undefined) break;
    if (child.exitCode !== null || child.signalCode !== null) break;
    if (await ping(port)) return { child, output: () => log };
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill('SIGKILL');
  await waitExit(child);
  const why = spawnError?.message ?? (child.exitCode !== null ? `exited with code ${child.exitCode}` : 'did not answer PING within 10 s');
  throw new Error(`redis-server on 127.0.0.1:${port} failed to start: ${why}${log ? `\n${log.trim()}` : ''}`);
}

export async function startRedisServer(): Promise<RedisServerHandle> {
  const binary = requireRedisServer();
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), 'sluice-redis-'));
  let current: Started | undefined;
  let port = 0;
  let lastError: unknown;
  // A port found free can be taken before redis-server binds it: try a few.
  for (let attempt = 0; attempt < 5 && current === undefined; attempt++) {
    port = await freePort();
    try {
      current = await launch(binary, port, dir);
    } catch (err) {
      lastError = err;
    }
  }
  if (current === undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }
  let stopped = false;
  const handle: RedisServerHandle = {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      const child = current?.child;
      if (child !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await waitExit(child);
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
    async kill() {
      const child = current?.child;
      if (child === undefined) return;
      child.kill('SIGKILL');
      await waitExit(child);
    },
    pause() {
      current?.child.kill('SIGSTOP');
    },
    resume() {
      current?.child.kill('SIGCONT');
    },
    async restart() {
      if (stopped) throw new Error('redis-server handle was stopped');
      await handle.kill();
      // The old socket may linger briefly in the kernel: retry the bind for a moment.
      let error: unknown;
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          current = await launch(binary, port, dir);
          return;
        } catch (err) {
          error = err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      throw error instanceof Error ? error : new Error(String(error));
    },
  };
  return handle;
}
