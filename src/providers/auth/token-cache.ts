// One cached OAuth access token (Entra, Google). A token is used until REFRESH_BEFORE_MS before it
// expires (or half its lifetime, for short-lived tokens); then the next request fetches a new one.
// Concurrent requests share one fetch. When a fetch fails, a token that has not expired yet is still
// used, and for RETRY_AFTER_FAILURE_MS the failure is answered from memory instead of asking the
// token endpoint again. `reset()` forgets the token when the credential behind it changed.
import type { GatewayError } from '../../errors.ts';

import { redact } from './sources.ts';

export const REFRESH_BEFORE_MS = 5 * 60_000;
export const RETRY_AFTER_FAILURE_MS = 1000;

export interface FetchedToken {
  readonly token: string;
  /** Lifetime from now. */
  readonly expiresInMs: number;
}

export class TokenCache {
  readonly #fetch: () => Promise<FetchedToken>;
  readonly #now: () => number;
  readonly #toError: (err: unknown) => GatewayError;
  #token: { readonly value: string; readonly refreshAt: number; readonly expiresAt: number } | undefined;
  #inflight: Promise<string> | undefined;
  #failure: { readonly error: GatewayError; readonly at: number } | undefined;
  #generation = 0;

  /** `toError` turns a failed fetch into the (safe) error requests see. */
  constructor(fetch: () => Promise<FetchedToken>, now: () => number, toError: (err: unknown) => GatewayError) {
    this.#fetch = fetch;
    this.#now = now;
    this.#toError = toError;
    redact(this, () => 'TokenCache');
  }

  get(): Promise<string> {
    const t = this.#now();
    const token = this.#token;
    if (token !== undefined && t < token.refreshAt) return Promise.resolve(token.value);
    if (this.#inflight !== undefined) return this.#inflight;
    const failure = this.#failure;
    if (failure !== undefined && t - failure.at < RETRY_AFTER_FAILURE_MS) {
      return token !== undefined && t < token.expiresAt ? Promise.resolve(token.value) : Promise.reject(failure.error);
    }
    const generation = this.#generation;
    const inflight = this.#refresh(generation).finally(() => {
      if (this.#inflight === inflight) this.#inflight = undefined;
    });
    this.#inflight = inflight;
    return inflight;
  }

  /** Forget the token (the credential changed); a fetch in flight for the old one is not stored. */
  reset(): void {
    this.#generation += 1;
    this.#token = undefined;
    this.#failure = undefined;
    this.#inflight = undefined;
  }

  async #refresh(generation: number): Promise<string> {
    let fetched: FetchedToken;
    try {
      fetched = await this.#fetch();
    } catch (err) {
      const error = this.#toError(err);
      if (generation !== this.#generation) throw error;
      this.#failure = { error, at: this.#now() };
      const token = this.#token;
      if (token !== undefined && this.#now() < token.expiresAt) return token.value;
      throw error;
    }
    if (generation === this.#generation) {
      const t = this.#now();
      const lifetime = Math.max(0, fetched.expiresInMs);
      const margin = Math.min(REFRESH_BEFORE_MS, lifetime / 2);
      this.#token = { value: fetched.token, refreshAt: t + lifetime - margin, expiresAt: t + lifetime };
      this.#failure = undefined;
    }
    return fetched.token;
  }
}
