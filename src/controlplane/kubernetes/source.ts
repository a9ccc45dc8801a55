// ResourceSource over the Kubernetes API server: one list-watch loop per kind Sluice reads (per
// namespace when scoped), an in-memory cache of the objects, and `load()` turning the cache into the
// same validated ResourceSet files give (validateDocuments, one SourceDocument per object), plus the
// cluster's pods as running, directly reachable pods.
import type { Problem, SourceLocation } from '../../config/problems.ts';
import type { SourceDocument } from '../../config/load.ts';
import { validateDocuments } from '../../config/validate.ts';
import type { ResourceSet, ResourceSource } from '../source.ts';
import { onlyClaimed } from './claim.ts';
import { KubeClient } from './client.ts';
import type { KubeClientOptions, KubeObject } from './client.ts';
import { WATCHED_KINDS, objectPath } from './kinds.ts';
import type { ResourceRef, WatchedKind } from './kinds.ts';
import { clusterPod, podFingerprint } from './pods.ts';
import type { ClusterPod } from './pods.ts';
import { Reflector } from './reflector.ts';
import type { BackoffOptions, ReflectorState } from './reflector.ts';

export interface KubernetesSourceOptions {
  /** A client shared with the status sink and leader election (else one is made from `connection`). */
  readonly client?: KubeClient | undefined;
  /** How to reach the API server when no `client` is given (kubeconfig path, context, in-cluster). */
  readonly connection?: KubeClientOptions | undefined;
  /** Namespaces to watch; undefined or empty = all. Cluster-scoped kinds are always watched cluster-wide. */
  readonly namespaces?: readonly string[] | undefined;
  /**
   * Serve only what this controller claims (see claim.ts): GatewayClasses with this controllerName,
   * their Gateways and the routes attached to them. Undefined = every Gateway, as files are served.
   */
  readonly controllerName?: string | undefined;
  /** Kinds to watch (default WATCHED_KINDS). */
  readonly kinds?: readonly WatchedKind[] | undefined;
  /** Quiet time after a change before `onChange` is called (default 100 ms)... */
  readonly debounceMs?: number | undefined;
  /** ...but never later than this after the first unreported change (default 1000 ms). */
  readonly maxDebounceMs?: number | undefined;
  /**
   * How long `load()` waits for every kind's first list (default 60 s). After that it answers with what
   * it has and an error naming the kinds not listed yet, and calls `onChange` once they are.
   */
  readonly syncTimeoutMs?: number | undefined;
  readonly backoff?: BackoffOptions | undefined;
  /** How often a kind whose CRD is missing (or that RBAC forbids) is looked for again (default 60 s). */
  readonly absentRecheckMs?: number | undefined;
  /** Server-side watch timeout, randomized up to twice this (default 300 s). */
  readonly watchTimeoutSeconds?: number | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

/** A cached object with the resource (version) it was read under. */
export interface CachedObject {
  readonly object: KubeObject;
  readonly resource: ResourceRef;
}

/** Read access to the objects last seen, for the status sink. */
export interface ObjectLookup {
  /** The object of a kind (in the first group of WATCHED_KINDS order that has it, unless `group` is given). */
  find(kind: string, namespace: string, name: string, group?: string): CachedObject | undefined;
  /** Every cached object of a kind (any group unless `group` is given). */
  list(kind: string, group?: string): CachedObject[];
}

interface Slot {
  readonly reflector: Reflector;
  /** `namespace/name` → object and what of it matters. */
  readonly objects: Map<string, { object: KubeObject; fingerprint: string }>;
  resource: ResourceRef | undefined;
  settled: boolean;
}

export class KubernetesSource implements ResourceSource, ObjectLookup {
  readonly kind = 'kubernetes';
  readonly client: KubeClient;
  readonly #options: KubernetesSourceOptions;
  readonly #slots: Slot[] = [];
  readonly #listeners = new Set<() => void>();
  readonly #log: (line: string) => void;
  /** Bumped on every change that matters; `load()` records the value it saw. */
  #changes = 0;
  #loadedAt = -1;
  #timer: NodeJS.Timeout | undefined;
  #firstPending = 0;
  #settledWaiters: (() => void)[] = [];
  #closed = false;

  constructor(options: KubernetesSourceOptions = {}) {
    this.#options = options;
    this.client = options.client ?? KubeClient.create(options.connection);
    this.#log = options.log ?? (() => undefined);
    const namespaces = options.namespaces && options.namespaces.length > 0 ? [...new Set(options.namespaces)] : [undefined];
    for (const kind of options.kinds ?? WATCHED_KINDS) {
      for (const ns of kind.namespaced ? namespaces : [undefined]) {
        const objects = new Map<string, { object: KubeObject; fingerprint: string }>();
        const slot: Slot = { reflector: undefined as unknown as Reflector, objects, resource: undefined, settled: false };
        const reflector = new Reflector(
          this.client,
          kind,
          ns,
          {
            replace: (items, resource) => this.#replace(slot, items, resource),
            upsert: (o, resource) => this.#upsert(slot, o, resource),
            remove: (o) => this.#remove(slot, o),
            state: (state, detail) => this.#state(slot, state, detail),
          },
          { backoff: options.backoff, absentRecheckMs: options.absentRecheckMs, watchTimeoutSeconds: options.watchTimeoutSeconds, log: this.#log },
        );
        (slot as { reflector: Reflector }).reflector = reflector;
        this.#slots.push(slot);
      }
    }
    for (const s of this.#slots) s.reflector.start();
  }

  /** Whether every kind has been listed once (or found absent or forbidden). */
  get synced(): boolean {
    return this.#slots.every((s) => s.settled);
  }

  /** Resolves once every kind has been listed (or found absent/forbidden), or after `timeoutMs`; true when synced. */
  waitForSync(timeoutMs = this.#options.syncTimeoutMs ?? 60_000): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#settledWaiters = this.#settledWaiters.filter((w) => w !== done);
        resolve(this.synced);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#settledWaiters.push(done);
    });
  }

  async load(): Promise<ResourceSet> {
    await this.waitForSync();
    this.#loadedAt = this.#changes;
    const problems: Problem[] = [];
    const entries: { object: KubeObject; resource: ResourceRef }[] = [];
    const absent: string[] = [];
    const pending: string[] = [];
    for (const s of this.#slots) {
      const state = s.reflector.state;
      const label = `${s.reflector.kind.kind} (${s.reflector.kind.group || 'core'})${s.reflector.namespace !== undefined ? ` in ${s.reflector.namespace}` : ''}`;
      if (state === 'absent') absent.push(label);
      else if (state === 'forbidden') problems.push({ severity: 'warning', resource: label, message: `Sluice may not list ${s.reflector.kind.plural}: grant the service account get, list and watch on it (RBAC); the kind is skipped meanwhile` });
      else if (!s.settled) pending.push(label);
      if (s.resource) for (const { object } of s.objects.values()) entries.push({ object, resource: s.resource });
    }
    if (absent.length > 0) {
      problems.push({ severity: 'warning', message: `not served by the API server (CRD not installed), skipped: ${[...new Set(absent)].join(', ')}` });
    }
    if (pending.length > 0) {
      problems.push({ severity: 'error', message: `not listed from the API server yet: ${pending.join(', ')}; the configuration is incomplete` });
    }
    // Oldest first, as the route precedence rules want (creationTimestamp, then namespace/name).
    entries.sort((a, b) => {
      const ta = a.object.metadata.creationTimestamp ?? '';
      const tb = b.object.metadata.creationTimestamp ?? '';
      if (ta !== tb) return ta < tb ? -1 : 1;
      const ka = `${a.object.metadata.namespace ?? ''}/${a.object.metadata.name}/${a.resource.kind}`;
      const kb = `${b.object.metadata.namespace ?? ''}/${b.object.metadata.name}/${b.resource.kind}`;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    const validated = validateDocuments(entries.map((e) => objectDocument(e.object, e.resource)));
    const pods: ClusterPod[] = entries.filter((e) => e.resource.kind === 'Pod' && e.resource.group === '').map((e) => clusterPod(e.object));
    const set: ResourceSet = {
      resources: validated.resources,
      ignored: validated.ignored,
      problems: [...problems, ...validated.problems],
      pods,
      podsArePlanned: false,
      files: [],
    };
    return this.#options.controllerName === undefined ? set : onlyClaimed(set, this.#options.controllerName);
  }

  watch(onChange: () => void): () => void {
    this.#listeners.add(onChange);
    // A change between the last load() and this call would otherwise go unreported.
    if (this.#loadedAt >= 0 && this.#changes !== this.#loadedAt) this.#changed();
    return () => this.#listeners.delete(onChange);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#listeners.clear();
    await Promise.all(this.#slots.map((s) => s.reflector.stop()));
    for (const w of this.#settledWaiters.splice(0)) w();
  }

  // ObjectLookup

  find(kind: string, namespace: string, name: string, group?: string): CachedObject | undefined {
    for (const s of this.#slots) {
      const k = s.reflector.kind;
      if (k.kind !== kind || (group !== undefined && k.group !== group) || !s.resource) continue;
      const hit = s.objects.get(`${k.namespaced ? namespace : ''}/${name}`);
      if (hit) return { object: hit.object, resource: s.resource };
    }
    return undefined;
  }

  list(kind: string, group?: string): CachedObject[] {
    const out: CachedObject[] = [];
    for (const s of this.#slots) {
      const k = s.reflector.kind;
      if (k.kind !== kind || (group !== undefined && k.group !== group) || !s.resource) continue;
      for (const { object } of s.objects.values()) out.push({ object, resource: s.resource });
    }
    return out;
  }

  // Reflector events

  #replace(slot: Slot, items: KubeObject[], resource: ResourceRef): void {
    slot.resource = resource;
    const next = new Map<string, { object: KubeObject; fingerprint: string }>();
    let changed = items.length !== slot.objects.size;
    for (const o of items) {
      const key = `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      const fingerprint = fingerprintOf(o);
      if (slot.objects.get(key)?.fingerprint !== fingerprint) changed = true;
      next.set(key, { object: o, fingerprint });
    }
    slot.objects.clear();
    for (const [k, v] of next) slot.objects.set(k, v);
    if (changed) this.#changed();
  }

  #upsert(slot: Slot, o: KubeObject, resource: ResourceRef): void {
    slot.resource = resource;
    const key = `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const fingerprint = fingerprintOf(o);
    const before = slot.objects.get(key);
    slot.objects.set(key, { object: o, fingerprint });
    if (before?.fingerprint !== fingerprint) this.#changed();
  }

  #remove(slot: Slot, o: KubeObject): void {
    if (slot.objects.delete(`${o.metadata.namespace ?? ''}/${o.metadata.name}`)) this.#changed();
  }

  #state(slot: Slot, state: ReflectorState, detail: string): void {
    const k = slot.reflector.kind;
    const label = `${k.kind}${k.group ? '.' + k.group : ''}${slot.reflector.namespace !== undefined ? ` in ${slot.reflector.namespace}` : ''}`;
    if (state === 'absent') this.#log(`kubernetes: warning: ${label} skipped: ${detail}; looking again every ${Math.round((this.#options.absentRecheckMs ?? 60_000) / 1000)} s`);
    else if (state === 'forbidden') this.#log(`kubernetes: warning: ${label} skipped: ${detail}`);
    else if (state === 'failing') this.#log(`kubernetes: ${label}: ${detail}; retrying`);
    else if (state === 'synced' && slot.settled) this.#log(`kubernetes: ${label}: ${detail}`);
    const wasSettled = slot.settled;
    if (state === 'synced' || state === 'absent' || state === 'forbidden') slot.settled = true;
    if (!wasSettled && slot.settled && this.synced) for (const w of this.#settledWaiters.splice(0)) w();
    // A kind appearing or disappearing changes the problems load() reports.
    if (wasSettled || state !== 'synced') this.#changed();
  }

  #changed(): void {
    this.#changes++;
    if (this.#closed || this.#listeners.size === 0) return;
    const now = Date.now();
    if (this.#timer) clearTimeout(this.#timer);
    else this.#firstPending = now;
    const wait = Math.max(0, Math.min(this.#options.debounceMs ?? 100, this.#firstPending + (this.#options.maxDebounceMs ?? 1000) - now));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      for (const l of [...this.#listeners]) l();
    }, wait);
  }
}

/** What of an object matters to Sluice: all but its status and bookkeeping (pods: see podFingerprint). */
function fingerprintOf(o: KubeObject): string {
  if (o.kind === 'Pod' && (o.apiVersion === 'v1' || o.apiVersion === undefined)) return podFingerprint(o);
  const { status: _status, metadata, ...rest } = o;
  const { resourceVersion: _rv, managedFields: _mf, generation: _g, ...meta } = metadata;
  return JSON.stringify([meta, rest]);
}

/** An API object as a SourceDocument; locations name the object's API path. */
function objectDocument(object: KubeObject, resource: ResourceRef): SourceDocument {
  const file = objectPath(resource, object.metadata.namespace, object.metadata.name);
  const location: SourceLocation = { file, document: 1, line: 1 };
  return { file, document: 1, line: 1, value: object, lineOf: () => 1, locationOf: () => location };
}
