// gRPC over HTTP/2 for GRPCRoutes: a request stream is matched on its `/service/method` path and
// headers, then proxied to the chosen backend endpoint over an h2c session (one per origin, reused),
// response headers, messages and trailers relayed as they come. Failures are answered the gRPC way:
// a trailers-only response with `grpc-status` (12 UNIMPLEMENTED when no route matches, 14 UNAVAILABLE
// when the backend cannot be reached, 13 INTERNAL for an invalid backend).
import { connect, constants } from 'node:http2';
import type { ClientHttp2Session, IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { PortBinding, RuntimeSnapshot } from '../runtime/snapshot.ts';
import { chooseBackend, nextTarget } from '../backend/choose.ts';
import { selectListener } from '../routing/hostnames.ts';
import { GRPC_STATUS } from '../errors.ts';
import { HOP_BY_HOP, hostOfAuthority } from '../http/headers.ts';

const { HTTP2_HEADER_PATH, HTTP2_HEADER_METHOD, HTTP2_HEADER_AUTHORITY, HTTP2_HEADER_SCHEME, HTTP2_HEADER_STATUS } = constants;

/**
 * Connection-specific headers HTTP/2 forbids forwarding, plus pseudo-headers the proxy sets itself.
 * `te: trailers` is kept: gRPC requires it and HTTP/2 allows exactly that value.
 */
const DROP = new Set([...HOP_BY_HOP.filter((h) => h !== 'te' && h !== 'trailer'), 'host', HTTP2_HEADER_PATH, HTTP2_HEADER_METHOD, HTTP2_HEADER_AUTHORITY, HTTP2_HEADER_SCHEME, HTTP2_HEADER_STATUS]);


export class GrpcProxy {
  readonly #sessions = new Map<string, ClientHttp2Session>();

  handle(snapshot: RuntimeSnapshot | undefined, binding: PortBinding | undefined, stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const authority = String(headers[HTTP2_HEADER_AUTHORITY] ?? headers['host'] ?? '');
    const host = hostOfAuthority(authority);
    const path = String(headers[HTTP2_HEADER_PATH] ?? '/');
    const listener = binding && selectListener(binding.listeners, host);
    const matched = snapshot && listener?.grpcTable.match({ host, method: String(headers[HTTP2_HEADER_METHOD] ?? 'POST'), path, query: '', headers });
    if (!matched) return trailersOnly(stream, GRPC_STATUS.UNIMPLEMENTED, `no GRPCRoute matches ${path} on host "${host}"`);
    const rule = matched.rule;
    let target;
    try {
      target = chooseBackend(rule).target;
    } catch (err) {
      return trailersOnly(stream, GRPC_STATUS.INTERNAL, (err as Error).message);
    }
    if (target.kind !== 'endpoints') return trailersOnly(stream, GRPC_STATUS.INTERNAL, `${rule.id}: ${target.kind === 'invalid' ? target.message : 'only Service and Backend references can serve gRPC'}`);
    const t = nextTarget(target);
    if (!t) return trailersOnly(stream, GRPC_STATUS.UNAVAILABLE, `${target.id} has no ready endpoint`);

    const out: OutgoingHttpHeaders = {};
    for (const name in headers) if (!DROP.has(name)) out[name] = headers[name];
    out[HTTP2_HEADER_METHOD] = 'POST';
    out[HTTP2_HEADER_PATH] = path;
    out[HTTP2_HEADER_AUTHORITY] = authority;
    let upstream;
    try {
      upstream = this.#session(t.origin).request(out);
    } catch (err) {
      return trailersOnly(stream, GRPC_STATUS.UNAVAILABLE, `upstream ${t.origin}: ${(err as Error).message}`);
    }
    const endpoint = t.endpoint;
    if (endpoint) endpoint.inflight++;
    let trailers: OutgoingHttpHeaders | undefined;
    upstream.on('response', (h) => {
      const fwd: OutgoingHttpHeaders = { [HTTP2_HEADER_STATUS]: h[HTTP2_HEADER_STATUS] ?? 200 };
      for (const name in h) if (!DROP.has(name)) fwd[name] = h[name];
      if (stream.destroyed) return;
      // A trailers-only answer (grpc-status in the headers) ends the stream with its headers.
      if (h['grpc-status'] !== undefined) stream.respond(fwd, { endStream: true });
      else stream.respond(fwd, { waitForTrailers: true });
    });
    upstream.on('trailers', (h) => {
      trailers = {};
      for (const name in h) if (!DROP.has(name)) trailers[name] = h[name];
    });
    stream.on('wantTrailers', () => stream.sendTrailers(trailers ?? { 'grpc-status': String(GRPC_STATUS.INTERNAL), 'grpc-message': 'upstream ended without trailers' }));
    upstream.pipe(stream);
    stream.pipe(upstream);
    upstream.once('close', () => {
      if (endpoint) endpoint.inflight--;
    });
    upstream.on('error', (err) => {
      if (!stream.headersSent) trailersOnly(stream, GRPC_STATUS.UNAVAILABLE, `upstream ${t.origin}: ${err.message}`);
      else stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    });
    stream.on('close', () => {
      if (!upstream.closed) upstream.close(constants.NGHTTP2_CANCEL);
    });
  }

  #session(origin: string): ClientHttp2Session {
    let s = this.#sessions.get(origin);
    if (!s || s.closed || s.destroyed) {
      s = connect(origin);
      const created = s;
      const forget = () => {
        if (this.#sessions.get(origin) === created) this.#sessions.delete(origin);
      };
      s.on('error', forget);
      s.on('close', forget);
      s.on('goaway', forget);
      s.unref();
      this.#sessions.set(origin, s);
    }
    return s;
  }

  close(): void {
    for (const s of this.#sessions.values()) s.close();
    this.#sessions.clear();
  }
}

function trailersOnly(stream: ServerHttp2Stream, code: number, message: string): void {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond({ [HTTP2_HEADER_STATUS]: 200, 'content-type': 'application/grpc', 'grpc-status': String(code), 'grpc-message': encodeURIComponent(message) }, { endStream: true });
}
