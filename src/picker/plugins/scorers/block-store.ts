// One endpoint's remembered prefix blocks: a bounded LRU set of (key, check) pairs held in typed
// arrays, because it is updated for up to maxPrefixBlocksToMatch blocks on every pick. A JavaScript
// Map did the same at ~150 ns per insert+evict when full; this is several times cheaper and its
// memory is exact.
//
// Layout: entries live in parallel Int32Arrays (key, check, LRU prev/next links); an open-addressing
// table (linear probing, power-of-two size, at most half full) maps a key to its entry. Keys are
// already uniformly distributed hash bits, so a key's home slot is its low bits. Deletion shifts the
// following run back (no tombstones), so lookups stay short however many evictions happen.
//
// Memory: 16 bytes per entry slot plus 4 bytes per table slot; arrays grow by doubling up to the
// capacity, so a full store of capacity C takes 16·C + 4·nextPow2(2·C) bytes ≤ 32·C bytes
// (31,250 entries: 500 KB + 256 KB).

const EMPTY = -1;
const MIN_ENTRIES = 256;

export class BlockStore {
  #capacity: number;
  #size = 0;
  #keys: Int32Array;
  #checks: Int32Array;
  #prev: Int32Array;
  #next: Int32Array;
  /** Slot → entry index + 1; 0 = empty. */
  #table: Int32Array;
  #mask: number;
  /** Least recently used entry, and most recently used. */
  #oldest = EMPTY;
  #newest = EMPTY;

  constructor(capacity: number) {
    this.#capacity = Math.max(1, Math.floor(capacity));
    const n = Math.min(this.#capacity, MIN_ENTRIES);
    this.#keys = new Int32Array(n);
    this.#checks = new Int32Array(n);
    this.#prev = new Int32Array(n);
    this.#next = new Int32Array(n);
    this.#table = new Int32Array(tableSize(n));
    this.#mask = this.#table.length - 1;
  }

  get size(): number {
    return this.#size;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Bytes held by the arrays. */
  get bytes(): number {
    return this.#keys.byteLength * 4 + this.#table.byteLength;
  }

  /** Whether the store holds `key` with `check`. Does not change recency. */
  has(key: number, check: number): boolean {
    const e = this.#find(key);
    return e >= 0 && this.#checks[e] === check;
  }

  /** Inserts or refreshes (key, check) as most recent, evicting the least recent when full. */
  touch(key: number, check: number): void {
    let e = this.#find(key);
    if (e >= 0) {
      this.#checks[e] = check;
      if (e !== this.#newest) {
        this.#unlink(e);
        this.#linkNewest(e);
      }
      return;
    }
    if (this.#size >= this.#capacity) {
      // Reuse the least recent entry's slot.
      e = this.#oldest;
      this.#unlink(e);
      this.#removeFromTable(e);
    } else {
      if (this.#size === this.#keys.length) this.#grow();
      e = this.#size++;
    }
    this.#keys[e] = key;
    this.#checks[e] = check;
    this.#insertIntoTable(e);
    this.#linkNewest(e);
  }

  /** Changes the bound; a lower one keeps only the most recent entries. */
  setCapacity(capacity: number): void {
    const c = Math.max(1, Math.floor(capacity));
    if (c >= this.#size) {
      this.#capacity = c;
      return;
    }
    // Rebuild with the newest c entries, oldest first so their order is kept.
    const keep: number[] = [];
    for (let e = this.#newest; e !== EMPTY && keep.length < c; e = this.#prev[e]!) keep.push(e);
    const keys = keep.map((e) => this.#keys[e]!);
    const checks = keep.map((e) => this.#checks[e]!);
    const fresh = new BlockStore(c);
    for (let i = keep.length - 1; i >= 0; i--) fresh.touch(keys[i]!, checks[i]!);
    this.#capacity = c;
    this.#size = fresh.#size;
    this.#keys = fresh.#keys;
    this.#checks = fresh.#checks;
    this.#prev = fresh.#prev;
    this.#next = fresh.#next;
    this.#table = fresh.#table;
    this.#mask = fresh.#mask;
    this.#oldest = fresh.#oldest;
    this.#newest = fresh.#newest;
  }

  #find(key: number): number {
    const table = this.#table;
    const mask = this.#mask;
    for (let slot = key & mask; ; slot = (slot + 1) & mask) {
      const v = table[slot]!;
      if (v === 0) return EMPTY;
      if (this.#keys[v - 1] === key) return v - 1;
    }
  }

  #insertIntoTable(e: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let slot = this.#keys[e]! & mask;
    while (table[slot] !== 0) slot = (slot + 1) & mask;
    table[slot] = e + 1;
  }

  /** Linear-probing deletion by backward shift: later entries of the run move into the hole. */
  #removeFromTable(e: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let hole = this.#keys[e]! & mask;
    while (table[hole] !== e + 1) hole = (hole + 1) & mask;
    for (let slot = (hole + 1) & mask; ; slot = (slot + 1) & mask) {
      const v = table[slot]!;
      if (v === 0) break;
      const home = this.#keys[v - 1]! & mask;
      // Move v into the hole unless its home lies cyclically in (hole, slot].
      const inRange = hole <= slot ? home > hole && home <= slot : home > hole || home <= slot;
      if (!inRange) {
        table[hole] = v;
        hole = slot;
      }
    }
    table[hole] = 0;
  }

  #unlink(e: number): void {
    const p = this.#prev[e]!;
    const n = this.#next[e]!;
    if (p === EMPTY) this.#oldest = n;
    else this.#next[p] = n;
    if (n === EMPTY) this.#newest = p;
    else this.#prev[n] = p;
  }

  #linkNewest(e: number): void {
    this.#prev[e] = this.#newest;
    this.#next[e] = EMPTY;
    if (this.#newest === EMPTY) this.#oldest = e;
    else this.#next[this.#newest] = e;
    this.#newest = e;
  }

  #grow(): void {
    const n = Math.min(this.#capacity, this.#keys.length * 2);
    this.#keys = resized(this.#keys, n);
    this.#checks = resized(this.#checks, n);
    this.#prev = resized(this.#prev, n);
    this.#next = resized(this.#next, n);
    const size = tableSize(n);
    if (size !== this.#table.length) {
      this.#table = new Int32Array(size);
      this.#mask = size - 1;
      for (let e = 0; e < this.#size; e++) this.#insertIntoTable(e);
    }
  }
}

/** The smallest power of two ≥ 2 × entries (the table stays at most half full). */
function tableSize(entries: number): number {
  let size = 2;
  while (size < entries * 2) size *= 2;
  return size;
}

function resized(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a.subarray(0, Math.min(a.length, n)));
  return b;
}
