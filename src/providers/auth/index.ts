// The upstream credentials of a BackendSecurityPolicy: one factory that switches exhaustively on the
// policy type and returns either an UpstreamAuth (runtime/upstream-auth.ts) or the problems that
// keep the policy from being Accepted. The availability of the credential is checked here, at
// config time; the credential itself is read again on every apply (rotation without a reload).
import type { Problem } from '../../config/problems.ts';
import type { UpstreamAuth } from '../../runtime/upstream-auth.ts';

import { createApiKeyAuth } from './api-key.ts';
import { createAWSCredentialsAuth } from './aws-credentials.ts';
import { createAzureCredentialsAuth } from './azure-credentials.ts';
import { createGCPCredentialsAuth } from './gcp-credentials.ts';
import { PolicyBuild } from './policy.ts';
import type { BackendSecurityPolicyType, PolicyInput, UpstreamAuthDeps } from './policy.ts';
import { CredentialUnavailable } from './sources.ts';

export type { AuthTarget, PolicyInput, UpstreamAuthDeps } from './policy.ts';
export type { Environment, SecretLookup, SecretSource, Unavailable } from './sources.ts';
export { CredentialUnavailable, decodeSecretData, envSource, fileSource, secretKeySource } from './sources.ts';
export { upstreamAuthFailed } from './policy.ts';

export type CreateUpstreamAuthResult =
  /** Accepted; `warnings` says what of the policy is read only in part (e.g. a default chain). */
  | { readonly auth: UpstreamAuth; readonly warnings: readonly Problem[] }
  /** Not Accepted: at least one error (and any warnings). */
  | { readonly problems: readonly Problem[] };

function assertNever(x: never): never {
  throw new Error(`unhandled BackendSecurityPolicy type ${String(x)}`);
}

function create(build: PolicyBuild, type: BackendSecurityPolicyType): UpstreamAuth | undefined {
  switch (type) {
    case 'APIKey':
    case 'AnthropicAPIKey':
    case 'AzureAPIKey':
      return createApiKeyAuth(build, type);
    case 'AWSCredentials':
      return createAWSCredentialsAuth(build);
    case 'AzureCredentials':
      return createAzureCredentialsAuth(build);
    case 'GCPCredentials':
      return createGCPCredentialsAuth(build);
    default:
      return assertNever(type);
  }
}

export function createUpstreamAuth(policy: PolicyInput, deps: UpstreamAuthDeps): CreateUpstreamAuthResult {
  const build = new PolicyBuild(policy, deps);
  const spec = policy.object.spec;
  if (spec.credentialOverride !== undefined) {
    build.error(
      ['spec', 'credentialOverride'],
      'is not supported yet: Sluice does not take upstream credentials from request headers or metadata, and would send the configured credential instead, so the policy is not Accepted. Remove credentialOverride to use the configured credential for every request',
    );
  }
  let auth: UpstreamAuth | undefined;
  try {
    auth = create(build, spec.type);
  } catch (err) {
    // A source that changed between its check and its read: report it, never its content.
    if (!(err instanceof CredentialUnavailable)) throw err;
    build.error(['spec', 'type'], `${err.message}; ${err.fix}`);
  }
  if (auth === undefined || build.failed) {
    if (!build.failed) build.error(['spec', 'type'], `no credential could be built for type ${spec.type}`);
    return { problems: build.problems };
  }
  return { auth, warnings: build.problems };
}
