// Where credentials come from in a request, without HTTP objects: a header map with lower-case
// names (Node's IncomingHttpHeaders has that shape) and the raw query string. Everything here is
// allocation-light: a header lookup is one property read, and query strings and cookies are only
// scanned when a policy asks for them.

/** Request headers with lower-case names (Node's `IncomingHttpHeaders`, HTTP/2 headers, or a plain object). */
export type HeaderMap = Readonly<Record<string, string | readonly string[] | number | undefined>>;

/** First value of a header ('' never counts as present). `name` must be lower case. */
export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number') return String(v);
  const first = v[0];
  return first === undefined || first === '' ? undefined : first;
}

/**
 * The token of an `Authorization: Bearer <token>` value (scheme matched case-insensitively, as
 * RFC 7235 says); undefined for other schemes or an empty token.
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.length < 8) return undefined;
  if (authorization.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const token = authorization.slice(7).trim();
  return token === '' ? undefined : token;
}

/** The value of query parameter `name` in a raw query string (no leading `?`), URL-decoded. */
export function queryParam(query: string, name: string): string | undefined {
  if (query === '') return undefined;
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    const eq = query.indexOf('=', start);
    const keyEnd = eq !== -1 && eq < end ? eq : end;
    if (keyEnd - start === name.length && query.startsWith(name, start)) {
      const raw = eq !== -1 && eq < end ? query.slice(eq + 1, end) : '';
      try {
        const value = decodeURIComponent(raw.replace(/\+/g, ' '));
        return value === '' ? undefined : value;
      } catch {
        return undefined;
      }
    }
    start = end + 1;
  }
  return undefined;
}

/** The value of cookie `name` in a `Cookie` header (RFC 6265 `name=value; name2=value2`). */
export function cookieValue(cookieHeader: string | undefined, name: string): string | undefined {
  if (cookieHeader === undefined) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) {
      let value = part.slice(eq + 1).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}

/**
 * One place a credential may be read from. `header` values are taken whole, except that a header
 * named `authorization` yields the token of a `Bearer` value (an OpenAI client sends
 * `Authorization: Bearer <key>`); `prefix` strips a fixed prefix instead (EG JWT `valuePrefix`).
 */
export type CredentialSource =
  | { readonly from: 'header'; readonly name: string; readonly prefix?: string | undefined }
  | { readonly from: 'query'; readonly name: string }
  | { readonly from: 'cookie'; readonly name: string };

/** What a request offers to an authenticator: its headers and its raw query string. */
export interface CredentialInput {
  readonly headers: HeaderMap;
  /** The raw query string without `?` ('' when none). Only read when a source is a query parameter. */
  readonly query?: string | undefined;
}

/** Normalises a source list once, at construction (lower-case header names). */
export function normaliseSources(sources: readonly CredentialSource[]): readonly CredentialSource[] {
  return sources.map((s) => (s.from === 'header' ? { from: 'header', name: s.name.toLowerCase(), prefix: s.prefix } : s));
}

/** The first credential found in `sources`, in order (EG: "the value from the first source that has a key"). */
export function extractCredential(input: CredentialInput, sources: readonly CredentialSource[]): string | undefined {
  for (let i = 0; i < sources.length; i++) {
    const s = sources[i]!;
    let value: string | undefined;
    if (s.from === 'header') {
      const raw = headerValue(input.headers, s.name);
      if (raw === undefined) continue;
      if (s.prefix !== undefined) {
        value = raw.startsWith(s.prefix) ? raw.slice(s.prefix.length).trim() : undefined;
      } else if (s.name === 'authorization') {
        value = bearerToken(raw);
      } else {
        value = raw.trim();
      }
    } else if (s.from === 'query') {
      value = queryParam(input.query ?? '', s.name);
    } else {
      value = cookieValue(headerValue(input.headers, 'cookie'), s.name);
    }
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/** The header names among `sources` (what a `sanitize` option strips before forwarding). */
export function sourceHeaderNames(sources: readonly CredentialSource[]): readonly string[] {
  return sources.filter((s) => s.from === 'header').map((s) => s.name);
}
