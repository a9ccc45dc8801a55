// Standalone cluster emulation, running half: realizes planned pods as in-process servers on
// loopback (simulators and the AI Gateway test upstream) and keeps them across reloads while their
// spec is unchanged. Inference Extension epp pods need no server: Sluice's built-in picker takes
// their place, so they exist only so that Services and endpointPickerRefs resolve.
import { parseSimulatorArgs } from '../../simulator/options.ts';
import type { SimulatorOptions } from '../../simulator/options.ts';
import { startSimulator } from '../../simulator/server.ts';
import { startTestUpstream } from '../../simulator/testupstream.ts';
import { parseDurationMs } from '../../simulator/duration.ts';
import type { Problem } from '../config/problems.ts';
import type { PlannedPod } from './plan.ts';

export interface RunningPod extends PlannedPod {
  /** Loopback address the replica listens on. */
  readonly address: string;
  /** Actual port for the pod's serving port (the container port is remapped, since all pods share one host). */
  readonly actualPort: number | undefined;
  readonly ready: boolean;
  /**
   * Reachable at `address:containerPort` for every container port (a real pod observed from the
   * Kubernetes API), rather than only its serving port remapped to `actualPort` (an emulated pod).
   */
  readonly direct?: boolean | undefined;
}

interface Replica {
  readonly pod: RunningPod;
  close(): Promise<void>;
}

export interface EmulatorOptions {
  readonly host?: string;
  /** Extra simulator flags applied to every simulator replica (e.g. from tests). */
  readonly simulatorDefaults?: Partial<SimulatorOptions> | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

export class ClusterEmulator {
  readonly #host: string;
  readonly #options: EmulatorOptions;
  /** Running replicas by pod name (the name embeds the spec hash). */
  #replicas = new Map<string, Replica>();

  constructor(options: EmulatorOptions = {}) {
    this.#host = options.host ?? '127.0.0.1';
    this.#options = options;
  }

  /**
   * Starts the planned pods that are not running yet and returns every planned pod with its address.
   * Pods no longer planned keep running until `retain` is called after the new snapshot is live.
   */
  async realize(planned: readonly PlannedPod[]): Promise<{ pods: RunningPod[]; problems: Problem[] }> {
    const problems: Problem[] = [];
    const pods = await Promise.all(
      planned.map(async (p): Promise<RunningPod> => {
        const existing = this.#replicas.get(p.name);
        if (existing) return existing.pod;
        try {
          const replica = await this.#start(p, problems);
          if (replica) {
            this.#replicas.set(p.name, replica);
            return replica.pod;
          }
        } catch (err) {
          problems.push({ severity: 'error', resource: `Pod ${p.namespace}/${p.name}`, message: `failed to start: ${(err as Error).message}` });
        }
        return { ...p, address: this.#host, actualPort: undefined, ready: p.role === 'epp' };
      }),
    );
    return { pods, problems };
  }

  /** Stops replicas not in `keep` (pod names). */
  async retain(keep: ReadonlySet<string>): Promise<void> {
    const stopping: Promise<void>[] = [];
    for (const [name, r] of this.#replicas) {
      if (keep.has(name)) continue;
      this.#replicas.delete(name);
      this.#options.log?.(`stopping pod ${r.pod.namespace}/${name}`);
      stopping.push(r.close().catch(() => undefined));
    }
    await Promise.all(stopping);
  }

  async close(): Promise<void> {
    await this.retain(new Set());
  }

  async #start(p: PlannedPod, problems: Problem[]): Promise<Replica | undefined> {
    const envValue = (name: string) => p.container.env?.find((e) => e.name === name)?.value;
    switch (p.role) {
      case 'simulator': {
        // As upstream, SIM_MODEL in the container env supplies the model when --model is absent.
        const simModel = envValue('SIM_MODEL');
        const { options, warnings } = parseSimulatorArgs([...(p.container.command?.slice(1) ?? []), ...(p.container.args ?? [])], simModel ? { model: simModel } : {});
        for (const w of warnings) problems.push({ severity: 'warning', resource: `Deployment ${p.deployment}`, field: `container ${p.container.name} args`, message: w });
        const sim = await startSimulator({ ...options, ...this.#options.simulatorDefaults, model: options.model, port: 0, host: this.#host, podName: p.name, namespace: p.namespace });
        this.#options.log?.(`started simulator pod ${p.namespace}/${p.name} (${options.model}) on ${sim.url}`);
        return { pod: { ...p, address: this.#host, actualPort: sim.port, ready: true }, close: () => sim.close() };
      }
      case 'testupstream': {
        // STREAMING_INTERVAL is the image's own knob for the delay between SSE chunks.
        const interval = envValue('STREAMING_INTERVAL');
        const streamingIntervalMs = interval === undefined ? undefined : parseDurationMs(interval);
        const up = await startTestUpstream({ id: envValue('TESTUPSTREAM_ID') ?? '', host: this.#host, port: 0, podName: p.name, ...(streamingIntervalMs === undefined ? {} : { streamingIntervalMs }) });
        this.#options.log?.(`started test upstream pod ${p.namespace}/${p.name} on ${up.url}`);
        return { pod: { ...p, address: this.#host, actualPort: up.port, ready: true }, close: () => up.close() };
      }
      case 'epp':
        // The built-in picker stands in for the epp: nothing to run.
        return { pod: { ...p, address: this.#host, actualPort: undefined, ready: true }, close: async () => undefined };
      case 'unknown':
        return undefined;
    }
  }
}
