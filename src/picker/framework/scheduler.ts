// The scheduling cycle (inference-extension reference §4.2):
//   1. the profile handler names the profiles to run;
//   2. per profile: filters in order (an empty set fails the profile), every scorer, each score
//      clamped to [0, 1] and multiplied by its weight, summed per endpoint; then the profile's picker;
//   3. repeat until the handler names no more profiles; the handler then names the primary profile;
//   4. post-pick hooks (e.g. the prefix index learning the choice) run once on the final result.
// The framework, not the plugin, clamps and weights (DESIGN.md §3).
import { GatewayError } from '../../errors.ts';
import type { SaturationThresholds } from '../../endpoints/saturation.ts';
import type { CycleState, Endpoint, Plugin, PostPick, ProfileHandler, ProfileRun, SchedulingProfile, SchedulingRequest, SchedulingResult, ScorerRecord } from './types.ts';

/** A handler that keeps asking for profiles past this many rounds is a bug, not a configuration. */
const MAX_ROUNDS = 32;

export interface SchedulerParts {
  readonly profiles: ReadonlyMap<string, SchedulingProfile>;
  readonly handler: ProfileHandler;
  /** Every plugin instance by name (declared ones plus defaults the loader added). */
  readonly plugins: ReadonlyMap<string, Plugin>;
  readonly saturation: SaturationThresholds;
  /** Configuration that was accepted but has no effect, for status and logs. */
  readonly warnings: readonly string[];
}

export class Scheduler {
  readonly profiles: ReadonlyMap<string, SchedulingProfile>;
  readonly handler: ProfileHandler;
  readonly plugins: ReadonlyMap<string, Plugin>;
  readonly saturation: SaturationThresholds;
  readonly warnings: readonly string[];
  /** The longest prompt prefix any scorer reads: callers need not serialise more of the prompt. */
  readonly promptChars: number;
  readonly #postPick: readonly PostPick[];

  constructor(parts: SchedulerParts) {
    this.profiles = parts.profiles;
    this.handler = parts.handler;
    this.plugins = parts.plugins;
    this.saturation = parts.saturation;
    this.warnings = parts.warnings;
    const inProfiles = new Set<Plugin>();
    for (const p of parts.profiles.values()) {
      for (const f of p.filters) inProfiles.add(f);
      for (const s of p.scorers) inProfiles.add(s.scorer);
      inProfiles.add(p.picker);
    }
    inProfiles.add(parts.handler);
    // Only plugins that take part in a profile learn from its results.
    this.#postPick = [...inProfiles].filter((p): p is PostPick => typeof p.afterPick === 'function');
    let chars = 0;
    for (const p of parts.profiles.values()) for (const s of p.scorers) chars = Math.max(chars, s.scorer.promptChars ?? 0);
    this.promptChars = chars;
  }

  /**
   * Runs one cycle over `endpoints` (the ready candidates). Throws GatewayError `no_ready_endpoint`
   * when no profile chose an endpoint; other exceptions are plugin bugs.
   */
  schedule(cycle: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): SchedulingResult {
    const runs = new Map<string, ProfileRun>();
    for (let round = 0; ; round++) {
      if (round >= MAX_ROUNDS) throw new Error(`profile handler ${this.handler.name} asked for profiles more than ${MAX_ROUNDS} times`);
      const next = this.handler.pickProfiles(cycle, request, this.profiles, runs);
      if (next.length === 0) break;
      for (const profile of next) runs.set(profile.name, runProfile(profile, cycle, request, endpoints));
    }
    const { primaryProfile } = this.handler.processResults(cycle, request, runs);
    const primary = runs.get(primaryProfile);
    if (!primary || primary.targets.length === 0) {
      throw new GatewayError('no_ready_endpoint', `no endpoint can serve the request: profile ${primaryProfile} ${primary?.failure ?? 'chose no endpoint'}`);
    }
    const result: SchedulingResult = { primaryProfile, runs, targets: primary.targets };
    if (cycle.learn !== false) for (const p of this.#postPick) p.afterPick(cycle, request, result);
    return result;
  }
}

/** Filters, scores and picks for one profile. Never throws for an empty candidate set: it reports it. */
export function runProfile(profile: SchedulingProfile, cycle: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): ProfileRun {
  let candidates = endpoints;
  const filters: { name: string; type: string; kept: number }[] = [];
  for (const f of profile.filters) {
    if (candidates.length === 0) break;
    candidates = f.filter(cycle, request, candidates);
    filters.push({ name: f.name, type: f.type, kept: candidates.length });
  }
  const n = candidates.length;
  const totals = new Float64Array(n);
  const scorers: ScorerRecord[] = [];
  if (n === 0) {
    const last = filters[filters.length - 1];
    const failure = last ? `had no endpoint left after filter ${last.name}` : 'had no ready endpoint';
    return { profile: profile.name, candidates, filters, scorers, totals, picker: profile.picker.name, targets: [], failure };
  }
  for (const { scorer, weight } of profile.scorers) {
    const raw = new Float64Array(n);
    scorer.score(cycle, request, candidates, raw);
    const weighted = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = raw[i]!;
      // clamp(score, 0, 1); NaN (a broken scorer) contributes nothing.
      const c = s > 1 ? 1 : s > 0 ? s : 0;
      const w = c * weight;
      weighted[i] = w;
      totals[i] = totals[i]! + w;
    }
    scorers.push({ name: scorer.name, type: scorer.type, weight, raw, weighted });
  }
  const targets = profile.picker.pick(cycle, request, candidates, totals);
  return { profile: profile.name, candidates, filters, scorers, totals, picker: profile.picker.name, targets, ...(targets.length === 0 ? { failure: `picker ${profile.picker.name} chose no endpoint` } : {}) };
}
