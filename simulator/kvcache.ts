// The simulated KV cache: a pool of `--kv-cache-size` blocks of `--block-size` tokens with automatic
// prefix caching, after vLLM's block manager.
//
// - A sequence holds ceil(tokens / blockSize) blocks: the full blocks of its prompt, a private block
//   for the prompt's partial tail, and private blocks for its output as that grows.
// - Full prompt blocks are identified by chained hashes: h(-1) = hash(cache key), h(i) = hash(h(i-1),
//   text of block i). The cache key is the base model, or the LoRA adapter, so different adapters
//   never share blocks. Equal hashes are one physical block shared by every sequence that holds it
//   (reference-counted).
// - A prompt's cached tokens are blockSize × the number of its leading blocks already in the cache
//   (held by a running sequence, or unused but not evicted yet), looked up only over the first
//   promptTokens − 1 tokens: the last prompt token is always computed, as in vLLM.
// - When a sequence ends, its hashed blocks become unused but stay cached, in LRU order (the tail of a
//   prompt is queued for eviction before its head); private blocks are freed. A new block evicts the
//   least recently used unused block when no block is free.
// - Admission: a sequence starts only when the blocks it will ever need (prompt blocks not yet held
//   by anyone + its planned output blocks) fit in the blocks that are neither held nor promised to
//   running sequences. The output blocks are promised at admission and taken as tokens are generated,
//   so decoding never runs out of blocks and nothing is preempted (vLLM instead admits optimistically
//   and preempts under pressure).
// - usage() = held blocks / total blocks (unused cached blocks count as free, as in vLLM), reported
//   as vllm:kv_cache_usage_perc.
//
// Everything is synchronous, so the engine's view and the metrics always agree.

import { tokenBlocks } from './tokenizer.ts';

export interface KvInput {
  /** Prefix-cache namespace: the base model name, or the LoRA adapter name. */
  cacheKey: string;
  /** The rendered prompt; blocks are cut from it with the tokenizer approximation. */
  promptText: string;
  promptTokens: number;
  /** When the prompt was given as token ids, blocks are cut from the ids instead of the text. */
  promptTokenIds?: readonly number[] | undefined;
  /** Output tokens the sequence will generate (its blocks are promised at admission). */
  outputTokens: number;
}

/** A prepared request: its block hashes and block counts, computed once. */
export interface KvTicket {
  readonly hashes: readonly number[];
  /** Leading hashes that may count as hits (blocks entirely within the first promptTokens − 1 tokens). */
  readonly lookupLimit: number;
  readonly promptTokens: number;
  /** Blocks held at start: the full prompt blocks plus a partial tail block if any. */
  readonly startBlocks: number;
  /** Blocks held once every planned output token exists. */
  readonly finalBlocks: number;
}

export interface KvCacheModel {
  readonly enabled: boolean;
  readonly blockSize: number;
  readonly totalBlocks: number;
  prepare(input: KvInput): KvTicket;
  /** True when the sequence could start now. */
  fits(ticket: KvTicket): boolean;
  /** False when the sequence can never fit, even in an empty cache. */
  fitsEver(ticket: KvTicket): boolean;
  /** Takes the blocks (call only after fits() returned true). Returns the prompt tokens served from cache. */
  start(id: number, ticket: KvTicket): { cachedTokens: number };
  /** The sequence has generated this many output tokens so far. */
  progress(id: number, generatedTokens: number): void;
  /** The sequence finished or was aborted: its blocks become unused (hashed) or free (private). */
  finish(id: number): void;
  /** Fraction 0..1 of the blocks held by running sequences. */
  usage(): number;
  /** Counters of vllm:prefix_cache_queries_total / _hits_total, in tokens. */
  readonly queriedTokens: number;
  readonly hitTokens: number;
}

// ---------------------------------------------------------------------------------------------------
// Hashing: two 32-bit FNV-1a lanes over the block text, seeded with the parent hash and finished with
// a multiply-xorshift mix, giving a 53-bit number (a safe Map key). Collisions are negligible at the
// sizes simulated (10^5 blocks: p ≈ 10^-6).

const TWO_32 = 4294967296;

function finish32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of a block given its parent's hash. Exported for tests and for tools that mirror the cache. */
export function chainHash(parent: number, text: string): number {
  let a = (0x811c9dc5 ^ (parent >>> 0)) >>> 0;
  let b = (0x01000193 ^ Math.floor(parent / TWO_32)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  const lo = finish32(a ^ Math.imul(b, 0x9e3779b1));
  const hi = finish32(b ^ lo) & 0x1fffff;
  return hi * TWO_32 + lo;
}

/** The chained hashes of the full blocks of a prompt (text, or token ids when given). */
export function promptBlockHashes(cacheKey: string, blockSize: number, promptText: string, tokenIds?: readonly number[]): number[] {
  let parent = chainHash(0, `\u0000model:${cacheKey}`);
  const hashes: number[] = [];
  if (tokenIds !== undefined) {
    for (let i = 0; i + blockSize <= tokenIds.length; i += blockSize) {
      parent = chainHash(parent, tokenIds.slice(i, i + blockSize).join(','));
      hashes.push(parent);
    }
    return hashes;
  }
  for (const block of tokenBlocks(promptText, blockSize)) {
    parent = chainHash(parent, block);
    hashes.push(parent);
  }
  return hashes;
}

// ---------------------------------------------------------------------------------------------------

interface Block {
  readonly hash: number;
  refs: number;
}

interface SeqState {
  readonly hashes: readonly number[];
  readonly promptTokens: number;
  /** Private blocks held (partial prompt tail and output blocks). */
  privateBlocks: number;
  /** Blocks held in all (hashed + private). */
  blocks: number;
  /** Output blocks still promised. */
  promised: number;
}

export class PrefixKvCache implements KvCacheModel {
  readonly enabled = true;
  /** Every hashed block, held or unused. */
  private readonly byHash = new Map<number, Block>();
  /** Unused hashed blocks, least recently used first (Map keeps insertion order). */
  private readonly lru = new Map<number, Block>();
  private readonly seqs = new Map<number, SeqState>();
  /** Blocks referenced by running sequences (a shared block counts once) plus their private blocks. */
  private held = 0;
  /** Output blocks promised to running sequences and not taken yet. */
  private promised = 0;
  private queried = 0;
  private hits = 0;
  private evictions = 0;

  constructor(
    readonly totalBlocks: number,
    readonly blockSize: number,
  ) {
    if (!(totalBlocks >= 1) || !(blockSize >= 1)) throw new Error('PrefixKvCache: totalBlocks and blockSize must be ≥ 1');
  }

  get queriedTokens(): number {
    return this.queried;
  }

  get hitTokens(): number {
    return this.hits;
  }

  /** Blocks held by running sequences. */
  get heldBlocks(): number {
    return this.held;
  }

  /** Unused blocks still cached (evictable). */
  get cachedUnusedBlocks(): number {
    return this.lru.size;
  }

  /** Hashed blocks in the cache, held or unused. */
  get cachedBlocks(): number {
    return this.byHash.size;
  }

  get evictedBlocks(): number {
    return this.evictions;
  }

  prepare(input: KvInput): KvTicket {
    const bs = this.blockSize;
    const hashes = promptBlockHashes(input.cacheKey, bs, input.promptText, input.promptTokenIds);
    const promptTokens = Math.max(input.promptTokens, hashes.length * bs);
    const startBlocks = Math.ceil(promptTokens / bs);
    const finalBlocks = Math.max(startBlocks, Math.ceil((promptTokens + Math.max(0, input.outputTokens)) / bs));
    return {
      hashes,
      lookupLimit: Math.min(hashes.length, Math.floor(Math.max(0, promptTokens - 1) / bs)),
      promptTokens,
      startBlocks,
      finalBlocks,
    };
  }

  /** Blocks the ticket would take from the free-or-evictable pool if it started now. */
  private need(t: KvTicket): number {
    let need = t.finalBlocks - t.hashes.length; // private: partial tail + output
    for (const h of t.hashes) {
      const b = this.byHash.get(h);
      if (b === undefined || b.refs === 0) need++; // a new block, or an unused one taken back
    }
    return need;
  }

  fits(t: KvTicket): boolean {
    return this.need(t) <= this.totalBlocks - this.held - this.promised;
  }

  fitsEver(t: KvTicket): boolean {
    return t.finalBlocks <= this.totalBlocks;
  }

  /** Leading blocks of the ticket present in the cache, within its lookup limit. */
  private hitBlocks(t: KvTicket): number {
    let n = 0;
    while (n < t.lookupLimit && this.byHash.has(t.hashes[n] as number)) n++;
    return n;
  }

  /** The prompt tokens the ticket would find cached if it started now (no state change). */
  peekCachedTokens(t: KvTicket): number {
    return this.hitBlocks(t) * this.blockSize;
  }

  start(id: number, t: KvTicket): { cachedTokens: number } {
    const hitBlocks = this.hitBlocks(t);
    for (const h of t.hashes) {
      const b = this.byHash.get(h);
      if (b !== undefined) {
        if (b.refs === 0) {
          this.lru.delete(h);
          this.held++;
        }
        b.refs++;
      } else {
        this.takeBlock();
        this.byHash.set(h, { hash: h, refs: 1 });
      }
    }
    const privateBlocks = t.startBlocks - t.hashes.length;
    for (let i = 0; i < privateBlocks; i++) this.takeBlock();
    const promised = t.finalBlocks - t.startBlocks;
    this.promised += promised;
    this.seqs.set(id, { hashes: t.hashes, promptTokens: t.promptTokens, privateBlocks, blocks: t.startBlocks, promised });
    const cachedTokens = hitBlocks * this.blockSize;
    this.queried += t.promptTokens;
    this.hits += cachedTokens;
    return { cachedTokens };
  }

  progress(id: number, generatedTokens: number): void {
    const s = this.seqs.get(id);
    if (s === undefined) return;
    const want = Math.ceil((s.promptTokens + generatedTokens) / this.blockSize);
    while (s.blocks < want && s.promised > 0) {
      s.promised--;
      this.promised--;
      this.takeBlock();
      s.privateBlocks++;
      s.blocks++;
    }
  }

  finish(id: number): void {
    const s = this.seqs.get(id);
    if (s === undefined) return;
    this.seqs.delete(id);
    // Tail first, so the head of a prompt (shared by more requests) is the last to be evicted.
    for (let i = s.hashes.length - 1; i >= 0; i--) {
      const h = s.hashes[i] as number;
      const b = this.byHash.get(h);
      if (b === undefined) continue;
      b.refs--;
      if (b.refs === 0) {
        this.lru.set(h, b);
        this.held--;
      }
    }
    this.held -= s.privateBlocks;
    this.promised -= s.promised;
  }

  usage(): number {
    return Math.min(1, this.held / this.totalBlocks);
  }

  /** Takes one block: a free one, else the least recently used unused one. */
  private takeBlock(): void {
    if (this.held + this.lru.size >= this.totalBlocks) {
      const oldest = this.lru.keys().next();
      if (!oldest.done) {
        this.lru.delete(oldest.value);
        this.byHash.delete(oldest.value);
        this.evictions++;
      }
      // else: the admission invariant makes this unreachable; over-commit rather than fail a request.
    }
    this.held++;
  }
}

/** No KV-cache simulation (`--enable-kvcache=false`): everything fits, nothing is cached, usage stays 0. */
export class NoKvCache implements KvCacheModel {
  readonly enabled = false;
  readonly queriedTokens = 0;
  readonly hitTokens = 0;
  constructor(
    readonly totalBlocks: number,
    readonly blockSize: number,
  ) {}
  prepare(input: KvInput): KvTicket {
    return { hashes: [], lookupLimit: 0, promptTokens: input.promptTokens, startBlocks: 0, finalBlocks: 0 };
  }
  fits(): boolean {
    return true;
  }
  fitsEver(): boolean {
    return true;
  }
  start(): { cachedTokens: number } {
    return { cachedTokens: 0 };
  }
  progress(): void {}
  finish(): void {}
  usage(): number {
    return 0;
  }
}
