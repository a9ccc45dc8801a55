// The latency model of llm-d-inference-sim, in milliseconds:
//
//   constant:   TTFT = time-to-first-token                                   (± its std-dev)
//   per-token:  TTFT = prefill-overhead + (prompt − cached) × prefill-time-per-token (± prefill std-dev)
//   ""        : constant when time-to-first-token or its std-dev ≠ 0, else per-token (legacy rule)
//   decode:     each token after the first waits inter-token-latency (± its std-dev)
//   load:       f = 1 + (time-factor-under-load − 1) × (running − 1) / (max-num-seqs − 1), 1 when
//               max-num-seqs ≤ 1; f multiplies TTFT and every inter-token wait.
//
// Jitter: a Gaussian sample around the mean, its std-dev capped at 30 % of the mean and the sample
// clamped to ±70 % of the mean (upstream's limits). With std-dev 0 the values are exact, which is what
// tests rely on.

import type { SimulatorOptions } from './options.ts';
import type { Random } from './random.ts';

export type LatencyOptions = Pick<
  SimulatorOptions,
  | 'latencyCalculator'
  | 'timeToFirstTokenMs'
  | 'timeToFirstTokenStdDevMs'
  | 'prefillOverheadMs'
  | 'prefillTimePerTokenMs'
  | 'prefillTimeStdDevMs'
  | 'interTokenLatencyMs'
  | 'interTokenLatencyStdDevMs'
  | 'timeFactorUnderLoad'
  | 'maxNumSeqs'
>;

export class LatencyModel {
  /** `o` is read on every call, so a runtime change of the options (POST /admin/config) applies at once. */
  constructor(
    private readonly o: LatencyOptions,
    private readonly rng: Random,
  ) {}

  get calculator(): 'constant' | 'per-token' {
    const o = this.o;
    if (o.latencyCalculator !== '') return o.latencyCalculator;
    return o.timeToFirstTokenMs !== 0 || o.timeToFirstTokenStdDevMs !== 0 ? 'constant' : 'per-token';
  }

  /** Load factor for `running` sequences (including the one being timed). */
  loadFactor(running: number): number {
    const { maxNumSeqs, timeFactorUnderLoad } = this.o;
    if (maxNumSeqs <= 1 || timeFactorUnderLoad <= 1) return 1;
    const busy = Math.min(Math.max(running, 1), maxNumSeqs);
    return 1 + ((timeFactorUnderLoad - 1) * (busy - 1)) / (maxNumSeqs - 1);
  }

  /** Prefill time: from the start of running to the first token. `cachedTokens` are not prefilled (per-token calculator). */
  timeToFirstTokenMs(promptTokens: number, cachedTokens: number, running: number): number {
    const f = this.loadFactor(running);
    if (this.calculator === 'constant') {
      return f * this.sample(this.o.timeToFirstTokenMs, this.o.timeToFirstTokenStdDevMs);
    }
    const uncached = Math.max(0, promptTokens - cachedTokens);
    const mean = this.o.prefillOverheadMs + uncached * this.o.prefillTimePerTokenMs;
    return f * this.sample(mean, this.o.prefillTimeStdDevMs);
  }

  /** Wait before one more output token. */
  interTokenMs(running: number): number {
    return this.loadFactor(running) * this.sample(this.o.interTokenLatencyMs, this.o.interTokenLatencyStdDevMs);
  }

  private sample(mean: number, stdDev: number): number {
    if (mean <= 0 || stdDev <= 0) return Math.max(0, mean);
    const sd = Math.min(stdDev, 0.3 * mean);
    const x = mean + sd * this.rng.gaussian();
    return Math.min(1.7 * mean, Math.max(0.3 * mean, x));
  }
}
