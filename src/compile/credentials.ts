// BackendSecurityPolicies → the credential each AIServiceBackend (or InferencePool) sends upstream.
// Each policy is built once per snapshot (providers/auth); a policy whose credential is not available
// (a missing Secret or key, an unreadable file, a region that does not match the endpoint) is a config
// error naming the resource, the field and the fix, and leaves the policy not Accepted. A secret's
// value never appears in a problem or a condition.
import { createUpstreamAuth, decodeSecretData, upstreamAuthFailed } from '../providers/auth/index.ts';
import type { AuthTarget } from '../providers/auth/index.ts';
import type { BackendSecurityPolicy } from '../config/schemas/index.ts';
import { resourceLabel } from '../config/validate.ts';
import type { Resource } from '../config/validate.ts';
import type { AIServiceBackendView, BackendView, SecretView } from '../config/views.ts';
import { condition, ok } from '../runtime/conditions.ts';
import type { ResourceStatus } from '../runtime/snapshot.ts';
import type { UpstreamAuth } from '../runtime/upstream-auth.ts';
import { AIGW_GROUP, INFERENCE_GROUP, all, get, referenceGranted } from './context.ts';
import type { Ctx } from './context.ts';

/** `AIServiceBackend ns/name` or `InferencePool ns/name` → its credential. */
export type Credentials = Map<string, UpstreamAuth>;

export function compileCredentials(ctx: Ctx, statuses: ResourceStatus[]): Credentials {
  const out: Credentials = new Map();
  const secrets = (namespace: string, name: string) => {
    const s = get<SecretView>(ctx.index, 'Secret', namespace, name);
    return s ? decodeSecretData(s.object) : undefined;
  };
  // Targets named by the policy, plus AIServiceBackends that name the policy (v1alpha1 backendSecurityPolicyRef).
  const referencedBy = new Map<string, string[]>();
  for (const asb of all<AIServiceBackendView & { spec: { backendSecurityPolicyRef?: { name: string } } }>(ctx.index, 'AIServiceBackend')) {
    const ref = asb.object.spec.backendSecurityPolicyRef;
    if (!ref) continue;
    const key = `${asb.namespace}/${ref.name}`;
    referencedBy.set(key, [...(referencedBy.get(key) ?? []), `AIServiceBackend ${asb.namespace}/${asb.name}`]);
  }
  for (const policy of all<BackendSecurityPolicy>(ctx.index, 'BackendSecurityPolicy')) {
    const label = resourceLabel('BackendSecurityPolicy', policy.namespace, policy.name);
    const targets = [
      ...(policy.object.spec.targetRefs ?? []).map((r) => (r.group === AIGW_GROUP && r.kind === 'AIServiceBackend' ? `AIServiceBackend ${policy.namespace}/${r.name}` : r.kind === 'InferencePool' && r.group === INFERENCE_GROUP ? `InferencePool ${policy.namespace}/${r.name}` : `${r.kind} ${policy.namespace}/${r.name}`)),
      ...(referencedBy.get(`${policy.namespace}/${policy.name}`) ?? []),
    ];
    const result = createUpstreamAuth(policy as Resource<BackendSecurityPolicy>, {
      secrets,
      secretReferenceAllowed: (from, namespace, name) => referenceGranted(ctx, policy, '', 'Secret', namespace, name) || from === namespace,
      targets: authTargets(ctx, targets),
    });
    if ('problems' in result) {
      for (const p of result.problems) ctx.problems.push({ ...p, resource: p.resource ?? label });
      const first = result.problems.find((p) => p.severity === 'error');
      statuses.push({ kind: 'BackendSecurityPolicy', namespace: policy.namespace, name: policy.name, conditions: [condition('Accepted', 'False', 'Invalid', first ? `${first.field ? first.field + ': ' : ''}${first.message}` : 'not accepted')] });
      // Fail closed: a backend whose credential policy is not Accepted is not sent unsigned (the
      // provider would answer 401 and the client would see the provider's words, or worse, an open
      // upstream would answer); every attempt fails upstream_auth_failed naming the policy.
      const refused = refusedAuth(policy.object.spec.type, label);
      for (const t of targets) if (!out.has(t)) out.set(t, refused);
      continue;
    }
    for (const w of result.warnings) ctx.problems.push({ ...w, resource: w.resource ?? label });
    for (const t of targets) {
      const previous = out.get(t);
      if (previous) {
        ctx.problems.push({ severity: 'warning', location: policy.source.locationOf(['spec', 'targetRefs']), resource: label, field: 'spec.targetRefs', message: `${t} already has a credential from ${previous.source}; this policy is ignored for it (one BackendSecurityPolicy per backend)` });
        continue;
      }
      out.set(t, result.auth);
    }
    statuses.push({ kind: 'BackendSecurityPolicy', namespace: policy.namespace, name: policy.name, conditions: [ok('Accepted', `${policy.object.spec.type} credential for ${targets.join(', ') || 'no target'}`)] });
  }
  return out;
}

/** The credential of a policy that is not Accepted: every apply fails, naming the policy. */
function refusedAuth(type: string, source: string): UpstreamAuth {
  return {
    type,
    source,
    apply() {
      throw upstreamAuthFailed(source, 'the policy is not Accepted (see `sluice status`); requests to its backends are refused rather than sent without a credential');
    },
  };
}

/** The upstream hosts of the targeted AIServiceBackends (for the AWS region check). */
function authTargets(ctx: Ctx, targets: readonly string[]): AuthTarget[] {
  const out: AuthTarget[] = [];
  for (const t of targets) {
    if (!t.startsWith('AIServiceBackend ')) continue;
    const [namespace = '', name = ''] = t.slice('AIServiceBackend '.length).split('/');
    const asb = get<AIServiceBackendView>(ctx.index, 'AIServiceBackend', namespace, name);
    const ref = asb?.object.spec.backendRef;
    const backend = ref && get<BackendView>(ctx.index, 'Backend', ref.namespace ?? namespace, ref.name);
    for (const ep of backend?.object.spec.endpoints ?? []) if (ep.fqdn) out.push({ resource: t, hostname: ep.fqdn.hostname });
  }
  return out;
}
