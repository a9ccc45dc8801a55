// Applying compiled HTTPRoute filters to one request (gateway-api reference §2.7): header
// modifiers, path rewrites, redirect locations and CORS answers. Leaf helpers: every stage may use them.
import type { Cors, HeaderOps, PathModifier, Redirect } from '../runtime/filters.ts';

type HeaderBag = Record<string, string | string[] | number | undefined>;

/** Applies set/add/remove to a header object with lower-case names, in place. */
export function applyHeaderOps(headers: HeaderBag, ops: HeaderOps): void {
  for (const [name, value] of ops.set) headers[name] = value;
  for (const [name, value] of ops.add) {
    const existing = headers[name];
    headers[name] = existing === undefined ? value : `${Array.isArray(existing) ? existing.join(',') : String(existing)},${value}`;
  }
  for (const name of ops.remove) delete headers[name];
}

/**
 * Rewrites `path` (no query) for a path modifier. For ReplacePrefixMatch, `matchedPrefix` is the
 * PathPrefix value that matched; the result never has a double slash and is never empty.
 */
export function rewritePath(path: string, modifier: PathModifier, matchedPrefix: string): string {
  if (modifier.type === 'ReplaceFullPath') return modifier.value || '/';
  const prefix = matchedPrefix.length > 1 ? matchedPrefix.replace(/\/+$/, '') : '';
  const rest = path.slice(prefix.length);
  const replacement = modifier.value.replace(/\/+$/, '');
  let out = replacement + rest;
  if (out === '') out = '/';
  if (!out.startsWith('/')) out = '/' + out;
  return out;
}

const DEFAULT_PORT: Record<string, number> = { http: 80, https: 443 };

/** The Location of a redirect (gateway-api reference §2.7: port rules and default-port omission). */
export function redirectLocation(r: Redirect, req: { scheme: 'http' | 'https'; host: string; path: string; query: string; listenerPort: number; matchedPrefix: string }): string {
  const scheme = r.scheme ?? req.scheme;
  const host = r.hostname ?? req.host;
  const port = r.port ?? (r.scheme ? DEFAULT_PORT[r.scheme]! : req.listenerPort);
  const path = r.path ? rewritePath(req.path, r.path, req.matchedPrefix) : req.path;
  const hostPort = port === DEFAULT_PORT[scheme] ? host : `${host}:${port}`;
  return `${scheme}://${hostPort}${path}${req.query ? '?' + req.query : ''}`;
}

export function corsOriginAllowed(cors: Cors, origin: string): boolean {
  return cors.origins.some((re) => re.test(origin));
}

/**
 * Headers answering a CORS preflight (the gateway answers preflights itself, they are not proxied).
 * `undefined` when the origin is not allowed: the preflight is answered without any ACAO.
 */
export function corsPreflightHeaders(cors: Cors, origin: string, requestMethod: string | undefined, requestHeaders: string | undefined): Record<string, string> | undefined {
  if (!corsOriginAllowed(cors, origin)) return undefined;
  const out: Record<string, string> = { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-max-age': String(cors.maxAge) };
  if (cors.allowCredentials) out['access-control-allow-credentials'] = 'true';
  if (cors.exposeHeaders.length > 0) out['access-control-expose-headers'] = cors.exposeHeaders.join(', ');
  if (requestMethod !== undefined && cors.allowMethods.length > 0) {
    // With credentials a wildcard must be answered with concrete values.
    out['access-control-allow-methods'] = cors.allowMethods.includes('*') ? (cors.allowCredentials ? requestMethod : '*') : cors.allowMethods.join(', ');
  }
  if (requestHeaders !== undefined && cors.allowHeaders.length > 0) {
    out['access-control-allow-headers'] = cors.allowHeaders.includes('*') ? (cors.allowCredentials ? requestHeaders : '*') : cors.allowHeaders.join(', ');
  }
  return out;
}

/** Headers added to an actual (non-preflight) response for an allowed origin. */
export function corsResponseHeaders(cors: Cors, origin: string): Record<string, string> | undefined {
  if (!corsOriginAllowed(cors, origin)) return undefined;
  const out: Record<string, string> = { 'access-control-allow-origin': origin, vary: 'Origin' };
  if (cors.allowCredentials) out['access-control-allow-credentials'] = 'true';
  if (cors.exposeHeaders.length > 0) out['access-control-expose-headers'] = cors.exposeHeaders.join(', ');
  return out;
}
