// The process's budget for request bodies held in memory at once. The gateway reads AI bodies whole
// (http/body.ts); without a bound, enough concurrent large bodies take the process out of memory. The
// listener opens an allowance per request (ListenerSet); the body reader takes from it before it
// allocates (the declared length) or as bytes arrive (no declared length), and gets a refusal (503
// `overloaded`, `retry-after`) when the budget cannot spare them; the listener closes the allowance,
// giving everything back, when the response ends (finished or cut).
import type { BodyAllowance } from '../http/body.ts';

/** Default budget: eight 32 MiB bodies, or thousands of ordinary prompts. */
export const DEFAULT_BODY_MEMORY_BYTES = 256 * 1024 * 1024;

export interface BodyAllowanceHandle {
  readonly allowance: BodyAllowance;
  /** How much this request holds. */
  readonly held: number;
  /** Gives everything this request took back to the budget (idempotent). */
  close(): void;
}

export class BodyMemoryBudget {
  #limit: number;
  readonly retryAfterSeconds: number;
  #held = 0;
  #peak = 0;
  #refused = 0;

  constructor(limitBytes: number = DEFAULT_BODY_MEMORY_BYTES, options: { retryAfterSeconds?: number } = {}) {
    if (!Number.isFinite(limitBytes) || limitBytes < 0) throw new RangeError(`the body memory budget must be a number of bytes ≥ 0 (got ${limitBytes})`);
    this.#limit = limitBytes;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
  }

  /** The budget in bytes. */
  get limit(): number {
    return this.#limit;
  }

  /** Changes the budget (bodies already held stay; new ones see the new limit). */
  setLimit(limitBytes: number): void {
    if (!Number.isFinite(limitBytes) || limitBytes < 0) throw new RangeError(`the body memory budget must be a number of bytes ≥ 0 (got ${limitBytes})`);
    this.#limit = limitBytes;
  }

  /** Bytes held by requests in progress. */
  get held(): number {
    return this.#held;
  }

  /** The most ever held at once. */
  get peak(): number {
    return this.#peak;
  }

  /** Requests (or chunks of them) refused because the budget was spent. */
  get refused(): number {
    return this.#refused;
  }

  /** An allowance for one request; close it when the response ends. */
  open(): BodyAllowanceHandle {
    return new Allowance(this);
  }

  /** Takes `bytes` for an allowance (Allowance calls it). */
  take(bytes: number): boolean {
    if (this.#held + bytes > this.#limit) {
      this.#refused++;
      return false;
    }
    this.#held += bytes;
    if (this.#held > this.#peak) this.#peak = this.#held;
    return true;
  }

  /** Gives `bytes` back (Allowance calls it). */
  give(bytes: number): void {
    this.#held -= bytes;
  }

  /** A refusal that did not reach take() (a closed allowance). */
  countRefusal(): void {
    this.#refused++;
  }
}

/** One request's allowance: what it took, given back at once on close. One object per request. */
class Allowance implements BodyAllowance, BodyAllowanceHandle {
  readonly #budget: BodyMemoryBudget;
  #held = 0;
  #closed = false;

  constructor(budget: BodyMemoryBudget) {
    this.#budget = budget;
  }

  get allowance(): BodyAllowance {
    return this;
  }

  get held(): number {
    return this.#held;
  }

  get retryAfterSeconds(): number {
    return this.#budget.retryAfterSeconds;
  }

  get budgetBytes(): number {
    return this.#budget.limit;
  }

  take(bytes: number): boolean {
    if (bytes <= 0) return true;
    // A request that ended gives nothing back later, so it may take nothing more.
    if (this.#closed) {
      this.#budget.countRefusal();
      return false;
    }
    if (!this.#budget.take(bytes)) return false;
    this.#held += bytes;
    return true;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#budget.give(this.#held);
    this.#held = 0;
  }
}

/** The budget every ListenerSet of the process shares unless given its own. */
export const processBodyBudget = new BodyMemoryBudget();
