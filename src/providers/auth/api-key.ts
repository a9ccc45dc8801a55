// APIKey, AnthropicAPIKey and AzureAPIKey: a key from the Secret key `apiKey`, sent in the header
// the provider reads. The three differ only in that header, so they share this module.
//   APIKey           authorization: Bearer <key>   (OpenAI and OpenAI-compatible vendors)
//   AnthropicAPIKey  x-api-key: <key>              (Anthropic)
//   AzureAPIKey      api-key: <key>                (Azure OpenAI)
import type { UpstreamAuth, UpstreamRequestDraft } from '../../runtime/upstream-auth.ts';

import { toAuthError, upstreamAuthFailed } from './policy.ts';
import type { PolicyBuild } from './policy.ts';
import { redact } from './sources.ts';
import type { SecretSource } from './sources.ts';

export type ApiKeyType = 'APIKey' | 'AnthropicAPIKey' | 'AzureAPIKey';

/** The Secret key that holds the key, for all three types. */
export const API_KEY_SECRET_KEY = 'apiKey';

const HEADERS: Record<ApiKeyType, { readonly field: 'apiKey' | 'anthropicAPIKey' | 'azureAPIKey'; readonly header: string; readonly prefix: string }> = {
  APIKey: { field: 'apiKey', header: 'authorization', prefix: 'Bearer ' },
  AnthropicAPIKey: { field: 'anthropicAPIKey', header: 'x-api-key', prefix: '' },
  AzureAPIKey: { field: 'azureAPIKey', header: 'api-key', prefix: '' },
};

/** Visible ASCII, inner spaces and tabs allowed: what an HTTP field value may carry. */
const HEADER_VALUE = /^[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?$/;

/** A credential as a header value: trimmed (Secrets written with `echo` end in a newline) and checked. */
export function headerCredential(raw: string, source: SecretSource, label: string): string {
  const value = raw.trim();
  if (!HEADER_VALUE.test(value)) throw upstreamAuthFailed(label, `the credential in ${source.description} contains characters not allowed in an HTTP header`);
  return value;
}

class ApiKeyAuth implements UpstreamAuth {
  readonly type: ApiKeyType;
  readonly source: string;
  readonly #key: SecretSource;
  readonly #header: string;
  readonly #prefix: string;

  constructor(type: ApiKeyType, source: string, key: SecretSource) {
    this.type = type;
    this.source = source;
    this.#key = key;
    this.#header = HEADERS[type].header;
    this.#prefix = HEADERS[type].prefix;
    redact(this, () => `UpstreamAuth(${type}, ${source}, ${key.description})`);
  }

  async apply(request: UpstreamRequestDraft): Promise<void> {
    let raw: string;
    try {
      raw = await this.#key.read();
    } catch (err) {
      throw toAuthError(this.source, err, `cannot read ${this.#key.description}`);
    }
    request.headers[this.#header] = this.#prefix + headerCredential(raw, this.#key, this.source);
  }
}

export function createApiKeyAuth(build: PolicyBuild, type: ApiKeyType): UpstreamAuth | undefined {
  const { field } = HEADERS[type];
  const holder = build.spec[field];
  if (holder === undefined) {
    build.error(['spec', field], `is required when type is ${type} (${field}.secretRef names a Secret with the key "${API_KEY_SECRET_KEY}")`);
    return undefined;
  }
  const key = build.secretKey(['spec', field, 'secretRef'], holder.secretRef, API_KEY_SECRET_KEY);
  if (key === undefined) return undefined;
  return new ApiKeyAuth(type, build.label, key);
}
