// One measured run with the CPU accounting every scenario uses: the CPU of the gateway, the upstream and
// the load generator is read at the edges of the measured window, and so is the machine's. What the
// machine spent beyond the benchmark's own processes is "foreign" load (other work on a shared machine).
import type { LoadConfig, LoadResult } from './load-types.ts';
import { cpuTimeMs, machineBusyMs, memory } from './procstat.ts';
import type { LoadGenerator } from './targets.ts';

export interface RunRecord {
  readonly load: LoadResult;
  /** Gateway process CPU per measured request, ms (NaN without a gateway). */
  readonly gatewayCpuMsPerRequest: number;
  readonly upstreamCpuMsPerRequest: number;
  /** Gateway RSS after the run, MiB. */
  readonly rssMiB: number;
  /** CPU the machine spent outside the measured processes during the window, in cores. */
  readonly foreignCores: number;
}

export interface Pids {
  readonly gateway: number | undefined;
  readonly upstream: number;
}

export async function measureOnce(loadgen: LoadGenerator, config: LoadConfig, pids: Pids): Promise<RunRecord> {
  const lg = loadgen.child.pid;
  const sample = () => ({
    gw: pids.gateway !== undefined ? cpuTimeMs(pids.gateway) : 0,
    up: cpuTimeMs(pids.upstream),
    lg: cpuTimeMs(lg),
    self: cpuTimeMs(process.pid),
    all: machineBusyMs(),
    at: performance.now(),
  });
  let a = sample();
  let b = a;
  const load = await loadgen.run(config, { onMeasuring: () => (a = sample()), onMeasured: () => (b = sample()) });
  const ours = b.gw - a.gw + (b.up - a.up) + (b.lg - a.lg) + (b.self - a.self);
  const wall = b.at - a.at;
  return {
    load,
    gatewayCpuMsPerRequest: pids.gateway !== undefined && load.requests > 0 ? (b.gw - a.gw) / load.requests : Number.NaN,
    upstreamCpuMsPerRequest: load.requests > 0 ? (b.up - a.up) / load.requests : Number.NaN,
    rssMiB: pids.gateway !== undefined ? memory(pids.gateway).rssMiB : Number.NaN,
    foreignCores: wall > 0 ? Math.max(0, b.all - a.all - ours) / wall : Number.NaN,
  };
}

/** Measures again (up to `retries` times, within a shared budget) while foreign load exceeds `maxForeign` cores. */
export class Remeasure {
  count = 0;
  readonly #maxForeign: number;
  readonly #retries: number;
  readonly #budget: number;

  constructor(maxForeign: number, retries: number, budget: number) {
    this.#maxForeign = maxForeign;
    this.#retries = retries;
    this.#budget = budget;
  }

  get maxForeign(): number {
    return this.#maxForeign;
  }

  async run(measure: () => Promise<RunRecord>): Promise<RunRecord> {
    let rec = await measure();
    for (let i = 0; i < this.#retries && this.count < this.#budget && rec.foreignCores > this.#maxForeign; i++) {
      this.count++;
      await new Promise((r) => setTimeout(r, 500));
      rec = await measure();
    }
    return rec;
  }

  /** The runs undisturbed by foreign load, or all of them when none is. */
  clean(records: readonly RunRecord[]): readonly RunRecord[] {
    const clean = records.filter((r) => !(r.foreignCores > this.#maxForeign));
    return clean.length > 0 ? clean : records;
  }
}
