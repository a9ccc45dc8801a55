// The approximate prefix-cache index: which block hashes each endpoint probably holds in its KV
// cache, learned from the picker's own decisions (no feedback from the model server).
//
// One BlockStore per endpoint (block-store.ts): a bounded LRU set of (key, check) pairs, 30 bits
// each from block-hash.ts. A lookup matches only when the stored check equals the request's, so a
// false hit needs both halves to collide; two hashes with the same key in one store replace each
// other, which only evicts one early.
//
// Memory bound: each endpoint keeps at most `capacity` (lruCapacityPerServer) blocks, evicting the
// least recently used, in at most 32 bytes per block: ≤ 1 MB per endpoint at the default 31,250
// (756 KB exactly when full), ≤ 16 MB for 16 endpoints. Lower lruCapacityPerServer to shrink it.
// Stores of endpoints that leave the pool are dropped (retainEndpoints).
//
// Eviction order: a request's blocks are recorded last block first, so its first block is the most
// recent and the tail of a prompt is evicted before its head. Matching walks from the first block
// and stops at the first miss, so losing the head would lose the whole match; model servers evict
// their own prefix caches tail first for the same reason.
import { BlockStore } from './block-store.ts';

export class PrefixIndex {
  #capacity: number;
  readonly #stores = new Map<string, BlockStore>();

  constructor(capacity: number) {
    this.#capacity = Math.max(1, Math.floor(capacity));
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Changes the per-endpoint bound (a config reload), evicting down to it at once. */
  setCapacity(capacity: number): void {
    this.#capacity = Math.max(1, Math.floor(capacity));
    for (const store of this.#stores.values()) store.setCapacity(this.#capacity);
  }

  /** How many leading blocks (0..n) `endpoint` holds, stopping at the first it does not. */
  matchLength(endpoint: string, keys: Int32Array, checks: Int32Array, n: number): number {
    const store = this.#stores.get(endpoint);
    if (!store) return 0;
    let i = 0;
    while (i < n && store.has(keys[i]!, checks[i]!)) i++;
    return i;
  }

  /**
   * Records that `endpoint` now holds blocks 0..n−1 (it served a request with this prefix).
   * `capacity` overrides the per-endpoint bound (autoTune: the endpoint's own KV cache size).
   */
  add(endpoint: string, keys: Int32Array, checks: Int32Array, n: number, capacity: number = this.#capacity): void {
    const bound = Math.max(1, Math.floor(capacity));
    let store = this.#stores.get(endpoint);
    if (!store) {
      store = new BlockStore(bound);
      this.#stores.set(endpoint, store);
    } else if (store.capacity !== bound) {
      store.setCapacity(bound);
    }
    // Skip the part of the tail that cannot fit anyway.
    const first = Math.min(n, bound) - 1;
    for (let i = first; i >= 0; i--) store.touch(keys[i]!, checks[i]!);
  }

  /** Drops the stores of endpoints not in `keep`. */
  retainEndpoints(keep: ReadonlySet<string>): void {
    for (const key of this.#stores.keys()) if (!keep.has(key)) this.#stores.delete(key);
  }

  /** Entries held for `endpoint`. */
  entries(endpoint: string): number {
    return this.#stores.get(endpoint)?.size ?? 0;
  }

  /** Bytes held by every store. */
  get bytes(): number {
    let total = 0;
    for (const store of this.#stores.values()) total += store.bytes;
    return total;
  }

  /** Entries held over all endpoints (upstream's prefix_indexer_size). */
  get size(): number {
    let total = 0;
    for (const store of this.#stores.values()) total += store.size;
    return total;
  }
}
