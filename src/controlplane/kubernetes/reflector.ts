// One list-watch loop (a "reflector"): keeps the objects of one kind (in one namespace, or all) in step
// with the API server and reports every change.
//
//   list (paged) ──► watch from the list's resourceVersion ──► events ──► watch again from the last
//    ▲                  │ 410 Gone (HTTP or ERROR event): the resourceVersion is too old → list again
//    │                  │ connection error / dropped: reconnect from the last resourceVersion, with backoff
//    └── 404 on every version (CRD not installed) or 403: report it, look again after `absentRecheckMs`
//
// Why not @kubernetes/client-node's ListWatch/makeInformer: on any error it stops and only reports it
// (no backoff, no retry), reconnects a closed watch at once however often the server closes it, has no
// notion of a kind that is not installed, no "first list done" signal, and asks for neither bookmarks nor
// a server-side watch timeout. This loop keeps the library's KubeConfig for connection and auth (see
// client.ts) and adds those.
import { isApiError } from './client.ts';
import type { KubeClient, KubeList, KubeObject, WatchEvent } from './client.ts';
import { apiVersionOf, collectionPath } from './kinds.ts';
import type { ResourceRef, WatchedKind } from './kinds.ts';

export type ReflectorState =
  /** Not listed yet. */
  | 'pending'
  /** Listed; the watch is running (or reconnecting). */
  | 'synced'
  /** None of the kind's versions is served (CRD not installed). */
  | 'absent'
  /** The service account may not list the kind (RBAC). */
  | 'forbidden'
  /** Listing fails for another reason (server unreachable, 5xx...); retried with backoff. */
  | 'failing';

export interface ReflectorHandlers {
  /** The full set after a list (initial or after 410): replaces whatever was known. */
  replace(items: KubeObject[], resource: ResourceRef): void;
  upsert(object: KubeObject, resource: ResourceRef): void;
  remove(object: KubeObject, resource: ResourceRef): void;
  state(state: ReflectorState, detail: string): void;
}

export interface BackoffOptions {
  /** First delay after a failure (default 500 ms). */
  readonly initialMs?: number;
  /** Cap (default 30 s). */
  readonly maxMs?: number;
}

export interface ReflectorOptions {
  readonly backoff?: BackoffOptions | undefined;
  /** How often a kind found absent or forbidden is looked for again (default 60 s). */
  readonly absentRecheckMs?: number | undefined;
  /** Server-side watch timeout; each watch gets a random value between this and twice it (default 300 s). */
  readonly watchTimeoutSeconds?: number | undefined;
  /** List page size (default 500). */
  readonly pageSize?: number | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

/** Exponential backoff with ±20% jitter. */
export class Backoff {
  readonly #initial: number;
  readonly #max: number;
  #next: number;
  constructor(options: BackoffOptions = {}) {
    this.#initial = options.initialMs ?? 500;
    this.#max = options.maxMs ?? 30_000;
    this.#next = this.#initial;
  }
  next(): number {
    const d = this.#next;
    this.#next = Math.min(this.#max, this.#next * 2);
    return Math.round(d * (0.8 + Math.random() * 0.4));
  }
  reset(): void {
    this.#next = this.#initial;
  }
}

class Expired extends Error {}

export class Reflector {
  readonly kind: WatchedKind;
  /** `undefined` = all namespaces (and cluster-scoped kinds). */
  readonly namespace: string | undefined;
  readonly #client: KubeClient;
  readonly #handlers: ReflectorHandlers;
  readonly #options: ReflectorOptions;
  readonly #backoff: Backoff;
  readonly #abort = new AbortController();
  #state: ReflectorState = 'pending';
  #resource: ResourceRef | undefined;
  #running: Promise<void> | undefined;
  /** Wakes a sleeping loop early (stop). */
  #wake: (() => void) | undefined;

  constructor(client: KubeClient, kind: WatchedKind, namespace: string | undefined, handlers: ReflectorHandlers, options: ReflectorOptions = {}) {
    this.#client = client;
    this.kind = kind;
    this.namespace = kind.namespaced ? namespace : undefined;
    this.#handlers = handlers;
    this.#options = options;
    this.#backoff = new Backoff(options.backoff);
  }

  get state(): ReflectorState {
    return this.#state;
  }

  /** The version being watched, once a list succeeded. */
  get resource(): ResourceRef | undefined {
    return this.#resource;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    this.#wake?.();
    await this.#running;
  }

  get #stopped(): boolean {
    return this.#abort.signal.aborted;
  }

  #setState(state: ReflectorState, detail: string): void {
    const changed = state !== this.#state;
    this.#state = state;
    if (changed || state === 'failing') this.#handlers.state(state, detail);
  }

  async #run(): Promise<void> {
    let rv = '';
    while (!this.#stopped) {
      try {
        if (rv === '') {
          rv = await this.#list();
          this.#backoff.reset();
        }
        const started = Date.now();
        const outcome = await this.#watch(rv);
        rv = outcome.rv;
        if (outcome.events > 0) this.#backoff.reset();
        // A watch the server ends at once with nothing in it, again and again, must not spin.
        else if (Date.now() - started < 1000 && !this.#stopped) await this.#sleep(this.#backoff.next());
      } catch (err) {
        if (this.#stopped) break;
        if (err instanceof Expired || isApiError(err, 410)) {
          rv = '';
          continue;
        }
        if (isApiError(err, 404) && rv === '') {
          this.#gone();
          this.#setState('absent', `none of ${this.kind.versions.map((v) => apiVersionOf(this.kind.group, v)).join(', ')} serves ${this.kind.plural} (CRD not installed)`);
          await this.#sleep(this.#options.absentRecheckMs ?? 60_000);
          continue;
        }
        if (isApiError(err, 403)) {
          this.#setState('forbidden', (err as Error).message);
          rv = '';
          await this.#sleep(this.#options.absentRecheckMs ?? 60_000);
          continue;
        }
        if (isApiError(err, 404)) {
          // The type went away while watched (CRD deleted): list again, which finds it absent.
          rv = '';
          continue;
        }
        const delay = this.#backoff.next();
        if (this.#state !== 'synced') this.#setState('failing', (err as Error).message);
        else this.#options.log?.(`kubernetes: watch ${this.#label()} failed (${(err as Error).message}); reconnecting in ${delay} ms`);
        await this.#sleep(delay);
      }
    }
  }

  /** Lists every page under the first served version; returns the list's resourceVersion. */
  async #list(): Promise<string> {
    let lastNotFound: unknown;
    const versions = this.#resource ? [this.#resource.version, ...this.kind.versions.filter((v) => v !== this.#resource!.version)] : this.kind.versions;
    for (const version of versions) {
      const resource: ResourceRef = { group: this.kind.group, version, kind: this.kind.kind, plural: this.kind.plural, namespaced: this.kind.namespaced };
      try {
        const { items, rv } = await this.#listPages(resource);
        this.#resource = resource;
        this.#handlers.replace(items, resource);
        this.#setState('synced', `listed ${items.length} under ${apiVersionOf(resource.group, version)}`);
        return rv;
      } catch (err) {
        if (!isApiError(err, 404)) throw err;
        lastNotFound = err;
      }
    }
    throw lastNotFound;
  }

  async #listPages(resource: ResourceRef): Promise<{ items: KubeObject[]; rv: string }> {
    const path = collectionPath(resource, this.namespace);
    const items: KubeObject[] = [];
    let token: string | undefined;
    let rv = '';
    for (let restarts = 0; ; ) {
      let list: KubeList;
      try {
        list = await this.#client.request<KubeList>('GET', path, { query: { limit: this.#options.pageSize ?? 500, continue: token }, signal: this.#abort.signal });
      } catch (err) {
        // An expired continue token: start the list over (a few times at most).
        if (token !== undefined && isApiError(err, 410) && restarts++ < 3) {
          items.length = 0;
          token = undefined;
          continue;
        }
        throw err;
      }
      for (const item of list.items ?? []) items.push(this.#typed(item, resource));
      rv = list.metadata?.resourceVersion ?? rv;
      token = list.metadata?.continue || undefined;
      if (token === undefined) return { items, rv };
    }
  }

  async #watch(rv: string): Promise<{ rv: string; events: number }> {
    const resource = this.#resource!;
    const base = this.#options.watchTimeoutSeconds ?? 300;
    const timeoutSeconds = Math.round(base + Math.random() * base);
    let latest = rv;
    let events = 0;
    let failure: Error | undefined;
    const ac = new AbortController();
    const signal = AbortSignal.any([this.#abort.signal, ac.signal]);
    const onEvent = (e: WatchEvent) => {
      if (failure) return;
      const o = e.object;
      if (e.type === 'ERROR') {
        const code = o?.code;
        failure = code === 410 ? new Expired(o?.message ?? 'resourceVersion too old') : new Error(`watch ${this.#label()}: ${o?.message ?? 'ERROR event'} (code ${code ?? '?'})`);
        ac.abort();
        return;
      }
      const next = o?.metadata?.resourceVersion;
      if (e.type === 'BOOKMARK') {
        if (next) latest = next;
        return;
      }
      if (!o?.metadata?.name) return;
      const typed = this.#typed(o, resource);
      if (e.type === 'ADDED' || e.type === 'MODIFIED') this.#handlers.upsert(typed, resource);
      else if (e.type === 'DELETED') this.#handlers.remove(typed, resource);
      else return;
      events++;
      if (next) latest = next;
    };
    try {
      await this.#client.watch(
        collectionPath(resource, this.namespace),
        { resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds },
        onEvent,
        signal,
        (timeoutSeconds + 60) * 1000,
      );
    } catch (err) {
      if (!failure) throw err;
    }
    if (failure) throw failure;
    return { rv: latest, events };
  }

  /** Lists leave apiVersion and kind off the items of built-in kinds; Sluice's validation needs them. */
  #typed(o: KubeObject, resource: ResourceRef): KubeObject {
    o.apiVersion = apiVersionOf(resource.group, resource.version);
    o.kind = resource.kind;
    return o;
  }

  /** The kind is no longer served: forget what was known. */
  #gone(): void {
    if (this.#resource) this.#handlers.replace([], this.#resource);
  }

  #label(): string {
    return `${this.kind.kind}${this.kind.group ? '.' + this.kind.group : ''}${this.namespace !== undefined ? ` in ${this.namespace}` : ''}`;
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}
