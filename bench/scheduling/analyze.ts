// Per-stage figures of one profile's run, from the requests' outcomes.
//
// Definitions (what each column means, so the tables can be read without the code):
// - A request belongs to the stage in which it was SENT, wherever it finished.
// - TTFT: send → first content chunk, measured by the client through the gateway. Requests aborted
//   at the run's deadline before their first chunk count with the time they had waited (a lower
//   bound, so an overloaded profile looks better than it is, never worse); `censored` says how many.
//   Shed and failed requests have no TTFT.
// - Output tokens/s: content chunks (one per token from the simulator) that ARRIVED inside the
//   stage's window, over the window's length: the gateway's delivered throughput during the stage.
// - Hit rate: Σ usage.prompt_tokens_details.cached_tokens / Σ usage.prompt_tokens over the stage's
//   completed requests (what vLLM reports to clients). `simHitRate` is the simulators' own
//   vllm:prefix_cache_hits_total / queries_total over the window (sequences STARTED in it; the last
//   stage's window runs until the drain ends), a cross-check.
// - Replicas per group: distinct replicas (x-inference-pod) that served each group in the stage,
//   averaged over the groups seen: 1 means perfect affinity, N (replicas) means fully spread.
// - Busiest replica: the share of the stage's completed requests served by the replica that served
//   the most (1 / replicas is a perfect balance): affinity that piles groups onto few replicas shows
//   here.
import { percentile } from '../lib/stats.ts';
import type { Outcome } from './client.ts';

export interface StageWindow {
  readonly stage: number;
  readonly rate: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Simulators' counters over the window (NaN when unreadable). */
  readonly simHits: number;
  readonly simQueries: number;
  /** Gateway process CPU over the window, in cores (it also runs the simulators). */
  readonly gatewayCores: number;
  /** This (load-generating) process's CPU over the window, in cores. */
  readonly clientCores: number;
}

export interface StageSummary {
  readonly stage: number;
  readonly rate: number;
  readonly sent: number;
  readonly ok: number;
  readonly shed: number;
  readonly errors: number;
  readonly unfinished: number;
  readonly censored: number;
  readonly ttftP50Ms: number;
  readonly ttftP90Ms: number;
  readonly ttftP99Ms: number;
  readonly ttftMeanMs: number;
  readonly outputTokensPerSec: number;
  readonly hitRate: number;
  readonly simHitRate: number;
  readonly replicasPerGroup: number;
  readonly busiestReplicaShare: number;
  readonly gatewayCores: number;
  readonly clientCores: number;
  readonly firstError?: string;
}

export function summarizeStage(w: StageWindow, outcomes: readonly Outcome[], tokenTimes: readonly number[]): StageSummary {
  const mine = outcomes.filter((o) => o.stage === w.stage);
  const ttfts: number[] = [];
  let censored = 0;
  for (const o of mine) {
    if (Number.isFinite(o.ttftMs)) ttfts.push(o.ttftMs);
    else if (o.kind === 'unfinished') {
      ttfts.push(o.e2eMs);
      censored++;
    }
  }
  ttfts.sort((a, b) => a - b);
  const ok = mine.filter((o) => o.kind === 'ok');
  const prompt = ok.reduce((s, o) => s + o.promptTokens, 0);
  const cached = ok.reduce((s, o) => s + o.cachedTokens, 0);
  let tokens = 0;
  for (const t of tokenTimes) if (t >= w.startMs && t < w.endMs) tokens++;
  const pods = new Map<number, Set<string>>();
  for (const o of ok) {
    if (o.pod === '') continue;
    let s = pods.get(o.group);
    if (!s) pods.set(o.group, (s = new Set()));
    s.add(o.pod);
  }
  const spread = [...pods.values()].map((s) => s.size);
  const perPod = new Map<string, number>();
  for (const o of ok) if (o.pod !== '') perPod.set(o.pod, (perPod.get(o.pod) ?? 0) + 1);
  const busiest = Math.max(0, ...perPod.values());
  const firstError = mine.find((o) => o.kind === 'error' || o.kind === 'shed')?.error;
  return {
    stage: w.stage,
    rate: w.rate,
    sent: mine.length,
    ok: ok.length,
    shed: mine.filter((o) => o.kind === 'shed').length,
    errors: mine.filter((o) => o.kind === 'error').length,
    unfinished: mine.filter((o) => o.kind === 'unfinished').length,
    censored,
    ttftP50Ms: percentile(ttfts, 50),
    ttftP90Ms: percentile(ttfts, 90),
    ttftP99Ms: percentile(ttfts, 99),
    ttftMeanMs: ttfts.length > 0 ? ttfts.reduce((s, x) => s + x, 0) / ttfts.length : Number.NaN,
    outputTokensPerSec: w.endMs > w.startMs ? tokens / ((w.endMs - w.startMs) / 1000) : Number.NaN,
    hitRate: prompt > 0 ? cached / prompt : Number.NaN,
    simHitRate: w.simQueries > 0 ? w.simHits / w.simQueries : Number.NaN,
    replicasPerGroup: spread.length > 0 ? spread.reduce((s, x) => s + x, 0) / spread.length : Number.NaN,
    busiestReplicaShare: ok.length > 0 ? busiest / ok.length : Number.NaN,
    gatewayCores: w.gatewayCores,
    clientCores: w.clientCores,
    ...(firstError !== undefined ? { firstError } : {}),
  };
}
