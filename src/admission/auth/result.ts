// The outcome of client authentication, shared by every authenticator (API keys, JWT, virtual keys).
//
// Contract: an authenticator never throws for a bad credential; it returns a typed failure. A
// failure's message is fixed text chosen by the reason and the scheme: it never contains the
// presented credential, any part of it, or the names of configured clients. `detail` is for logs
// and metrics only (e.g. the JWT library's error code) and never contains the credential either.
import { GatewayError } from '../../errors.ts';
import type { Principal } from '../../runtime/context.ts';
import type { CredentialInput } from './credentials.ts';

export type AuthScheme = Principal['kind'];

/**
 * - missing: no credential in any configured place;
 * - invalid: a credential that matches nothing or fails verification;
 * - expired: a recognised credential past its expiry (JWT `exp`, virtual-key `expiresAt`);
 * - disabled: a recognised virtual key that was switched off;
 * - unavailable: the credential could not be checked now (remote JWKS unreachable). Envoy answers
 *   this with 401 too, and so does Sluice.
 */
export type AuthFailureReason = 'missing' | 'invalid' | 'expired' | 'disabled' | 'unavailable';

export interface AuthSuccess {
  readonly ok: true;
  /** Undefined only when the scheme allows anonymous requests (EG `jwt.optional`) and none was sent. */
  readonly principal: Principal | undefined;
  /** Request headers to set before forwarding (JWT claimToHeaders, API-key forwardClientIDHeader). */
  readonly setHeaders?: readonly (readonly [string, string])[] | undefined;
}

export interface AuthFailure {
  readonly ok: false;
  readonly reason: AuthFailureReason;
  readonly scheme: AuthScheme;
  /** Where the client should put a credential, for the `missing` message (e.g. "'Authorization: Bearer <key>' or the 'x-api-key' header"). */
  readonly hint?: string | undefined;
  /** For logs only; never the credential. */
  readonly detail?: string | undefined;
}

export type AuthResult = AuthSuccess | AuthFailure;

/** One authentication scheme, built once from configuration and reused for every request. */
export interface Authenticator {
  readonly scheme: AuthScheme;
  /**
   * Authenticates one request. API keys and virtual keys answer synchronously; JWT verification
   * returns a promise. Never throws for client input.
   */
  authenticate(input: CredentialInput): AuthResult | Promise<AuthResult>;
}

const NOUN: Record<AuthScheme, string> = { 'api-key': 'API key', 'virtual-key': 'API key', jwt: 'bearer token' };

/** The client-facing message of a failure (OpenAI-style wording, never the credential). */
export function failureMessage(f: AuthFailure): string {
  const noun = NOUN[f.scheme];
  switch (f.reason) {
    case 'missing':
      return `Missing ${noun}. Send it ${f.hint ?? (f.scheme === 'jwt' ? "as 'Authorization: Bearer <token>'" : "as 'Authorization: Bearer <key>'")}.`;
    case 'invalid':
      return `Invalid ${noun}.`;
    case 'expired':
      return `The ${noun} has expired.`;
    case 'disabled':
      return `The ${noun} has been disabled.`;
    case 'unavailable':
      return `The ${noun} could not be verified right now (signing keys unavailable). Try again later.`;
  }
}

/** The 401 catalogue error of a failure, with a `www-authenticate` challenge (RFC 6750 for bearer schemes). */
export function unauthorizedError(f: AuthFailure): GatewayError {
  const challenge = f.reason === 'missing' ? 'Bearer realm="sluice"' : `Bearer realm="sluice", error="invalid_token"`;
  return new GatewayError('unauthorized', failureMessage(f), { headers: { 'www-authenticate': challenge } });
}

/** Frozen failure objects: a failing request allocates nothing. */
export function failure(scheme: AuthScheme, reason: AuthFailureReason, hint?: string, detail?: string): AuthFailure {
  return Object.freeze({ ok: false as const, reason, scheme, hint, detail });
}

/**
 * Tries authenticators in order and returns the first success. When all fail, the most telling
 * failure wins (expired/disabled/invalid/unavailable over missing), so a client that sent a bad key
 * is told so rather than "missing".
 */
export function anyOf(authenticators: readonly Authenticator[]): Authenticator {
  if (authenticators.length === 0) throw new Error('anyOf needs at least one authenticator');
  if (authenticators.length === 1) return authenticators[0]!;
  const rank: Record<AuthFailureReason, number> = { missing: 0, unavailable: 1, invalid: 2, disabled: 3, expired: 4 };
  const pick = (a: AuthFailure | undefined, b: AuthFailure): AuthFailure => (a === undefined || rank[b.reason] > rank[a.reason] ? b : a);
  const scheme = authenticators[0]?.scheme ?? 'api-key';
  return {
    scheme,
    authenticate(input) {
      let worst: AuthFailure | undefined;
      for (let i = 0; i < authenticators.length; i++) {
        const r = authenticators[i]!.authenticate(input);
        if (r instanceof Promise) {
          // The rest runs asynchronously.
          return (async () => {
            let res: AuthResult = await r;
            for (let j = i; ; ) {
              if (res.ok) return res;
              worst = pick(worst, res);
              if (++j >= authenticators.length) break;
              res = await authenticators[j]!.authenticate(input);
            }
            return worst!;
          })();
        }
        if (r.ok) return r;
        worst = pick(worst, r);
      }
      return worst!;
    },
  };
}
