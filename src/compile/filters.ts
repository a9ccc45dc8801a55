// HTTPRoute filters (gateway-api reference §2.7) compiled once per rule (or backendRef) into the
// snapshot's CompiledFilters. RequestMirror needs its backendRef resolved, so compileFilters hands
// mirrors back to the route compiler. ExtensionRef (and anything else) is reported as unsupported so
// the rule answers 500 instead of silently serving without it.
import type { CompiledFilters, Cors, HeaderOps, PathModifier, Redirect, Rewrite } from '../runtime/filters.ts';

export interface MirrorView {
  backendRef: { group?: string | undefined; kind?: string | undefined; name: string; namespace?: string | undefined; port?: number | undefined };
  percent?: number | undefined;
  fraction?: { numerator: number; denominator?: number | undefined } | undefined;
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

