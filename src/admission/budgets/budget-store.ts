// The budget store: per budget counter and window, the amount `spent` (actual usage, recorded) and
// the amount `held` (reservations of requests in flight), plus each request's remaining hold.
// Amounts are non-negative integers: tokens, or micro-dollars for money budgets.
//
// Contract (every implementation; `budget-store.cases.ts` is the shared suite). All operations
// take several lines (the budgets one request is charged to) and are atomic over all of them:
// - reserve(amounts): admitted only when, for every line, spent + held + amount ≤ limit; then each
//   line holds `amount` for the request. Refused → nothing changes, `failed` names the first line
//   that refused. (An exhausted budget refuses even a zero amount.)
// - charge(deltas): records actual usage, unconditionally (it happened): each delta is taken from
//   the request's hold first; the part beyond the hold is added on top. `ok` is false when some
//   line's delta went beyond the hold while that line is now over its limit — the caller must then
//   stop the request (end the stream with an error). Usage covered by a hold never fails.
// - settle(deltas): charge(deltas), then releases whatever the request still holds. Final.
// - peek(): spent and held of each line.
// - Holds are leases: a hold whose `leaseUntilMs` has passed (the gateway holding it died) is
//   released by the next operation on its line. reserve and charge set the lease.
// - States are kept until some time after the window ends, so a request that started in a window
//   settles in it even if it ends after the window rolled over.
// Redis-backed operations may reject with StoreUnavailableError within the command timeout; the
// in-memory store answers synchronously and never fails.
import type { MaybePromise } from '../limits/limit-store.ts';
import type { StoreHealth } from '../limits/redis-connection.ts';

export interface BudgetLine {
  /** The budget counter (budget name and scope value); no window in it. */
  readonly key: string;
  readonly limit: number;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
}

export interface BudgetState {
  readonly spent: number;
  readonly held: number;
}

export interface BudgetOpResult {
  readonly ok: boolean;
  /** Index of the first line that refused (reserve) or ran out (charge, settle); −1 when ok. */
  readonly failed: number;
  /** Each line's state after the operation. */
  readonly states: readonly BudgetState[];
}

export interface BudgetStore {
  readonly kind: 'memory' | 'redis';
  reserve(lines: readonly BudgetLine[], amounts: readonly number[], requestId: string, leaseUntilMs: number, nowMs: number): MaybePromise<BudgetOpResult>;
  charge(lines: readonly BudgetLine[], deltas: readonly number[], requestId: string, leaseUntilMs: number, nowMs: number): MaybePromise<BudgetOpResult>;
  settle(lines: readonly BudgetLine[], deltas: readonly number[], requestId: string, nowMs: number): MaybePromise<BudgetOpResult>;
  peek(lines: readonly BudgetLine[], nowMs: number): MaybePromise<readonly BudgetState[]>;
  health(): StoreHealth;
  close(): Promise<void>;
}

/** How long a window's state is kept after it ends (late settles, slow clocks). */
export const BUDGET_STATE_GRACE_MS = 86_400_000;
