// In-memory LimitStore: one process, synchronous, the default. Each key holds the window it counts
// and its count; a key seen in a later window starts again at 0. Ended windows are swept at most
// every `sweepIntervalMs` of the injected clock, in the operation that notices it is due (no timer).
import type { ConsumeResult, LimitCounter, LimitStore } from './limit-store.ts';
import { alwaysUp } from './redis-connection.ts';
import type { StoreHealth } from './redis-connection.ts';

interface Slot {
  /** Only ever moves forward. */
  windowStart: number;
  end: number;
  count: number;
}

export class MemoryLimitStore implements LimitStore {
  readonly kind = 'memory' as const;
  private readonly slots = new Map<string, Slot>();
  private readonly now: () => number;
  private readonly sweepIntervalMs: number;
  private nextSweep: number;
  private readonly healthy: StoreHealth;

  constructor(options: { now?: () => number; sweepIntervalMs?: number } = {}) {
    this.now = options.now ?? Date.now;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 10_000;
    this.nextSweep = this.now() + this.sweepIntervalMs;
    this.healthy = alwaysUp(this.now());
  }

  /** Number of live counters (for tests and metrics). */
  get size(): number {
    return this.slots.size;
  }

  consume(counters: readonly LimitCounter[]): ConsumeResult {
    this.maybeSweep();
    let allowed = true;
    for (let i = 0; i < counters.length; i++) {
      const c = counters[i]!;
      if (c.enforce !== false && this.current(c) + c.cost > c.limit) {
        allowed = false;
        break;
      }
    }
    const counts = new Array<number>(counters.length);
    for (let i = 0; i < counters.length; i++) {
      const c = counters[i]!;
      counts[i] = allowed && c.cost > 0 ? this.increment(c) : this.current(c);
    }
    return { allowed, counts };
  }

  add(counters: readonly LimitCounter[]): number[] {
    this.maybeSweep();
    return counters.map((c) => (c.cost > 0 ? this.increment(c) : this.current(c)));
  }

  refund(counters: readonly LimitCounter[]): number[] {
    return counters.map((c) => {
      const s = this.slots.get(c.key);
      if (s === undefined || s.windowStart !== c.windowStartMs) return 0;
      s.count = Math.max(0, s.count - c.cost);
      return s.count;
    });
  }

  peek(counters: readonly LimitCounter[]): number[] {
    return counters.map((c) => this.current(c));
  }

  health(): StoreHealth {
    return this.healthy;
  }

  async close(): Promise<void> {
    this.slots.clear();
  }

  private current(c: LimitCounter): number {
    const s = this.slots.get(c.key);
    return s !== undefined && s.windowStart === c.windowStartMs ? s.count : 0;
  }

  /** Adds the cost in the counter's window; a counter for a window older than the stored one changes nothing. */
  private increment(c: LimitCounter): number {
    let s = this.slots.get(c.key);
    if (s === undefined) {
      s = { windowStart: c.windowStartMs, end: c.windowStartMs + c.windowMs, count: 0 };
      this.slots.set(c.key, s);
    } else if (s.windowStart < c.windowStartMs) {
      s.windowStart = c.windowStartMs;
      s.end = c.windowStartMs + c.windowMs;
      s.count = 0;
    } else if (s.windowStart > c.windowStartMs) {
      return 0;
    }
    return (s.count += c.cost);
  }

  private maybeSweep(): void {
    const now = this.now();
    if (now < this.nextSweep) return;
    this.nextSweep = now + this.sweepIntervalMs;
    for (const [key, s] of this.slots) if (s.end <= now) this.slots.delete(key);
  }
}
