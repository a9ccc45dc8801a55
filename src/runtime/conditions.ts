// Status conditions as Kubernetes writes them (type, status, reason, message), with the upstream
// condition types and reasons used by Gateway API, the Inference Extension and Envoy AI Gateway.

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
  /** The generation of the object the condition was computed from. */
  readonly observedGeneration?: number;
}

export function condition(type: string, status: ConditionStatus, reason: string, message = ''): Condition {
  return { type, status, reason, message };
}

/** `Accepted=True` / `ResolvedRefs=True` etc. with the reason equal to the type, as upstream does. */
export function ok(type: string, message = ''): Condition {
  return { type, status: 'True', reason: type, message };
}

export function isTrue(conditions: readonly Condition[], type: string): boolean {
  return conditions.some((c) => c.type === type && c.status === 'True');
}
