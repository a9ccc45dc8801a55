// The reload loop: source → (standalone: realize pods) → compile() → apply the new snapshot, or refuse
// it while the last good one keeps serving. Reloads never overlap; a change during a reload queues
// one more. The loop knows nothing of listeners or the data plane: the composition root gives it
// `apply` (bind ports, swap the snapshot) and is told about every result.
import type { ClusterEmulator } from '../cluster/emulator.ts';
import type { RunningPod } from '../cluster/emulator.ts';
import type { PlannedPod } from '../cluster/plan.ts';
import { compile } from '../compile/index.ts';
import { formatProblem, hasErrors } from '../config/problems.ts';
import type { Problem } from '../config/problems.ts';
import type { EndpointRegistry } from '../endpoints/registry.ts';
import type { PickerStates } from '../picker/index.ts';
import type { HealthRegistry } from '../backend/health-registry.ts';
import type { GovernanceStores } from '../compile/governance.ts';
import type { RuntimeSnapshot } from '../runtime/snapshot.ts';
import type { ResourceSet, ResourceSource, StatusSink } from './source.ts';

/** The gateway could not start serving its first configuration (e.g. a port is in use). */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

export interface ReloadResult {
  readonly applied: boolean;
  readonly generation: number;
  readonly problems: readonly Problem[];
}

export interface ReloadLoopOptions {
  readonly source: ResourceSource;
  /** Standalone: runs the planned pods in-process. Absent when pods are observed (Kubernetes). */
  readonly emulator?: ClusterEmulator | undefined;
  readonly endpoints: EndpointRegistry;
  readonly pickerStates: PickerStates;
  /** Endpoint health, kept across compiles (snapshots reference its per-backend handles). */
  readonly health?: HealthRegistry | undefined;
  /** Governance stores (rate limits, budgets, usage), kept across compiles. */
  readonly governance?: GovernanceStores | undefined;
  readonly portOverride?: number | undefined;
  readonly listenerPorts?: ReadonlyMap<string, number> | undefined;
  /** `refuse` (default): a reference problem refuses the configuration; `serve`: Gateway API semantics. */
  readonly invalidReferences?: 'refuse' | 'serve' | undefined;
  /** Binds ports and swaps the snapshot in; rejects (the snapshot is then refused) when a port cannot be bound. */
  readonly apply: (snapshot: RuntimeSnapshot) => Promise<void>;
  /** After an applied snapshot: forget what the old one used, once its requests have finished. */
  readonly retire: (snapshot: RuntimeSnapshot, keepPods: ReadonlySet<string>, podsLeft: boolean) => Promise<void>;
  readonly sink?: StatusSink | undefined;
  readonly onResult?: ((result: ReloadResult) => void) | undefined;
  readonly log: (line: string) => void;
}

export class ReloadLoop {
  readonly #o: ReloadLoopOptions;
  #generation = 0;
  /** Per-object generations across reloads (observedGeneration on conditions). */
  readonly #objectGenerations = new Map<string, { readonly content: string; readonly generation: number }>();
  #current: ResourceSet | undefined;
  #serving: RuntimeSnapshot | undefined;
  #lastProblems: readonly Problem[] = [];
  #lastRejected: { at: string; problems: readonly Problem[] } | undefined;
  #reloading: Promise<ReloadResult> | undefined;
  #queued = false;
  #closed = false;

  constructor(options: ReloadLoopOptions) {
    this.#o = options;
  }

  /** The resources of the snapshot being served. */
  get resources(): ResourceSet | undefined {
    return this.#current;
  }

  get problems(): readonly Problem[] {
    return this.#lastProblems;
  }

  get lastRejected(): { at: string; problems: readonly Problem[] } | undefined {
    return this.#lastRejected;
  }

  close(): void {
    this.#closed = true;
  }

  /** Loads and applies; a refused configuration leaves the current one serving. */
  reload(): Promise<ReloadResult> {
    if (this.#reloading) {
      this.#queued = true;
      return this.#reloading;
    }
    this.#reloading = this.#reload().finally(() => {
      this.#reloading = undefined;
      if (this.#queued && !this.#closed) {
        this.#queued = false;
        void this.reload();
      }
    });
    return this.#reloading;
  }

  async #reload(): Promise<ReloadResult> {
    const o = this.#o;
    const set = await o.source.load();
    const previousPods = new Set((this.#current?.pods ?? []).map((p) => p.name));
    const refuse = async (problems: readonly Problem[], startedPods = false): Promise<ReloadResult> => {
      this.#lastRejected = { at: new Date().toISOString(), problems };
      if (startedPods && o.emulator) await o.emulator.retain(previousPods);
      // On the first load the caller reports the ConfigError; on a reload, the log is the only channel.
      if (this.#serving) o.log(`configuration refused; generation ${this.#generation} keeps serving\n${problems.filter((p) => p.severity === 'error').map((p) => '  ' + formatProblem(p)).join('\n')}`);
      const result = { applied: false, generation: this.#generation, problems };
      o.onResult?.(result);
      return result;
    };
    if (hasErrors(set.problems)) return refuse(set.problems);

    let pods: readonly (PlannedPod | RunningPod)[] = set.pods;
    let podProblems: readonly Problem[] = [];
    if (set.podsArePlanned && o.emulator) {
      const realized = await o.emulator.realize(set.pods as PlannedPod[]);
      pods = realized.pods;
      podProblems = realized.problems;
    }
    const generation = this.#generation + 1;
    const snapshot = compile({ resources: set.resources, pods, endpoints: o.endpoints, pickerStates: o.pickerStates, health: o.health, governance: o.governance, log: o.log, generation, portOverride: o.portOverride, listenerPorts: o.listenerPorts, objectGenerations: this.#objectGenerations });
    const problems = [...set.problems, ...podProblems, ...snapshot.problems];
    if (hasErrors(podProblems) || (o.invalidReferences !== 'serve' && hasErrors(snapshot.problems))) {
      await o.sink?.write(snapshot.statuses, { generation, applied: false });
      return refuse(problems, true);
    }
    try {
      await o.apply(snapshot);
    } catch (err) {
      // The first configuration cannot be served (a port taken): that is a startup failure, not a
      // configuration problem; stop what was started and say so.
      if (!this.#serving) {
        if (o.emulator) await o.emulator.retain(previousPods);
        throw new StartupError((err as Error).message, { cause: err });
      }
      return refuse([...problems, { severity: 'error', message: (err as Error).message }], true);
    }
    this.#generation = generation;
    this.#current = set;
    this.#serving = snapshot;
    this.#lastProblems = problems;
    this.#lastRejected = undefined;
    for (const p of problems) o.log(formatProblem(p));
    if (generation > 1) o.log(`configuration generation ${generation} applied`);
    const keep = new Set(set.pods.map((p) => p.name));
    void o.retire(snapshot, keep, [...previousPods].some((p) => !keep.has(p)));
    await o.sink?.write(snapshot.statuses, { generation, applied: true });
    const result = { applied: true, generation, problems };
    o.onResult?.(result);
    return result;
  }
}
