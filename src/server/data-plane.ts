// The data plane's entry: one RequestContext per HTTP request, pinned to the snapshot being served
// when it arrives, run through the pipeline (pipeline/stages.ts). The start and end of every request
// are published here, exactly once each; an error no stage answered becomes the catalogue error in
// the client's schema. gRPC streams and TLS-passthrough connections have their own paths.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IncomingHttpHeaders as IncomingHttpHeaders2, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { GatewayError, toGatewayError } from '../errors.ts';
import { hostOf, isInternalHeader, requestIdOf } from '../http/headers.ts';
import { isPathError, normalizePath } from '../http/path.ts';
import { sendError } from '../http/respond.ts';
import { RequestContext } from '../runtime/context.ts';
import { events } from '../runtime/events.ts';
import type { RuntimeSnapshot } from '../runtime/snapshot.ts';
import { GrpcProxy } from './grpc.ts';
import { handleTlsPassthrough } from './tls-passthrough.ts';

export interface DataPlaneOptions {
  /** The composed stages (pipeline/stages.ts). */
  readonly pipeline: (ctx: RequestContext) => Promise<void>;
  /** Identity stamped on every context, so telemetry subscribers can tell gateways apart. */
  readonly owner: object;
  readonly log?: ((line: string) => void) | undefined;
}

export class DataPlane {
  #snapshot: RuntimeSnapshot | undefined;
  readonly #pipeline: (ctx: RequestContext) => Promise<void>;
  readonly #owner: object;
  readonly #log: (line: string) => void;
  readonly #grpc = new GrpcProxy();

  constructor(options: DataPlaneOptions) {
    this.#pipeline = options.pipeline;
    this.#owner = options.owner;
    this.#log = options.log ?? (() => undefined);
  }

  get snapshot(): RuntimeSnapshot | undefined {
    return this.#snapshot;
  }

  /** Makes `next` the snapshot for new requests; requests in flight keep theirs. */
  swap(next: RuntimeSnapshot): void {
    this.#snapshot = next;
  }

  /** An HTTP/2 stream on an h2c port: gRPC, routed by GRPCRoutes. */
  handleGrpc(stream: ServerHttp2Stream, headers: IncomingHttpHeaders2, port: number): void {
    const snapshot = this.#snapshot;
    this.#grpc.handle(snapshot, snapshot?.bindings.get(port), stream, headers);
  }

  /** A connection on a TLS passthrough port, routed by TLSRoutes on its SNI. */
  handleTls(socket: Socket, port: number): void {
    handleTlsPassthrough(this.#snapshot, port, socket);
  }

  close(): void {
    this.#grpc.close();
  }

  handle(req: IncomingMessage, res: ServerResponse, port: number): void {
    const snapshot = this.#snapshot;
    if (!snapshot) {
      sendError(res, new GatewayError('overloaded', 'the gateway has no configuration yet'));
      return;
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    // Routes match, and upstreams receive, the canonical path: dot segments removed, slashes merged,
    // encoded unreserved characters decoded; encoded slashes and control characters are refused.
    let normalized = normalizePath(rawPath);
    // Model ids hold slashes ("meta-llama/Llama-3.1-8B-Instruct"); the gateway answers /v1/models/{id}
    // itself, so an encoded slash there is kept, and refused by the route stage anywhere else.
    let escapedSlash = false;
    if (isPathError(normalized) && normalized.reason === 'encoded-slash' && req.method === 'GET' && rawPath.startsWith('/v1/models/')) {
      const kept = normalizePath(rawPath, { escapedSlashes: 'keep' });
      if (!isPathError(kept)) {
        normalized = kept;
        escapedSlash = true;
      }
    }
    const headers = req.headers;
    // Headers that steer the gateway's or an upstream's internals are never taken from a client;
    // a rule's header filter may still set them.
    for (const name in headers) {
      if (isInternalHeader(name)) delete headers[name];
    }
    const ctx = new RequestContext({
      id: requestIdOf(req.headers),
      snapshot,
      owner: this.#owner,
      req,
      res,
      port,
      method: req.method ?? 'GET',
      host: hostOf(req.headers),
      path: isPathError(normalized) ? rawPath : normalized.path,
      query: q < 0 ? '' : url.slice(q + 1),
    });
    ctx.escapedSlash = escapedSlash;
    // Every response carries the request id, and so does the request to the upstream (send stage).
    res.setHeader('x-request-id', ctx.id);
    events.requestStart.publish(ctx);
    if (isPathError(normalized)) {
      this.#fail(ctx, new GatewayError('invalid_request', `the request path is not acceptable (${normalized.reason.replace(/-/g, ' ')})`));
      return;
    }
    this.#pipeline(ctx).then(
      () => this.#end(ctx),
      (err: unknown) => this.#fail(ctx, err),
    );
  }

  #fail(ctx: RequestContext, err: unknown): void {
    const e = toGatewayError(err);
    ctx.error = e;
    if (e.code === 'internal_error') this.#log(`internal error on ${ctx.method} ${ctx.path} (request ${ctx.id}): ${(err as Error)?.stack ?? String(err)}`);
    const res = ctx.res;
    if (!res.headersSent) sendError(res, e, ctx.clientSchema, ctx.id);
    else if (!res.writableEnded) res.destroy();
    this.#end(ctx);
  }

  #end(ctx: RequestContext): void {
    ctx.status = ctx.res.statusCode;
    ctx.endedAt = performance.now();
    events.end.publish(ctx);
  }
}
