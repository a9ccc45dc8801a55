// The scheduling contracts (inference-extension reference §4.2, §12): the request a cycle schedules,
// the per-cycle state, and the narrow interfaces a plugin implements. A plugin's role comes from
// what it implements (filter, scorer, picker, profile handler, post-pick hook); one object may
// implement several (the prefix-cache scorer also learns after the pick).
//
// Contracts every plugin keeps:
// - Plugins are synchronous and must not keep references to the arrays they are handed.
// - A scorer writes one score per endpoint into `out` (same order as `endpoints`); the framework
//   clamps it to [0, 1] (NaN → 0) and multiplies it by the profile's weight. Scorers do not weight.
// - A filter returns the endpoints to keep, in their original order; it may return its input.
// - A picker returns the chosen endpoints, primary first (more than one = ordered fallbacks).
import type { EndpointState } from '../../runtime/endpoint.ts';
import type { PrefixMatch, ProfileRun, RequestHeaders, ScorerRecord } from '../../runtime/picker.ts';

export type { PrefixMatch, ProfileRun, RequestHeaders, ScorerRecord };

/** The endpoint as plugins see it: live identity, labels, readiness and scraped metrics. */
export type Endpoint = EndpointState;


export interface SchedulingRequest {
  /** `x-request-id` when the client sent one, else ''. */
  readonly requestId: string;
  /** The model the client asked for (the body's `model`). */
  readonly model: string;
  /** The model sent upstream (after rewrites and overrides); seeds the prefix hashes, selects LoRA adapters. */
  readonly targetModel: string;
  /**
   * The text hashed for prefix-cache affinity: chat → the JSON serialisation of `messages`,
   * completions → `prompt`; '' when the request has neither. May be cut short at the longest prefix
   * any plugin reads (`Scheduler.promptChars`).
   */
  readonly prompt: string;
  /** vLLM's `cache_salt` from the body ('' when absent): requests with different salts share no prefix. */
  readonly cacheSalt: string;
  readonly headers: RequestHeaders;
  /** InferenceObjective priority; < 0 means sheddable. */
  readonly priority: number;
}


/** State of one scheduling cycle, shared by the plugins that run in it. */
export interface CycleState {
  /** `performance.now()` at the start of the cycle: every plugin ages metrics against the same instant. */
  readonly now: number;
  /** Uniform in [0, 1); injectable so that tests are reproducible. */
  readonly random: () => number;
  /** Set by a prefix-cache scorer when it runs. */
  prefix: PrefixMatch | undefined;
  /** False: post-pick hooks do not run, so nothing is learned from this cycle (mirrored requests). */
  readonly learn?: boolean;
}

export interface PluginBase {
  /** The registered type, e.g. `queue-scorer`. */
  readonly type: string;
  /** The instance name (defaults to the type). */
  readonly name: string;
}

export interface Filter extends PluginBase {
  filter(cycle: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[];
}

export interface Scorer extends PluginBase {
  score(cycle: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[], out: Float64Array): void;
  /** How many leading prompt characters this scorer reads (0 or absent: none). */
  readonly promptChars?: number;
}

export interface Picker extends PluginBase {
  /** `scores[i]` is the weighted total of `endpoints[i]`. Returns at least one endpoint when given any. */
  pick(cycle: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[], scores: Float64Array): Endpoint[];
}

/** Runs after the scheduling result is final (upstream's PreRequest extension point). */
export interface PostPick extends PluginBase {
  afterPick(cycle: CycleState, request: SchedulingRequest, result: SchedulingResult): void;
}

export interface ProfileHandler extends PluginBase {
  /** Checked once when the scheduler is built; throw a PickerConfigError when the profiles do not fit. */
  validate?(profiles: ReadonlyMap<string, SchedulingProfile>): void;
  /** The profiles to run next given the results so far; an empty list ends the cycle. */
  pickProfiles(cycle: CycleState, request: SchedulingRequest, profiles: ReadonlyMap<string, SchedulingProfile>, results: ReadonlyMap<string, ProfileRun>): SchedulingProfile[];
  /** Names the primary profile, or throws (a GatewayError when no endpoint could be chosen). */
  processResults(cycle: CycleState, request: SchedulingRequest, results: ReadonlyMap<string, ProfileRun>): { readonly primaryProfile: string };
}

export type Plugin = PluginBase & Partial<Pick<Filter, 'filter'> & Pick<Scorer, 'score' | 'promptChars'> & Pick<Picker, 'pick'> & Pick<PostPick, 'afterPick'> & Pick<ProfileHandler, 'validate' | 'pickProfiles' | 'processResults'>>;

export function isFilter(p: Plugin): p is Filter {
  return typeof p.filter === 'function';
}
export function isScorer(p: Plugin): p is Scorer {
  return typeof p.score === 'function';
}
export function isPicker(p: Plugin): p is Picker {
  return typeof p.pick === 'function';
}
export function isPostPick(p: Plugin): p is PostPick {
  return typeof p.afterPick === 'function';
}
export function isProfileHandler(p: Plugin): p is ProfileHandler {
  return typeof p.pickProfiles === 'function' && typeof p.processResults === 'function';
}

export interface WeightedScorer {
  readonly scorer: Scorer;
  readonly weight: number;
}

/** A named profile: filters in order, weighted scorers, one picker. */
export interface SchedulingProfile {
  readonly name: string;
  readonly filters: readonly Filter[];
  readonly scorers: readonly WeightedScorer[];
  readonly picker: Picker;
}



export interface SchedulingResult {
  readonly primaryProfile: string;
  readonly runs: ReadonlyMap<string, ProfileRun>;
  /** The primary profile's targets: primary endpoint first, then fallbacks. */
  readonly targets: readonly Endpoint[];
}
