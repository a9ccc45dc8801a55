// The upstream credential contract: a backend that the gateway holds a credential for (an
// AIServiceBackend targeted by a BackendSecurityPolicy) has an UpstreamAuth in the snapshot. The
// forward stage applies it to every attempt after translation, so a retry on another backend is
// signed for that backend. The client's own credential headers (authorization, x-api-key, api-key,
// x-goog-api-key) are removed before `apply` runs: they never reach a provider.
//
// Implementations (providers/auth/) read secrets from Secrets, files or environment variables and
// re-read them when they change; they never put a secret into an error message, a log line or a
// status condition.

export interface UpstreamRequestDraft {
  readonly method: string;
  /** `https://bedrock-runtime.us-east-1.amazonaws.com:443`, `http://127.0.0.1:41234`. */
  readonly origin: string;
  /** Path with query string; GCP credentials prefix it with `/v1/projects/{p}/locations/{r}`. */
  path: string;
  /** Lower-case header names, `host` included. SigV4 signs what is here when `apply` runs. */
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export interface UpstreamAuth {
  /** The BackendSecurityPolicy type: `APIKey`, `AnthropicAPIKey`, `AzureAPIKey`, `AWSCredentials`, `GCPCredentials`, … */
  readonly type: string;
  /** The resource that configured it, for errors: `BackendSecurityPolicy ns/name`. */
  readonly source: string;
  /**
   * Sets the credential. Rejects with a GatewayError (`upstream_auth_failed`) naming `source` when the
   * credential cannot be produced (e.g. a token refresh failed) — never with the secret in it.
   */
  apply(request: UpstreamRequestDraft): void | Promise<void>;
}
