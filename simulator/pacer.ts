// Token pacing: releases tokens at the times the latency model computes, against absolute deadlines so
// timer granularity (about 1 ms in Node) does not accumulate into drift. Tokens whose deadline has
// already passed are released without a timer (in bursts, as a client would see with very small
// inter-token latencies).

import { performance } from 'node:perf_hooks';

export interface PaceInput {
  /** Tokens to release (≥ 1). */
  count: number;
  /** Computed time from now to the first token. */
  timeToFirstTokenMs: number;
  /** Computed wait before each further token; called once per token, so load changes apply as they happen. */
  interTokenMs(): number;
  signal: AbortSignal;
  /** Receives each token index in order; may return a promise (e.g. waiting for socket drain). */
  emit(index: number): void | Promise<void>;
}

export interface PaceResult {
  /** Computed (not measured) decode time: the sum of the inter-token waits. */
  decodeMs: number;
}

/** Long runs of past-due tokens yield to the event loop every this many tokens. */
const YIELD_EVERY = 8;

/** Rejects with the signal's reason when aborted. */
export async function paceTokens(input: PaceInput): Promise<PaceResult> {
  const { signal } = input;
  signal.throwIfAborted();
  // One abort listener for the whole sequence (not one per token): it wakes the pending wait.
  let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  let wake: (() => void) | undefined;
  const onAbort = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer as NodeJS.Timeout);
      clearImmediate(timer as NodeJS.Immediate);
    }
    wake?.();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const wait = (delay: number | undefined): Promise<void> =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = delay === undefined ? setImmediate(resolve) : setTimeout(resolve, delay);
    });
  try {
    let deadline = performance.now() + input.timeToFirstTokenMs;
    let decodeMs = 0;
    let sinceYield = 0;
    for (let i = 0; i < input.count; i++) {
      if (i > 0) {
        const w = input.interTokenMs();
        decodeMs += w;
        deadline += w;
      }
      const delay = deadline - performance.now();
      if (delay >= 1) {
        await wait(delay);
        sinceYield = 0;
      } else if (++sinceYield >= YIELD_EVERY) {
        await wait(undefined);
        sinceYield = 0;
      }
      signal.throwIfAborted();
      await input.emit(i);
    }
    return { decodeMs };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
