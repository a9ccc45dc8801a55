// prefix-cache-scorer (GIE v1.3 approximate prefix index; inference-extension reference §4.4):
// score = blocks of the request's prompt prefix the endpoint probably holds / blocks hashed
// (0 for every endpoint when the prompt is shorter than one block).
//
// Parameters (upstream names and defaults):
//   blockSize               64      bytes of prompt text per block (~16 tokens at ~4 bytes per token)
//   maxPrefixBlocksToMatch  256     blocks hashed at most (16,384 bytes); bounds the cost
//   lruCapacityPerServer    31250   blocks remembered per endpoint (see prefix-index.ts for memory)
//   autoTune                true    an endpoint that reports vllm:cache_config_info{block_size,
//                                   num_gpu_blocks} is remembered up to its own KV cache size
//                                   (num_gpu_blocks × block_size × 4 characters ÷ blockSize blocks)
//                                   instead of lruCapacityPerServer, so the index forgets prefixes
//                                   about when the server does. blockSize stays as given: the hash
//                                   chain must be the same for every endpoint.
//
// Learning: after the pick (post-pick hook) the request's block hashes are recorded for the primary
// endpoint. The index lives in the pool's picker state (PluginHandle.state), keyed by instance name
// and block size, so it survives config reloads that keep those two.
import type { PluginFactory } from '../../framework/registry.ts';
import type { CycleState, Endpoint, PostPick, SchedulingRequest, SchedulingResult, Scorer } from '../../framework/types.ts';
import { BlockHasher } from './block-hash.ts';
import { PrefixIndex } from './prefix-index.ts';

export const PREFIX_CACHE_SCORER_TYPE = 'prefix-cache-scorer';

export interface PrefixCacheParameters {
  readonly blockSize: number;
  readonly maxPrefixBlocksToMatch: number;
  readonly lruCapacityPerServer: number;
  readonly autoTune?: boolean;
}

export const DEFAULT_PREFIX_CACHE_PARAMETERS: PrefixCacheParameters = { blockSize: 64, maxPrefixBlocksToMatch: 256, lruCapacityPerServer: 31250, autoTune: true };

/** Characters per token assumed when converting a server's KV blocks into index blocks. */
const CHARS_PER_TOKEN = 4;

/** The hashed prefix is held in a buffer of blockSize × maxPrefixBlocksToMatch bytes: keep it small. */
export const MAX_PREFIX_BYTES = 16 << 20;

export class PrefixCacheScorer implements Scorer, PostPick {
  readonly type = PREFIX_CACHE_SCORER_TYPE;
  readonly name: string;
  readonly parameters: PrefixCacheParameters;
  readonly index: PrefixIndex;
  readonly promptChars: number;
  readonly #hasher: BlockHasher;
  // Hashes of the request being scheduled, reused across requests (scheduling is synchronous).
  readonly #keys: Int32Array;
  readonly #checks: Int32Array;
  #count = 0;
  /** The cycle the buffers belong to: afterPick learns only from the cycle this scorer scored. */
  #cycle: CycleState | undefined;

  constructor(name: string, parameters: PrefixCacheParameters, index: PrefixIndex = new PrefixIndex(parameters.lruCapacityPerServer)) {
    this.name = name;
    this.parameters = parameters;
    this.index = index;
    this.#hasher = new BlockHasher(parameters.blockSize, parameters.maxPrefixBlocksToMatch);
    // A text of L characters is at least L UTF-8 bytes, so this many characters cover every block.
    this.promptChars = this.#hasher.byteLimit;
    this.#keys = new Int32Array(parameters.maxPrefixBlocksToMatch);
    this.#checks = new Int32Array(parameters.maxPrefixBlocksToMatch);
  }

  score(cycle: CycleState, request: SchedulingRequest, endpoints: readonly Endpoint[], out: Float64Array): void {
    const n = this.#hasher.hash(request.targetModel, request.cacheSalt, request.prompt, this.#keys, this.#checks);
    this.#count = n;
    this.#cycle = cycle;
    const matched = new Map<string, number>();
    for (let i = 0; i < endpoints.length; i++) {
      const key = endpoints[i]!.key;
      const m = n === 0 ? 0 : this.index.matchLength(key, this.#keys, this.#checks, n);
      matched.set(key, m);
      out[i] = n === 0 ? 0 : m / n;
    }
    cycle.prefix = { scorer: this.name, totalBlocks: n, matched };
  }

  /** Blocks to remember for `ep`: its own KV cache size under autoTune, else lruCapacityPerServer. */
  #capacityOf(ep: Endpoint): number {
    const { cacheBlocks, cacheBlockTokens } = ep.metrics;
    if (this.parameters.autoTune === false || cacheBlocks <= 0 || cacheBlockTokens <= 0) return this.parameters.lruCapacityPerServer;
    return Math.max(1, Math.floor((cacheBlocks * cacheBlockTokens * CHARS_PER_TOKEN) / this.parameters.blockSize));
  }

  afterPick(cycle: CycleState, _request: SchedulingRequest, result: SchedulingResult): void {
    const chosen = result.targets[0];
    if (cycle !== this.#cycle || this.#count === 0 || !chosen) return;
    this.index.add(chosen.key, this.#keys, this.#checks, this.#count, this.#capacityOf(chosen));
    this.#cycle = undefined;
  }
}

export const prefixCacheScorerFactory: PluginFactory = ({ name, params, handle }) => {
  const d = DEFAULT_PREFIX_CACHE_PARAMETERS;
  const blockSize = params.int('blockSize', d.blockSize, { min: 1, max: 1 << 20 });
  const maxPrefixBlocksToMatch = params.int('maxPrefixBlocksToMatch', d.maxPrefixBlocksToMatch, { min: 1, max: 1 << 16 });
  const lruCapacityPerServer = params.int('lruCapacityPerServer', d.lruCapacityPerServer, { min: 1, max: 1 << 24 });
  if (blockSize * maxPrefixBlocksToMatch > MAX_PREFIX_BYTES) {
    throw params.error('maxPrefixBlocksToMatch', `× blockSize must be at most ${MAX_PREFIX_BYTES} bytes (got ${maxPrefixBlocksToMatch} × ${blockSize}); lower one of them (defaults 256 × 64)`);
  }
  const autoTune = params.bool('autoTune', d.autoTune ?? true);
  const index = handle.state(`${PREFIX_CACHE_SCORER_TYPE}/${name}/blockSize=${blockSize}`, () => new PrefixIndex(lruCapacityPerServer));
  index.setCapacity(lruCapacityPerServer);
  return new PrefixCacheScorer(name, { blockSize, maxPrefixBlocksToMatch, lruCapacityPerServer, autoTune }, index);
};
