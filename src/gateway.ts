// The composition root: wires the control plane (a resource source → reload loop → compile → the
// snapshot), the standalone cluster, the data plane (listeners → pipeline of stages → upstream), the
// telemetry subscribers and the admin server. Only this file (and pipeline/stages.ts for the stage
// list) knows every part; the parts know contracts.
import { ClusterEmulator } from './cluster/emulator.ts';
import type { EmulatorOptions } from './cluster/emulator.ts';
import { formatProblem } from './config/problems.ts';
import type { Problem } from './config/problems.ts';
import type { RuntimeSnapshot } from './runtime/snapshot.ts';
import { FileSource } from './controlplane/file-source.ts';
import { ReloadLoop } from './controlplane/reload.ts';
import type { ReloadResult } from './controlplane/reload.ts';
import type { ResourceSet, ResourceSource, StatusSink } from './controlplane/source.ts';
import { statusReport } from './controlplane/status-report.ts';
import { AdminServer } from './admin/server.ts';
import { EndpointRegistry } from './endpoints/registry.ts';
import { MetricsScraper } from './endpoints/scraper.ts';
import { FlowQueues } from './admission/flow-queues.ts';
import { BackendCooldowns } from './backend/cooldowns.ts';
import { HealthRegistry } from './backend/health-registry.ts';
import { memoryStores, redisStores } from './admission/stores.ts';
import type { GatewayStores } from './admission/stores.ts';
import { attachFlowLog } from './telemetry/flow-log.ts';
import { attachTracing, tracingOptionsFromEnv } from './telemetry/tracing.ts';
import type { GatewayTracing, TracingOptions } from './telemetry/tracing.ts';
import { attachAccessLog } from './telemetry/access-log.ts';
import type { AccessLog, AccessLogOptions } from './telemetry/access-log.ts';
import type { FlowLog } from './telemetry/flow-log.ts';
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
  /** Any listener's port, by listener name, `gateway/listener` or `namespace/gateway/listener`. */
  readonly listenerPorts?: ReadonlyMap<string, number> | undefined;
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
  /**
   * Where resources come from instead of `files` (e.g. Kubernetes informers). Its pods are observed,
   * not emulated; it is always watched.
   */
  readonly source?: ResourceSource | undefined;
  /** Receives every resource's conditions after each reload (e.g. the Kubernetes status writer). */
  readonly statusSink?: StatusSink | undefined;
  /** Flow records kept in memory for /api/flows, `sluice observe` and the dashboard (default 10,000). */
  readonly flowLogCapacity?: number | undefined;
  /** Share rate limits, budgets and usage with other replicas through this Redis (`redis://host:port`); default: in memory. */
  readonly redisUrl?: string | undefined;
  /** OpenTelemetry tracing (default: from the standard OTEL_* environment variables; off unless an endpoint is set). */
  readonly tracing?: TracingOptions | undefined;
  /** One JSON line per request (default: off, so tests stay quiet; the CLI turns it on). */
  readonly accessLog?: AccessLogOptions | false | undefined;
}

export class ConfigError extends Error {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    super(`configuration refused:\n${problems.filter((p) => p.severity === 'error').map((p) => '  ' + formatProblem(p)).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export type { ReloadResult };
export { StartupError } from './controlplane/reload.ts';

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
  /** Backends cooling down after a Retry-After, kept across reloads. */
  readonly #cooldowns = new BackendCooldowns();
  /** Endpoint health (ejections, active checks), kept across reloads. */
  readonly #health: HealthRegistry;
  /** Flow records for /api/flows, `sluice observe` and the dashboard. */
  readonly flowLog: FlowLog;
  /** Where rate limits, budgets and usage are counted. */
  readonly #stores: GatewayStores;
  readonly #tracing: GatewayTracing;
  readonly #accessLog: AccessLog | undefined;
  readonly #emulator: ClusterEmulator;
  readonly #scraper: MetricsScraper;
  readonly #dataPlane: DataPlane;
  readonly #listeners: ListenerSet;
  readonly #source: ResourceSource;
  readonly #loop: ReloadLoop;
  #admin: AdminServer | undefined;
  #stopWatching: (() => void) | undefined;
  #closed = false;

  private constructor(options: GatewayOptions) {
    this.options = options;
    this.#log = options.log ?? ((line) => process.stderr.write(line + '\n'));
    this.#emulator = new ClusterEmulator({ host: '127.0.0.1', simulatorDefaults: options.simulatorDefaults, log: (l) => this.#log(l) });
    this.#scraper = new MetricsScraper({ intervalMs: options.scrapeIntervalMs ?? 50 });
    const pipeline = buildPipeline({ pools: this.#pools, flows: this.#flows, cooldowns: this.#cooldowns, debugHeaders: options.debugHeaders });
    this.#dataPlane = new DataPlane({ pipeline, owner: this, log: (l) => this.#log(l) });
    this.metrics.attach(this);
    this.#tracing = attachTracing(this, { log: (l) => this.#log(l), ...(options.tracing ?? tracingOptionsFromEnv()) });
    this.#accessLog = options.accessLog ? attachAccessLog(this, { log: (l) => this.#log(l), ...options.accessLog }) : undefined;
    this.flowLog = attachFlowLog(this, { capacity: options.flowLogCapacity });
    this.#health = new HealthRegistry({ log: (l) => this.#log(l) });
    this.#stores = options.redisUrl ? redisStores(options.redisUrl, (l) => this.#log(l)) : memoryStores();
    this.#health.attach(this);
    this.#listeners = new ListenerSet(this.#dataPlane, options.host ?? '127.0.0.1');
    this.metrics.setPoolSource(() => this.#dataPlane.snapshot?.pools.values() ?? []);
    this.#source = options.source ?? new FileSource(options.files, { readStdin: options.readStdin });
    this.#loop = new ReloadLoop({
      source: this.#source,
      emulator: options.source ? undefined : this.#emulator,
      sink: options.statusSink,
      endpoints: this.#endpoints,
      pickerStates: this.#pickerStates,
      health: this.#health,
      governance: this.#stores,
      portOverride: options.port,
      listenerPorts: options.listenerPorts,
      invalidReferences: options.invalidReferences,
      apply: (snapshot) => this.#apply(snapshot),
      retire: (snapshot, keepPods, podsLeft) => this.#retire(snapshot, keepPods, podsLeft),
      onResult: (r) => {
        this.metrics.configReloads.inc({ result: r.applied ? 'applied' : 'rejected' });
        if (r.applied) this.metrics.configGeneration.set(r.generation);
      },
      log: (l) => this.#log(l),
    });
  }

  /** Loads, starts and serves; throws ConfigError when the initial configuration is refused. */
  static async start(options: GatewayOptions): Promise<Gateway> {
    const gw = new Gateway(options);
    try {
      const first = await gw.reload();
      if (!first.applied) throw new ConfigError(first.problems);
      if (options.adminPort !== false) {
        gw.#admin = new AdminServer({
          get ready() {
            return gw.ready;
          },
          metrics: async () => ({ contentType: gw.metrics.registry.contentType, body: await gw.metrics.registry.metrics() }),
          flows: gw.flowLog,
          usage: (q) => gw.#stores.ledger.query(q),
          status: () => statusReport({ snapshot: gw.snapshot, ignored: gw.#loop.resources?.ignored ?? [], problems: gw.problems, lastRejected: gw.lastRejected }),
        });
        await gw.#admin.listen(options.adminPort ?? 9901, options.adminHost ?? '127.0.0.1');
      }
      const watch = options.source !== undefined || (options.watch ?? !options.files.includes('-'));
      if (watch) gw.#stopWatching = gw.#source.watch(() => void gw.reload());
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

  /** The resources being served. */
  get resources(): ResourceSet | undefined {
    return this.#loop.resources;
  }

  get problems(): readonly Problem[] {
    return this.#loop.problems;
  }

  get lastRejected(): { at: string; problems: readonly Problem[] } | undefined {
    return this.#loop.lastRejected;
  }

  /** The actual port a configured listener port is served on. */
  listenerPort(configuredPort: number): number | undefined {
    return this.#listeners.actualPort(configuredPort);
  }

  get adminPort(): number | undefined {
    return this.#admin?.port;
  }

  /** Reopens the access-log file (after log rotation; SIGHUP). */
  reopenAccessLog(): void {
    this.#accessLog?.reopen();
  }

  /** Reloads the configuration; a refused one leaves the current one serving. Reloads never overlap. */
  reload(): Promise<ReloadResult> {
    return this.#loop.reload();
  }

  /** Binds the snapshot's ports, then serves it; the pickers' and queues' state follows the pools. */
  async #apply(snapshot: RuntimeSnapshot): Promise<void> {
    await this.#listeners.apply(snapshot.bindings);
    this.#dataPlane.swap(snapshot);
    this.#pickerStates.retain(snapshot.pools.keys());
    this.#flows.retain(snapshot.pools);
    this.#health.apply(snapshot);
    this.#scraper.setTargets([...snapshot.pools.values()].flatMap((p) => p.endpoints));
  }

  /** Stops pods and upstream pools the new snapshot no longer uses, once their requests have finished. */
  async #retire(snapshot: RuntimeSnapshot, keepPods: ReadonlySet<string>, podsLeft: boolean): Promise<void> {
    if (podsLeft) {
      const busy = () => [...this.#endpoints.all()].some((e) => !snapshot.endpointKeys.has(e.key) && e.inflight > 0);
      for (let waited = 0; busy() && waited < 120_000 && !this.#closed; waited += 100) await new Promise((r) => setTimeout(r, 100));
    }
    if (this.#closed) return;
    this.#endpoints.retain(snapshot.endpointKeys);
    this.#pools.retain(snapshot.origins);
    await this.#emulator.retain(new Set(keepPods));
  }

  /**
   * Shuts down. With `drainMs`, requests and streams in flight get that long to finish (new
   * connections are refused at once, /readyz answers 503) before the rest are cut.
   */
  async close(options: { drainMs?: number } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#loop.close();
    this.#stopWatching?.();
    await this.#source.close();
    await this.#listeners.close(options.drainMs ?? 0);
    await this.#admin?.close();
    this.#dataPlane.close();
    this.metrics.detach();
    this.flowLog.detach();
    await this.#tracing.shutdown();
    await this.#accessLog?.close();
    await this.#health.close();
    await this.#scraper.close();
    await this.#pools.close();
    await this.#emulator.close();
    await this.#stores.close();
  }
}
