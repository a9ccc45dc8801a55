// The flow log: a bounded in-memory ring of flow records (default 10,000), appended when a request of
// the gateway it serves ends (the `end` event; runtime/events.ts owner rule). Each record gets the next
// sequence number, so a reader's position is one number (the cursor) and a reader that fell behind
// can tell exactly what it missed: records older than `firstSeq` were overwritten.
//
// Readers (the admin flow stream, the summary) read by sequence number and are told when records
// arrive through `onAppend`, called on a later turn of the event loop (batched), never inside the
// request's `end` event: the request path only pays for building the record and one array store.
import { events } from '../runtime/events.ts';
import type { RequestContext } from '../runtime/context.ts';
import { flowMatches } from './flow-filter.ts';
import type { FlowFilter } from './flow-filter.ts';
import { flowRecordOf } from './flow-record.ts';
import type { FlowRecord } from './flow-record.ts';

export const DEFAULT_FLOW_LOG_CAPACITY = 10_000;

export interface FlowLogOptions {
  /**
   * Records kept (default 10,000); the oldest is overwritten when the ring is full. 0 turns the flow
   * log off: it subscribes to nothing (no cost on the request path) and stays empty.
   */
  readonly capacity?: number | undefined;
}

/** What readers of the flow log may use (the admin server sees only this). */
export interface FlowReader {
  readonly capacity: number;
  /** Sequence number of the oldest record held (`lastSeq + 1` when empty). */
  readonly firstSeq: number;
  /** Sequence number of the newest record (0 before the first). */
  readonly lastSeq: number;
  /** The record with this sequence number, if the ring still holds it. */
  get(seq: number): FlowRecord | undefined;
  /** The record as one JSON text (computed once per record, shared by every reader). */
  json(record: FlowRecord): string;
  /** Calls `listener` (batched, on a later tick) after records were appended. Returns the unsubscribe function. */
  onAppend(listener: () => void): () => void;
}

export class FlowLog implements FlowReader {
  readonly capacity: number;
  readonly #ring: (FlowRecord | undefined)[];
  readonly #json = new WeakMap<FlowRecord, string>();
  #lastSeq = 0;
  readonly #listeners = new Set<() => void>();
  #scheduled = false;
  readonly #unsubscribe: (() => void)[] = [];

  constructor(options: FlowLogOptions = {}) {
    const capacity = options.capacity ?? DEFAULT_FLOW_LOG_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`flow log capacity must be a positive integer (or 0: off), not ${capacity}`);
    this.capacity = capacity;
    this.#ring = new Array<FlowRecord | undefined>(capacity).fill(undefined);
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get firstSeq(): number {
    return Math.max(1, this.#lastSeq - this.capacity + 1);
  }

  get size(): number {
    return Math.min(this.#lastSeq, this.capacity);
  }

  get(seq: number): FlowRecord | undefined {
    if (!Number.isInteger(seq) || seq < this.firstSeq || seq > this.#lastSeq) return undefined;
    return this.#ring[(seq - 1) % this.capacity];
  }

  json(record: FlowRecord): string {
    let text = this.#json.get(record);
    if (text === undefined) this.#json.set(record, (text = JSON.stringify(record)));
    return text;
  }

  /** Whether records are kept (capacity above 0). */
  get enabled(): boolean {
    return this.capacity > 0;
  }

  /** Appends a record built by `build(seq)` and returns it (a log that is off builds it and keeps nothing). */
  append(build: (seq: number) => FlowRecord): FlowRecord {
    const seq = this.#lastSeq + 1;
    const record = build(seq);
    if (this.capacity === 0) return record;
    this.#ring[(seq - 1) % this.capacity] = record;
    this.#lastSeq = seq;
    if (this.#listeners.size > 0 && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#notify());
    }
    return record;
  }

  /** Appends the flow record of a finished request. */
  record(ctx: RequestContext): FlowRecord {
    return this.append((seq) => flowRecordOf(ctx, seq));
  }

  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    this.#scheduled = false;
    for (const l of [...this.#listeners]) {
      try {
        l();
      } catch {
        // A reader's failure is its own; the others still hear about the records.
      }
    }
  }

  /** Records held, oldest first. */
  records(): FlowRecord[] {
    const out: FlowRecord[] = [];
    for (let s = this.firstSeq; s <= this.#lastSeq; s++) {
      const r = this.get(s);
      if (r) out.push(r);
    }
    return out;
  }

  /** Subscribes to the `end` events of the gateway instance `owner` (nothing when the log is off). */
  attach(owner: object): this {
    if (!this.enabled) return this;
    this.#unsubscribe.push(
      events.end.subscribe((ctx) => {
        if (ctx.owner !== owner) return;
        try {
          this.record(ctx);
        } catch {
          // A subscriber must never throw (runtime/events.ts): a record that cannot be built is lost.
        }
      }),
    );
    return this;
  }

  detach(): void {
    for (const u of this.#unsubscribe.splice(0)) u();
  }
}

/**
 * A flow log subscribed to the requests of the gateway instance `owner` (the composition root calls
 * it with the Gateway; tests may call it on a started one). `detach()` when the gateway closes.
 */
export function attachFlowLog(owner: object, options: FlowLogOptions = {}): FlowLog {
  return new FlowLog(options).attach(owner);
}

/** Where a read of the log starts and stops, besides the filter. */
export interface FlowWindow {
  /** Only records with `seq > cursor`. */
  readonly cursor?: number | undefined;
  /** Only records that ended at or after this time (epoch ms). */
  readonly sinceMs?: number | undefined;
  /** Only records that ended at or before this time (epoch ms). */
  readonly untilMs?: number | undefined;
  /** Only the last N matching records. */
  readonly last?: number | undefined;
}

/** Whether a record falls in the window's time bounds. */
export function inTimeWindow(r: FlowRecord, w: FlowWindow): boolean {
  if (w.sinceMs === undefined && w.untilMs === undefined) return true;
  const t = Date.parse(r.time);
  return (w.sinceMs === undefined || t >= w.sinceMs) && (w.untilMs === undefined || t <= w.untilMs);
}

/**
 * The cursor a read starts after: `last` counts matching records back from the newest, `cursor`
 * and the oldest record held bound it from below.
 */
export function startCursor(log: FlowReader, filter: FlowFilter, w: FlowWindow): number {
  const floor = Math.max(log.firstSeq - 1, w.cursor ?? 0);
  if (w.last === undefined) return w.cursor ?? log.firstSeq - 1;
  if (w.last <= 0) return Math.max(floor, log.lastSeq);
  let found = 0;
  for (let s = log.lastSeq; s > floor; s--) {
    const r = log.get(s);
    if (!r) break;
    if (w.sinceMs !== undefined && Date.parse(r.time) < w.sinceMs) return s;
    if (inTimeWindow(r, w) && flowMatches(filter, r) && ++found === w.last) return s - 1;
  }
  return floor;
}

/** Matching records in a window, oldest first (a snapshot; the admin stream reads incrementally instead). */
export function queryFlows(log: FlowReader, filter: FlowFilter, w: FlowWindow = {}): FlowRecord[] {
  const out: FlowRecord[] = [];
  for (let s = Math.max(startCursor(log, filter, w), log.firstSeq - 1) + 1; s <= log.lastSeq; s++) {
    const r = log.get(s);
    if (r && inTimeWindow(r, w) && flowMatches(filter, r)) out.push(r);
  }
  return out;
}
