// Chained block hashes for the approximate prefix-cache index (inference-extension reference §4.4):
//   h0 = H(model ‖ cache_salt);  h_i = H(block_i ‖ h_{i−1})
// over the UTF-8 bytes of the prompt text, in blocks of `blockSize` bytes, as upstream: only full
// blocks count and at most `maxBlocks` are hashed, so the cost is bounded whatever the prompt length.
//
// H is a small hand-written 64-bit hash, not upstream's xxhash64 (no xxhash package is installed;
// the index is private to this process, so its hashes need not match anyone else's). Two 32-bit
// lanes read every 32-bit word of the block: lane A xor-multiply-rotate, lane B add-multiply-rotate,
// with different constants; then the previous hash's two words, the block length, a MurmurHash3
// finalizer per lane, and each lane added into the other. Each step is a bijection of the lane state
// and of the word, so two blocks that differ in a single word never get the same 64-bit hash. Good enough for an approximate
// cache index (a collision only misroutes one request); not a cryptographic hash. If hashes ever
// have to agree with another implementation (vLLM KV events), swap H for an xxhash64 package then.
//
// Cost: the text is UTF-8 encoded once into a reusable buffer (native code, stops at the buffer's
// end) and read as 32-bit words; nothing is allocated per block. Output per block: `keys[i]` and
// `checks[i]`, 30 bits of each lane (small integers, so the index's Map holds them unboxed); the
// chain itself carries the full 64 bits.

const LANE_A_SEED = 0x2545f491;
const LANE_B_SEED = 0x6a09e667;
const MUL_A = 0x9e3779b1;
const MUL_B = 0x85ebca77;
const LOW30 = 0x3fffffff;

function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class BlockHasher {
  readonly blockSize: number;
  readonly maxBlocks: number;
  readonly #buffer: Buffer;
  readonly #bytes: Uint8Array;
  /** 32-bit view, used when blocks start on word boundaries (blockSize a multiple of 4). */
  readonly #words: Uint32Array | undefined;
  // The last finished hash (instance scratch: hashing allocates nothing).
  #outA = 0;
  #outB = 0;

  constructor(blockSize: number, maxBlocks: number) {
    this.blockSize = blockSize;
    this.maxBlocks = maxBlocks;
    const bytes = blockSize * maxBlocks;
    // Own ArrayBuffer (not Buffer's shared pool) so the Uint32Array view is aligned.
    const ab = new ArrayBuffer(bytes + 4);
    this.#buffer = Buffer.from(ab, 0, bytes);
    this.#bytes = new Uint8Array(ab);
    this.#words = blockSize % 4 === 0 ? new Uint32Array(ab, 0, ab.byteLength >>> 2) : undefined;
  }

  /** Bytes of a prompt that can matter: blockSize × maxBlocks. */
  get byteLimit(): number {
    return this.#buffer.length;
  }

  /**
   * Fills `keys`/`checks` (length ≥ maxBlocks) with the chained hashes of the full blocks at the
   * start of `text` and returns how many were written.
   */
  hash(model: string, salt: string, text: string, keys: Int32Array, checks: Int32Array): number {
    const written = text.length === 0 ? 0 : this.#buffer.write(text, 0, this.#buffer.length, 'utf8');
    const n = Math.min(Math.floor(written / this.blockSize), this.maxBlocks, keys.length, checks.length);
    if (n <= 0) return 0;
    this.#seed(model, salt);
    for (let blk = 0; blk < n; blk++) {
      this.#block(blk * this.blockSize);
      keys[blk] = this.#outA & LOW30;
      checks[blk] = this.#outB & LOW30;
    }
    return n;
  }

  /** h0 from the model name and salt (read as UTF-16 code units: they are short). */
  #seed(model: string, salt: string): void {
    let a = LANE_A_SEED;
    let b = LANE_B_SEED;
    for (let i = 0; i < model.length; i++) {
      const w = model.charCodeAt(i);
      a = Math.imul(a ^ w, MUL_A);
      a = (a << 15) | (a >>> 17);
      b = Math.imul((b + w) | 0, MUL_B);
      b = (b << 13) | (b >>> 19);
    }
    // The model length separates model from salt ("ab"+"c" ≠ "a"+"bc").
    a = Math.imul(a ^ model.length, MUL_A);
    b = Math.imul((b + model.length) | 0, MUL_B);
    for (let i = 0; i < salt.length; i++) {
      const w = salt.charCodeAt(i);
      a = Math.imul(a ^ w, MUL_A);
      a = (a << 15) | (a >>> 17);
      b = Math.imul((b + w) | 0, MUL_B);
      b = (b << 13) | (b >>> 19);
    }
    this.#finish(a, b, salt.length);
  }

  /** h_i from the block at byte `from` and h_{i−1} (in #outA/#outB). */
  #block(from: number): void {
    let a = LANE_A_SEED;
    let b = LANE_B_SEED;
    const size = this.blockSize;
    const words = this.#words;
    if (words) {
      const end = (from + size) >>> 2;
      for (let i = from >>> 2; i < end; i++) {
        const w = words[i]!;
        a = Math.imul(a ^ w, MUL_A);
        a = (a << 15) | (a >>> 17);
        b = Math.imul((b + w) | 0, MUL_B);
        b = (b << 13) | (b >>> 19);
      }
    } else {
      const bytes = this.#bytes;
      for (let i = from; i < from + size; i++) {
        const w = bytes[i]!;
        a = Math.imul(a ^ w, MUL_A);
        a = (a << 15) | (a >>> 17);
        b = Math.imul((b + w) | 0, MUL_B);
        b = (b << 13) | (b >>> 19);
      }
    }
    // ‖ h_{i−1}
    const pa = this.#outA;
    const pb = this.#outB;
    a = Math.imul(a ^ pa, MUL_A);
    a = (a << 15) | (a >>> 17);
    b = Math.imul((b + pa) | 0, MUL_B);
    b = (b << 13) | (b >>> 19);
    a = Math.imul(a ^ pb, MUL_A);
    a = (a << 15) | (a >>> 17);
    b = Math.imul((b + pb) | 0, MUL_B);
    b = (b << 13) | (b >>> 19);
    this.#finish(a, b, size);
  }

  #finish(a: number, b: number, len: number): void {
    a = avalanche(a ^ len);
    b = avalanche(b ^ len);
    a = (a + b) | 0;
    b = (b + a) | 0;
    this.#outA = a;
    this.#outB = b;
  }
}
