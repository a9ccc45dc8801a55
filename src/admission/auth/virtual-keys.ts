// Sluice-native virtual keys: gateway-issued API keys, each with a name (the identity limits,
// budgets and logs use), an optional team, the models it may call, a budget reference, an expiry and
// a disabled switch. This file defines the configuration type a later YAML kind will produce and the
// authenticator built from it.
//
// Where the key is read, exactly: `Authorization: Bearer <key>` (OpenAI SDKs), then the `x-api-key`
// header (Anthropic SDKs), unless `sources` says otherwise.
//
// The principal of a key is built once, frozen and reused for every request of that key:
//   { kind: 'virtual-key', id: name, team, claims: { ...metadata, team, models, budget, expires_at } }
// `claims.models` is the configured list (undefined = every model); the compiled matcher is
// available through `virtualKeyModels(principal)`.
import type { Principal } from '../../runtime/context.ts';
import { extractCredential, normaliseSources } from './credentials.ts';
import type { CredentialInput, CredentialSource } from './credentials.ts';
import { sourcesHint } from './api-keys.ts';
import { KeyIndex, parseSha256Hex, sha256 } from './key-index.ts';
import { ModelMatcher } from './model-match.ts';
import { failure } from './result.ts';
import type { AuthFailure, AuthResult, AuthSuccess, Authenticator } from './result.ts';

export interface VirtualKeyConfig {
  /** Unique, stable name: the principal id. Never the key itself. */
  readonly name: string;
  /** The key as clients send it. Exactly one of `key` and `keySha256`. */
  readonly key?: string | undefined;
  /** Hex SHA-256 of the key (optionally prefixed `sha256:`), so configuration need not hold the key. */
  readonly keySha256?: string | undefined;
  readonly team?: string | undefined;
  /** Models this key may call: exact names or globs (`gpt-4o*`, `meta-llama/*`, `*`). Omitted = every model; [] = none. */
  readonly models?: readonly string[] | undefined;
  /** Name of the budget (admission/budgets) this key's requests are charged to. */
  readonly budget?: string | undefined;
  /** RFC 3339 time or epoch milliseconds; from then on the key is rejected as expired. */
  readonly expiresAt?: string | number | undefined;
  readonly disabled?: boolean | undefined;
  /** Extra attributes, visible to authorization rules as claims. */
  readonly metadata?: Readonly<Record<string, string>> | undefined;
}

export interface VirtualKeySetConfig {
  readonly keys: readonly VirtualKeyConfig[];
  /** Where keys are read; default `Authorization: Bearer`, then `x-api-key`. */
  readonly sources?: readonly CredentialSource[] | undefined;
}

export const DEFAULT_VIRTUAL_KEY_SOURCES: readonly CredentialSource[] = [
  { from: 'header', name: 'authorization' },
  { from: 'header', name: 'x-api-key' },
];

interface Entry {
  readonly success: AuthSuccess;
  readonly expiresAt: number;
  readonly disabled: boolean;
}

const modelMatchers = new WeakMap<Principal, ModelMatcher>();

/** The compiled model allow list of a virtual-key principal (undefined: not a virtual key, or every model). */
export function virtualKeyModels(principal: Principal): ModelMatcher | undefined {
  return modelMatchers.get(principal);
}

/** Parses `expiresAt`; NaN when malformed, Infinity when absent. */
export function parseExpiry(value: string | number | undefined): number {
  if (value === undefined) return Infinity;
  if (typeof value === 'number') return Number.isFinite(value) ? value : NaN;
  // RFC 3339 requires a zone; a bare date or local time would depend on the host's time zone.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(value.trim())) return NaN;
  return Date.parse(value);
}

export class VirtualKeyAuthenticator implements Authenticator {
  readonly scheme = 'virtual-key' as const;
  private readonly sources: readonly CredentialSource[];
  private readonly now: () => number;
  private readonly missing: AuthFailure;
  private readonly invalid: AuthFailure;
  private readonly expired: AuthFailure;
  private readonly disabled: AuthFailure;
  private index: KeyIndex<Entry>;
  private byName: ReadonlyMap<string, Principal>;
  private problemList: readonly string[];

  constructor(config: VirtualKeySetConfig, options: { now?: () => number } = {}) {
    this.sources = normaliseSources(config.sources ?? DEFAULT_VIRTUAL_KEY_SOURCES);
    this.now = options.now ?? Date.now;
    this.missing = failure('virtual-key', 'missing', sourcesHint(this.sources));
    this.invalid = failure('virtual-key', 'invalid');
    this.expired = failure('virtual-key', 'expired');
    this.disabled = failure('virtual-key', 'disabled');
    const built = build(config.keys);
    this.index = built.index;
    this.byName = built.byName;
    this.problemList = built.problems;
  }

  /** Configuration problems (duplicate names or keys, malformed digests or expiries); never contains a key. */
  get problems(): readonly string[] {
    return this.problemList;
  }

  /** Replaces the whole key set atomically (a new snapshot, a key rotated or revoked). */
  replace(keys: readonly VirtualKeyConfig[]): void {
    const built = build(keys);
    this.index = built.index;
    this.byName = built.byName;
    this.problemList = built.problems;
  }

  /** The principal of a configured key by name (for admin views and tests). */
  principalOf(name: string): Principal | undefined {
    return this.byName.get(name);
  }

  authenticate(input: CredentialInput): AuthResult {
    const key = extractCredential(input, this.sources);
    if (key === undefined) return this.missing;
    const entry = this.index.lookup(key);
    if (entry === undefined) return this.invalid;
    if (entry.disabled) return this.disabled;
    if (this.now() >= entry.expiresAt) return this.expired;
    return entry.success;
  }
}

function build(keys: readonly VirtualKeyConfig[]): { index: KeyIndex<Entry>; byName: Map<string, Principal>; problems: string[] } {
  const index = new KeyIndex<Entry>();
  const byName = new Map<string, Principal>();
  const problems: string[] = [];
  keys.forEach((k, i) => {
    const where = `keys[${i}] (${k.name})`;
    if (k.name.trim() === '') {
      problems.push(`keys[${i}]: name is required`);
      return;
    }
    if (byName.has(k.name)) {
      problems.push(`${where}: the name is already used by an earlier key; this key is ignored`);
      return;
    }
    let digest: Buffer | undefined;
    if (k.key !== undefined && k.keySha256 !== undefined) {
      problems.push(`${where}: set only one of key and keySha256; this key is ignored`);
      return;
    } else if (k.key !== undefined) {
      if (k.key.trim() === '') {
        problems.push(`${where}: the key is empty; this key is ignored`);
        return;
      }
      digest = sha256(k.key.trim());
    } else if (k.keySha256 !== undefined) {
      digest = parseSha256Hex(k.keySha256);
      if (digest === undefined) {
        problems.push(`${where}: keySha256 must be 64 hex digits; this key is ignored`);
        return;
      }
    } else {
      problems.push(`${where}: one of key or keySha256 is required; this key is ignored`);
      return;
    }
    const expiresAt = parseExpiry(k.expiresAt);
    if (Number.isNaN(expiresAt)) {
      problems.push(`${where}: expiresAt must be an RFC 3339 time with a zone (e.g. 2026-01-31T00:00:00Z) or epoch milliseconds; this key is ignored`);
      return;
    }
    const claims: Record<string, unknown> = { ...(k.metadata ?? {}) };
    if (k.team !== undefined) claims['team'] = k.team;
    if (k.models !== undefined) claims['models'] = Object.freeze([...k.models]);
    if (k.budget !== undefined) claims['budget'] = k.budget;
    if (Number.isFinite(expiresAt)) claims['expires_at'] = new Date(expiresAt).toISOString();
    const principal: Principal = Object.freeze({ kind: 'virtual-key' as const, id: k.name, team: k.team, claims: Object.freeze(claims) });
    if (k.models !== undefined) modelMatchers.set(principal, new ModelMatcher(k.models));
    const entry: Entry = { success: Object.freeze({ ok: true as const, principal }), expiresAt, disabled: k.disabled === true };
    if (!index.addDigest(digest, entry)) {
      problems.push(`${where}: the same key is already used by another virtual key; this key is ignored`);
      return;
    }
    byName.set(k.name, principal);
  });
  return { index, byName, problems };
}
