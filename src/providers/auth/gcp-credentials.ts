// GCPCredentials: an OAuth 2.0 access token for Vertex AI from a service-account key (google-auth-library
// JWT: a signed assertion exchanged at Google's token endpoint, scope cloud-platform), sent as
// `authorization: Bearer <token>`; a path that starts with `publishers/` is prefixed with
// `/v1/projects/{projectName}/locations/{region}/`.
// The key is the Secret key `service_account.json` (credentialsFile.secretRef); without
// credentialsFile, the file GOOGLE_APPLICATION_CREDENTIALS names (the file part of Application
// Default Credentials; the metadata server and gcloud user credentials are not read).
// The token is cached until five minutes before it expires; a changed key fetches a new one.
import { JWT, gaxios } from 'google-auth-library';
import type { Credentials } from 'google-auth-library';

import type { UpstreamAuth, UpstreamRequestDraft } from '../../runtime/upstream-auth.ts';

import { describeRefusal, networkErrorCode } from './oauth.ts';
import { toAuthError, upstreamAuthFailed } from './policy.ts';
import type { PolicyBuild } from './policy.ts';
import { envSource, fileSource, redact } from './sources.ts';
import type { SecretSource } from './sources.ts';
import { TokenCache } from './token-cache.ts';
import type { FetchedToken } from './token-cache.ts';

export const GCP_SERVICE_ACCOUNT_SECRET_KEY = 'service_account.json';
export const GCP_CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
export const GOOGLE_TOKEN_ENDPOINT = 'https://oauth2.googleapis.com/token';
const TOKEN_REQUEST_TIMEOUT_MS = 10_000;

interface ServiceAccount {
  readonly email: string;
  readonly key: string;
  /** The key's own token endpoint (`token_uri`), when it names one. */
  readonly tokenUri?: string | undefined;
}

/** The fields of a service-account key that sign the assertion, or why it is not one (no content). */
export function parseServiceAccount(raw: string): ServiceAccount | { reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    // JSON.parse messages quote the input: not repeated.
    return { reason: 'is not valid JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { reason: 'is not a JSON object' };
  const o = json as Record<string, unknown>;
  if (o['type'] !== undefined && o['type'] !== 'service_account') {
    const type = typeof o['type'] === 'string' && /^[a-z_]{1,40}$/.test(o['type']) ? `"${o['type']}"` : 'not service_account';
    return { reason: `is a credential of type ${type}; only service-account keys (type "service_account") are supported` };
  }
  const email = o['client_email'];
  const key = o['private_key'];
  if (typeof email !== 'string' || email === '') return { reason: 'lacks client_email' };
  if (typeof key !== 'string' || !key.includes('PRIVATE KEY')) return { reason: 'lacks a PEM private_key' };
  const tokenUri = typeof o['token_uri'] === 'string' && /^https?:\/\//.test(o['token_uri']) ? o['token_uri'] : undefined;
  return { email, key, tokenUri };
}

/** Sends the token request to `url` (Google's endpoint, or a test double) without gaxios' retries. */
class TokenTransport extends gaxios.Gaxios {
  readonly #url: string;
  constructor(url: string) {
    super();
    this.#url = url;
  }
  override request<T = ReturnType<JSON['parse']>>(opts: gaxios.GaxiosOptions = {}): gaxios.GaxiosPromise<T> {
    // The attempt loop of the forward stage retries (upstream_auth_failed is retryable).
    const { retryConfig: _retryConfig, ...rest } = opts;
    return super.request<T>({ ...rest, url: this.#url, retry: false, timeout: TOKEN_REQUEST_TIMEOUT_MS });
  }
}

/** Why Google refused or could not be asked, from a gaxios error: status and OAuth code only. */
function describeTokenFailure(err: unknown): string {
  const response = typeof err === 'object' && err !== null && 'response' in err ? (err as { response?: { status?: unknown; data?: unknown } }).response : undefined;
  if (response !== undefined && typeof response.status === 'number') return `Google refused the token request (${describeRefusal(response.status, response.data)})`;
  return `the Google token endpoint could not be reached (${networkErrorCode(err)})`;
}

class GCPCredentialsAuth implements UpstreamAuth {
  readonly type = 'GCPCredentials';
  readonly source: string;
  readonly #prefix: string;
  readonly #key: SecretSource;
  readonly #endpoint: string;
  /** A token endpoint the deps force (tests); otherwise the key's token_uri, else Google's. */
  readonly #endpointOverride: string | undefined;
  readonly #tokens: TokenCache;
  #account: { readonly raw: string; readonly account: ServiceAccount } | undefined;

  constructor(source: string, projectName: string, region: string, key: SecretSource, endpoint: string, now: () => number, endpointOverride?: string) {
    this.source = source;
    this.#endpointOverride = endpointOverride;
    this.#prefix = `/v1/projects/${encodeURIComponent(projectName)}/locations/${encodeURIComponent(region)}/`;
    this.#key = key;
    this.#endpoint = endpoint;
    this.#tokens = new TokenCache(
      () => this.#fetchToken(),
      now,
      (err) => toAuthError(source, err, 'the Google token request failed'),
    );
    redact(this, () => `UpstreamAuth(GCPCredentials, ${source}, ${key.description})`);
  }

  async apply(req: UpstreamRequestDraft): Promise<void> {
    let raw: string;
    try {
      raw = await this.#key.read();
    } catch (err) {
      throw toAuthError(this.source, err, `cannot read ${this.#key.description}`);
    }
    if (this.#account === undefined || this.#account.raw !== raw) {
      const parsed = parseServiceAccount(raw);
      if ('reason' in parsed) throw upstreamAuthFailed(this.source, `${this.#key.description} ${parsed.reason}`);
      this.#tokens.reset();
      this.#account = { raw, account: parsed };
    }
    req.headers['authorization'] = `Bearer ${await this.#tokens.get()}`;
    if (req.path.startsWith('publishers/')) req.path = this.#prefix + req.path;
    else if (req.path.startsWith('/publishers/')) req.path = this.#prefix + req.path.slice(1);
  }

  async #fetchToken(): Promise<FetchedToken> {
    const account = this.#account?.account;
    if (account === undefined) throw upstreamAuthFailed(this.source, 'no service-account key');
    const jwt = new JWT({ email: account.email, key: account.key, scopes: [GCP_CLOUD_PLATFORM_SCOPE], transporter: new TokenTransport(this.#endpointOverride ?? account.tokenUri ?? this.#endpoint) });
    let credentials: Credentials;
    try {
      credentials = await jwt.authorize();
    } catch (err) {
      throw upstreamAuthFailed(this.source, describeTokenFailure(err));
    }
    const token = credentials.access_token;
    if (typeof token !== 'string' || token === '') throw upstreamAuthFailed(this.source, 'the Google token answer has no access_token');
    // The library dates expiry by the wall clock; the cache keeps its own (injectable) clock.
    const expiresInMs = typeof credentials.expiry_date === 'number' ? credentials.expiry_date - Date.now() : 0;
    return { token, expiresInMs };
  }
}

export function createGCPCredentialsAuth(build: PolicyBuild): UpstreamAuth | undefined {
  const gcp = build.spec.gcpCredentials;
  const base = ['spec', 'gcpCredentials'] as const;
  if (gcp === undefined) {
    build.error(base, 'is required when type is GCPCredentials (projectName, region and credentialsFile)');
    return undefined;
  }
  const projectName = (gcp.projectName as string | undefined)?.trim() ?? '';
  const region = (gcp.region as string | undefined)?.trim() ?? '';
  if (projectName === '') build.error([...base, 'projectName'], 'is required: the Google Cloud project ID that hosts Vertex AI');
  if (region === '') build.error([...base, 'region'], 'is required: the Vertex AI location, e.g. region: us-central1');
  else if (!/^[a-z0-9-]+$/.test(region)) build.error([...base, 'region'], `"${region}" is not a Google Cloud location; use one such as us-central1 or global`);
  if (gcp.workloadIdentityFederationConfig !== undefined) {
    build.error(
      [...base, 'workloadIdentityFederationConfig'],
      'is not supported yet: Sluice does not exchange OIDC tokens through Workload Identity Federation, and does not fall back to other credentials; the policy is not Accepted. Use credentialsFile (a Secret with the key "service_account.json") instead',
    );
    return undefined;
  }

  let key: SecretSource | undefined;
  if (gcp.credentialsFile !== undefined) {
    key = build.secretKey([...base, 'credentialsFile', 'secretRef'], gcp.credentialsFile.secretRef, GCP_SERVICE_ACCOUNT_SECRET_KEY);
    if (key !== undefined) {
      const parsed = parseServiceAccount(key.readSync());
      if ('reason' in parsed) build.error([...base, 'credentialsFile', 'secretRef', 'name'], `${key.description} ${parsed.reason}; put a service-account key (JSON, from IAM → Service accounts → Keys) under that key`);
    }
  } else {
    const path = envSource(build.env, 'GOOGLE_APPLICATION_CREDENTIALS');
    const missing = path.check();
    if (missing !== undefined) {
      build.error(
        [...base, 'credentialsFile'],
        `is not set, and ${missing.reason}; Sluice reads Application Default Credentials only from the file GOOGLE_APPLICATION_CREDENTIALS names (not the metadata server or gcloud user credentials). Set credentialsFile.secretRef to a Secret with the key "${GCP_SERVICE_ACCOUNT_SECRET_KEY}", or ${missing.fix}`,
      );
    } else {
      key = fileSource(path.readSync().trim(), build.now);
      if (build.available([...base, 'credentialsFile'], key)) {
        const parsed = parseServiceAccount(key.readSync());
        if ('reason' in parsed) build.error([...base, 'credentialsFile'], `is not set, and ${key.description} (GOOGLE_APPLICATION_CREDENTIALS) ${parsed.reason}; point it at a service-account key`);
        else build.warn([...base, 'credentialsFile'], `is not set: using ${key.description} from GOOGLE_APPLICATION_CREDENTIALS (Application Default Credentials)`);
      }
    }
  }
  if (key === undefined || build.failed) return undefined;
  // A forced endpoint (tests) wins; otherwise the key's own token_uri, else Google's.
  return new GCPCredentialsAuth(build.label, projectName, region, key, GOOGLE_TOKEN_ENDPOINT, build.now, build.deps.tokenEndpoints?.gcp);
}
