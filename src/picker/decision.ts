// The decision record: what the picker chose and why, for a debug response header and the request's
// flow record. Built from the scheduling result without copying the score arrays; the two views
// below (`formatDecision`, `decisionRecord`) are computed only when someone asks for them.
import type { PickDecision } from '../runtime/picker.ts';

export type Decision = PickDecision;

/** Blocks of the request's prefix the chosen endpoint was expected to hold, and blocks hashed. */
export function prefixBlocks(d: Decision): { readonly matched: number; readonly total: number } | undefined {
  if (!d.prefix) return undefined;
  return { matched: d.prefix.matched.get(d.endpoint.key) ?? 0, total: d.prefix.totalBlocks };
}

/** Header-safe: printable ASCII without the separators used below. */
function token(s: string): string {
  return s.replace(/[^\x21-\x7e]|[;=,]/g, '_');
}

function num(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/**
 * A one-line summary for a debug response header, about the chosen endpoint only:
 * `endpoint=10.0.0.2:8000; profile=default; score=5.4; queue-scorer=1*2; kv-cache-utilization-scorer=0.7*2; prefix-cache-scorer=0.5*3; prefix=12/24`
 * (each scorer as raw score * weight).
 */
export function formatDecision(d: Decision): string {
  const parts = [`endpoint=${token(d.endpoint.key)}`, `profile=${token(d.profile)}`];
  if (d.failOpen !== undefined) parts.push('fail-open=1');
  const run = d.runs.find((r) => r.profile === d.profile);
  const i = run ? run.candidates.indexOf(d.endpoint) : -1;
  if (run && i >= 0) {
    parts.push(`score=${num(run.totals[i]!)}`);
    for (const s of run.scorers) parts.push(`${token(s.name)}=${num(s.raw[i]!)}*${num(s.weight)}`);
  }
  const prefix = prefixBlocks(d);
  if (prefix) parts.push(`prefix=${prefix.matched}/${prefix.total}`);
  if (d.targets.length > 1) parts.push(`fallbacks=${d.targets.slice(1).map((t) => token(t.key)).join(',')}`);
  return parts.join('; ');
}

export interface DecisionRecord {
  readonly pool: string;
  readonly endpoint: string;
  readonly targets: readonly string[];
  readonly profile: string;
  readonly priority: number;
  readonly objective?: string;
  readonly prefix?: { readonly scorer: string; readonly matchedBlocks: number; readonly totalBlocks: number };
  readonly failOpen?: string;
  readonly profiles: readonly {
    readonly profile: string;
    readonly picker: string;
    readonly failure?: string;
    readonly filters: readonly { readonly name: string; readonly type: string; readonly kept: number }[];
    readonly endpoints: readonly {
      readonly endpoint: string;
      readonly total: number;
      readonly prefixBlocks?: number;
      readonly scores: Readonly<Record<string, { readonly raw: number; readonly weighted: number; readonly weight: number }>>;
    }[];
  }[];
}

/** The whole decision as plain JSON (for the flow record and `sluice observe`). */
export function decisionRecord(d: Decision): DecisionRecord {
  const prefix = prefixBlocks(d);
  return {
    pool: d.pool,
    endpoint: d.endpoint.key,
    targets: d.targets.map((t) => t.key),
    profile: d.profile,
    priority: d.priority,
    ...(d.objective !== undefined ? { objective: d.objective } : {}),
    ...(d.prefix && prefix ? { prefix: { scorer: d.prefix.scorer, matchedBlocks: prefix.matched, totalBlocks: prefix.total } } : {}),
    ...(d.failOpen !== undefined ? { failOpen: d.failOpen } : {}),
    profiles: d.runs.map((run) => ({
      profile: run.profile,
      picker: run.picker,
      ...(run.failure !== undefined ? { failure: run.failure } : {}),
      filters: run.filters,
      endpoints: run.candidates.map((ep, i) => {
        const blocks = d.prefix?.matched.get(ep.key);
        return {
          endpoint: ep.key,
          total: run.totals[i]!,
          ...(blocks !== undefined ? { prefixBlocks: blocks } : {}),
          scores: Object.fromEntries(run.scorers.map((s) => [s.name, { raw: s.raw[i]!, weighted: s.weighted[i]!, weight: s.weight }])),
        };
      }),
    })),
  };
}
