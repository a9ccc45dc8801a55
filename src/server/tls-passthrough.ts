// TLS passthrough for TLSRoutes: the gateway reads the ClientHello's server name (SNI) without
// decrypting anything, picks the TLSRoute by hostname and pipes the bytes to a backend endpoint.
// A connection without a matching route, or to an invalid backend, is closed (the spec: rejected).
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { PortBinding, RuntimeSnapshot } from '../runtime/snapshot.ts';
import type { EndpointState } from '../runtime/endpoint.ts';
import { chooseBackend, nextTarget } from '../backend/choose.ts';
import { selectListener } from '../routing/hostnames.ts';

/** The largest ClientHello read before giving up (TLS records are at most 16 KiB + header). */
const MAX_HELLO = 16 * 1024 + 5;

export type SniResult = { readonly kind: 'incomplete' } | { readonly kind: 'invalid' } | { readonly kind: 'done'; readonly serverName: string | undefined };

/** Reads the server_name extension of a TLS ClientHello record at the start of `buf`. */
export function readClientHelloSni(buf: Buffer): SniResult {
  if (buf.length < 5) return { kind: 'incomplete' };
  if (buf[0] !== 0x16) return { kind: 'invalid' }; // not a handshake record
  const recordLength = buf.readUInt16BE(3);
  if (buf.length < 5 + recordLength) return buf.length >= MAX_HELLO ? { kind: 'invalid' } : { kind: 'incomplete' };
  let p = 5;
  const end = 5 + recordLength;
  if (buf[p] !== 0x01) return { kind: 'invalid' }; // not a ClientHello
  p += 4; // type + 24-bit length
  p += 2 + 32; // client version + random
  if (p >= end) return { kind: 'invalid' };
  p += 1 + buf[p]!; // session id
  if (p + 2 > end) return { kind: 'invalid' };
  p += 2 + buf.readUInt16BE(p); // cipher suites
  if (p >= end) return { kind: 'invalid' };
  p += 1 + buf[p]!; // compression methods
  if (p + 2 > end) return { kind: 'done', serverName: undefined }; // no extensions
  const extEnd = Math.min(end, p + 2 + buf.readUInt16BE(p));
  p += 2;
  while (p + 4 <= extEnd) {
    const type = buf.readUInt16BE(p);
    const len = buf.readUInt16BE(p + 2);
    p += 4;
    if (type === 0x0000 && p + 5 <= extEnd) {
      // server_name_list: length(2), then entries of type(1) length(2) name.
      let q = p + 2;
      const listEnd = Math.min(p + len, extEnd);
      while (q + 3 <= listEnd) {
        const nameType = buf[q]!;
        const nameLen = buf.readUInt16BE(q + 1);
        q += 3;
        if (nameType === 0 && q + nameLen <= listEnd) return { kind: 'done', serverName: buf.toString('ascii', q, q + nameLen).toLowerCase() };
        q += nameLen;
      }
    }
    p += len;
  }
  return { kind: 'done', serverName: undefined };
}

export function handleTlsPassthrough(snapshot: RuntimeSnapshot | undefined, port: number, socket: Socket): void {
  let buffered = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), 10_000);
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    const r = readClientHelloSni(buffered);
    if (r.kind === 'incomplete') return;
    socket.off('data', onData);
    socket.pause();
    clearTimeout(timer);
    if (r.kind === 'invalid' || !r.serverName) return void socket.destroy();
    const target = route(snapshot?.bindings.get(port), r.serverName);
    if (!target) return void socket.destroy();
    const upstream = connect(target.port, target.host);
    const endpoint = target.endpoint;
    if (endpoint) endpoint.inflight++;
    upstream.once('close', () => {
      if (endpoint) endpoint.inflight--;
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    upstream.write(buffered);
    socket.pipe(upstream);
    upstream.pipe(socket);
    socket.resume();
  };
  socket.on('data', onData);
  socket.on('error', () => clearTimeout(timer));
}

function route(binding: PortBinding | undefined, serverName: string): { host: string; port: number; endpoint: EndpointState | undefined } | undefined {
  // The SNI picks the listener (most specific hostname), then that listener's TLSRoutes.
  const listener = binding && selectListener(binding.listeners, serverName);
  const m = listener?.tlsTable.match({ host: serverName, method: 'GET', path: '/', query: '', headers: {} });
  if (!m) return undefined;
  let chosen;
  try {
    chosen = chooseBackend(m.rule);
  } catch {
    return undefined;
  }
  const target = chosen.target;
  if (target.kind !== 'endpoints') return undefined;
  const t = nextTarget(target);
  if (!t) return undefined;
  const url = new URL(t.origin);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port), endpoint: t.endpoint };
}
