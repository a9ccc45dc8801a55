// HTTPRoute filters (gateway-api reference §2.7): header modifiers, redirects, URL rewrites and CORS,
// compiled once per rule (or backendRef) and applied per request without re-reading the config.
// RequestMirror needs its backendRef resolved, so compileFilters hands mirrors back to the compiler.
// ExtensionRef (and anything else) is reported as unsupported so the rule answers 500 instead of
// silently serving without it.

export interface HeaderOps {
  /** Lower-case name → value, overwriting. */
  readonly set: readonly (readonly [string, string])[];
  /** Lower-case name → value, appended to an existing value with ','. */
  readonly add: readonly (readonly [string, string])[];
  readonly remove: readonly string[];
}

export interface PathModifier {
  readonly type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  readonly value: string;
}

export interface Redirect {
  readonly scheme?: 'http' | 'https' | undefined;
  readonly hostname?: string | undefined;
  readonly port?: number | undefined;
  readonly path?: PathModifier | undefined;
  readonly statusCode: number;
}

export interface Rewrite {
  readonly hostname?: string | undefined;
  readonly path?: PathModifier | undefined;
}

export interface Cors {
  /** Compiled allowOrigins: '*' matches all; a '*' inside a host is a greedy match spanning dots. */
  readonly origins: readonly RegExp[];
  readonly allowCredentials: boolean;
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly maxAge: number;
}

export interface MirrorView {
  backendRef: { group?: string | undefined; kind?: string | undefined; name: string; namespace?: string | undefined; port?: number | undefined };
  percent?: number | undefined;
  fraction?: { numerator: number; denominator?: number | undefined } | undefined;
}

export interface CompiledFilters {
  readonly requestHeaders?: HeaderOps | undefined;
  readonly responseHeaders?: HeaderOps | undefined;
  readonly redirect?: Redirect | undefined;
  readonly rewrite?: Rewrite | undefined;
  readonly cors?: Cors | undefined;
}

/** The filter fields this module reads (the schema validates the full shape). */
export interface FilterView {
  type: string;
  requestHeaderModifier?: HeaderFilterView | undefined;
  responseHeaderModifier?: HeaderFilterView | undefined;
  requestRedirect?: {
    scheme?: string | undefined;
    hostname?: string | undefined;
    port?: number | undefined;
    statusCode?: number | undefined;
    path?: PathModifierView | undefined;
  } | undefined;
  urlRewrite?: { hostname?: string | undefined; path?: PathModifierView | undefined } | undefined;
  requestMirror?: MirrorView | undefined;
  cors?: {
    allowOrigins?: string[] | undefined;
    allowCredentials?: boolean | undefined;
    allowMethods?: string[] | undefined;
    allowHeaders?: string[] | undefined;
    exposeHeaders?: string[] | undefined;
    maxAge?: number | undefined;
  } | undefined;
}

interface HeaderFilterView {
  set?: { name: string; value: string }[] | undefined;
  add?: { name: string; value: string }[] | undefined;
  remove?: string[] | undefined;
}

interface PathModifierView {
  type: string;
  replaceFullPath?: string | undefined;
  replacePrefixMatch?: string | undefined;
}

export function compileHeaderOps(f: HeaderFilterView | undefined): HeaderOps | undefined {
  if (!f) return undefined;
  return {
    set: (f.set ?? []).map((h) => [h.name.toLowerCase(), h.value] as const),
    add: (f.add ?? []).map((h) => [h.name.toLowerCase(), h.value] as const),
    remove: (f.remove ?? []).map((n) => n.toLowerCase()),
  };
}

function compilePath(p: PathModifierView | undefined): PathModifier | undefined {
  if (!p) return undefined;
  if (p.type === 'ReplaceFullPath') return { type: 'ReplaceFullPath', value: p.replaceFullPath ?? '/' };
  if (p.type === 'ReplacePrefixMatch') return { type: 'ReplacePrefixMatch', value: p.replacePrefixMatch ?? '/' };
  return undefined;
}

export function compileFilters(filters: readonly FilterView[]): { filters: CompiledFilters; mirrors: MirrorView[]; unsupported: string[] } {
  const unsupported: string[] = [];
  const mirrors: MirrorView[] = [];
  let cors: Cors | undefined;
  let requestHeaders: HeaderOps | undefined;
  let responseHeaders: HeaderOps | undefined;
  let redirect: Redirect | undefined;
  let rewrite: Rewrite | undefined;
  for (const f of filters) {
    switch (f.type) {
      case 'RequestHeaderModifier':
        requestHeaders = compileHeaderOps(f.requestHeaderModifier);
        break;
      case 'ResponseHeaderModifier':
        responseHeaders = compileHeaderOps(f.responseHeaderModifier);
        break;
      case 'RequestRedirect': {
        const r = f.requestRedirect ?? {};
        redirect = {
          scheme: r.scheme === 'http' || r.scheme === 'https' ? r.scheme : undefined,
          hostname: r.hostname,
          port: r.port,
          path: compilePath(r.path),
          statusCode: r.statusCode ?? 302,
        };
        break;
      }
      case 'URLRewrite':
        rewrite = { hostname: f.urlRewrite?.hostname, path: compilePath(f.urlRewrite?.path) };
        break;
      case 'RequestMirror':
        if (f.requestMirror) mirrors.push(f.requestMirror);
        break;
      case 'CORS': {
        const c = f.cors ?? {};
        cors = {
          origins: (c.allowOrigins ?? []).map(originPattern),
          allowCredentials: c.allowCredentials === true,
          allowMethods: c.allowMethods ?? [],
          allowHeaders: c.allowHeaders ?? [],
          exposeHeaders: c.exposeHeaders ?? [],
          maxAge: c.maxAge ?? 5,
        };
        break;
      }
      default:
        unsupported.push(f.type);
    }
  }
  return { filters: { requestHeaders, responseHeaders, redirect, rewrite, cors }, mirrors, unsupported };
}

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

/** The share of requests a mirror receives (percent, or numerator/denominator, default all). */
export function mirrorFraction(m: MirrorView): number {
  if (m.percent !== undefined) return m.percent / 100;
  if (m.fraction) return m.fraction.numerator / (m.fraction.denominator ?? 100);
  return 1;
}

function originPattern(origin: string): RegExp {
  if (origin === '*') return /^.*$/;
  const escaped = origin.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i');
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
