// The composition root: wires the control plane (files → snapshot, watcher), the standalone cluster,
// the data plane (listeners → handler → upstream) and the admin server. Only this file knows every
// stage; the stages know contracts.
import { ClusterEmulator } from './cluster/emulator.ts';
import type { EmulatorOptions } from './cluster/emulator.ts';
import { compile } from './compile/index.ts';
import { formatProblem, hasErrors } from './config/problems.ts';
import type { Problem } from './config/problems.ts';
import type { RuntimeSnapshot } from './runtime/snapshot.ts';
import { loadConfig } from './controlplane/pipeline.ts';
import type { LoadedConfig } from './controlplane/pipeline.ts';
import { FileWatcher } from './controlplane/watch.ts';
import { AdminServer } from './admin/server.ts';
import { EndpointRegistry } from './endpoints/registry.ts';
import { MetricsScraper } from './endpoints/scraper.ts';
import { FlowQueues } from './admission/flow-queues.ts';
import { PickerStates } from './picker/index.ts';
import { buildPipeline } from './pipeline/stages.ts';
import { DataPlane } from './server/data-plane.ts';
import { ListenerSet } from './server/listeners.ts';
import { GatewayMetrics } from './telemetry/metrics.ts';
import { UpstreamPools } from './upstream/pools.ts';

export interface GatewayOptions {
  /** `-f` paths (files, directories, `-` for stdin). */
  readonly files: readonly string[];
  /** Overrides the single HTTP listener's port. */
  readonly port?: number | undefined;
  /** Address data listeners bind to (default 127.0.0.1). */
  readonly host?: string | undefined;
  /** Admin port; `false` disables the admin server. */
  readonly adminPort?: number | false | undefined;
  readonly adminHost?: string | undefined;
  /** Watch the files and reload on change (default true, except stdin). */
  readonly watch?: boolean | undefined;
  readonly log?: ((line: string) => void) | undefined;
  readonly simulatorDefaults?: EmulatorOptions['simulatorDefaults'];
  readonly scrapeIntervalMs?: number | undefined;
  /**
   * What a reference problem found while compiling (a missing backend or parent, an invalid regex, a
   * bad certificate ref) does: `refuse` (default) refuses the whole configuration, as a standalone user
   * wants; `serve` applies it with the Gateway API semantics instead (the problem shows in status and
   * the request-level effect is the spec's: 500 for the invalid backend's share, 404 for a dropped
   * rule), as a controller does and as the conformance suite needs. Schema errors always refuse.
   */
  readonly invalidReferences?: 'refuse' | 'serve' | undefined;
  /** Add the picker's decision as an `x-sluice-pick` response header on InferencePool responses. */
  readonly debugHeaders?: boolean | undefined;
  readonly readStdin?: (() => string) | undefined;
}

export class ConfigError extends Error {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    super(`configuration refused:\n${problems.filter((p) => p.severity === 'error').map((p) => '  ' + formatProblem(p)).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface ReloadResult {
  readonly applied: boolean;
  readonly generation: number;
  readonly problems: readonly Problem[];
}

export class Gateway {
  readonly options: GatewayOptions;
  readonly metrics = new GatewayMetrics();
  readonly #log: (line: string) => void;
  readonly #pools = new UpstreamPools();
  readonly #endpoints = new EndpointRegistry();
  /** What the endpoint pickers learned (prefix indexes), kept across reloads. */
  readonly #pickerStates = new PickerStates();
  /** Flow-control queues, kept across reloads so that waiting requests survive them. */
  readonly #flows = new FlowQueues();
  readonly #emulator: ClusterEmulator;
  readonly #scraper: MetricsScraper;
  readonly #dataPlane: DataPlane;
  readonly #listeners: ListenerSet;
  #admin: AdminServer | undefined;
  #watcher: FileWatcher | undefined;
  #generation = 0;
  /** Per-object generations across reloads (observedGeneration on conditions). */
  readonly #objectGenerations = new Map<string, { readonly content: string; readonly generation: number }>();
  #config: LoadedConfig | undefined;
  #lastProblems: readonly Problem[] = [];
  #lastRejected: { at: string; problems: readonly Problem[] } | undefined;
  #reloading: Promise<ReloadResult> | undefined;
  #reloadQueued = false;
  #closed = false;

  private constructor(options: GatewayOptions) {
    this.options = options;
    this.#log = options.log ?? ((line) => process.stderr.write(line + '\n'));
    this.#emulator = new ClusterEmulator({ host: '127.0.0.1', simulatorDefaults: options.simulatorDefaults, log: (l) => this.#log(l) });
    this.#scraper = new MetricsScraper({ intervalMs: options.scrapeIntervalMs ?? 50 });
    const pipeline = buildPipeline({ pools: this.#pools, flows: this.#flows, debugHeaders: options.debugHeaders });
    this.#dataPlane = new DataPlane({ pipeline, owner: this, log: (l) => this.#log(l) });
    this.metrics.attach(this);
    this.#listeners = new ListenerSet(this.#dataPlane, options.host ?? '127.0.0.1');
    this.metrics.setPoolSource(() => this.#dataPlane.snapshot?.pools.values() ?? []);
  }

  /** Loads, starts and serves; throws ConfigError when the initial configuration is refused. */
  static async start(options: GatewayOptions): Promise<Gateway> {
    const gw = new Gateway(options);
    try {
      const first = await gw.reload();
      if (!first.applied) throw new ConfigError(first.problems);
      if (options.adminPort !== false) {
        gw.#admin = new AdminServer(gw);
        await gw.#admin.listen(options.adminPort ?? 9901, options.adminHost ?? '127.0.0.1');
      }
      const watch = options.watch ?? !options.files.includes('-');
      if (watch && gw.#config) {
        gw.#watcher = new FileWatcher(options.files.filter((f) => f !== '-'), () => void gw.reload());
      }
      return gw;
    } catch (err) {
      await gw.close();
      throw err;
    }
  }

  get snapshot(): RuntimeSnapshot | undefined {
    return this.#dataPlane.snapshot;
  }

  get ready(): boolean {
    return this.#dataPlane.snapshot !== undefined && !this.#closed;
  }

  get config(): LoadedConfig | undefined {
    return this.#config;
  }

  get problems(): readonly Problem[] {
    return this.#lastProblems;
  }

  get lastRejected(): { at: string; problems: readonly Problem[] } | undefined {
    return this.#lastRejected;
  }

  /** The actual port a configured listener port is served on. */
  listenerPort(configuredPort: number): number | undefined {
    return this.#listeners.actualPort(configuredPort);
  }

  get adminPort(): number | undefined {
    return this.#admin?.port;
  }

  /** Reloads the files; a refused configuration leaves the current one serving. Reloads never overlap. */
  reload(): Promise<ReloadResult> {
    if (this.#reloading) {
      this.#reloadQueued = true;
      return this.#reloading;
    }
    this.#reloading = this.#reload().finally(() => {
      this.#reloading = undefined;
      if (this.#reloadQueued && !this.#closed) {
        this.#reloadQueued = false;
        void this.reload();
      }
    });
    return this.#reloading;
  }

  async #reload(): Promise<ReloadResult> {
    const config = loadConfig(this.options.files, this.options.readStdin);
    if (this.#watcher && config.files.length > 0) this.#watcher.update(config.files);
    const reject = async (problems: readonly Problem[], startedPods = false): Promise<ReloadResult> => {
      this.metrics.configReloads.inc({ result: 'rejected' });
      this.#lastRejected = { at: new Date().toISOString(), problems };
      if (startedPods) await this.#emulator.retain(new Set((this.#config?.pods ?? []).map((p) => p.name)));
      // On the first load the caller reports the ConfigError; on a reload, the log is the only channel.
      if (this.#dataPlane.snapshot) {
        this.#log(`configuration refused; generation ${this.#generation} keeps serving\n${problems.filter((p) => p.severity === 'error').map((p) => '  ' + formatProblem(p)).join('\n')}`);
      }
      return { applied: false, generation: this.#generation, problems };
    };
    if (hasErrors(config.problems)) return reject(config.problems);

    const realized = await this.#emulator.realize(config.pods);
    const generation = this.#generation + 1;
    const snapshot = compile({ resources: config.resources, pods: realized.pods, endpoints: this.#endpoints, pickerStates: this.#pickerStates, generation, portOverride: this.options.port, objectGenerations: this.#objectGenerations });
    const problems = [...config.problems, ...realized.problems, ...snapshot.problems];
    const refuse = hasErrors(config.problems) || hasErrors(realized.problems) || (this.options.invalidReferences !== 'serve' && hasErrors(snapshot.problems));
    if (refuse) return reject(problems, true);

    try {
      await this.#listeners.apply(snapshot.bindings);
    } catch (err) {
      return reject([...problems, { severity: 'error', message: (err as Error).message }], true);
    }
    const previousPods = this.#config?.pods ?? [];
    this.#dataPlane.swap(snapshot);
    this.#pickerStates.retain(snapshot.pools.keys());
    this.#flows.retain(snapshot.pools);
    this.#generation = generation;
    this.#config = config;
    this.#lastProblems = problems;
    this.#lastRejected = undefined;
    this.metrics.configGeneration.set(generation);
    this.metrics.configReloads.inc({ result: 'applied' });
    this.#scraper.setTargets([...snapshot.pools.values()].flatMap((p) => p.endpoints));
    for (const p of problems) this.#log(formatProblem(p));
    if (generation > 1) this.#log(`configuration generation ${generation} applied`);
    void this.#retireOld(previousPods, config, snapshot);
    return { applied: true, generation, problems };
  }

  /** Stops pods and upstream pools the new snapshot no longer uses, once their requests have finished. */
  async #retireOld(previousPods: LoadedConfig['pods'], config: LoadedConfig, snapshot: RuntimeSnapshot): Promise<void> {
    const keep = new Set(config.pods.map((p) => p.name));
    const leaving = previousPods.filter((p) => !keep.has(p.name));
    if (leaving.length > 0) {
      const busy = () => [...this.#endpoints.all()].some((e) => !snapshot.endpointKeys.has(e.key) && e.inflight > 0);
      for (let waited = 0; busy() && waited < 120_000 && !this.#closed; waited += 100) await new Promise((r) => setTimeout(r, 100));
    }
    if (this.#closed) return;
    this.#endpoints.retain(snapshot.endpointKeys);
    this.#pools.retain(snapshot.origins);
    await this.#emulator.retain(keep);
  }

  /**
   * Shuts down. With `drainMs`, requests and streams in flight get that long to finish (new
   * connections are refused at once, /readyz answers 503) before the rest are cut.
   */
  async close(options: { drainMs?: number } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watcher?.close();
    await this.#listeners.close(options.drainMs ?? 0);
    await this.#admin?.close();
    this.#dataPlane.close();
    this.metrics.detach();
    await this.#scraper.close();
    await this.#pools.close();
    await this.#emulator.close();
  }
}
