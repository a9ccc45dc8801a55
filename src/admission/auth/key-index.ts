// A lookup table of secret keys that holds only their SHA-256 digests.
//
// Lookup: the presented key is hashed once; the table is indexed by the digest, and the candidate's
// stored digest is then compared with crypto.timingSafeEqual. The Map lookup's timing depends only
// on the digest of what the client sent, which tells an attacker nothing about stored keys (finding
// a key from its digest is a preimage attack); the equality check itself is constant-time.
// Plaintext keys never stay in memory after construction.
import { createHash, timingSafeEqual } from 'node:crypto';

/** Keys longer than this are rejected without hashing (no real key is that long). */
export const MAX_KEY_LENGTH = 4096;

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Parses a 64-digit hex SHA-256 digest (as virtual keys may be configured); undefined if malformed. */
export function parseSha256Hex(hex: string): Buffer | undefined {
  const h = hex.trim().toLowerCase().replace(/^sha256:/, '');
  return /^[0-9a-f]{64}$/.test(h) ? Buffer.from(h, 'hex') : undefined;
}

interface Slot<T> {
  readonly digest: Buffer;
  readonly value: T;
}

export class KeyIndex<T> {
  private readonly slots = new Map<string, Slot<T>>();

  get size(): number {
    return this.slots.size;
  }

  /** Adds a key by its digest; false (and nothing added) when that digest is already present. */
  addDigest(digest: Buffer, value: T): boolean {
    const id = digest.toString('latin1');
    if (this.slots.has(id)) return false;
    this.slots.set(id, { digest: Buffer.from(digest), value });
    return true;
  }

  /** Adds a plaintext key (hashed here, not kept). */
  add(key: string, value: T): boolean {
    return this.addDigest(sha256(key), value);
  }

  /** The value of a presented key, or undefined. */
  lookup(presented: string): T | undefined {
    if (presented.length === 0 || presented.length > MAX_KEY_LENGTH) return undefined;
    const digest = sha256(presented);
    const slot = this.slots.get(digest.toString('latin1'));
    if (slot === undefined) return undefined;
    return timingSafeEqual(slot.digest, digest) ? slot.value : undefined;
  }
}
