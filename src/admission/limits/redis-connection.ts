// One Redis connection shared by the Redis-backed stores (rate limits, budgets, usage), with the
// settings that keep the request path from ever waiting on a sick Redis:
// - `commandTimeoutMs` (default 200 ms): every operation settles within it, whatever Redis does;
// - an operation that timed out may still run when a hung Redis wakes up (its command sits in the
//   socket): `run(op, undo)` watches for its late reply (up to `lateReplyLimitMs`, default 10 s, the
//   ioredis command timeout) and sends `undo(reply)` after it, on the same connection, so a caller
//   that was told "failed" finds no trace of the operation (no phantom count or reservation);
// - no offline queue and no per-request retries: while disconnected, commands fail at once instead
//   of piling up in memory and firing late;
// - reconnection forever with a capped backoff, so the stores resume by themselves when Redis
//   returns (scripts are reloaded on NOSCRIPT by RedisScript).
// Health (up/down, since when, last error, failure count) is tracked from connection events and
// command outcomes, for metrics and logs.
//
// Keys: every store namespaces its keys under `keyPrefix` (default `sluice:`) and sets an expiry.
// Cluster mode is not supported: one operation touches several keys in one script.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';

export interface StoreHealth {
  readonly up: boolean;
  /** Epoch ms of the last change of `up`. */
  readonly since: number;
  /** Message of the last failure (never contains keys or credentials). */
  readonly lastError: string | undefined;
  /** Operations that failed since the store was created. */
  readonly failures: number;
}

/** Thrown by Redis-backed store operations when Redis cannot answer (down, timed out, refused). */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

export interface RedisConnectionOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://…`. */
  readonly url?: string | undefined;
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly password?: string | undefined;
  readonly db?: number | undefined;
  /** Every operation settles within this (default 200 ms). */
  readonly commandTimeoutMs?: number | undefined;
  /** How long a timed-out operation's late reply is still awaited, to undo it (default 10 s; at least commandTimeoutMs). */
  readonly lateReplyLimitMs?: number | undefined;
  /** Connect attempts give up after this (default 1000 ms) and are retried. */
  readonly connectTimeoutMs?: number | undefined;
  /** Longest wait between reconnection attempts (default 1000 ms). */
  readonly maxReconnectDelayMs?: number | undefined;
  /** Prefix of every key (default `sluice:`). */
  readonly keyPrefix?: string | undefined;
  /** Clock for health timestamps (tests). */
  readonly now?: (() => number) | undefined;
}

export class RedisConnection {
  readonly client: Redis;
  readonly keyPrefix: string;
  readonly commandTimeoutMs: number;
  private up = false;
  /** Late replies of timed-out operations that were undone (tests, logs). */
  private undone = 0;
  private since: number;
  private lastError: string | undefined = undefined;
  private failures = 0;
  private readonly listeners = new Set<(h: StoreHealth) => void>();
  private readonly now: () => number;
  private closed = false;

  constructor(options: RedisConnectionOptions = {}) {
    this.now = options.now ?? Date.now;
    this.since = this.now();
    this.keyPrefix = options.keyPrefix ?? 'sluice:';
    this.commandTimeoutMs = options.commandTimeoutMs ?? 200;
    const maxDelay = options.maxReconnectDelayMs ?? 1000;
    const common = {
      // The backstop: run() answers within commandTimeoutMs, ioredis keeps waiting for the reply (to
      // undo a late one) until this, so a long hang cannot pile up commands without bound.
      commandTimeout: Math.max(this.commandTimeoutMs, options.lateReplyLimitMs ?? 10_000),
      connectTimeout: options.connectTimeoutMs ?? 1000,
      enableOfflineQueue: false,
      // Commands issued in the same turn of the event loop (concurrent requests) leave in one write:
      // measured on the governance bench, socket writes were most of the Redis path's CPU.
      enableAutoPipelining: true,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      enableReadyCheck: true,
      retryStrategy: (times: number) => Math.min(50 * times, maxDelay),
      // Connection errors are reported through health, not as unhandled 'error' events.
      lazyConnect: false,
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.db !== undefined ? { db: options.db } : {}),
    };
    this.client = options.url !== undefined ? new Redis(options.url, common) : new Redis({ ...common, host: options.host ?? '127.0.0.1', port: options.port ?? 6379 });
    this.client.on('ready', () => this.setUp(true, undefined));
    this.client.on('error', (err: Error) => this.setUp(false, err.message));
    this.client.on('close', () => this.setUp(false, this.lastError ?? 'connection closed'));
    this.client.on('end', () => this.setUp(false, 'connection ended'));
  }

  health(): StoreHealth {
    return { up: this.up, since: this.since, lastError: this.lastError, failures: this.failures };
  }

  /** Calls `listener` on every change of `up`; returns an unsubscribe function. */
  onHealthChange(listener: (h: StoreHealth) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves true once connected (false after `timeoutMs`): for start-up, never on the request path. */
  ready(timeoutMs = 2000): Promise<boolean> {
    if (this.client.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        resolve(false);
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.client.once('ready', onReady);
    });
  }

  /** Late replies undone since the connection was created. */
  get undoneLateReplies(): number {
    return this.undone;
  }

  /**
   * Runs one store operation: it settles within `commandTimeoutMs`; a Redis failure of any kind
   * becomes a StoreUnavailableError and marks the store down; a success marks it up again.
   * `undo(reply)`, when given, is sent if the operation timed out and its reply arrives later (Redis
   * executed it after all): the caller, told it failed, must find no trace of it. Undo failures are
   * only counted in health (a lease or the window's expiry is then the bound).
   */
  run<T>(op: (client: Redis) => Promise<T>, undo?: (late: T) => Promise<unknown> | undefined): Promise<T> {
    let pending: Promise<T>;
    try {
      pending = op(this.client);
    } catch (err) {
      return Promise.reject(this.failed(err));
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(this.failed(new Error(`Command timed out after ${this.commandTimeoutMs} ms`)));
        if (undo !== undefined) {
          pending.then(
            (late) => {
              this.undone++;
              undo(late)?.catch(() => undefined);
            },
            () => undefined,
          );
        }
      }, this.commandTimeoutMs);
      pending.then(
        (result) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (!this.up && this.client.status === 'ready') this.setUp(true, undefined);
          resolve(result);
        },
        (err: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(this.failed(err));
        },
      );
    });
  }

  private failed(err: unknown): StoreUnavailableError {
    this.failures++;
    const message = err instanceof Error ? err.message : String(err);
    this.setUp(false, message);
    return new StoreUnavailableError(`redis unavailable: ${message}`, { cause: err });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  private setUp(up: boolean, error: string | undefined): void {
    if (error !== undefined) this.lastError = error;
    if (up === this.up) return;
    this.up = up;
    this.since = this.now();
    const h = this.health();
    for (const l of this.listeners) l(h);
  }
}

/**
 * A Lua script run with EVALSHA (one round trip); when Redis does not know it (first use, or a
 * restarted Redis), it is sent once with EVAL, which also caches it.
 */
export class RedisScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) return client.eval(this.source, keys.length, ...keys, ...args);
      throw err;
    }
  }
}

/** Health of a store that cannot fail (in-memory). */
export function alwaysUp(since: number): StoreHealth {
  return Object.freeze({ up: true, since, lastError: undefined, failures: 0 });
}
