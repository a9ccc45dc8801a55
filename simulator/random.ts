// A small seedable PRNG, so a simulator started with --seed produces the same texts, lengths, jitter and
// injected failures on every run. Not cryptographic; Math.random would not be reproducible.

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number;
  /** Standard normal sample (Box–Muller). */
  gaussian(): number;
  pick<T>(items: readonly T[]): T;
}

/** mulberry32: 32-bit state, good statistical quality for simulation purposes. */
export function createRandom(seed: number = Date.now() ^ (process.hrtime()[1] << 7)): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    gaussian: () => {
      const u = 1 - next(); // (0, 1]: log(0) is avoided
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
  };
}

/** FNV-1a 32-bit hash of a string: a stable seed derived from text (embeddings, per-request seeds). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
