// Helpers shared by the simulator tests (not used by the simulator itself).

import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

/** Value of the first series of `name` in Prometheus text (labels ignored), or undefined. */
export function metricValue(text: string, name: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(name + '{') || line.startsWith(name + ' ')) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

export async function scrape(baseUrl: string): Promise<string> {
  const res = await request(baseUrl + '/metrics');
  return res.body.text();
}

/** Running and waiting gauges of a simulator. */
export async function queueState(baseUrl: string): Promise<{ running: number; waiting: number }> {
  const text = await scrape(baseUrl);
  return {
    running: metricValue(text, 'vllm:num_requests_running') ?? Number.NaN,
    waiting: metricValue(text, 'vllm:num_requests_waiting') ?? Number.NaN,
  };
}

/**
 * Polls `probe` until it returns a value accepted by `done`, or throws after `timeoutMs` with the
 * last value seen. For waiting on asynchronous state, never for measuring time.
 */
export async function waitFor<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`condition not reached within ${timeoutMs} ms; last value ${JSON.stringify(last)}`);
    await sleep(5);
    last = await probe();
  }
  return last;
}
