// The endpoint-picker contract the data plane sees: a pool's picker (built once per snapshot by the
// compiler from the pool's EndpointPickerConfig) and the decision it returns. The scheduling
// framework and its plugins live in picker/; stages only call `pick`.
import type { EndpointState, SaturationThresholds } from './endpoint.ts';

/** Request headers as node:http gives them (lower-case names). */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface PickInput {
  /** The model the client asked for. */
  readonly model: string;
  /** The model sent upstream (after overrides); seeds prefix hashes and selects LoRA adapters. */
  readonly targetModel: string;
  readonly headers: RequestHeaders;
  /** The parsed OpenAI-style body: `messages` / `prompt` feed prefix affinity, `cache_salt` seeds it. */
  readonly body?: Readonly<Record<string, unknown>> | undefined;
  /** InferenceObjective priority (< 0: sheddable), from admission. */
  readonly priority: number;
  readonly objective?: string | undefined;
  /** The endpoints admission let this request use (ready ones), in pool order. */
  readonly endpoints: readonly EndpointState[];
  /**
   * Whether plugins may learn from this pick (the prefix index records the request's blocks for
   * the chosen endpoint). False for mirrored copies: a mirror must not teach the index.
   */
  readonly learn: boolean;
}

/** What a prefix-cache scorer found, kept on the cycle for the decision record. */
export interface PrefixMatch {
  /** Name of the scorer instance that matched. */
  readonly scorer: string;
  /** Full blocks of the request that were hashed (at most maxPrefixBlocksToMatch). */
  readonly totalBlocks: number;
  /** Endpoint key → consecutive blocks matched from the start. */
  readonly matched: ReadonlyMap<string, number>;
}

/** One scorer's contribution in a profile run, aligned with `ProfileRun.candidates`. */
export interface ScorerRecord {
  readonly name: string;
  readonly type: string;
  readonly weight: number;
  /** What the scorer returned. */
  readonly raw: Float64Array;
  /** clamp(raw, 0, 1) × weight. */
  readonly weighted: Float64Array;
}

/** The outcome of running one profile (kept whole for the decision record). */
export interface ProfileRun {
  readonly profile: string;
  /** Endpoints left after the filters, in pool order. */
  readonly candidates: readonly EndpointState[];
  /** Endpoints each filter kept, in filter order. */
  readonly filters: readonly { readonly name: string; readonly type: string; readonly kept: number }[];
  readonly scorers: readonly ScorerRecord[];
  /** Sum of the weighted scores per candidate. */
  readonly totals: Float64Array;
  readonly picker: string;
  /** Chosen endpoints, primary first; empty when the profile failed. */
  readonly targets: readonly EndpointState[];
  /** Why the profile chose nothing (e.g. a filter removed every endpoint). */
  readonly failure?: string;
}

export interface PickDecision {
  /** `namespace/name` of the InferencePool. */
  readonly pool: string;
  /** The primary endpoint (send the request here). */
  readonly endpoint: EndpointState;
  /** Primary first, then fallbacks in order (`x-gateway-destination-endpoint` joins their keys with ','). */
  readonly targets: readonly EndpointState[];
  /** The primary profile's name. */
  readonly profile: string;
  readonly priority: number;
  /** The InferenceObjective the request named, if any. */
  readonly objective: string | undefined;
  /** Every profile run (one for single-profile-handler), with per-endpoint raw and weighted scores. */
  readonly runs: readonly ProfileRun[];
  /** The prefix-cache scorer's match, when one ran. */
  readonly prefix: PrefixMatch | undefined;
  /** Set when the scheduler failed and the pool's FailOpen mode chose a random ready endpoint: why. */
  readonly failOpen?: string;
}

/** A pool's endpoint picker. Synchronous; one instance per pool per snapshot, learned state shared across snapshots. */
export interface PoolPicker {
  /**
   * One scheduling cycle over `input.endpoints`. Throws GatewayError `no_ready_endpoint` (503) when
   * no endpoint can serve, `internal_error` (500) when a plugin fails and the pool is FailClose.
   */
  pick(input: PickInput): PickDecision;
  /** The pool's saturation thresholds (EndpointPickerConfig saturationDetector): admission uses them. */
  readonly saturation: SaturationThresholds;
  /** Configuration accepted but without effect, for status and logs. */
  readonly warnings: readonly string[];
  /** Blocks held by the pool's prefix index (inference_extension_prefix_indexer_size). */
  prefixIndexSize(): number;
}
