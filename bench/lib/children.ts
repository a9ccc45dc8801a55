// Child processes of a benchmark: every one is registered here so that it is stopped at the end,
// on success, failure, Ctrl-C or a deadline. stdout is read line by line (ready lines), the tail of
// stderr is kept for error messages.
import { fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const live = new Set<Child>();
const cleanups = new Set<() => void>();

/** Runs `fn` (synchronous, e.g. removing a temp folder) when the benchmark ends, however it ends. */
export function onCleanup(fn: () => void): void {
  cleanups.add(fn);
}

function runCleanups(): void {
  for (const fn of cleanups) {
    try {
      fn();
    } catch {
      // best effort
    }
  }
  cleanups.clear();
}

export class Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly exited: Promise<void>;
  #stderr = '';
  #stdout: string[] = [];
  #waiters = new Set<(line: string) => void>();

  constructor(name: string, proc: ChildProcess, echo: boolean) {
    this.name = name;
    this.proc = proc;
    live.add(this);
    this.exited = new Promise((resolve) => {
      if (this.hasExited) resolve();
      else proc.once('exit', () => resolve());
    });
    void this.exited.then(() => live.delete(this));
    proc.once('error', (err) => {
      this.#stderr += `\n[spawn error] ${err.message}`;
    });
    if (proc.stdout) {
      createInterface({ input: proc.stdout }).on('line', (line) => {
        if (echo) process.stderr.write(`[${name}] ${line}\n`);
        this.#stdout.push(line);
        if (this.#stdout.length > 50) this.#stdout.shift();
        for (const w of this.#waiters) w(line);
      });
    }
    proc.stderr?.on('data', (chunk: Buffer) => {
      if (echo) process.stderr.write(`[${name}] ${chunk.toString()}`);
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4000);
    });
  }

  get pid(): number {
    if (this.proc.pid === undefined) throw new Error(`${this.name} has no pid (it did not start): ${this.tail()}`);
    return this.proc.pid;
  }

  get hasExited(): boolean {
    return this.proc.exitCode !== null || this.proc.signalCode !== null;
  }

  /** The last lines of output, for error messages. */
  tail(): string {
    const out = [this.#stdout.slice(-10).join('\n'), this.#stderr.trim().split('\n').slice(-15).join('\n')].filter((s) => s.length > 0).join('\n');
    return out.length > 0 ? out : '(no output)';
  }

  /** Resolves with the first stdout line for which `match` returns a value; rejects on exit or timeout. */
  waitForLine<T>(match: (line: string) => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(timer);
        this.#waiters.delete(onLine);
        this.proc.off('exit', onExit);
        fn();
      };
      const onLine = (line: string) => {
        const v = match(line);
        if (v !== undefined) done(() => resolve(v));
      };
      const onExit = () => done(() => reject(new Error(`${this.name} exited before it was ready:\n${this.tail()}`)));
      const timer = setTimeout(() => done(() => reject(new Error(`${this.name} was not ready within ${timeoutMs} ms:\n${this.tail()}`))), timeoutMs);
      this.#waiters.add(onLine);
      this.proc.once('exit', onExit);
      for (const line of this.#stdout) onLine(line);
      if (this.hasExited) onExit();
    });
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.hasExited) return;
    this.proc.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        if (!this.hasExited) this.proc.kill('SIGKILL');
        resolve();
      }, graceMs);
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 1000))]);
  }
}

export interface SpawnOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Echo the child's output to stderr (--verbose). */
  readonly echo?: boolean;
}

export function spawnChild(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): Child {
  const proc = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Child(name, proc, options.echo ?? false);
}

/** A Node child with an IPC channel (the load generator). */
export function forkChild(name: string, module: string, args: readonly string[], execArgv: readonly string[], options: SpawnOptions = {}): Child {
  const proc = fork(module, args, { cwd: options.cwd, env: options.env ?? process.env, execArgv: [...execArgv], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  return new Child(name, proc, options.echo ?? false);
}

/** Stops every child still running (SIGTERM, then SIGKILL). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop()));
  runCleanups();
}

/** Last resort on process exit: SIGKILL whatever is left. */
export function killAllSync(): void {
  for (const c of live) {
    if (!c.hasExited) c.proc.kill('SIGKILL');
  }
  runCleanups();
}

/** A hard limit on a whole benchmark: past it every child is killed and the process exits 1. */
export function armDeadline(ms: number, what: string): void {
  const timer = setTimeout(() => {
    process.stderr.write(`\nbench: ${what} exceeded its time limit of ${Math.round(ms / 1000)} s; stopping every process.\n`);
    killAllSync();
    process.exit(1);
  }, ms);
  timer.unref();
}
