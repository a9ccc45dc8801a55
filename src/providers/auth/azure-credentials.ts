// AzureCredentials: a Microsoft Entra ID access token for Azure OpenAI, obtained with the OAuth 2.0
// client credentials grant (client ID and secret of an app registration) from the tenant's v2.0
// token endpoint, for the Cognitive Services scope; sent as `authorization: Bearer <token>`.
// The client secret is the Secret key `client-secret`. The token is cached until five minutes
// before it expires; a changed client secret fetches a new one.
import { request } from 'undici';

import type { UpstreamAuth, UpstreamRequestDraft } from '../../runtime/upstream-auth.ts';

import { describeRefusal, expiresInMs, networkErrorCode } from './oauth.ts';
import { toAuthError, upstreamAuthFailed } from './policy.ts';
import type { PolicyBuild } from './policy.ts';
import { redact } from './sources.ts';
import type { SecretSource } from './sources.ts';
import { TokenCache } from './token-cache.ts';
import type { FetchedToken } from './token-cache.ts';

export const AZURE_CLIENT_SECRET_KEY = 'client-secret';
export const AZURE_COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';
const TOKEN_REQUEST_TIMEOUT_MS = 10_000;

export function entraTokenEndpoint(tenantID: string): string {
  return `https://login.microsoftonline.com/${encodeURIComponent(tenantID)}/oauth2/v2.0/token`;
}

class AzureCredentialsAuth implements UpstreamAuth {
  readonly type = 'AzureCredentials';
  readonly source: string;
  readonly #clientID: string;
  readonly #endpoint: string;
  readonly #clientSecret: SecretSource;
  readonly #tokens: TokenCache;
  #secretInUse: string | undefined;

  constructor(source: string, clientID: string, endpoint: string, clientSecret: SecretSource, now: () => number) {
    this.source = source;
    this.#clientID = clientID;
    this.#endpoint = endpoint;
    this.#clientSecret = clientSecret;
    this.#tokens = new TokenCache(
      () => this.#fetchToken(),
      now,
      (err) => toAuthError(source, err, 'the Microsoft Entra token request failed'),
    );
    redact(this, () => `UpstreamAuth(AzureCredentials, ${source}, client ${clientID})`);
  }

  async apply(req: UpstreamRequestDraft): Promise<void> {
    let secret: string;
    try {
      secret = (await this.#clientSecret.read()).trim();
    } catch (err) {
      throw toAuthError(this.source, err, `cannot read ${this.#clientSecret.description}`);
    }
    if (secret !== this.#secretInUse) {
      this.#tokens.reset();
      this.#secretInUse = secret;
    }
    req.headers['authorization'] = `Bearer ${await this.#tokens.get()}`;
  }

  async #fetchToken(): Promise<FetchedToken> {
    const secret = this.#secretInUse ?? '';
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.#clientID, client_secret: secret, scope: AZURE_COGNITIVE_SERVICES_SCOPE });
    let status: number;
    let text: string;
    try {
      const res = await request(this.#endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        headersTimeout: TOKEN_REQUEST_TIMEOUT_MS,
        bodyTimeout: TOKEN_REQUEST_TIMEOUT_MS,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw upstreamAuthFailed(this.source, `the Microsoft Entra token endpoint could not be reached (${networkErrorCode(err)})`);
    }
    if (status !== 200) throw upstreamAuthFailed(this.source, `Microsoft Entra refused the token request (${describeRefusal(status, text)})`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const token = typeof body === 'object' && body !== null && 'access_token' in body ? body.access_token : undefined;
    if (typeof token !== 'string' || token === '') throw upstreamAuthFailed(this.source, 'the Microsoft Entra token answer has no access_token');
    return { token, expiresInMs: expiresInMs((body as { expires_in?: unknown }).expires_in) };
  }
}

export function createAzureCredentialsAuth(build: PolicyBuild): UpstreamAuth | undefined {
  const azure = build.spec.azureCredentials;
  if (azure === undefined) {
    build.error(['spec', 'azureCredentials'], 'is required when type is AzureCredentials (clientID, tenantID and clientSecretRef)');
    return undefined;
  }
  if (azure.oidcExchangeToken !== undefined) {
    build.error(
      ['spec', 'azureCredentials', 'oidcExchangeToken'],
      'is not supported yet: Sluice does not exchange OIDC tokens for Entra tokens, and nothing is sent in its place; the policy is not Accepted. Use clientSecretRef (a Secret with the key "client-secret") instead',
    );
  }
  if (azure.clientID.trim() === '') build.error(['spec', 'azureCredentials', 'clientID'], 'must be the application (client) ID of the app registration');
  if (azure.tenantID.trim() === '') build.error(['spec', 'azureCredentials', 'tenantID'], 'must be the directory (tenant) ID');
  let secret: SecretSource | undefined;
  if (azure.clientSecretRef !== undefined) {
    secret = build.secretKey(['spec', 'azureCredentials', 'clientSecretRef'], azure.clientSecretRef, AZURE_CLIENT_SECRET_KEY);
  } else if (azure.oidcExchangeToken === undefined) {
    build.error(['spec', 'azureCredentials', 'clientSecretRef'], `is required: name a Secret with the key "${AZURE_CLIENT_SECRET_KEY}" holding the client secret`);
  }
  if (secret === undefined || build.failed) return undefined;
  const endpoint = (build.deps.tokenEndpoints?.azure ?? entraTokenEndpoint)(azure.tenantID);
  return new AzureCredentialsAuth(build.label, azure.clientID, endpoint, secret, build.now);
}
