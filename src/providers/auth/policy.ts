// What the factory is given (the policy, the compiler's dependencies) and the small toolkit every
// credential type uses while it is built: problems that name resource, field and fix; Secret
// references checked for kind, namespace and availability; errors at request time that name the
// policy and never carry a secret.
import type { BackendSecurityPolicy } from '../../config/schemas/index.ts';
import { formatPath } from '../../config/problems.ts';
import type { Problem, SourceLocation } from '../../config/problems.ts';
import { GatewayError } from '../../errors.ts';

import { CredentialUnavailable, secretKeySource } from './sources.ts';
import type { Environment, SecretLookup, SecretSource } from './sources.ts';

export type BackendSecurityPolicySpec = BackendSecurityPolicy['spec'];
export type BackendSecurityPolicyType = BackendSecurityPolicySpec['type'];

/** A BackendSecurityPolicy as the compiler holds it; a `Resource<BackendSecurityPolicy>` fits. */
export interface PolicyInput {
  readonly namespace: string;
  readonly name: string;
  readonly object: { readonly spec: BackendSecurityPolicySpec };
  /** Where the document came from; problems then carry file and line. */
  readonly source?: { locationOf(path: readonly PropertyKey[]): SourceLocation } | undefined;
}

/** An upstream the policy applies to (a targeted AIServiceBackend's Backend endpoint). */
export interface AuthTarget {
  /** `AIServiceBackend ns/name`, for problems. */
  readonly resource: string;
  /** The upstream host name, e.g. `bedrock-runtime.us-east-1.amazonaws.com`. */
  readonly hostname: string;
}

/** What the compiler passes to `createUpstreamAuth`. Only `secrets` is required. */
export interface UpstreamAuthDeps {
  /** The current Secrets (decoded), consulted at config time and on every apply. */
  readonly secrets: SecretLookup;
  /**
   * Whether a policy in namespace `from` may read Secret `namespace/name` in another namespace (a
   * ReferenceGrant). Without it, only Secrets in the policy's own namespace are allowed.
   */
  readonly secretReferenceAllowed?: ((from: string, namespace: string, name: string) => boolean) | undefined;
  /** Environment variables for the default credential chains (default: process.env, read live). */
  readonly env?: Environment | undefined;
  /** The home directory for `~/.aws/credentials` (default: os.homedir()). */
  readonly homeDir?: string | undefined;
  /** Clock in ms since the epoch (default Date.now): token expiry, file checks, SigV4 dates. */
  readonly now?: (() => number) | undefined;
  /** The upstreams the policy targets; AWSCredentials checks its region against their hosts. */
  readonly targets?: readonly AuthTarget[] | undefined;
  /** Token endpoints, overridable for tests (defaults: Microsoft Entra and Google OAuth). */
  readonly tokenEndpoints?:
    | {
        /** The Entra token endpoint of a tenant. */
        readonly azure?: ((tenantID: string) => string) | undefined;
        /** The Google OAuth token endpoint. */
        readonly gcp?: string | undefined;
      }
    | undefined;
}

/** The error an `apply` rejects with: names the policy and the reason, never a credential. */
export function upstreamAuthFailed(source: string, reason: string): GatewayError {
  return new GatewayError('upstream_auth_failed', `${source}: ${reason}`);
}

/**
 * Maps anything thrown while producing a credential to a safe GatewayError. Only messages written in
 * this folder (GatewayError, CredentialUnavailable) are passed on; a library error's text could hold
 * a request body or a key, so it is replaced by `fallback`.
 */
export function toAuthError(source: string, err: unknown, fallback: string): GatewayError {
  if (err instanceof GatewayError && err.code === 'upstream_auth_failed') return err;
  if (err instanceof CredentialUnavailable) return upstreamAuthFailed(source, err.message);
  return upstreamAuthFailed(source, fallback);
}

type SecretRef = NonNullable<NonNullable<BackendSecurityPolicySpec['apiKey']>['secretRef']>;
type Path = readonly (string | number)[];

/** Builds one policy's UpstreamAuth: collects problems as it goes. */
export class PolicyBuild {
  readonly label: string;
  readonly namespace: string;
  readonly spec: BackendSecurityPolicySpec;
  readonly deps: UpstreamAuthDeps;
  readonly now: () => number;
  readonly env: Environment;
  readonly problems: Problem[] = [];
  readonly #policy: PolicyInput;

  constructor(policy: PolicyInput, deps: UpstreamAuthDeps) {
    this.#policy = policy;
    this.namespace = policy.namespace;
    this.label = `BackendSecurityPolicy ${policy.namespace}/${policy.name}`;
    this.spec = policy.object.spec;
    this.deps = deps;
    this.now = deps.now ?? Date.now;
    this.env = deps.env ?? process.env;
  }

  /** An error: the policy is not Accepted. `message` says what is wrong and how to fix it. */
  error(path: Path, message: string): void {
    this.#push('error', path, message);
  }

  warn(path: Path, message: string): void {
    this.#push('warning', path, message);
  }

  get failed(): boolean {
    return this.problems.some((p) => p.severity === 'error');
  }

  #push(severity: Problem['severity'], path: Path, message: string): void {
    let location: SourceLocation | undefined;
    try {
      location = this.#policy.source?.locationOf(path);
    } catch {
      location = undefined;
    }
    this.problems.push({ severity, location, resource: this.label, field: formatPath(path), message });
  }

  /**
   * A key of the Secret that `ref` (at `path`, e.g. ['spec', 'apiKey', 'secretRef']) names, checked
   * now: a core Secret, in the policy's namespace or allowed by a ReferenceGrant, present, with the
   * key. Records a problem and returns undefined when any of that fails.
   */
  secretKey(path: Path, ref: SecretRef, key: string): SecretSource | undefined {
    const group = ref.group ?? '';
    const kind = ref.kind ?? 'Secret';
    if (group !== '' || kind !== 'Secret') {
      this.error([...path, group !== '' ? 'group' : 'kind'], `must reference a core Secret (got ${group === '' ? '' : `${group}/`}${kind}); set kind: Secret and omit group`);
      return undefined;
    }
    const namespace = ref.namespace ?? this.namespace;
    if (namespace !== this.namespace && !(this.deps.secretReferenceAllowed?.(this.namespace, namespace, ref.name) ?? false)) {
      this.error(
        [...path, 'namespace'],
        `Secret ${namespace}/${ref.name} is in another namespace and no ReferenceGrant in ${namespace} allows BackendSecurityPolicies from ${this.namespace} to read it; add a ReferenceGrant or move the Secret to ${this.namespace}`,
      );
      return undefined;
    }
    const source = secretKeySource(this.deps.secrets, namespace, ref.name, key);
    const missing = source.check();
    if (missing) {
      this.error([...path, 'name'], `${missing.reason}; ${missing.fix}`);
      return undefined;
    }
    return source;
  }

  /** Records a problem when `source` has no value now; true when it has one. */
  available(path: Path, source: SecretSource): boolean {
    const missing = source.check();
    if (missing) this.error(path, `${missing.reason}; ${missing.fix}`);
    return missing === undefined;
  }
}
