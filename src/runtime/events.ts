// Telemetry as events (DESIGN.md §2): stages publish typed events on node:diagnostics_channel and
// never call a metric, a logger or a tracer themselves. Subscribers (telemetry/) turn them into
// metrics, spans, access-log lines and flow records.
//
// Contract:
// - Payloads are the live RequestContext (plus the Attempt for attempt events). Subscribers read
//   them synchronously and must not keep or mutate them; copy what you need. One exception: while
//   handling `attemptStart`, a tracer may set `attempt.traceparent`, which the send stage forwards.
// - Channels are process-wide. Several gateways may run in one process (tests do), so a subscriber
//   compares `ctx.owner` with the instance it serves and ignores the rest.
// - Publishing costs a branch when nobody listens. Subscribers must be cheap and must not throw (an
//   exception in a subscriber is reported by Node on the next tick and would crash the process).
//
// The order for one request: start → route → admit → (attempt:start → pick? → attempt:headers? →
// first-byte? → usage? → attempt:end)+ → end. `usage` comes from the attempt that answered, before
// its attempt:end. `end` always comes, exactly once, whatever happened before.
import { channel as dcChannel } from 'node:diagnostics_channel';
import type { Attempt, RequestContext } from './context.ts';

export interface AttemptEvent {
  readonly ctx: RequestContext;
  readonly attempt: Attempt;
}

/** A typed view of one diagnostics channel. */
export class EventChannel<T> {
  readonly name: string;
  readonly #channel;

  constructor(name: string) {
    this.name = name;
    this.#channel = dcChannel(name);
  }

  get hasSubscribers(): boolean {
    return this.#channel.hasSubscribers;
  }

  publish(message: T): void {
    if (this.#channel.hasSubscribers) this.#channel.publish(message);
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: (message: T) => void): () => void {
    const fn = (m: unknown) => listener(m as T);
    this.#channel.subscribe(fn);
    return () => this.#channel.unsubscribe(fn);
  }
}

export const events = {
  /** A request arrived (context built, nothing read yet). */
  requestStart: new EventChannel<RequestContext>('sluice:request:start'),
  /** A rule matched: `ctx.rule`, `ctx.clientSchema`, `ctx.originalModel` are set. */
  route: new EventChannel<RequestContext>('sluice:request:route'),
  /** Admission passed: `ctx.principal`, `ctx.priority` are set. */
  admit: new EventChannel<RequestContext>('sluice:request:admit'),
  /** An attempt starts (its backend is chosen next: read `attempt.backend` at attemptEnd). */
  attemptStart: new EventChannel<AttemptEvent>('sluice:attempt:start'),
  /** The endpoint picker chose an endpoint of an InferencePool: `ctx.decision`. */
  pick: new EventChannel<AttemptEvent>('sluice:attempt:pick'),
  /** The upstream's response head arrived. */
  upstreamHeaders: new EventChannel<AttemptEvent>('sluice:attempt:headers'),
  /** An attempt ended (answered, failed or abandoned for a retry). */
  attemptEnd: new EventChannel<AttemptEvent>('sluice:attempt:end'),
  /** The first response byte went to the client (`ctx.firstByteAt`). */
  firstByte: new EventChannel<RequestContext>('sluice:request:first-byte'),
  /** Token usage is final for the request (`ctx.usage`, `ctx.responseModel`). Only when known. */
  usage: new EventChannel<RequestContext>('sluice:request:usage'),
  /** The request is over (`ctx.status`, `ctx.error`, `ctx.endedAt`). Exactly once per request. */
  end: new EventChannel<RequestContext>('sluice:request:end'),
} as const;
