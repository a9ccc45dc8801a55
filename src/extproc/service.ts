// `sluice epp`: Sluice's endpoint picker for one InferencePool, served to an Envoy-based gateway
// (Envoy Gateway, Istio, kgateway) as the upstream EPP image is. The pool, its endpoints and its
// picker come from the same machinery as `sluice run`: a ResourceSource (files, or the Kubernetes API)
// → ReloadLoop → compile() → the snapshot's PoolRuntime for `namespace/name`. The MetricsScraper keeps
// the pool's endpoint metrics fresh; the ext_proc and health servers (server.ts) and the metrics
// endpoint (metrics.ts) read the pool being served.
//
// Standalone (files): the pods of the pool's selector are realized by the cluster emulator the
// composition root passes in (simulator Deployments run in-process on loopback, so the picker hands
// out 127.0.0.1:<port> addresses); other Deployments are not started. In Kubernetes the source reports
// running pods at podIP:targetPort.
import { hasErrors } from '../config/problems.ts';
import type { Problem } from '../config/problems.ts';
import type { Resource } from '../config/validate.ts';
import { ReloadLoop } from '../controlplane/reload.ts';
import type { ReloadLoopOptions, ReloadResult } from '../controlplane/reload.ts';
import type { ResourceSet, ResourceSource } from '../controlplane/source.ts';
import { EndpointRegistry } from '../endpoints/registry.ts';
import { MetricsScraper } from '../endpoints/scraper.ts';
import type { PoolRuntime, RuntimeSnapshot } from '../runtime/snapshot.ts';
import { EppMetrics, serveMetrics } from './metrics.ts';
import { ExtProcServer } from './server.ts';
import type { GrpcTls } from './server.ts';
import type { FlowGate } from './session.ts';

/** Runs planned pods in-process (the standalone cluster emulator). */
export type PodRealizer = NonNullable<ReloadLoopOptions['emulator']>;
type Pod = ResourceSet['pods'][number];

export interface EndpointPickerOptions {
  readonly poolNamespace: string;
  readonly poolName: string;
  readonly source: ResourceSource;
  /** Standalone: realizes the pool's planned pods. Absent when pods are observed (Kubernetes). */
  readonly emulator?: PodRealizer | undefined;
  /** What the pool's picker learned (prefix index), kept across reloads. */
  readonly pickerStates: ReloadLoopOptions['pickerStates'];
  /** The pools' flow-control queues (admission/flow-queues.ts behind the FlowGate view). */
  readonly flows?: FlowGate | undefined;
  /** Adjusts the compiled pool before it is served (e.g. `--config-file` replaces its picker). */
  readonly adaptPool?: ((pool: PoolRuntime) => PoolRuntime) | undefined;
  readonly host?: string | undefined;
  readonly grpcPort?: number | undefined;
  readonly healthPort?: number | undefined;
  /** Metrics port; false: no metrics server. */
  readonly metricsPort?: number | false | undefined;
  readonly tls?: GrpcTls | undefined;
  /** Endpoint metrics scrape interval (default 50 ms); false: no scraping (tests set metrics themselves). */
  readonly scrapeIntervalMs?: number | false | undefined;
  /** Reload when the source changes (default true). */
  readonly watch?: boolean | undefined;
  readonly disableSubsetFilter?: boolean | undefined;
  readonly maxBodyBytes?: number | undefined;
  readonly random?: (() => number) | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

export class EppConfigError extends Error {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    super('the configuration was refused');
    this.name = 'EppConfigError';
    this.problems = problems;
  }
}

/** The selector of an InferencePool resource (v1 `matchLabels`, or the v1alpha2 plain map). */
function poolSelector(pool: Resource | undefined): Record<string, string> | undefined {
  const selector = (pool?.object as { spec?: { selector?: unknown } } | undefined)?.spec?.selector;
  if (!selector || typeof selector !== 'object') return undefined;
  const s = selector as { matchLabels?: unknown };
  return (typeof s.matchLabels === 'object' && s.matchLabels !== null ? s.matchLabels : selector) as Record<string, string>;
}

function selects(selector: Record<string, string> | undefined, pod: Pod, namespace: string): boolean {
  if (!selector || pod.namespace !== namespace) return false;
  const keys = Object.keys(selector);
  return keys.length > 0 && keys.every((k) => pod.labels[k] === selector[k]);
}

/**
 * A source that realizes only the pool's own pods: the rest of the planned pods are handed to compile
 * unrealized (an epp Deployment must still be seen, so that the endpointPickerRef finds its config).
 */
class PoolPodsSource implements ResourceSource {
  readonly kind: string;
  readonly #inner: ResourceSource;
  readonly #emulator: PodRealizer;
  readonly #namespace: string;
  readonly #name: string;

  constructor(inner: ResourceSource, emulator: PodRealizer, namespace: string, name: string) {
    this.kind = inner.kind;
    this.#inner = inner;
    this.#emulator = emulator;
    this.#namespace = namespace;
    this.#name = name;
  }

  async load(): Promise<ResourceSet> {
    const set = await this.#inner.load();
    if (!set.podsArePlanned || hasErrors(set.problems)) return set;
    const pool = set.resources.find((r) => r.kind === 'InferencePool' && r.namespace === this.#namespace && r.name === this.#name);
    const selector = poolSelector(pool);
    const mine = set.pods.filter((p) => selects(selector, p, this.#namespace));
    const others = set.pods.filter((p) => !mine.includes(p));
    const realized = await this.#emulator.realize(mine as Parameters<PodRealizer['realize']>[0]);
    return { ...set, pods: [...realized.pods, ...others], podsArePlanned: false, problems: [...set.problems, ...realized.problems] };
  }

  watch(onChange: () => void): () => void {
    return this.#inner.watch(onChange);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

export class EndpointPickerService {
  readonly options: EndpointPickerOptions;
  readonly key: string;
  readonly #log: (line: string) => void;
  readonly #endpoints = new EndpointRegistry();
  readonly #scraper: MetricsScraper | undefined;
  readonly #source: ResourceSource;
  readonly #loop: ReloadLoop;
  readonly metrics: EppMetrics;
  #server: ExtProcServer | undefined;
  #metricsServer: { port: number; close(): Promise<void> } | undefined;
  #snapshot: RuntimeSnapshot | undefined;
  #pool: PoolRuntime | undefined;
  #stopWatching: (() => void) | undefined;
  #closed = false;

  private constructor(options: EndpointPickerOptions) {
    this.options = options;
    this.key = `${options.poolNamespace}/${options.poolName}`;
    this.#log = options.log ?? ((line) => process.stderr.write(line + '\n'));
    this.metrics = new EppMetrics(() => this.#pool, () => this.queuedRequests);
    const interval = options.scrapeIntervalMs ?? 50;
    this.#scraper = interval === false ? undefined : new MetricsScraper({ intervalMs: interval });
    this.#source = options.emulator ? new PoolPodsSource(options.source, options.emulator, options.poolNamespace, options.poolName) : options.source;
    this.#loop = new ReloadLoop({
      source: this.#source,
      endpoints: this.#endpoints,
      pickerStates: options.pickerStates,
      // Problems of resources other than the pool must not stop the picker: Gateway API semantics.
      invalidReferences: 'serve',
      apply: async (snapshot) => this.#apply(snapshot),
      retire: async (snapshot, keepPods) => {
        if (this.#closed) return;
        this.#endpoints.retain(snapshot.endpointKeys);
        await options.emulator?.retain(keepPods);
      },
      log: (l) => this.#log(l),
    });
  }

  /**
   * Starts the servers (health NOT_SERVING), loads the configuration and serves the pool. Throws
   * EppConfigError when the first configuration is refused (files with errors).
   */
  static async start(options: EndpointPickerOptions): Promise<EndpointPickerService> {
    const s = new EndpointPickerService(options);
    try {
      const host = options.host ?? '127.0.0.1';
      s.#server = await ExtProcServer.start({
        host,
        grpcPort: options.grpcPort ?? 9002,
        healthPort: options.healthPort ?? 9003,
        tls: options.tls,
        pool: () => s.#pool,
        poolKey: s.key,
        flows: options.flows,
        disableSubsetFilter: options.disableSubsetFilter,
        observer: s.metrics,
        maxBodyBytes: options.maxBodyBytes,
        random: options.random,
        log: s.#log,
      });
      if (options.metricsPort !== false) s.#metricsServer = await serveMetrics(s.metrics, host, options.metricsPort ?? 9090);
      const first = await s.reload();
      if (!first.applied) throw new EppConfigError(first.problems);
      if (options.watch ?? true) s.#stopWatching = s.#source.watch(() => void s.reload());
      return s;
    } catch (err) {
      await s.close();
      throw err;
    }
  }

  /** The pool being served (undefined while the configuration does not have it). */
  get pool(): PoolRuntime | undefined {
    return this.#pool;
  }

  get snapshot(): RuntimeSnapshot | undefined {
    return this.#snapshot;
  }

  get ready(): boolean {
    return this.#server?.health.ready ?? false;
  }

  get grpcPort(): number {
    return this.#server?.grpcPort ?? 0;
  }

  get healthPort(): number {
    return this.#server?.healthPort ?? 0;
  }

  get metricsPort(): number | undefined {
    return this.#metricsServer?.port;
  }

  /** Requests waiting in the pool's flow-control queue. */
  get queuedRequests(): number {
    const pool = this.#pool;
    return (pool && this.options.flows?.for(pool)?.size) ?? 0;
  }

  get problems(): readonly Problem[] {
    return this.#loop.problems;
  }

  /** Scrapes every endpoint of the pool once (start-up, tests). */
  async scrapeNow(): Promise<void> {
    await this.#scraper?.scrapeNow();
  }

  reload(): Promise<ReloadResult> {
    return this.#loop.reload();
  }

  #apply(snapshot: RuntimeSnapshot): Promise<void> {
    const compiled = snapshot.pools.get(this.key);
    const pool = compiled && this.options.adaptPool ? this.options.adaptPool(compiled) : compiled;
    const had = this.#pool !== undefined;
    this.#snapshot = snapshot;
    this.#pool = pool;
    this.options.pickerStates.retain(pool ? [this.key] : []);
    this.#scraper?.setTargets(pool?.endpoints ?? []);
    this.#server?.health.setReady(pool !== undefined);
    if (!pool) {
      const names = [...snapshot.pools.keys()];
      this.#log(`InferencePool ${this.key} is not in the configuration${names.length > 0 ? ` (pools: ${names.join(', ')})` : ''}; health reports NOT_SERVING and requests get 503`);
    } else if (!had) {
      this.#log(`serving InferencePool ${this.key}: ${pool.endpoints.length} endpoint(s) ${pool.endpoints.map((e) => e.key).join(', ')}; picker from ${pool.pickerConfigSource}; failureMode ${pool.failureMode}`);
    }
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#loop.close();
    this.#stopWatching?.();
    await this.#server?.close();
    await this.#metricsServer?.close();
    await this.#scraper?.close();
    await this.#source.close();
    await this.options.emulator?.close();
  }
}
