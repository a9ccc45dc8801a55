// Envoy Gateway SecurityPolicy `jwt`: bearer tokens verified against JWKS with `jose`.
//
// Configuration mirrors EG api/v1alpha1 JWT/JWTProvider: `optional` (a missing token is accepted
// anonymously; an invalid one never is), and up to four providers, each with `issuer`,
// `audiences`, exactly one of `remoteJWKS {uri, cacheDuration}` and `localJWKS` (inline JSON; the
// compiler resolves a ConfigMap or Secret valueRef to its text), `claimToHeaders`, and
// `extractFrom` (default: `Authorization: Bearer <token>`, then the `access_token` query parameter,
// as in EG). Sluice adds `clockToleranceSeconds` (default 60, like Envoy's clock skew) and
// `teamClaim` (a claim path that becomes the principal's team).
//
// A token is valid when any provider verifies it (EG semantics). Its principal is
//   { kind: 'jwt', id: sub ?? iss ?? provider name, team?, claims: the verified payload, provider }.
// Verified tokens are cached by their exact text for at most `cacheSeconds` (default 60) and never
// beyond their `exp`, so a hot client costs one Map lookup instead of a signature check; a key
// removed from the JWKS stops being honoured within that bound.
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey, JSONWebKeySet } from 'jose';
import type { Principal } from '../../runtime/context.ts';
import { extractCredential, normaliseSources } from './credentials.ts';
import type { CredentialInput, CredentialSource } from './credentials.ts';
import { failure } from './result.ts';
import type { AuthFailure, AuthResult, AuthSuccess, Authenticator } from './result.ts';

export interface JwtProviderConfig {
  readonly name: string;
  /** Required `iss` (not checked when omitted). */
  readonly issuer?: string | undefined;
  /** Accepted `aud` values (not checked when omitted or empty). */
  readonly audiences?: readonly string[] | undefined;
  readonly remoteJWKS?: { readonly uri: string; readonly cacheDurationMs?: number | undefined; readonly timeoutMs?: number | undefined } | undefined;
  /** A JWKS as JSON text (EG `localJWKS.inline`, or the resolved ConfigMap/Secret value) or as an object. */
  readonly localJWKS?: { readonly inline: string | JSONWebKeySet } | undefined;
  readonly claimToHeaders?: readonly { readonly header: string; readonly claim: string }[] | undefined;
  readonly extractFrom?:
    | {
        readonly headers?: readonly { readonly name: string; readonly valuePrefix?: string | undefined }[] | undefined;
        readonly params?: readonly string[] | undefined;
        readonly cookies?: readonly string[] | undefined;
      }
    | undefined;
  /** Claim path (dots for nesting) whose string value is the principal's team (Sluice). */
  readonly teamClaim?: string | undefined;
}

export interface JwtAuthConfig {
  readonly optional?: boolean | undefined;
  readonly providers: readonly JwtProviderConfig[];
  /** Allowed clock skew for exp/nbf/iat (default 60 s). */
  readonly clockToleranceSeconds?: number | undefined;
  /** Upper bound on how long a verified token is reused without re-verification (default 60 s; 0 disables). */
  readonly cacheSeconds?: number | undefined;
  /** Most tokens kept in the verification cache (default 10,000). */
  readonly cacheEntries?: number | undefined;
}

/** A JWT principal also names the provider that verified it (authorization rules test it). */
export interface JwtPrincipal extends Principal {
  readonly kind: 'jwt';
  readonly provider: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

export function isJwtPrincipal(p: Principal | undefined): p is JwtPrincipal {
  return p !== undefined && p.kind === 'jwt' && typeof (p as Partial<JwtPrincipal>).provider === 'string';
}

/** The value at a dot-separated claim path (`organization.department`). */
export function claimAt(claims: Readonly<Record<string, unknown>> | undefined, path: string): unknown {
  if (claims === undefined) return undefined;
  if (Object.hasOwn(claims, path)) return claims[path];
  let v: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

export const DEFAULT_JWT_SOURCES: readonly CredentialSource[] = [
  { from: 'header', name: 'authorization', prefix: 'Bearer ' },
  { from: 'query', name: 'access_token' },
];

interface Provider {
  readonly name: string;
  readonly issuer: string | undefined;
  readonly audiences: readonly string[] | undefined;
  readonly keys: JWTVerifyGetKey | undefined;
  readonly sources: readonly CredentialSource[];
  readonly claimToHeaders: readonly (readonly [header: string, claim: string])[];
  readonly teamClaim: string | undefined;
}

interface Cached {
  readonly result: AuthSuccess;
  /** Epoch ms after which the entry must not be used. */
  readonly until: number;
}

export class JwtAuthenticator implements Authenticator {
  readonly scheme = 'jwt' as const;
  readonly problems: readonly string[];
  private readonly providers: readonly Provider[];
  private readonly optional: boolean;
  private readonly tolerance: number;
  private readonly cacheMs: number;
  private readonly cacheEntries: number;
  private readonly cache = new Map<string, Cached>();
  private readonly now: () => number;
  private readonly missing: AuthFailure;
  private readonly anonymous: AuthSuccess = Object.freeze({ ok: true as const, principal: undefined });

  constructor(config: JwtAuthConfig, options: { now?: () => number } = {}) {
    const problems: string[] = [];
    this.now = options.now ?? Date.now;
    this.optional = config.optional === true;
    this.tolerance = config.clockToleranceSeconds ?? 60;
    this.cacheMs = Math.max(0, (config.cacheSeconds ?? 60) * 1000);
    this.cacheEntries = Math.max(1, config.cacheEntries ?? 10_000);
    if (config.providers.length === 0) problems.push('jwt.providers: at least one provider is required');
    this.providers = config.providers.map((p, i) => buildProvider(p, `jwt.providers[${i}] (${p.name})`, problems));
    this.problems = problems;
    this.missing = failure('jwt', 'missing', "as 'Authorization: Bearer <token>'");
  }

  async authenticate(input: CredentialInput): Promise<AuthResult> {
    let worst: AuthFailure | undefined;
    let sawToken = false;
    for (const provider of this.providers) {
      const token = extractCredential(input, provider.sources);
      if (token === undefined) continue;
      sawToken = true;
      const cached = this.cached(provider, token);
      if (cached !== undefined) return cached;
      const r = await this.verify(provider, token);
      if (r.ok) return r;
      if (worst === undefined || rank(r) > rank(worst)) worst = r;
    }
    if (!sawToken) return this.optional ? this.anonymous : this.missing;
    return worst ?? failure('jwt', 'invalid');
  }

  private cached(provider: Provider, token: string): AuthSuccess | undefined {
    const hit = this.cache.get(provider.name + '\u0000' + token);
    if (hit === undefined) return undefined;
    if (this.now() < hit.until) return hit.result;
    this.cache.delete(provider.name + '\u0000' + token);
    return undefined;
  }

  private async verify(provider: Provider, token: string): Promise<AuthResult> {
    if (provider.keys === undefined) return failure('jwt', 'unavailable', undefined, 'provider has no usable keys');
    // Providers often share one source: a cheap unverified decode skips those whose issuer cannot match.
    if (provider.issuer !== undefined) {
      let iss: unknown;
      try {
        iss = decodeJwt(token).iss;
      } catch {
        return failure('jwt', 'invalid', undefined, 'malformed token');
      }
      if (iss !== provider.issuer) return failure('jwt', 'invalid', undefined, 'issuer mismatch');
    }
    const nowMs = this.now();
    let payload: JWTPayload;
    try {
      const verified = await jwtVerify(token, provider.keys, {
        ...(provider.issuer !== undefined ? { issuer: provider.issuer } : {}),
        ...(provider.audiences !== undefined ? { audience: [...provider.audiences] } : {}),
        clockTolerance: this.tolerance,
        currentDate: new Date(nowMs),
      });
      payload = verified.payload;
    } catch (err) {
      return failure('jwt', classify(err), undefined, errorCode(err));
    }
    const result = this.success(provider, payload);
    if (this.cacheMs > 0) {
      const exp = typeof payload.exp === 'number' ? payload.exp * 1000 + this.tolerance * 1000 : Infinity;
      const until = Math.min(nowMs + this.cacheMs, exp);
      if (this.cache.size >= this.cacheEntries) {
        // Drop the oldest entry (Map keeps insertion order).
        const oldest = this.cache.keys().next();
        if (oldest.done !== true) this.cache.delete(oldest.value);
      }
      this.cache.set(provider.name + '\u0000' + token, { result, until });
    }
    return result;
  }

  private success(provider: Provider, payload: JWTPayload): AuthSuccess {
    const claims = payload as Record<string, unknown>;
    const teamValue = provider.teamClaim !== undefined ? claimAt(claims, provider.teamClaim) : undefined;
    const id = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : typeof payload.iss === 'string' && payload.iss !== '' ? payload.iss : provider.name;
    const principal: JwtPrincipal = Object.freeze({
      kind: 'jwt' as const,
      id,
      team: typeof teamValue === 'string' ? teamValue : undefined,
      claims: Object.freeze(claims),
      provider: provider.name,
    });
    let setHeaders: (readonly [string, string])[] | undefined;
    for (const [header, claim] of provider.claimToHeaders) {
      const v = claimAt(claims, claim);
      // EG: string, integer, double and boolean claims only; arrays and objects are skipped.
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') (setHeaders ??= []).push([header, String(v)]);
    }
    return Object.freeze({ ok: true as const, principal, setHeaders });
  }
}

function buildProvider(p: JwtProviderConfig, where: string, problems: string[]): Provider {
  let keys: JWTVerifyGetKey | undefined;
  if ((p.remoteJWKS === undefined) === (p.localJWKS === undefined)) {
    problems.push(`${where}: exactly one of remoteJWKS and localJWKS must be set`);
  } else if (p.remoteJWKS !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(p.remoteJWKS.uri);
    } catch {
      problems.push(`${where}: remoteJWKS.uri is not a URL`);
    }
    if (url !== undefined) {
      keys = createRemoteJWKSet(url, {
        cacheMaxAge: p.remoteJWKS.cacheDurationMs ?? 300_000,
        timeoutDuration: p.remoteJWKS.timeoutMs ?? 5_000,
        cooldownDuration: 30_000,
      });
    }
  } else if (p.localJWKS !== undefined) {
    try {
      const jwks = typeof p.localJWKS.inline === 'string' ? (JSON.parse(p.localJWKS.inline) as JSONWebKeySet) : p.localJWKS.inline;
      if (!Array.isArray(jwks.keys)) throw new Error('no "keys" array');
      keys = createLocalJWKSet(jwks);
    } catch (err) {
      problems.push(`${where}: localJWKS is not a JSON Web Key Set (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  const sources: CredentialSource[] = [];
  if (p.extractFrom === undefined) sources.push(...DEFAULT_JWT_SOURCES);
  else {
    for (const h of p.extractFrom.headers ?? []) sources.push({ from: 'header', name: h.name, prefix: h.valuePrefix });
    for (const q of p.extractFrom.params ?? []) sources.push({ from: 'query', name: q });
    for (const c of p.extractFrom.cookies ?? []) sources.push({ from: 'cookie', name: c });
  }
  return {
    name: p.name,
    issuer: p.issuer === '' ? undefined : p.issuer,
    audiences: p.audiences !== undefined && p.audiences.length > 0 ? p.audiences : undefined,
    keys,
    sources: normaliseSources(sources),
    claimToHeaders: (p.claimToHeaders ?? []).map((c) => [c.header.toLowerCase(), c.claim] as const),
    teamClaim: p.teamClaim,
  };
}

function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string') return (err as { code: string }).code;
  return err instanceof Error ? err.name : 'error';
}

function classify(err: unknown): AuthFailure['reason'] {
  const code = errorCode(err);
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
    case 'ERR_JOSE_GENERIC': // e.g. the JWKS endpoint did not answer 200
      return 'unavailable';
    default:
      // jose's own errors are verdicts on the token; anything else (fetch failed) is the key source.
      return code.startsWith('ERR_') ? 'invalid' : 'unavailable';
  }
}

function rank(f: AuthFailure): number {
  return f.reason === 'expired' ? 3 : f.reason === 'invalid' ? 2 : f.reason === 'unavailable' ? 1 : 0;
}
