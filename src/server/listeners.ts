// One server per bound port: node:http for HTTP listeners, node:https for HTTPS listeners, where the
// TLS SNI chooses among the certificates of the port's listeners (exact name, then wildcard, then the
// first as default). Applying a new snapshot opens servers for new ports, updates certificates in
// place, and closes servers for ports no longer used (their in-flight requests and streams finish).
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { SecureContext } from 'node:tls';
import type { PortBinding, TlsCertificate } from '../config/snapshot.ts';
import type { DataPlane } from './handler.ts';

interface Bound {
  readonly server: Server;
  readonly protocol: 'HTTP' | 'HTTPS';
  /** HTTPS: SNI name → context, consulted on every handshake, replaced on reload. */
  contexts: CertificateContexts;
}

interface CertificateContexts {
  readonly exact: Map<string, SecureContext>;
  readonly wildcard: [suffix: string, context: SecureContext][];
  readonly fallback: SecureContext | undefined;
}

const SERVER_OPTIONS = { keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 };

export class ListenerSet {
  readonly #bound = new Map<number, Bound>();
  readonly #host: string;
  readonly #dataPlane: DataPlane;

  constructor(dataPlane: DataPlane, host: string) {
    this.#dataPlane = dataPlane;
    this.#host = host;
  }

  /** The actual port a configured port is served on (differs only for port 0 in tests). */
  actualPort(port: number): number | undefined {
    const addr = this.#bound.get(port)?.server.address() as AddressInfo | null | undefined;
    return addr?.port;
  }

  /** Brings the servers in line with `bindings`. Rejects if a port cannot be bound. */
  async apply(bindings: ReadonlyMap<number, PortBinding>): Promise<void> {
    const opening: Promise<void>[] = [];
    for (const [port, b] of bindings) {
      const current = this.#bound.get(port);
      if (current && current.protocol !== b.protocol) this.#closePort(port);
      const existing = this.#bound.get(port);
      if (existing) existing.contexts = contextsFor(b.certificates);
      else opening.push(this.#open(port, b));
    }
    const results = await Promise.allSettled(opening);
    for (const port of [...this.#bound.keys()]) if (!bindings.has(port)) this.#closePort(port);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  #closePort(port: number): void {
    const b = this.#bound.get(port);
    if (!b) return;
    this.#bound.delete(port);
    b.server.close();
    b.server.closeIdleConnections();
  }

  #open(port: number, binding: PortBinding): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.#dataPlane.handle(req, res, port);
    const bound: Bound = { server: undefined as unknown as Server, protocol: binding.protocol, contexts: contextsFor(binding.certificates) };
    const server =
      binding.protocol === 'HTTPS'
        ? (createHttpsServer(
            {
              ...SERVER_OPTIONS,
              SNICallback: (name, cb) => cb(null, pick(bound.contexts, name)),
              // A default certificate for clients that send no SNI.
              ...(binding.certificates[0] ? { cert: binding.certificates[0].cert, key: binding.certificates[0].key } : {}),
            },
            handler,
          ) as unknown as Server)
        : createServer(SERVER_OPTIONS, handler);
    (bound as { server: Server }).server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(new Error(err.code === 'EADDRINUSE' ? `port ${port} on ${this.#host} is already in use (choose another with --port or change the Gateway listener)` : `cannot listen on ${this.#host}:${port}: ${err.message}`));
      });
      server.listen(port, this.#host, () => {
        this.#bound.set(port, bound);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    const servers = [...this.#bound.values()].map((b) => b.server);
    this.#bound.clear();
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

function contextsFor(certs: readonly TlsCertificate[]): CertificateContexts {
  const exact = new Map<string, SecureContext>();
  const wildcard: [string, SecureContext][] = [];
  let fallback: SecureContext | undefined;
  for (const c of certs) {
    const ctx = createSecureContext({ cert: c.cert, key: c.key });
    fallback ??= ctx;
    for (const name of c.names) {
      if (name.startsWith('*.')) wildcard.push([name.slice(1), ctx]);
      else if (!exact.has(name)) exact.set(name, ctx);
    }
  }
  // The longest wildcard suffix is the most specific.
  wildcard.sort((a, b) => b[0].length - a[0].length);
  return { exact, wildcard, fallback };
}

function pick(c: CertificateContexts, servername: string): SecureContext | undefined {
  const name = servername.toLowerCase();
  const exact = c.exact.get(name);
  if (exact) return exact;
  for (const [suffix, ctx] of c.wildcard) if (name.endsWith(suffix) && name.length > suffix.length && !name.slice(0, -suffix.length).includes('.')) return ctx;
  return c.fallback;
}
