// The rate-limit counter store: fixed-window counters, each identified by a caller-built key and a
// window start, changed atomically.
//
// Contract (every implementation; `limit-store.cases.ts` is the shared suite):
// - consume(counters): all-or-nothing. If any enforced counter would pass its limit
//   (count + cost > limit), nothing changes and `allowed` is false; otherwise every counter gains
//   its cost. `counts` are the values after the operation (the current ones when denied).
// - add(counters): adds each cost unconditionally (the response-path cost: tokens known only after
//   the response); counts after.
// - refund(counters): subtracts each cost, never below 0, and only from the same window (a refund
//   after the window rolled over does nothing).
// - peek(counters): current values, nothing changes.
// - A counter belongs to the window [windowStartMs, windowStartMs + windowMs); a new window starts
//   at 0. Stores expire a window's state after it ends.
// - Costs and limits are non-negative integers.
// - Redis-backed operations may reject with StoreUnavailableError, within the command timeout; the
//   in-memory store never fails and answers synchronously.
import type { StoreHealth } from './redis-connection.ts';

export type MaybePromise<T> = T | Promise<T>;

export interface LimitCounter {
  /** Unique per policy, rule and descriptor values; no window in it (stores add the window). */
  readonly key: string;
  readonly limit: number;
  readonly windowStartMs: number;
  readonly windowMs: number;
  /** Amount added on success (0 = check only). */
  readonly cost: number;
  /** False for shadow-mode rules: counted, never a reason to deny. Default true. */
  readonly enforce?: boolean | undefined;
}

export interface ConsumeResult {
  readonly allowed: boolean;
  /** Counter values after the operation, in counter order. */
  readonly counts: readonly number[];
}

export interface LimitStore {
  readonly kind: 'memory' | 'redis';
  consume(counters: readonly LimitCounter[]): MaybePromise<ConsumeResult>;
  add(counters: readonly LimitCounter[]): MaybePromise<readonly number[]>;
  refund(counters: readonly LimitCounter[]): MaybePromise<readonly number[]>;
  peek(counters: readonly LimitCounter[]): MaybePromise<readonly number[]>;
  health(): StoreHealth;
  close(): Promise<void>;
}
