// In-memory BudgetStore (one process): the same algorithm as the Redis Lua scripts, synchronously.
import { alwaysUp } from '../limits/redis-connection.ts';
import type { StoreHealth } from '../limits/redis-connection.ts';
import { BUDGET_STATE_GRACE_MS } from './budget-store.ts';
import type { BudgetLine, BudgetOpResult, BudgetState, BudgetStore } from './budget-store.ts';

interface Hold {
  rem: number;
  leaseUntil: number;
}

interface Slot {
  spent: number;
  held: number;
  readonly holds: Map<string, Hold>;
  readonly keepUntil: number;
  /** No lease ends before this (a lower bound: leases only move later), so most operations skip the scan. */
  nextExpiry: number;
}

export class MemoryBudgetStore implements BudgetStore {
  readonly kind = 'memory' as const;
  private readonly slots = new Map<string, Slot>();
  private readonly healthy: StoreHealth;
  private nextSweep = 0;

  constructor(options: { now?: () => number } = {}) {
    this.healthy = alwaysUp((options.now ?? Date.now)());
  }

  get size(): number {
    return this.slots.size;
  }

  reserve(lines: readonly BudgetLine[], amounts: readonly number[], requestId: string, leaseUntilMs: number, nowMs: number): BudgetOpResult {
    this.sweep(nowMs);
    const slots = lines.map((l) => this.slot(l, nowMs));
    for (let i = 0; i < lines.length; i++) {
      const s = slots[i]!;
      if (s.spent + s.held + amounts[i]! > lines[i]!.limit) return { ok: false, failed: i, states: slots.map(state) };
    }
    for (let i = 0; i < lines.length; i++) {
      const amount = amounts[i]!;
      if (amount <= 0) continue;
      const s = slots[i]!;
      s.held += amount;
      const h = s.holds.get(requestId);
      if (h !== undefined) {
        h.rem += amount;
        h.leaseUntil = leaseUntilMs;
      } else s.holds.set(requestId, { rem: amount, leaseUntil: leaseUntilMs });
      if (leaseUntilMs < s.nextExpiry) s.nextExpiry = leaseUntilMs;
    }
    return { ok: true, failed: -1, states: slots.map(state) };
  }

  charge(lines: readonly BudgetLine[], deltas: readonly number[], requestId: string, leaseUntilMs: number, nowMs: number): BudgetOpResult {
    return this.apply(lines, deltas, requestId, leaseUntilMs, nowMs, false);
  }

  settle(lines: readonly BudgetLine[], deltas: readonly number[], requestId: string, nowMs: number): BudgetOpResult {
    return this.apply(lines, deltas, requestId, 0, nowMs, true);
  }

  peek(lines: readonly BudgetLine[], nowMs: number): BudgetState[] {
    return lines.map((l) => {
      const s = this.slots.get(slotKey(l));
      if (s === undefined) return { spent: 0, held: 0 };
      expireHolds(s, nowMs);
      return state(s);
    });
  }

  health(): StoreHealth {
    return this.healthy;
  }

  async close(): Promise<void> {
    this.slots.clear();
  }

  private apply(lines: readonly BudgetLine[], deltas: readonly number[], requestId: string, leaseUntilMs: number, nowMs: number, final: boolean): BudgetOpResult {
    this.sweep(nowMs);
    const slots = lines.map((l) => this.slot(l, nowMs));
    let failed = -1;
    for (let i = 0; i < lines.length; i++) {
      const s = slots[i]!;
      const delta = Math.max(0, deltas[i] ?? 0);
      const h = s.holds.get(requestId);
      const fromHold = h === undefined ? 0 : Math.min(delta, h.rem);
      if (h !== undefined) {
        h.rem -= fromHold;
        s.held -= fromHold;
        if (!final) h.leaseUntil = leaseUntilMs;
      }
      s.spent += delta;
      if (delta > fromHold && s.spent + s.held > lines[i]!.limit && failed === -1) failed = i;
      if (final && h !== undefined) {
        s.held -= h.rem;
        s.holds.delete(requestId);
      }
    }
    return { ok: failed === -1, failed, states: slots.map(state) };
  }

  private slot(l: BudgetLine, nowMs: number): Slot {
    const k = slotKey(l);
    let s = this.slots.get(k);
    if (s === undefined) {
      s = { spent: 0, held: 0, holds: new Map(), keepUntil: l.windowEndMs + BUDGET_STATE_GRACE_MS, nextExpiry: Infinity };
      this.slots.set(k, s);
    } else expireHolds(s, nowMs);
    return s;
  }

  /** Drops windows past their grace period, at most once a minute. */
  private sweep(nowMs: number): void {
    if (nowMs < this.nextSweep) return;
    this.nextSweep = nowMs + 60_000;
    for (const [k, s] of this.slots) if (s.keepUntil <= nowMs) this.slots.delete(k);
  }
}

function slotKey(l: BudgetLine): string {
  return `${l.key}\u0000${l.windowStartMs}`;
}

function state(s: Slot): BudgetState {
  return { spent: s.spent, held: s.held };
}

function expireHolds(s: Slot, nowMs: number): void {
  if (nowMs < s.nextExpiry) return;
  let next = Infinity;
  for (const [id, h] of s.holds) {
    if (h.leaseUntil <= nowMs) {
      s.held -= h.rem;
      s.holds.delete(id);
    } else if (h.leaseUntil < next) next = h.leaseUntil;
  }
  s.nextExpiry = next;
}
