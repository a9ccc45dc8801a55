// Envoy Gateway SecurityPolicy `apiKeyAuth`: static API keys from Secrets.
//
// Configuration (EG api/v1alpha1 APIKeyAuth): `credentialRefs` name Opaque Secrets whose entries
// are client id → key; the compiler resolves them and passes their decoded data here, in
// credentialRefs order. A client id present in several Secrets keeps its first key (as EG does).
//
// Where the key is read, exactly:
// 1. the `extractFrom` sources in order (headers, query params, cookies), the first that has a
//    value wins (EG semantics). EG requires `extractFrom`; when Sluice's config omits it, the
//    single source is the `x-api-key` header;
// 2. then, unless `bearer: false`, the token of `Authorization: Bearer <key>`, which is how the
//    OpenAI SDKs send a key. A header source named `authorization` also yields the Bearer token
//    rather than the whole value.
//
// Keys are stored as SHA-256 digests and compared in constant time (key-index.ts). Rotation: call
// `replace()` with the new Secret content (or build a new authenticator per snapshot); the swap is
// one reference assignment, so requests in flight see either the old or the new table.
import type { Principal } from '../../runtime/context.ts';
import { extractCredential, normaliseSources, sourceHeaderNames } from './credentials.ts';
import type { CredentialInput, CredentialSource } from './credentials.ts';
import { KeyIndex } from './key-index.ts';
import { failure } from './result.ts';
import type { AuthFailure, AuthResult, AuthSuccess, Authenticator } from './result.ts';

/** EG `ExtractFrom`: exactly one of headers, params or cookies per entry. */
export interface ApiKeyExtractFrom {
  readonly headers?: readonly string[] | undefined;
  readonly params?: readonly string[] | undefined;
  readonly cookies?: readonly string[] | undefined;
}

export interface ApiKeyAuthConfig {
  /** Decoded data of each credentialRefs Secret, in order: client id → API key. */
  readonly credentials: readonly Readonly<Record<string, string>>[];
  /** EG `extractFrom`; default: the `x-api-key` header. */
  readonly extractFrom?: readonly ApiKeyExtractFrom[] | undefined;
  /** Also read `Authorization: Bearer <key>` after the extractFrom sources (Sluice; default true). */
  readonly bearer?: boolean | undefined;
  /** EG `forwardClientIDHeader`: set this request header to the client id. */
  readonly forwardClientIDHeader?: string | undefined;
  /** EG `sanitize`: the caller removes `credentialHeaders` before forwarding. */
  readonly sanitize?: boolean | undefined;
}

export const DEFAULT_API_KEY_HEADER = 'x-api-key';

/** The credential sources of a config, in the order they are read (see the module comment). */
export function apiKeySources(config: Pick<ApiKeyAuthConfig, 'extractFrom' | 'bearer'>): readonly CredentialSource[] {
  const sources: CredentialSource[] = [];
  const extract = config.extractFrom ?? [{ headers: [DEFAULT_API_KEY_HEADER] }];
  for (const e of extract) {
    for (const h of e.headers ?? []) sources.push({ from: 'header', name: h });
    for (const p of e.params ?? []) sources.push({ from: 'query', name: p });
    for (const c of e.cookies ?? []) sources.push({ from: 'cookie', name: c });
  }
  if (config.bearer !== false && !sources.some((s) => s.from === 'header' && s.name.toLowerCase() === 'authorization')) {
    sources.push({ from: 'header', name: 'authorization' });
  }
  return normaliseSources(sources);
}

/** The `missing` hint of a source list: "'Authorization: Bearer <key>' or the 'x-api-key' header". */
export function sourcesHint(sources: readonly CredentialSource[]): string {
  const parts = sources.map((s) =>
    s.from === 'header' ? (s.name === 'authorization' ? "as 'Authorization: Bearer <key>'" : `in the '${s.name}' header`) : s.from === 'query' ? `in the '${s.name}' query parameter` : `in the '${s.name}' cookie`,
  );
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}`;
}

interface Table {
  readonly index: KeyIndex<AuthSuccess>;
  readonly problems: readonly string[];
}

export class ApiKeyAuthenticator implements Authenticator {
  readonly scheme = 'api-key' as const;
  /** Header names that carry the key: remove them before forwarding when `sanitize` is set. */
  readonly credentialHeaders: readonly string[];
  readonly sanitize: boolean;
  private readonly sources: readonly CredentialSource[];
  private readonly forwardHeader: string | undefined;
  private readonly missing: AuthFailure;
  private readonly invalid: AuthFailure;
  private table: Table;

  constructor(config: ApiKeyAuthConfig) {
    this.sources = apiKeySources(config);
    this.credentialHeaders = sourceHeaderNames(this.sources);
    this.sanitize = config.sanitize === true;
    this.forwardHeader = config.forwardClientIDHeader?.toLowerCase();
    this.missing = failure('api-key', 'missing', sourcesHint(this.sources));
    this.invalid = failure('api-key', 'invalid');
    this.table = this.build(config.credentials);
  }

  /** Configuration problems of the current key table (duplicates, empty keys); never contains a key. */
  get problems(): readonly string[] {
    return this.table.problems;
  }

  /** Number of distinct keys. */
  get size(): number {
    return this.table.index.size;
  }

  /** Rotation: replaces every key with the new Secret content, atomically. */
  replace(credentials: ApiKeyAuthConfig['credentials']): void {
    this.table = this.build(credentials);
  }

  authenticate(input: CredentialInput): AuthResult {
    const key = extractCredential(input, this.sources);
    if (key === undefined) return this.missing;
    return this.table.index.lookup(key) ?? this.invalid;
  }

  private build(credentials: ApiKeyAuthConfig['credentials']): Table {
    const index = new KeyIndex<AuthSuccess>();
    const problems: string[] = [];
    const seen = new Set<string>();
    credentials.forEach((secret, s) => {
      for (const [clientId, key] of Object.entries(secret)) {
        if (seen.has(clientId)) {
          problems.push(`credentialRefs[${s}]: client "${clientId}" already has a key from an earlier Secret; this one is ignored`);
          continue;
        }
        seen.add(clientId);
        const trimmed = key.trim();
        if (trimmed === '') {
          problems.push(`credentialRefs[${s}]: client "${clientId}" has an empty key; it is ignored`);
          continue;
        }
        const principal: Principal = Object.freeze({ kind: 'api-key' as const, id: clientId });
        const result: AuthSuccess = Object.freeze({
          ok: true as const,
          principal,
          setHeaders: this.forwardHeader !== undefined ? Object.freeze([Object.freeze([this.forwardHeader, clientId] as const)]) : undefined,
        });
        if (!index.add(trimmed, result)) {
          problems.push(`credentialRefs[${s}]: client "${clientId}" has the same key as another client; the key stays with the first client`);
        }
      }
    });
    return { index, problems };
  }
}
