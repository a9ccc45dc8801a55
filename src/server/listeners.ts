// One server per bound port: node:http for HTTP listeners, node:https for HTTPS listeners, where the
// TLS SNI chooses among the certificates of the port's listeners (exact name, then wildcard, then the
// first as default). An HTTP port with GRPCRoutes also speaks h2c: a plain TCP server looks at the
// first bytes of each connection and hands it to node:http2 (HTTP/2 preface) or node:http. Applying a new snapshot opens servers for new ports, updates certificates in
// place, and closes servers for ports no longer used (their in-flight requests and streams finish).
import { createServer } from 'node:http';
import { createSecureServer as createH2Server, createServer as createH2cServer } from 'node:http2';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { createServer as createTcpServer } from 'node:net';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { SecureContext } from 'node:tls';
import type { PortBinding, TlsCertificate } from '../runtime/snapshot.ts';
import type { DataPlane } from './data-plane.ts';

interface Bound {
  /** The listening server (a TCP server when the port also speaks h2c, or for TLS passthrough). */
  readonly server: Server;
  readonly protocol: 'HTTP' | 'HTTPS' | 'TLS';
  /** Whether the port serves GRPCRoutes (h2c). */
  readonly grpc: boolean;
  /** Closes connections handed to inner servers (h2c ports). */
  closeConnections?: () => void;
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
      if (current && (current.protocol !== b.protocol || current.grpc !== hasGrpc(b))) this.#closePort(port);
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
    if (b.closeConnections) b.closeConnections();
    else b.server.closeIdleConnections();
  }

  #open(port: number, binding: PortBinding): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.#dataPlane.handle(req, res, port);
    const bound: Bound = { server: undefined as unknown as Server, protocol: binding.protocol, grpc: hasGrpc(binding), contexts: contextsFor(binding.certificates) };
    const server =
      binding.protocol === 'TLS'
        ? this.#passthroughServer(port, bound)
        : binding.protocol === 'HTTP' && bound.grpc
        ? this.#h2cServer(port, handler, bound)
        : binding.protocol === 'HTTPS' && bound.grpc
        ? this.#h2Server(port, handler, bound, binding)
        : binding.protocol === 'HTTPS'
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

  /**
   * An HTTPS port with GRPCRoutes: TLS with ALPN offering h2 and http/1.1. gRPC streams go to the gRPC
   * proxy; every other request (HTTP/1.1, or HTTP/2 without a gRPC content type) to the HTTP handler
   * through node:http2's compatibility request/response objects.
   */
  #h2Server(port: number, handler: (req: IncomingMessage, res: ServerResponse) => void, bound: Bound, binding: PortBinding): Server {
    const server = createH2Server(
      {
        allowHTTP1: true,
        SNICallback: (name, cb) => cb(null, pick(bound.contexts, name)),
        ...(binding.certificates[0] ? { cert: binding.certificates[0].cert, key: binding.certificates[0].key } : {}),
      },
      (req: Http2ServerRequest | IncomingMessage, res: Http2ServerResponse | ServerResponse) => handler(req as IncomingMessage, res as ServerResponse),
    );
    // node:http2 serves 'request' through a 'stream' listener that wraps every stream in compatibility
    // objects, which would also answer gRPC streams (sending empty trailers). gRPC streams are taken
    // before it; the rest go on to it.
    const compat = server.listeners('stream') as ((...args: unknown[]) => void)[];
    server.removeAllListeners('stream');
    server.on('stream', (stream, headers, ...rest: unknown[]) => {
      if (String(headers['content-type'] ?? '').startsWith('application/grpc')) this.#dataPlane.handleGrpc(stream, headers, port);
      else for (const l of compat) l(stream, headers, ...rest);
    });
    trackConnections(server, bound);
    return server as unknown as Server;
  }

  /** TLS passthrough: a TCP server that routes each connection by the SNI of its ClientHello. */
  #passthroughServer(port: number, bound: Bound): Server {
    const tcp = createTcpServer((socket: Socket) => this.#dataPlane.handleTls(socket, port));
    trackConnections(tcp, bound);
    return tcp as unknown as Server;
  }

  /** A TCP server that sends HTTP/2 connections (by their preface) to node:http2 and the rest to node:http. */
  #h2cServer(port: number, handler: (req: IncomingMessage, res: ServerResponse) => void, bound: Bound): Server {
    const http1 = createServer(SERVER_OPTIONS, handler);
    const http2 = createH2cServer();
    http2.on('stream', (stream, headers) => this.#dataPlane.handleGrpc(stream, headers, port));
    const tcp = createTcpServer((socket: Socket) => {
      socket.once('data', (first: Buffer) => {
        const isH2 = first.subarray(0, PREFACE.length).equals(PREFACE.subarray(0, Math.min(first.length, PREFACE.length)));
        socket.pause();
        if (!isH2) {
          // node:http reads the unshifted bytes through the socket's stream interface.
          socket.unshift(first);
          http1.emit('connection', socket);
          socket.resume();
          return;
        }
        // node:http2 reads the socket's handle directly and would miss bytes already read, so it
        // gets a stream that replays the first chunk and then relays the socket.
        http2.emit('connection', replaying(socket, first));
      });
    });
    trackConnections(tcp, bound);
    return tcp as unknown as Server;
  }

  /**
   * Stops accepting connections, closes idle keep-alive connections, lets requests in flight (streams
   * included) finish for up to `drainMs`, then cuts whatever is left.
   */
  async close(drainMs = 0): Promise<void> {
    const bound = [...this.#bound.values()];
    this.#bound.clear();
    const closed = bound.map(
      (b) =>
        new Promise<void>((resolve) => {
          b.server.close(() => resolve());
          if (drainMs <= 0) {
            if (b.closeConnections) b.closeConnections();
            else b.server.closeAllConnections();
          } else {
            b.server.closeIdleConnections?.();
          }
        }),
    );
    if (drainMs > 0) {
      // Connections that become idle after their last response are closed as they go.
      const idle = setInterval(() => {
        for (const b of bound) b.server.closeIdleConnections?.();
      }, 100);
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, drainMs).unref());
      await Promise.race([Promise.all(closed), deadline]);
      clearInterval(idle);
      for (const b of bound) {
        if (b.closeConnections) b.closeConnections();
        else b.server.closeAllConnections();
      }
    }
    await Promise.all(closed);
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

/**
 * For servers whose connections node:http cannot list (TCP servers handing sockets on, HTTP/2):
 * remembers every accepted socket so that closing the port can cut them.
 */
function trackConnections(server: { on(event: 'connection', listener: (socket: Socket) => void): unknown }, bound: Bound): void {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  bound.closeConnections = () => {
    for (const socket of sockets) socket.destroy();
  };
}

/** The HTTP/2 connection preface a client sends first (RFC 9113 §3.4). */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

function hasGrpc(binding: PortBinding): boolean {
  return binding.protocol !== 'TLS' && binding.listeners.some((l) => l.grpcTable.size > 0);
}

/** A duplex over `socket` whose readable side starts with `first` (bytes already read from it). */
function replaying(socket: Socket, first: Buffer): Duplex {
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end(cb);
    },
    destroy(err, cb) {
      socket.destroy(err ?? undefined);
      cb(err);
    },
  });
  duplex.push(first);
  socket.on('data', (d: Buffer) => {
    if (!duplex.push(d)) socket.pause();
  });
  socket.on('end', () => duplex.push(null));
  socket.on('error', (err) => duplex.destroy(err));
  socket.on('close', () => duplex.destroy());
  return duplex;
}
