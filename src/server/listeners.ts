// One node:http server per bound port. Applying a new snapshot opens servers for new ports and closes
// servers for ports no longer used (their in-flight requests and streams finish first).
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataPlane } from './handler.ts';

export class ListenerSet {
  readonly #servers = new Map<number, Server>();
  readonly #host: string;
  readonly #dataPlane: DataPlane;

  constructor(dataPlane: DataPlane, host: string) {
    this.#dataPlane = dataPlane;
    this.#host = host;
  }

  /** Ports currently bound (the configured port; 0 is resolved to the actual port in `addresses`). */
  get ports(): number[] {
    return [...this.#servers.keys()];
  }

  /** The actual port a configured port is served on (differs only for port 0 in tests). */
  actualPort(port: number): number | undefined {
    const addr = this.#servers.get(port)?.address() as AddressInfo | null | undefined;
    return addr?.port;
  }

  /** Opens servers for `ports` not yet bound; closes the others. Rejects if a port cannot be bound. */
  async apply(ports: ReadonlySet<number>): Promise<void> {
    const opening: Promise<void>[] = [];
    for (const port of ports) if (!this.#servers.has(port)) opening.push(this.#open(port));
    const results = await Promise.allSettled(opening);
    for (const [port, server] of this.#servers) {
      if (!ports.has(port)) {
        this.#servers.delete(port);
        server.close();
        server.closeIdleConnections();
      }
    }
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  #open(port: number): Promise<void> {
    const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 }, (req, res) => this.#dataPlane.handle(req, res, port));
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(new Error(err.code === 'EADDRINUSE' ? `port ${port} on ${this.#host} is already in use (choose another with --port or change the Gateway listener)` : `cannot listen on ${this.#host}:${port}: ${err.message}`));
      });
      server.listen(port, this.#host, () => {
        this.#servers.set(port, server);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    const servers = [...this.#servers.values()];
    this.#servers.clear();
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  }
}
