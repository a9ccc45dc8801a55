// One server per bound port: node:http for HTTP listeners, node:https for HTTPS listeners, where the
// TLS SNI chooses among the certificates of the port's listeners (exact name, then wildcard, then the
// first as default). An HTTP port with GRPCRoutes also speaks h2c: a plain TCP server looks at the
// first bytes of each connection and hands it to node:http2 (HTTP/2 preface) or node:http. Applying a new snapshot opens servers for new ports, updates certificates in
// place, and closes servers for ports no longer used (their in-flight requests and streams finish).
//
// Every port holds clients to the same limits (ListenerOptions, defaults below): the header block and
// the body must each arrive within a time (408, or the connection closed when HTTP allows no answer;
// a large body holding body budget must also keep the pace that finishes it in time),
// a connection serves a bounded number of requests and stays idle a bounded time, a connection and a
// client address each have a bounded number of requests (or gRPC streams) in progress (429), and
// every request gets an allowance from the process's budget for bodies held in memory (limits.ts).
import { createServer } from 'node:http';
import { constants as h2constants, createSecureServer as createH2Server, createServer as createH2cServer } from 'node:http2';
import type { Http2ServerRequest, Http2ServerResponse, IncomingHttpHeaders as IncomingHttpHeaders2, ServerHttp2Stream } from 'node:http2';
import { createServer as createTcpServer } from 'node:net';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { SecureContext } from 'node:tls';
import { GatewayError, errorBody } from '../errors.ts';
import { bodyReceived, markBodyCut, setBodyAllowance } from '../http/body.ts';
import { requestIdOf } from '../http/headers.ts';
import { sendError } from '../http/respond.ts';
import type { PortBinding, TlsCertificate } from '../runtime/snapshot.ts';
import type { DataPlane } from './data-plane.ts';
import { processBodyBudget } from './limits.ts';
import type { BodyMemoryBudget } from './limits.ts';

/** How the listeners hold clients to account. Every field has a default; 0 turns a limit off. */
export interface ListenerOptions {
  /** Time to receive a request's header block, from its first byte (or the connection's start) (408). Default 60 s. */
  readonly headersTimeoutMs?: number | undefined;
  /**
   * Time to receive a request's body once its headers are in (408, or the connection cut). Default 60 s.
   * A body of 1 MiB or more that holds body budget must also keep the pace that finishes it in this time.
   */
  readonly bodyTimeoutMs?: number | undefined;
  /** Time an HTTP/1.1 keep-alive connection may stay idle between requests. Default 65 s. */
  readonly keepAliveTimeoutMs?: number | undefined;
  /** Requests served on one HTTP/1.1 connection before the gateway closes it (`connection: close`). Default 1,000. */
  readonly maxRequestsPerConnection?: number | undefined;
  /** Requests (HTTP/1.1 pipelining) or streams (HTTP/2) in progress at once on one connection. Default 128. */
  readonly maxConcurrentPerConnection?: number | undefined;
  /** Requests and gRPC streams in progress at once from one client address (429 beyond). Default 1,024. */
  readonly maxConcurrentPerClient?: number | undefined;
  /** The budget for request bodies held in memory at once (default: the process's, 256 MiB). */
  readonly bodyBudget?: BodyMemoryBudget | undefined;
  /**
   * Answers a request the listener refuses before the data plane sees it (over a concurrency limit).
   * Default: the catalogue error in the OpenAI shape. The composition root may pass the data plane's
   * own refusal so that telemetry sees these requests too.
   */
  readonly refuse?: ((req: IncomingMessage, res: ServerResponse, port: number, err: GatewayError) => void) | undefined;
}

export const DEFAULT_LISTENER_OPTIONS = {
  headersTimeoutMs: 60_000,
  bodyTimeoutMs: 60_000,
  keepAliveTimeoutMs: 65_000,
  maxRequestsPerConnection: 1_000,
  maxConcurrentPerConnection: 128,
  maxConcurrentPerClient: 1_024,
} as const;

type Limits = { -readonly [K in keyof typeof DEFAULT_LISTENER_OPTIONS]: number };

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

const IN_FLIGHT = Symbol('sluice.inFlight');
type CountedSocket = Socket & { [IN_FLIGHT]?: number };

/** Bodies declared at least this large must keep pace (see #checkPace). */
const PACED_BODY_BYTES = 1024 * 1024;
/** Seconds a paced body may lag before its pace is judged. */
const PACE_GRACE_MS = 3000;

/** An upload whose body holds a share of the body budget: it must arrive at a pace that finishes within the body timeout. */
interface PacedUpload {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly socket: CountedSocket | undefined;
  readonly declared: number;
  readonly startedAt: number;
  readonly held: () => number;
}

export class ListenerSet {
  readonly #bound = new Map<number, Bound>();
  readonly #host: string;
  readonly #dataPlane: DataPlane;
  readonly #limits: Limits;
  readonly #budget: BodyMemoryBudget;
  readonly #refuse: (req: IncomingMessage, res: ServerResponse, port: number, err: GatewayError) => void;
  /** Requests and gRPC streams in progress by client address. */
  readonly #perClient = new Map<string, number>();
  /** Large uploads holding body budget, checked for pace every second. */
  readonly #paced = new Set<PacedUpload>();
  #paceTimer: NodeJS.Timeout | undefined;
  /** node:http server options (HTTP/1.1). */
  readonly #http1: { keepAliveTimeout: number; requestTimeout: number; headersTimeout: number; connectionsCheckingInterval: number };

  constructor(dataPlane: DataPlane, host: string, options: ListenerOptions = {}) {
    this.#dataPlane = dataPlane;
    this.#host = host;
    const limits = { ...DEFAULT_LISTENER_OPTIONS } as Limits;
    for (const key of Object.keys(DEFAULT_LISTENER_OPTIONS) as (keyof Limits)[]) {
      const v = options[key];
      if (v === undefined) continue;
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`listener option ${key} must be a number ≥ 0 (got ${v})`);
      limits[key] = v;
    }
    this.#limits = limits;
    this.#budget = options.bodyBudget ?? processBodyBudget;
    this.#refuse = options.refuse ?? ((req, res, _port, err) => sendError(res, err, 'OpenAI', requestIdOf(req.headers)));
    const timeouts = [limits.headersTimeoutMs, limits.bodyTimeoutMs].filter((t) => t > 0);
    this.#http1 = {
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // The body has its own timer (#admit), which starts when the headers are in.
      requestTimeout: 0,
      headersTimeout: limits.headersTimeoutMs,
      // How often node:http looks for connections past headersTimeout (its default is 30 s).
      connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(Math.min(...timeouts, 4000) / 4))),
    };
  }

  /** The limits in force (defaults filled in). */
  get limits(): Readonly<Limits> {
    return this.#limits;
  }

  /** Requests and gRPC streams in progress from `address` (tests, status). */
  inFlightFrom(address: string): number {
    return this.#perClient.get(address) ?? 0;
  }

  /**
   * Every HTTP request enters here: the concurrency limits of its connection and client address, an
   * allowance from the body budget, the body timer; then the data plane. All of it is undone when
   * the response closes (finished, or cut).
   */
  #admit(req: IncomingMessage, res: ServerResponse, port: number): void {
    const limits = this.#limits;
    const h2 = req.httpVersionMajor === 2;
    // An HTTP/2 request's socket is a per-stream proxy: streams per connection are an HTTP/2 setting.
    const socket = h2 ? undefined : (req.socket as CountedSocket);
    const address = req.socket.remoteAddress ?? '';
    const onConnection = socket ? (socket[IN_FLIGHT] ?? 0) + 1 : 0;
    const fromClient = (this.#perClient.get(address) ?? 0) + 1;
    if (socket && limits.maxConcurrentPerConnection > 0 && onConnection > limits.maxConcurrentPerConnection) {
      this.#refuse(req, res, port, new GatewayError('rate_limited', `too many requests in progress on this connection (at most ${limits.maxConcurrentPerConnection}); wait for answers before sending more`, { headers: { 'retry-after': '1' } }));
      return;
    }
    if (limits.maxConcurrentPerClient > 0 && fromClient > limits.maxConcurrentPerClient) {
      this.#refuse(req, res, port, new GatewayError('rate_limited', `too many requests in progress from this client address (at most ${limits.maxConcurrentPerClient})`, { headers: { 'retry-after': '1' } }));
      return;
    }
    if (socket) socket[IN_FLIGHT] = onConnection;
    this.#perClient.set(address, fromClient);
    const handle = this.#budget.open();
    setBodyAllowance(req, handle.allowance);
    let timer: NodeJS.Timeout | undefined;
    let paced: PacedUpload | undefined;
    if (limits.bodyTimeoutMs > 0 && !req.complete) {
      timer = setTimeout(() => this.#cutBody(req, res, socket, `the request body did not arrive within ${limits.bodyTimeoutMs} ms`), limits.bodyTimeoutMs);
      const declared = Number(req.headers['content-length']);
      if (declared >= PACED_BODY_BYTES) {
        paced = { req, res, socket, declared, startedAt: performance.now(), held: () => handle.held };
        this.#paced.add(paced);
        this.#paceTimer ??= setInterval(() => this.#checkPace(), Math.max(50, Math.min(1000, Math.floor(limits.bodyTimeoutMs / 20)))).unref();
      }
      req.once('end', () => {
        clearTimeout(timer);
        if (paced) this.#unpace(paced);
      });
    }
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      if (paced) this.#unpace(paced);
      handle.close();
      if (socket) {
        socket.off('close', end);
        socket[IN_FLIGHT] = (socket[IN_FLIGHT] ?? 1) - 1;
      }
      this.#release(address);
    };
    res.once('close', end);
    // A response still queued behind another one (pipelining) gets no 'close' when the connection goes.
    socket?.once('close', end);
    this.#dataPlane.handle(req, res, port);
  }

  #release(address: string): void {
    const n = (this.#perClient.get(address) ?? 1) - 1;
    if (n <= 0) this.#perClient.delete(address);
    else this.#perClient.set(address, n);
  }

  #unpace(p: PacedUpload): void {
    this.#paced.delete(p);
    if (this.#paced.size === 0 && this.#paceTimer) {
      clearInterval(this.#paceTimer);
      this.#paceTimer = undefined;
    }
  }

  /**
   * A large body holds its declared size of the body budget from its first byte (http/body.ts), so a
   * client trickling it would hold budget others need, for as long as the body timeout allows. Once
   * the body reader has taken its share, the body must arrive at least at the pace that finishes it
   * within the body timeout (after a grace of a few seconds); one that falls behind is cut as a body
   * past its timeout is.
   */
  #checkPace(): void {
    const now = performance.now();
    const timeout = this.#limits.bodyTimeoutMs;
    for (const p of this.#paced) {
      if (p.req.complete) {
        this.#unpace(p);
        continue;
      }
      const elapsed = now - p.startedAt;
      const grace = Math.min(PACE_GRACE_MS, timeout / 4);
      if (p.held() === 0 || elapsed < grace) continue;
      const received = bodyReceived(p.req);
      const due = (p.declared * (elapsed - grace)) / timeout;
      if (received < due) {
        this.#unpace(p);
        this.#cutBody(p.req, p.res, p.socket, `the request body arrived too slowly (${received} of ${p.declared} bytes after ${Math.round(elapsed)} ms; a body must arrive within ${timeout} ms)`);
      }
    }
  }

  /**
   * A body that did not arrive in time. HTTP/1.1: when no answer has started and no earlier answer is
   * still going out on the connection (pipelining), 408 is written on the connection, which is then
   * closed; otherwise the connection is closed. HTTP/2: the stream is reset (CANCEL).
   */
  #cutBody(req: IncomingMessage, res: ServerResponse, socket: CountedSocket | undefined, reason: string): void {
    if (req.complete) return;
    markBodyCut(req, reason);
    if (!socket) {
      (req as unknown as Http2ServerRequest).stream.close(h2constants.NGHTTP2_CANCEL);
      return;
    }
    if (!res.headersSent && socket.writable && (socket[IN_FLIGHT] ?? 0) <= 1) {
      socket.end(timeoutAnswer(reason, requestIdOf(req.headers)), () => socket.destroy());
      // A peer that does not read its answer is not waited for.
      setTimeout(() => socket.destroy(), 1000).unref();
    } else {
      socket.destroy();
    }
  }

  /** A gRPC stream: the client address's limit applies to it as to requests. */
  #admitStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders2, port: number): void {
    const address = stream.session?.socket?.remoteAddress ?? '';
    const limit = this.#limits.maxConcurrentPerClient;
    const fromClient = (this.#perClient.get(address) ?? 0) + 1;
    if (limit > 0 && fromClient > limit) {
      if (!stream.destroyed && !stream.headersSent) {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '8', 'grpc-message': encodeURIComponent(`too many requests in progress from this client address (at most ${limit})`) }, { endStream: true });
      }
      return;
    }
    this.#perClient.set(address, fromClient);
    stream.once('close', () => this.#release(address));
    this.#dataPlane.handleGrpc(stream, headers, port);
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
    const handler = (req: IncomingMessage, res: ServerResponse) => this.#admit(req, res, port);
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
              ...this.#http1,
              ...this.#tlsOptions(),
              SNICallback: (name, cb) => cb(null, pick(bound.contexts, name)),
              // A default certificate for clients that send no SNI.
              ...(binding.certificates[0] ? { cert: binding.certificates[0].cert, key: binding.certificates[0].key } : {}),
            },
            handler,
          ) as unknown as Server)
        : createServer(this.#http1, handler);
    this.#configureHttp1(server);
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
        ...this.#tlsOptions(),
        ...this.#h2Settings(),
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
      if (String(headers['content-type'] ?? '').startsWith('application/grpc')) this.#admitStream(stream, headers, port);
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
    const http1 = createServer(this.#http1, handler);
    this.#configureHttp1(http1);
    // node:http checks headersTimeout on the connections of a server that listens; this one never
    // does (connections are handed to it), so its checks are started as 'listening' would.
    http1.emit('listening');
    const http2 = createH2cServer(this.#h2Settings());
    http2.on('stream', (stream, headers) => this.#admitStream(stream, headers, port));
    const headersTimeout = this.#limits.headersTimeoutMs;
    const tcp = createTcpServer((socket: Socket) => {
      // Until the first byte says which protocol it speaks, the connection is on the header clock.
      if (headersTimeout > 0) socket.setTimeout(headersTimeout, () => socket.destroy());
      socket.once('data', (first: Buffer) => {
        if (headersTimeout > 0) socket.setTimeout(0);
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
    tcp.once('close', () => {
      http1.close();
      http2.close();
    });
    trackConnections(tcp, bound);
    return tcp as unknown as Server;
  }

  /** What node:http takes as properties rather than options, and CONNECT (which node:http would drop unanswered). */
  #configureHttp1(server: Server): void {
    if (!('maxRequestsPerSocket' in server)) return;
    server.maxRequestsPerSocket = this.#limits.maxRequestsPerConnection;
    server.on('connect', refuseConnect);
  }

  /** TLS: a client gets the header time for its handshake too. */
  #tlsOptions(): { handshakeTimeout?: number } {
    return this.#limits.headersTimeoutMs > 0 ? { handshakeTimeout: this.#limits.headersTimeoutMs } : {};
  }

  /** HTTP/2: streams in progress per connection. */
  #h2Settings(): { settings?: { maxConcurrentStreams: number } } {
    const max = this.#limits.maxConcurrentPerConnection;
    return max > 0 ? { settings: { maxConcurrentStreams: max } } : {};
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
  // Limits per client address read it from the connection.
  Object.defineProperty(duplex, 'remoteAddress', { value: socket.remoteAddress, enumerable: true });
  duplex.push(first);
  socket.on('data', (d: Buffer) => {
    if (!duplex.push(d)) socket.pause();
  });
  socket.on('end', () => duplex.push(null));
  socket.on('error', (err) => duplex.destroy(err));
  socket.on('close', () => duplex.destroy());
  return duplex;
}

/** The raw 408 answer written on a connection whose request body did not arrive in time. */
function timeoutAnswer(message: string, requestId: string): string {
  // The catalogue has no 408 code: the body is an invalid_request error in the OpenAI shape, its code request_timeout.
  const body = errorBody(new GatewayError('invalid_request', message), 'OpenAI', requestId).replace('"code":"invalid_request"', '"code":"request_timeout"');
  return `HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\n\r\n${body}`;
}

/** A CONNECT request: Sluice is no forward proxy. Answered 405 (node:http would close the connection unanswered). */
function refuseConnect(req: IncomingMessage, socket: Duplex): void {
  const requestId = requestIdOf(req.headers);
  const body = errorBody(new GatewayError('method_not_allowed', 'CONNECT is not served: the gateway is not a forward proxy'), 'OpenAI', requestId);
  socket.on('error', () => undefined);
  socket.end(`HTTP/1.1 405 Method Not Allowed\r\nconnection: close\r\nallow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\n\r\n${body}`, () => socket.destroy());
  setTimeout(() => socket.destroy(), 1000).unref();
}
