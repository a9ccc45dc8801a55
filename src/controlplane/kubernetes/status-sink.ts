// StatusSink that writes the conditions Sluice computed to the status subresource of each object it is
// responsible for, as a Gateway API controller does:
//
// - a GatewayClass is claimed when its spec.controllerName is Sluice's controller name; only claimed
//   classes get status (Accepted), only Gateways of claimed classes (conditions, listeners), and only
//   the parents of routes that are such Gateways (status.parents entries with Sluice's controllerName);
// - an InferencePool gets a parents entry per Gateway of Sluice that routes to it (the Gateway, not the
//   route, is the parent); InferenceObjective/InferenceModel, AIGatewayRoute, AIServiceBackend and
//   BackendSecurityPolicy get status.conditions when they belong to a Gateway of Sluice;
// - a write happens only when the status differs from what the object has (conditions keep their
//   lastTransitionTime while their status holds, so an unchanged condition is no change);
//   observedGeneration is the generation the conditions were computed from (the object's
//   metadata.generation); a 409 Conflict re-reads the object and tries again, a bounded number of times;
// - with leader election, only the leader writes; a replica that is not (or stops being) the leader
//   stops before its next write, and one that becomes the leader writes the latest statuses at once.
import type { Condition } from '../../runtime/conditions.ts';
import type { ResourceStatus } from '../../runtime/snapshot.ts';
import type { StatusSink } from '../source.ts';
import { isApiError } from './client.ts';
import type { KubeClient, KubeObject } from './client.ts';
import { objectPath } from './kinds.ts';
import type { ObjectLookup } from './source.ts';
import {
  GATEWAY_GROUP,
  asArray,
  asObject,
  canonical,
  conditionsStatus,
  gatewayStatus,
  kubeTime,
  poolParentsStatus,
  routeParentsStatus,
} from './status-shapes.ts';
import type { Json, ParentRef, PoolParent } from './status-shapes.ts';

/** Sluice's GatewayClass controllerName. */
export const SLUICE_CONTROLLER_NAME = 'sluice.dev/gateway-controller';

const GIE_GROUP = 'inference.networking.k8s.io';
const GIE_X_GROUP = 'inference.networking.x-k8s.io';
const AIGW_GROUP = 'aigateway.envoyproxy.io';

/** Who may write: a leader elector, or nothing (a single replica always writes). */
export interface LeadershipView {
  readonly isLeader: boolean;
  /** Called with `true` when this replica becomes the leader and `false` when it stops. */
  subscribe?(listener: (leading: boolean) => void): () => void;
}

export interface KubernetesStatusSinkOptions {
  readonly client: KubeClient;
  /** The objects as last seen (the KubernetesSource). */
  readonly objects: ObjectLookup;
  /** GatewayClass spec.controllerName Sluice claims (default SLUICE_CONTROLLER_NAME). */
  readonly controllerName?: string | undefined;
  readonly leader?: LeadershipView | undefined;
  /** Re-reads after a 409 Conflict before giving up on an object for this pass (default 5). */
  readonly maxConflictRetries?: number | undefined;
  /** Status writes in flight at once (default 4). */
  readonly concurrency?: number | undefined;
  /** A failed write is tried again after this long (default 5 s). */
  readonly retryAfterMs?: number | undefined;
  /**
   * Whether conditions computed for a configuration the reload loop refused are written (default
   * false: status describes the configuration being served).
   */
  readonly writeRefused?: boolean | undefined;
  readonly now?: (() => Date) | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

export interface StatusSinkStats {
  /** Status subresource updates that succeeded. */
  writes: number;
  /** Objects whose status already was the desired one. */
  unchanged: number;
  /** 409 answers (each followed by a re-read). */
  conflicts: number;
  /** Writes that failed (conflicts exhausted, errors). */
  failures: number;
}

interface Target {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly group?: string;
  /** The status to write given the object as it is now, or undefined to leave it alone. */
  readonly build: (object: KubeObject, now: string) => Json | undefined;
}

interface Written {
  readonly uid: string | undefined;
  /** The resourceVersion the write replaced (while the cache still shows it, `object` is fresher). */
  readonly before: string | undefined;
  readonly object: KubeObject;
  readonly desired: string;
  /** The status as the server stored it (it may prune or default fields). */
  readonly result: string;
}

export class KubernetesStatusSink implements StatusSink {
  readonly controllerName: string;
  readonly stats: StatusSinkStats = { writes: 0, unchanged: 0, conflicts: 0, failures: 0 };
  readonly #client: KubeClient;
  readonly #objects: ObjectLookup;
  readonly #options: KubernetesStatusSinkOptions;
  readonly #log: (line: string) => void;
  readonly #written = new Map<string, Written>();
  #latest: readonly ResourceStatus[] | undefined;
  #dirty = false;
  #running: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #closed = false;

  constructor(options: KubernetesStatusSinkOptions) {
    this.#options = options;
    this.#client = options.client;
    this.#objects = options.objects;
    this.controllerName = options.controllerName ?? SLUICE_CONTROLLER_NAME;
    this.#log = options.log ?? (() => undefined);
    this.#unsubscribe = options.leader?.subscribe?.((leading) => {
      if (leading) void this.resync();
    });
  }

  write(statuses: readonly ResourceStatus[], context: { readonly generation: number; readonly applied: boolean }): Promise<void> {
    if (!context.applied && !this.#options.writeRefused) return Promise.resolve();
    this.#latest = statuses;
    return this.#kick();
  }

  /** Writes the latest statuses again (e.g. on becoming the leader). */
  resync(): Promise<void> {
    return this.#kick();
  }

  close(): void {
    this.#closed = true;
    this.#unsubscribe?.();
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
  }

  /** Resolves when every pass asked for so far is done. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #mayWrite(): boolean {
    return !this.#closed && (this.#options.leader?.isLeader ?? true);
  }

  /** Passes never overlap; asks made during a pass coalesce into one more pass with the latest statuses. */
  #kick(): Promise<void> {
    this.#dirty = true;
    this.#running ??= (async () => {
      try {
        while (this.#dirty) {
          this.#dirty = false;
          await this.#pass();
        }
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  async #pass(): Promise<void> {
    const statuses = this.#latest;
    if (!statuses || !this.#mayWrite()) return;
    const targets = new Planner(this.#objects, this.controllerName, statuses).targets();
    const now = kubeTime(this.#options.now?.() ?? new Date());
    const visited = new Set<string>();
    let next = 0;
    const worker = async () => {
      while (next < targets.length) await this.#writeOne(targets[next++]!, now, visited);
    };
    await Promise.all(Array.from({ length: Math.max(1, this.#options.concurrency ?? 4) }, worker));
    // Forget writes to objects no longer reported on (deleted, or no longer Sluice's).
    for (const key of this.#written.keys()) if (!visited.has(key)) this.#written.delete(key);
  }

  async #writeOne(t: Target, now: string, visited: Set<string>): Promise<void> {
    const cached = this.#objects.find(t.kind, t.namespace, t.name, t.group);
    if (!cached) return;
    const { resource } = cached;
    const key = `${resource.group}/${resource.kind}/${t.namespace}/${t.name}`;
    visited.add(key);
    let object = this.#freshest(key, cached.object);
    const max = this.#options.maxConflictRetries ?? 5;
    for (let attempt = 0; ; attempt++) {
      if (!this.#mayWrite()) return;
      const desired = t.build(object, now);
      if (!desired) return;
      const want = canonical(desired);
      const have = canonical(object['status'] ?? {});
      const memo = this.#written.get(key);
      if (want === have || (memo && memo.uid === object.metadata.uid && memo.desired === want && memo.result === have)) {
        this.stats.unchanged++;
        return;
      }
      try {
        const updated = await this.#client.request<KubeObject>('PUT', objectPath(resource, t.namespace, t.name, 'status'), { body: { ...object, status: desired } });
        this.#written.set(key, { uid: object.metadata.uid, before: object.metadata.resourceVersion, object: updated, desired: want, result: canonical(updated['status'] ?? {}) });
        this.stats.writes++;
        return;
      } catch (writeErr) {
        let err = writeErr;
        if (isApiError(err, 409)) this.stats.conflicts++;
        if (isApiError(err, 409) && attempt < max) {
          try {
            object = await this.#client.request<KubeObject>('GET', objectPath(resource, t.namespace, t.name));
            continue;
          } catch (getErr) {
            err = getErr;
          }
        }
        if (isApiError(err, 404)) return; // deleted meanwhile
        this.stats.failures++;
        this.#log(`kubernetes: status of ${t.kind} ${t.namespace ? t.namespace + '/' : ''}${t.name} not written: ${(err as Error).message}`);
        this.#retryLater();
        return;
      }
    }
  }

  /** The cache may not show our last write yet; then the object that write returned is the fresher one. */
  #freshest(key: string, cached: KubeObject): KubeObject {
    const w = this.#written.get(key);
    if (w && w.uid === cached.metadata.uid && w.before === cached.metadata.resourceVersion) return w.object;
    return cached;
  }

  #retryLater(): void {
    if (this.#retryTimer || this.#closed) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#kick();
    }, this.#options.retryAfterMs ?? 5000);
    this.#retryTimer.unref();
  }
}

/** Decides, for one set of statuses, which objects Sluice writes status to and how. */
class Planner {
  readonly #objects: ObjectLookup;
  readonly #controller: string;
  readonly #statuses: readonly ResourceStatus[];
  readonly #byKey = new Map<string, ResourceStatus>();
  /** `namespace/name` of the Gateways whose class Sluice claims. */
  readonly #gateways = new Set<string>();
  readonly #classes = new Set<string>();
  readonly #poolParents = new Map<string, Map<string, boolean>>();

  constructor(objects: ObjectLookup, controller: string, statuses: readonly ResourceStatus[]) {
    this.#objects = objects;
    this.#controller = controller;
    this.#statuses = statuses;
    for (const s of statuses) this.#byKey.set(`${s.kind}/${s.namespace}/${s.name}`, s);
    for (const { object } of objects.list('GatewayClass')) {
      if (asObject(object['spec'])['controllerName'] === controller) this.#classes.add(object.metadata.name);
    }
    for (const { object } of objects.list('Gateway')) {
      if (this.#classes.has(String(asObject(object['spec'])['gatewayClassName']))) this.#gateways.add(`${object.metadata.namespace ?? 'default'}/${object.metadata.name}`);
    }
  }

  targets(): Target[] {
    const out: Target[] = [];
    for (const rs of this.#statuses) {
      const t = this.#target(rs);
      if (t) out.push(t);
    }
    return out;
  }

  #target(rs: ResourceStatus): Target | undefined {
    const base = { kind: rs.kind, namespace: rs.namespace, name: rs.name };
    switch (rs.kind) {
      case 'GatewayClass':
        if (!this.#classes.has(rs.name)) return undefined;
        return { ...base, group: GATEWAY_GROUP, build: (o, now) => conditionsStatus(o['status'], rs.conditions, generationOf(o), now) };
      case 'Gateway':
        if (!this.#gateways.has(`${rs.namespace}/${rs.name}`)) return undefined;
        return { ...base, group: GATEWAY_GROUP, build: (o, now) => gatewayStatus(o['status'], rs, generationOf(o), now) };
      case 'HTTPRoute':
      case 'GRPCRoute':
      case 'TLSRoute':
        return { ...base, group: GATEWAY_GROUP, build: (o, now) => this.#routeStatus(o, rs, now) };
      case 'AIGatewayRoute':
        if (!this.#aiRouteIsOurs(this.#objects.find('AIGatewayRoute', rs.namespace, rs.name)?.object)) return undefined;
        return { ...base, group: AIGW_GROUP, build: (o, now) => conditionsStatus(o['status'], rs.conditions, generationOf(o), now) };
      case 'InferencePool':
        return { ...base, build: (o, now) => this.#poolStatus(o, rs, now) };
      case 'InferenceObjective':
      case 'InferenceModel': {
        const o = this.#objects.find(rs.kind, rs.namespace, rs.name)?.object;
        const poolRef = asObject(asObject(o?.['spec'])['poolRef']);
        const group = typeof poolRef['group'] === 'string' ? poolRef['group'] : undefined;
        if (!o || typeof poolRef['name'] !== 'string' || !this.#poolIsOurs(rs.namespace, poolRef['name'], group)) return undefined;
        return { ...base, group: GIE_X_GROUP, build: (obj, now) => conditionsStatus(obj['status'], rs.conditions, generationOf(obj), now) };
      }
      case 'AIServiceBackend':
        if (!this.#backendIsOurs(rs.namespace, rs.name)) return undefined;
        return { ...base, group: AIGW_GROUP, build: (o, now) => conditionsStatus(o['status'], rs.conditions, generationOf(o), now) };
      case 'BackendSecurityPolicy':
        if (!this.#policyIsOurs(rs.namespace, rs.name)) return undefined;
        return { ...base, group: AIGW_GROUP, build: (o, now) => conditionsStatus(o['status'], rs.conditions, generationOf(o), now) };
      default:
        return undefined;
    }
  }

  #isOurParent(ref: unknown, routeNamespace: string): boolean {
    const r = asObject(ref);
    if ((r['group'] ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (r['kind'] ?? 'Gateway') !== 'Gateway') return false;
    return this.#gateways.has(`${typeof r['namespace'] === 'string' ? r['namespace'] : routeNamespace}/${String(r['name'])}`);
  }

  #routeStatus(o: KubeObject, rs: ResourceStatus, now: string): Json | undefined {
    const ns = o.metadata.namespace ?? 'default';
    const refs = asArray(asObject(o['spec'])['parentRefs']);
    const ours: { parentRef: ParentRef; conditions: readonly Condition[] }[] = [];
    refs.forEach((ref, i) => {
      if (!this.#isOurParent(ref, ns)) return;
      // compile() reports one entry per parentRef, in spec order, named namespace/name.
      const sub = rs.sub?.[i];
      if (!sub || sub.name !== `${typeof ref['namespace'] === 'string' ? ref['namespace'] : ns}/${String(ref['name'])}`) return;
      ours.push({ parentRef: ref as unknown as ParentRef, conditions: sub.conditions });
    });
    const hadOurs = asArray(asObject(o['status'])['parents']).some((p) => p['controllerName'] === this.#controller);
    if (ours.length === 0 && !hadOurs) return undefined;
    return routeParentsStatus(o['status'], ours, ns, this.#controller, generationOf(o), now);
  }

  #aiRouteIsOurs(o: KubeObject | undefined): boolean {
    if (!o) return false;
    const spec = asObject(o['spec']);
    const ns = o.metadata.namespace ?? 'default';
    return [...asArray(spec['parentRefs']), ...asArray(spec['targetRefs'])].some((r) => this.#isOurParent(r, ns));
  }

  /**
   * Gateways of Sluice that route to a pool → whether a route referencing the pool is accepted there.
   * Routes are HTTPRoutes, GRPCRoutes and AIGatewayRoutes with an InferencePool backendRef.
   */
  #parentsOfPool(group: string, namespace: string, name: string): Map<string, boolean> {
    const key = `${group}|${namespace}/${name}`;
    const known = this.#poolParents.get(key);
    if (known) return known;
    const parents = new Map<string, boolean>();
    for (const kind of ['HTTPRoute', 'GRPCRoute', 'AIGatewayRoute']) {
      for (const { object: route } of this.#objects.list(kind)) {
        const rns = route.metadata.namespace ?? 'default';
        const spec = asObject(route['spec']);
        const refsPool = asArray(spec['rules']).some((rule) =>
          asArray(rule['backendRefs']).some((b) => b['kind'] === 'InferencePool' && (b['group'] ?? '') === group && (b['namespace'] ?? rns) === namespace && b['name'] === name),
        );
        if (!refsPool) continue;
        const rs = this.#byKey.get(`${kind}/${rns}/${route.metadata.name}`);
        const parentRefs = [...asArray(spec['parentRefs']), ...(kind === 'AIGatewayRoute' ? asArray(spec['targetRefs']) : [])];
        parentRefs.forEach((ref, i) => {
          if (!this.#isOurParent(ref, rns)) return;
          const gw = `${typeof ref['namespace'] === 'string' ? ref['namespace'] : rns}/${String(ref['name'])}`;
          const sub = rs?.sub?.[i];
          const accepted = sub?.name === gw && sub.conditions.some((c) => c.type === 'Accepted' && c.status === 'True');
          parents.set(gw, (parents.get(gw) ?? false) || accepted);
        });
      }
    }
    this.#poolParents.set(key, parents);
    return parents;
  }

  #poolIsOurs(namespace: string, name: string, group: string | undefined): boolean {
    const groups = group !== undefined ? [group] : [GIE_GROUP, GIE_X_GROUP];
    return groups.some((g) => this.#parentsOfPool(g, namespace, name).size > 0);
  }

  #poolStatus(o: KubeObject, rs: ResourceStatus, now: string): Json | undefined {
    const cached = this.#objects.find('InferencePool', rs.namespace, rs.name);
    const group = cached?.resource.group ?? GIE_GROUP;
    const legacy = group === GIE_X_GROUP;
    const parents = this.#parentsOfPool(group, rs.namespace, rs.name);
    const field = legacy ? 'parent' : 'parents';
    const isOurs = (e: Json) => {
      if (e['controllerName'] !== undefined) return e['controllerName'] === this.#controller;
      const ref = asObject(e['parentRef']);
      return (ref['kind'] ?? 'Gateway') === 'Gateway' && this.#gateways.has(`${typeof ref['namespace'] === 'string' ? ref['namespace'] : rs.namespace}/${String(ref['name'])}`);
    };
    const hadOurs = asArray(asObject(o['status'])[field]).some(isOurs);
    if (parents.size === 0 && !hadOurs) return undefined;
    const accepted = rs.conditions.find((c) => c.type === 'Accepted');
    const resolved = rs.conditions.find((c) => c.type === 'ResolvedRefs') ?? { type: 'ResolvedRefs', status: 'True' as const, reason: 'ResolvedRefs', message: '' };
    const list: PoolParent[] = [...parents].sort(([a], [b]) => (a < b ? -1 : 1)).map(([gw, ok]) => {
      const [namespace, name] = splitKey(gw);
      const acceptedHere: Condition = ok
        ? (accepted ?? { type: 'Accepted', status: 'True', reason: 'Accepted', message: '' })
        : { type: 'Accepted', status: 'False', reason: 'HTTPRouteNotAccepted', message: `no route that references the pool is accepted by Gateway ${gw}` };
      return { namespace, name, conditions: [acceptedHere, resolved] };
    });
    return poolParentsStatus(o['status'], list, isOurs, this.#controller, legacy, generationOf(o), now);
  }

  /** An AIServiceBackend referenced by an AIGatewayRoute of a Gateway of Sluice. */
  #backendIsOurs(namespace: string, name: string): boolean {
    for (const { object: route } of this.#objects.list('AIGatewayRoute')) {
      if (!this.#aiRouteIsOurs(route)) continue;
      const rns = route.metadata.namespace ?? 'default';
      const refs = asArray(asObject(route['spec'])['rules']).flatMap((r) => asArray(r['backendRefs']));
      if (refs.some((b) => (b['kind'] ?? 'AIServiceBackend') === 'AIServiceBackend' && (b['group'] ?? AIGW_GROUP) === AIGW_GROUP && (b['namespace'] ?? rns) === namespace && b['name'] === name)) return true;
    }
    return false;
  }

  /** A BackendSecurityPolicy that targets (or, v1alpha1, is referenced by) a backend or pool of Sluice. */
  #policyIsOurs(namespace: string, name: string): boolean {
    const policy = this.#objects.find('BackendSecurityPolicy', namespace, name)?.object;
    for (const t of asArray(asObject(policy?.['spec'])['targetRefs'])) {
      if (t['kind'] === 'AIServiceBackend' && typeof t['name'] === 'string' && this.#backendIsOurs(namespace, t['name'])) return true;
      if (t['kind'] === 'InferencePool' && typeof t['name'] === 'string' && this.#poolIsOurs(namespace, t['name'], typeof t['group'] === 'string' ? t['group'] : undefined)) return true;
    }
    for (const { object: b } of this.#objects.list('AIServiceBackend')) {
      if ((b.metadata.namespace ?? 'default') !== namespace) continue;
      const ref = asObject(asObject(b['spec'])['backendSecurityPolicyRef']);
      if (ref['name'] === name && this.#backendIsOurs(namespace, b.metadata.name)) return true;
    }
    return false;
  }
}

function generationOf(o: KubeObject): number | undefined {
  return typeof o.metadata.generation === 'number' ? o.metadata.generation : undefined;
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}
