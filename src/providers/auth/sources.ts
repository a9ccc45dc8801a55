// Where a credential comes from: a key of a Kubernetes Secret, a file, or an environment variable.
// A source is read on every apply, so a changed Secret, file or variable is used by the next request
// without building a new object; files are stat'ed at most once per second and re-read only when
// their mtime or size changed. `check()` answers the config-time question "is it there now?".
//
// Contract: no message produced here contains a credential. Messages name the place (Secret and key,
// file path, variable name) and, for `check()`, the fix.
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { inspect } from 'node:util';

/**
 * The decoded data of Secret `namespace/name` (base64 `data` decoded, `stringData` over it), or
 * undefined when there is no such Secret. Supplied by the compiler; called on every read, so it
 * should look at the current Secrets.
 */
export type SecretLookup = (namespace: string, name: string) => Readonly<Record<string, string>> | undefined;

/** Environment variables (process.env by default). Read on every use. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Why a credential is not available now, and what the user can do about it. Never the value. */
export interface Unavailable {
  readonly reason: string;
  readonly fix: string;
}

/** Thrown by `read()` when the credential cannot be read. Its message is safe to show. */
export class CredentialUnavailable extends Error {
  readonly fix: string;
  constructor(u: Unavailable) {
    super(u.reason);
    this.name = 'CredentialUnavailable';
    this.fix = u.fix;
  }
}

export interface SecretSource {
  /** Where the value lives, for messages: `key "apiKey" of Secret default/openai`, `file /run/x`, … */
  readonly description: string;
  /** Config time: undefined when a non-empty value is there now, else why not. */
  check(): Unavailable | undefined;
  /** Config time only (a file is read synchronously): the value now; throws CredentialUnavailable. */
  readSync(): string;
  /** Request time: the current value; rejects with CredentialUnavailable. */
  read(): Promise<string>;
}

/** How often a file source may stat its file. */
export const FILE_CHECK_INTERVAL_MS = 1000;

/**
 * Decodes a Secret as the API server stores it: `data` values are base64, `stringData` values are
 * plain text and win over `data` (the API server merges them that way on write).
 */
export function decodeSecretData(secret: { readonly data?: Readonly<Record<string, string>> | undefined; readonly stringData?: Readonly<Record<string, string>> | undefined }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries(secret.stringData ?? {})) out[k] = v;
  return out;
}

/** The objects of this folder print as their description only (util.inspect, JSON, String). */
export function redact(target: object, describe: () => string): void {
  Object.defineProperties(target, {
    [inspect.custom]: { value: () => describe(), enumerable: false },
    toJSON: { value: () => describe(), enumerable: false },
    toString: { value: () => describe(), enumerable: false },
  });
}

function secretKeyDescription(namespace: string, name: string, key: string): string {
  return `key "${key}" of Secret ${namespace}/${name}`;
}

/** A key of a Kubernetes Secret, looked up on every read. */
export function secretKeySource(lookup: SecretLookup, namespace: string, name: string, key: string): SecretSource {
  const description = secretKeyDescription(namespace, name, key);
  const probe = (): { value: string } | Unavailable => {
    const data = lookup(namespace, name);
    if (data === undefined) {
      return {
        reason: `Secret ${namespace}/${name} not found`,
        fix: `create it with the key "${key}" (kubectl create secret generic ${name} -n ${namespace} --from-literal=${key}=…) or point secretRef.name at an existing Secret`,
      };
    }
    const value = Object.hasOwn(data, key) ? data[key] : undefined;
    if (value === undefined) {
      const keys = Object.keys(data);
      return {
        reason: `Secret ${namespace}/${name} has no key "${key}" (${keys.length === 0 ? 'it has no keys' : `it has ${keys.map((k) => `"${k}"`).join(', ')}`})`,
        fix: `add the key "${key}" to Secret ${namespace}/${name}`,
      };
    }
    if (value.trim() === '') return { reason: `${description} is empty`, fix: `put the credential under the key "${key}" of Secret ${namespace}/${name}` };
    return { value };
  };
  const source: SecretSource = {
    description,
    check() {
      const p = probe();
      return 'value' in p ? undefined : p;
    },
    readSync() {
      const p = probe();
      if ('value' in p) return p.value;
      throw new CredentialUnavailable(p);
    },
    read() {
      const p = probe();
      return 'value' in p ? Promise.resolve(p.value) : Promise.reject(new CredentialUnavailable(p));
    },
  };
  redact(source, () => `SecretSource(${description})`);
  return source;
}

/** An environment variable, read on every use. */
export function envSource(env: Environment, variable: string): SecretSource {
  const description = `environment variable ${variable}`;
  const probe = (): { value: string } | Unavailable => {
    const value = env[variable];
    if (value === undefined || value.trim() === '') {
      return { reason: `${description} is ${value === undefined ? 'not set' : 'empty'}`, fix: `set ${variable} in the gateway's environment` };
    }
    return { value };
  };
  const source: SecretSource = {
    description,
    check() {
      const p = probe();
      return 'value' in p ? undefined : p;
    },
    readSync() {
      const p = probe();
      if ('value' in p) return p.value;
      throw new CredentialUnavailable(p);
    },
    read() {
      const p = probe();
      return 'value' in p ? Promise.resolve(p.value) : Promise.reject(new CredentialUnavailable(p));
    },
  };
  redact(source, () => `SecretSource(${description})`);
  return source;
}

function fileUnavailable(path: string, err: unknown): Unavailable {
  // The errno code only: a Node fs error message is safe, but a code is all a user needs.
  const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : 'error';
  return { reason: `cannot read file ${path} (${code})`, fix: `make ${path} exist and readable by the gateway's user, or fix the path` };
}

/**
 * A file, re-read when its mtime or size changes, stat'ed at most once per FILE_CHECK_INTERVAL_MS
 * (by `now`, injectable for tests). A failure is remembered for the same interval.
 */
class FileSource implements SecretSource {
  readonly description: string;
  readonly #path: string;
  readonly #now: () => number;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #state: { readonly value: string; readonly mtimeMs: number; readonly size: number } | { readonly failure: Unavailable } | undefined;

  constructor(path: string, now: () => number) {
    this.#path = path;
    this.#now = now;
    this.description = `file ${path}`;
    redact(this, () => `SecretSource(${this.description})`);
  }

  check(): Unavailable | undefined {
    try {
      this.readSync();
      return undefined;
    } catch (err) {
      return err instanceof CredentialUnavailable ? { reason: err.message, fix: err.fix } : fileUnavailable(this.#path, err);
    }
  }

  readSync(): string {
    let text: string;
    try {
      text = readFileSync(this.#path, 'utf8');
    } catch (err) {
      throw new CredentialUnavailable(fileUnavailable(this.#path, err));
    }
    if (text.trim() === '') throw new CredentialUnavailable({ reason: `file ${this.#path} is empty`, fix: `write the credential into ${this.#path}` });
    return text;
  }

  async read(): Promise<string> {
    const t = this.#now();
    const state = this.#state;
    if (state !== undefined && t - this.#checkedAt < FILE_CHECK_INTERVAL_MS) {
      if ('failure' in state) throw new CredentialUnavailable(state.failure);
      return state.value;
    }
    this.#checkedAt = t;
    let failure: Unavailable;
    try {
      const st = await stat(this.#path);
      const current = this.#state;
      if (current !== undefined && 'value' in current && current.mtimeMs === st.mtimeMs && current.size === st.size) return current.value;
      const value = await readFile(this.#path, 'utf8');
      if (value.trim() !== '') {
        this.#state = { value, mtimeMs: st.mtimeMs, size: st.size };
        return value;
      }
      failure = { reason: `file ${this.#path} is empty`, fix: `write the credential into ${this.#path}` };
    } catch (err) {
      failure = fileUnavailable(this.#path, err);
    }
    this.#state = { failure };
    throw new CredentialUnavailable(failure);
  }
}

export function fileSource(path: string, now: () => number = Date.now): SecretSource {
  return new FileSource(path, now);
}
