// Backends a provider asked to leave alone: a 429 (or 503) with `Retry-After` keeps that backend out
// of rotation for that long, for every request, so traffic fails over to the next backend instead of
// hammering one that said it is full. Long-lived (kept across snapshots), keyed by backend id.

/** Longest cooldown honoured from a Retry-After, whatever the provider says. */
const MAX_COOLDOWN_MS = 10 * 60_000;

export class BackendCooldowns {
  readonly #until = new Map<string, number>();

  cool(backendId: string, ms: number, now: number = performance.now()): void {
    const until = now + Math.min(ms, MAX_COOLDOWN_MS);
    if (until > (this.#until.get(backendId) ?? 0)) this.#until.set(backendId, until);
  }

  isCooling(backendId: string, now: number = performance.now()): boolean {
    const until = this.#until.get(backendId);
    if (until === undefined) return false;
    if (until > now) return true;
    this.#until.delete(backendId);
    return false;
  }

  /** Backends cooling now, with the milliseconds left (for status). */
  snapshot(now: number = performance.now()): { backend: string; remainingMs: number }[] {
    return [...this.#until].filter(([, u]) => u > now).map(([backend, u]) => ({ backend, remainingMs: Math.round(u - now) }));
  }
}
