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
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const budget = this;
    let mine = 0;
    let closed = false;
    const allowance: BodyAllowance = {
      take(bytes: number): boolean {
        if (bytes <= 0) return true;
        // A request that ended gives nothing back later, so it may take nothing more.
        if (closed || budget.#held + bytes > budget.#limit) {
          budget.#refused++;
          return false;
        }
        budget.#held += bytes;
        if (budget.#held > budget.#peak) budget.#peak = budget.#held;
        mine += bytes;
        return true;
      },
      retryAfterSeconds: budget.retryAfterSeconds,
      get budgetBytes() {
        return budget.#limit;
      },
    };
    return {
      allowance,
      get held() {
        return mine;
      },
      close() {
        if (closed) return;
        closed = true;
        budget.#held -= mine;
        mine = 0;
      },
    };
  }
}

/** The budget every ListenerSet of the process shares unless given its own. */
export const processBodyBudget = new BodyMemoryBudget();
