// Pure functions from the conditions Sluice computed (ResourceStatus) and an object's current status to
// the status to write, in each API's own shape:
//
// - conditions: metav1.Condition {type, status, reason, message, observedGeneration, lastTransitionTime};
//   lastTransitionTime is kept while a condition's status stays the same (as Kubernetes' own helpers do),
//   so an unchanged condition writes nothing new;
// - Gateway: status.conditions + status.listeners[] {name, supportedKinds, attachedRoutes, conditions};
//   other fields (addresses) are left as they are;
// - routes: status.parents[] {parentRef, controllerName, conditions}: only the entries of this controller
//   are written; other controllers' entries stay, in place;
// - InferencePool v1: status.parents[] {parentRef, controllerName, conditions}; v1alpha2: status.parent[]
//   {parentRef, conditions} (that version has no controllerName);
// - everything else Sluice reports on: status.conditions.
import type { Condition } from '../../runtime/conditions.ts';
import type { ResourceStatus } from '../../runtime/snapshot.ts';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

export interface KubeCondition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
  readonly lastTransitionTime: string;
}

export type Json = Record<string, unknown>;

/** metav1.Condition allows messages up to 32768 characters. */
const MAX_MESSAGE = 32_768;
/** Gateway API and Inference Extension lists hold at most 32 parents. */
const MAX_PARENTS = 32;

/** RFC 3339 in seconds, as metav1.Time is written. */
export function kubeTime(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * The conditions to write: `computed` in order, each with observedGeneration (the generation the
 * condition was computed from, else `generation`) and lastTransitionTime (kept from `existing` when the
 * type had the same status, else `now`).
 */
export function kubeConditions(computed: readonly Condition[], existing: unknown, generation: number | undefined, now: string): KubeCondition[] {
  const old = asArray(existing);
  const seen = new Set<string>();
  const out: KubeCondition[] = [];
  for (const c of computed) {
    if (seen.has(c.type)) continue; // conditions are a map keyed by type
    seen.add(c.type);
    const before = old.find((o) => o['type'] === c.type);
    const g = c.observedGeneration ?? generation;
    out.push({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message.length > MAX_MESSAGE ? c.message.slice(0, MAX_MESSAGE - 3) + '...' : c.message,
      ...(g !== undefined ? { observedGeneration: g } : {}),
      lastTransitionTime: before && before['status'] === c.status && typeof before['lastTransitionTime'] === 'string' ? before['lastTransitionTime'] : now,
    });
  }
  return out;
}

/** `status.conditions` replaced by the computed ones; other status fields kept. */
export function conditionsStatus(current: unknown, conditions: readonly Condition[], generation: number | undefined, now: string): Json {
  const cur = asObject(current);
  return { ...cur, conditions: kubeConditions(conditions, cur['conditions'], generation, now) };
}

/** Gateway status: conditions and one entry per listener, in the order compile() reported them. */
export function gatewayStatus(current: unknown, rs: ResourceStatus, generation: number | undefined, now: string): Json {
  const cur = asObject(current);
  const oldListeners = asArray(cur['listeners']);
  const listeners = (rs.sub ?? []).map((l) => ({
    name: l.name,
    supportedKinds: (l.supportedKinds ?? []).map((k) => ({ group: k.group, kind: k.kind })),
    attachedRoutes: l.attachedRoutes ?? 0,
    conditions: kubeConditions(l.conditions, oldListeners.find((o) => o['name'] === l.name)?.['conditions'], generation, now),
  }));
  return { ...cur, conditions: kubeConditions(rs.conditions, cur['conditions'], generation, now), listeners };
}

/** A Gateway API ParentReference as written in a route's spec. */
export interface ParentRef {
  readonly group?: string | undefined;
  readonly kind?: string | undefined;
  readonly namespace?: string | undefined;
  readonly name: string;
  readonly sectionName?: string | undefined;
  readonly port?: number | undefined;
}

/** Two parentRefs name the same parent (defaults applied: group, kind Gateway, the route's namespace). */
export function sameParentRef(a: unknown, b: unknown, routeNamespace: string): boolean {
  const norm = (r: unknown) => {
    const x = asObject(r);
    return [x['group'] ?? GATEWAY_GROUP, x['kind'] ?? 'Gateway', x['namespace'] ?? routeNamespace, x['name'], x['sectionName'] ?? '', x['port'] ?? 0].join('|');
  };
  return norm(a) === norm(b);
}

/**
 * Route status.parents: one entry of ours per `ours` item (spec parentRef + its conditions), after the
 * entries of other controllers (kept as they are); our entries for parentRefs no longer ours go away.
 */
export function routeParentsStatus(
  current: unknown,
  ours: readonly { readonly parentRef: ParentRef; readonly conditions: readonly Condition[] }[],
  routeNamespace: string,
  controllerName: string,
  generation: number | undefined,
  now: string,
): Json {
  const cur = asObject(current);
  const old = asArray(cur['parents']);
  const others = old.filter((p) => p['controllerName'] !== controllerName);
  const room = Math.max(0, MAX_PARENTS - others.length);
  const mine = ours.slice(0, room).map((p) => {
    const before = old.find((o) => o['controllerName'] === controllerName && sameParentRef(o['parentRef'], p.parentRef, routeNamespace));
    return { parentRef: { ...p.parentRef }, controllerName, conditions: kubeConditions(p.conditions, before?.['conditions'], generation, now) };
  });
  return { ...cur, parents: [...others, ...mine] };
}

/** A parent Gateway of an InferencePool with the pool's conditions for it. */
export interface PoolParent {
  readonly namespace: string;
  readonly name: string;
  readonly conditions: readonly Condition[];
}

/**
 * InferencePool parents: one entry per Gateway of ours that routes to the pool. `isOurs` tells the
 * existing entries this controller wrote (by controllerName, or by parent when the version has none),
 * which are replaced; others stay. `legacy`: the v1alpha2 shape (`parent`, no controllerName).
 */
export function poolParentsStatus(
  current: unknown,
  parents: readonly PoolParent[],
  isOurs: (entry: Json) => boolean,
  controllerName: string,
  legacy: boolean,
  generation: number | undefined,
  now: string,
): Json {
  const cur = asObject(current);
  const field = legacy ? 'parent' : 'parents';
  const old = asArray(cur[field]);
  const others = old.filter((e) => !isOurs(e));
  const room = Math.max(0, MAX_PARENTS - others.length);
  const mine = parents.slice(0, room).map((p) => {
    const parentRef = { group: GATEWAY_GROUP, kind: 'Gateway', namespace: p.namespace, name: p.name };
    const before = old.find((e) => isOurs(e) && samePoolParent(e['parentRef'], p));
    return { parentRef, ...(legacy ? {} : { controllerName }), conditions: kubeConditions(p.conditions, before?.['conditions'], generation, now) };
  });
  return { ...cur, [field]: [...others, ...mine] };
}

function samePoolParent(ref: unknown, p: PoolParent): boolean {
  const r = asObject(ref);
  return (r['group'] ?? GATEWAY_GROUP) === GATEWAY_GROUP && (r['kind'] ?? 'Gateway') === 'Gateway' && r['name'] === p.name && (r['namespace'] ?? p.namespace) === p.namespace;
}

/** JSON with object keys sorted, to compare statuses whatever order the server wrote fields in. */
export function canonical(v: unknown): string {
  return JSON.stringify(v ?? null, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Json).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}

export function asObject(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

export function asArray(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter((x): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x)) : [];
}
