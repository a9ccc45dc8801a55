// One undici Pool per upstream origin, with keep-alive. Pools outlive config snapshots: a reload keeps
// the pools of endpoints that remain and closes the others once their requests have drained.
import { Pool } from 'undici';
import type { UpstreamTls } from '../runtime/snapshot.ts';

export interface UpstreamPoolOptions {
  /** Max connections per origin. */
  readonly connections?: number;
  readonly keepAliveTimeoutMs?: number;
}

export class UpstreamPools {
  readonly #pools = new Map<string, Pool>();
  readonly #options: UpstreamPoolOptions;

  constructor(options: UpstreamPoolOptions = {}) {
    this.#options = options;
  }

  /** The pool of an origin (and TLS settings: targets with different trust get different pools). */
  get(origin: string, tls?: UpstreamTls): Pool {
    const key = tls ? `${origin}|${tls.key}` : origin;
    let pool = this.#pools.get(key);
    if (!pool) {
      pool = new Pool(origin, {
        ...(tls ? { connect: { ca: tls.ca, servername: tls.servername, rejectUnauthorized: tls.insecureSkipVerify !== true } } : {}),
        // 1,024 as Envoy's default circuit breaker: long-lived streams each hold a connection.
        connections: this.#options.connections ?? 1024,
        keepAliveTimeout: this.#options.keepAliveTimeoutMs ?? 30_000,
        keepAliveMaxTimeout: 600_000,
        // Timeouts are enforced per request by the proxy (route timeouts); these are backstops.
        headersTimeout: 0,
        bodyTimeout: 0,
        pipelining: 1,
      });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  /** Closes pools whose origin is not in `keep`; in-flight requests on them finish first. */
  retain(keep: ReadonlySet<string>): void {
    for (const [key, pool] of this.#pools) {
      const bar = key.indexOf('|');
      if (keep.has(bar < 0 ? key : key.slice(0, bar))) continue;
      this.#pools.delete(key);
      void pool.close().catch(() => pool.destroy());
    }
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.close().catch(() => p.destroy())));
  }
}
