// Header names and small header/URL operations every stage may use (a leaf module: it imports
// nothing of the gateway). Hot path: no allocation beyond the strings returned.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The header AIGatewayRoutes match on. The gateway owns it: set from the body's `model`, or removed. */
export const MODEL_HEADER = 'x-ai-eg-model';

/** Connection-specific (hop-by-hop) headers, never forwarded (RFC 9110 §7.6.1; HTTP/2 forbids them). */
export const HOP_BY_HOP: readonly string[] = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade'];

/** Request headers never forwarded: hop-by-hop plus the ones the proxy recomputes. */
export const DROP_REQUEST_HEADERS: ReadonlySet<string> = new Set([...HOP_BY_HOP, 'host', 'content-length', 'expect']);

/** Response headers never forwarded. */
export const DROP_RESPONSE_HEADERS: ReadonlySet<string> = new Set(HOP_BY_HOP);

/** Headers that carry a client's credential for a provider; never forwarded when the gateway holds the backend's credential. */
export const CLIENT_CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'x-api-key', 'api-key', 'x-goog-api-key'];

export const REQUEST_ID_HEADER = 'x-request-id';

/** A client-supplied request id is kept when it is short printable ASCII without separators. */
const VALID_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** The client's `x-request-id` when valid, else a new random one. */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  const v = headers[REQUEST_ID_HEADER];
  if (typeof v === 'string' && VALID_REQUEST_ID.test(v)) return v;
  return randomUUID();
}

/**
 * The host of an authority (`Host` or `:authority`), lower case, without the port:
 * `Example.com:8080` → `example.com`, `[::1]:8080` → `[::1]`, `[::1]` → `[::1]`.
 */
export function hostOfAuthority(authority: string): string {
  let end: number;
  if (authority.charCodeAt(0) === 0x5b /* [ */) {
    const close = authority.indexOf(']');
    end = close < 0 ? authority.length : close + 1;
  } else {
    const colon = authority.lastIndexOf(':');
    end = colon < 0 ? authority.length : colon;
  }
  const host = end === authority.length ? authority : authority.slice(0, end);
  return host.toLowerCase();
}

/** The request's host: HTTP/1.1 `Host`, or HTTP/2 `:authority`. */
export function hostOf(headers: IncomingHttpHeaders): string {
  const h = headers.host ?? (headers[':authority'] as string | undefined) ?? '';
  return hostOfAuthority(h);
}

/** One value of a header that may repeat (the first), or undefined when absent or empty. */
export function headerValue(headers: Readonly<Record<string, string | readonly string[] | undefined>>, name: string): string | undefined {
  const v = headers[name];
  const s = typeof v === 'string' ? v : v?.[0];
  return s === undefined || s === '' ? undefined : s;
}

/** A Retry-After value (delay seconds or an HTTP date) in milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined || value === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}

/**
 * Headers that configure the gateway's or an upstream's internals and are never accepted from a
 * client: the simulator's `x-sim-*` (latency, faults), Sluice's own `x-sluice-*`, and Envoy AI
 * Gateway's `x-ai-eg-*` other than the model header (which the route stage owns), and the endpoint
 * picker's `x-gateway-destination-endpoint*` (the gateway's picker sets it).
 */
export function isInternalHeader(name: string): boolean {
  if (name.charCodeAt(0) !== 0x78 /* x */ || name.charCodeAt(1) !== 0x2d /* - */) return false;
  return name.startsWith('x-sim-') || name.startsWith('x-sluice-') || (name.startsWith('x-ai-eg-') && name !== MODEL_HEADER) || name.startsWith('x-gateway-destination-endpoint');
}
