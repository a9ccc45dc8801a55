// Small helpers for the token endpoints (RFC 6749 §5): read the lifetime of a token answer and the
// error code of a refusal, and describe a failed exchange without echoing anything from it.

/** Lifetime to assume when an answer omits `expires_in` (RFC 6749 makes it RECOMMENDED, not required). */
export const DEFAULT_TOKEN_LIFETIME_MS = 10 * 60_000;

/** `expires_in` in ms: Entra's v1 endpoints send it as a string, v2 and Google as a number. */
export function expiresInMs(value: unknown): number {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_TOKEN_LIFETIME_MS;
}

/**
 * The `error` code of an OAuth error answer (`invalid_client`, `unauthorized_client`, …) when it looks
 * like one. Only that code is repeated: descriptions can quote the request.
 */
export function oauthErrorCode(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      return undefined;
    }
  }
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const code = body.error;
  return typeof code === 'string' && /^[A-Za-z_]{1,64}$/.test(code) ? code : undefined;
}

/** `HTTP 401 invalid_client`, `HTTP 500`. */
export function describeRefusal(status: number, body: unknown): string {
  const code = oauthErrorCode(body);
  return code === undefined ? `HTTP ${status}` : `HTTP ${status} ${code}`;
}

/** An errno-style code of a network error (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT), never its message (it names the address). */
export function networkErrorCode(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : 'network error';
}
