// The flow record: one finished request as the flow log keeps it and as `GET /api/flows`, `sluice
// observe` and the dashboard show it, in the manner of a Hubble flow (source → destination, a verdict,
// the drop reason). Built from the RequestContext when `end` is published, by copying: the context is
// live and must not be kept (runtime/events.ts).
//
// Verdicts: FORWARDED (an upstream answered, first try), RETRIED (an upstream answered successfully
// after at least one retry), DROPPED (the gateway refused: `dropReason` says why: auth, limits, shedding, no
// endpoint, …), ERROR (forwarding failed: upstream errors and timeouts, internal errors). A status
// the upstream chose (say 500 from the model server) keeps FORWARDED, as in Hubble's L7 flows.
import type { RequestContext } from '../runtime/context.ts';
import type { PickDecision } from '../runtime/picker.ts';

export const FLOW_VERDICTS = ['FORWARDED', 'RETRIED', 'DROPPED', 'ERROR'] as const;
export type FlowVerdict = (typeof FLOW_VERDICTS)[number];

/** Who sent the request. Labels are what `from-label` selectors match: identity, team, auth kind. */
export interface FlowSource {
  /** Client IP address (IPv4-mapped IPv6 addresses shown as IPv4). */
  readonly address: string;
  /** Principal id once authentication ran (API key name, JWT subject). */
  readonly identity?: string;
  readonly team?: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Where the request went. Labels are the endpoint pod's labels, what `to-label` selectors match. */
export interface FlowDestination {
  /** Route `namespace/name` ('' when no route matched). */
  readonly route: string;
  /** Rule id, e.g. `AIGatewayRoute default/quickstart rule 0`. */
  readonly rule?: string;
  /** Backend resource id of the last attempt (`InferencePool default/llama`, `AIServiceBackend ns/name`, …). */
  readonly backend?: string;
  /** InferencePool `namespace/name` when the backend is a pool. */
  readonly pool?: string;
  /** `address:port` (or the origin of an fqdn backend) of the last attempt. */
  readonly endpoint?: string;
  /** Pod name when the endpoint is a known pod. */
  readonly pod?: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** What the endpoint picker chose (the small part of the decision record a flow carries). */
export interface FlowPick {
  readonly pool: string;
  readonly endpoint: string;
  readonly profile: string;
  readonly priority: number;
  readonly objective?: string;
  /** Prefix blocks the chosen endpoint was expected to hold, of the request's blocks hashed. */
  readonly prefix?: { readonly matched: number; readonly total: number };
  /** Fallback endpoints after the primary. */
  readonly fallbacks?: number;
  /** Set when the pool failed open: why. */
  readonly failOpen?: string;
}

export interface FlowTokens {
  readonly input: number;
  readonly output: number;
  readonly cached: number;
  readonly cacheCreation: number;
  readonly reasoning: number;
  readonly total: number;
}

export interface FlowRecord {
  /** Monotonically increasing position in the flow log (1, 2, …): the cursor. */
  readonly seq: number;
  /** When the request ended (RFC 3339, ms). */
  readonly time: string;
  /** The request id (`x-request-id`). */
  readonly id: string;
  readonly verdict: FlowVerdict;
  /** Why the gateway refused the request (verdict DROPPED). */
  readonly dropReason?: string;
  /** Catalogue error code (DROPPED and ERROR). */
  readonly error?: string;
  /** Status sent to the client (0 when the client went away first). */
  readonly status: number;
  readonly method: string;
  readonly host: string;
  readonly path: string;
  readonly source: FlowSource;
  readonly destination: FlowDestination;
  readonly model: { readonly original?: string; readonly request?: string; readonly response?: string };
  /** The client's API schema and operation on AI routes. */
  readonly client: { readonly schema?: string; readonly operation?: string };
  readonly stream: boolean;
  readonly tokens: FlowTokens;
  /**
   * Cost in US dollars, once governance computes it (read from the context's `costMicros`, integer
   * micro-dollars, or `cost`); undefined (absent from JSON) until then.
   */
  readonly cost: number | undefined;
  /** Streams: time to the first response byte (the first token event), ms. */
  readonly ttftMs?: number;
  /** Streams with more than one output token: mean time per output token after the first, ms. */
  readonly tpotMs?: number;
  readonly durationMs: number;
  readonly attempts: number;
  readonly retries: number;
  /** Catalogue codes of failed attempts, in order (also those that were retried). */
  readonly attemptErrors?: readonly string[];
  readonly pick?: FlowPick;
}

/** A gap in what one reader receives: records it will never see, and why. */
export interface FlowLost {
  /** `evicted`: the ring no longer holds them (the cursor was too old); `slow-follower`: they were overwritten while this reader was not reading; `reset`: the cursor is ahead of the log (the gateway restarted). */
  readonly reason: 'evicted' | 'slow-follower' | 'reset';
  /** Records skipped, matching the filter or not (unknown for `reset`: 0). */
  readonly count: number;
  readonly fromSeq: number;
  readonly toSeq: number;
}

/**
 * Hubble-style verdict of a finished request. RETRIED is a success after retries: when the retries ran
 * out and the upstream's last failing answer (a 5xx) went to the client, the flow is FORWARDED with
 * its `retries` count.
 */
export function flowVerdict(ctx: RequestContext): FlowVerdict {
  const v = ctx.verdict;
  if (v !== 'FORWARDED') return v;
  return ctx.attempts.length > 1 && ctx.status > 0 && ctx.status < 500 ? 'RETRIED' : 'FORWARDED';
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function address(a: string): string {
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/** The pool part of a backend id (`InferencePool ns/name` → `ns/name`). */
function poolOf(backendId: string): string | undefined {
  return backendId.startsWith('InferencePool ') ? backendId.slice('InferencePool '.length) : undefined;
}

/** The decision summary (picker/decision.ts's decisionRecord holds the whole decision; stages may not import it). */
export function pickSummary(d: PickDecision): FlowPick {
  const matched = d.prefix?.matched.get(d.endpoint.key);
  return {
    pool: d.pool,
    endpoint: d.endpoint.key,
    profile: d.profile,
    priority: d.priority,
    ...(d.objective !== undefined ? { objective: d.objective } : {}),
    ...(d.prefix ? { prefix: { matched: matched ?? 0, total: d.prefix.totalBlocks } } : {}),
    ...(d.targets.length > 1 ? { fallbacks: d.targets.length - 1 } : {}),
    ...(d.failOpen !== undefined ? { failOpen: d.failOpen } : {}),
  };
}

/**
 * Cost in USD from the context, tolerating its absence: governance will add a field. Accepted shapes:
 * `costMicros: number` (integer micro-dollars, as the usage ledger keeps them), `cost: number` (USD),
 * `cost: { micros | costMicros: number }`.
 */
export function costOf(ctx: RequestContext): number | undefined {
  const c = ctx as unknown as { costMicros?: unknown; cost?: unknown };
  if (typeof c.costMicros === 'number' && Number.isFinite(c.costMicros)) return c.costMicros / 1e6;
  if (typeof c.cost === 'number' && Number.isFinite(c.cost)) return c.cost;
  if (typeof c.cost === 'object' && c.cost !== null) {
    const o = c.cost as { micros?: unknown; costMicros?: unknown };
    const micros = typeof o.micros === 'number' ? o.micros : typeof o.costMicros === 'number' ? o.costMicros : undefined;
    if (micros !== undefined && Number.isFinite(micros)) return micros / 1e6;
  }
  return undefined;
}

/**
 * Copies what a flow shows out of a finished request's context. `seq` is assigned by the log.
 * Built by assignment rather than by spreading optional parts: this runs for every request (the
 * flow log's whole cost on the request path), and each spread allocated and copied an object.
 */
export function flowRecordOf(ctx: RequestContext, seq: number, nowWall: number = Date.now()): FlowRecord {
  const last = ctx.attempts.at(-1);
  const ep = ctx.endpoint;
  const backend = last?.backend || undefined;
  const endpoint = last?.endpoint || ep?.key || undefined;
  const principal = ctx.principal;
  const source: { address: string; identity?: string; team?: string; labels: Record<string, string> } = { address: address(ctx.clientAddress), labels: {} };
  if (principal) {
    source.identity = principal.id;
    if (principal.team !== undefined) source.team = principal.team;
    source.labels = principal.team !== undefined ? { identity: principal.id, team: principal.team, auth: principal.kind } : { identity: principal.id, auth: principal.kind };
  }
  const endedAt = ctx.endedAt > 0 ? ctx.endedAt : performance.now();
  const duration = Math.max(0, endedAt - ctx.startedAt);
  const u = ctx.usage;
  let retries = 0;
  let attemptErrors: string[] | undefined;
  for (const a of ctx.attempts) {
    if (a.retried) retries++;
    if (a.error !== undefined) (attemptErrors ??= []).push(a.error);
  }
  const err = ctx.error;
  const pool = ctx.decision?.pool ?? (backend ? poolOf(backend) : undefined);
  const destination: { -readonly [K in keyof FlowDestination]: FlowDestination[K] } = { route: ctx.route, labels: ep ? { ...ep.labels } : {} };
  if (ctx.rule) destination.rule = ctx.rule.id;
  if (backend !== undefined) destination.backend = backend;
  if (pool !== undefined) destination.pool = pool;
  if (endpoint !== undefined) destination.endpoint = endpoint;
  if (ep?.podName) destination.pod = ep.podName;
  const model: { original?: string; request?: string; response?: string } = {};
  if (ctx.originalModel !== undefined) model.original = ctx.originalModel;
  if (ctx.requestModel !== undefined) model.request = ctx.requestModel;
  if (ctx.responseModel !== undefined) model.response = ctx.responseModel;
  const client: { schema?: string; operation?: string } = {};
  if (ctx.clientSchema !== undefined) client.schema = ctx.clientSchema;
  if (ctx.operation !== undefined) client.operation = ctx.operation;
  const r: { -readonly [K in keyof FlowRecord]: FlowRecord[K] } = {
    seq,
    time: new Date(Math.round(ctx.startedAtWall + duration) || nowWall).toISOString(),
    id: ctx.id,
    verdict: flowVerdict(ctx),
    status: ctx.status,
    method: ctx.method,
    host: ctx.host,
    path: ctx.path,
    source,
    destination,
    model,
    client,
    stream: ctx.stream,
    tokens: { input: u.inputTokens, output: u.outputTokens, cached: u.cachedInputTokens, cacheCreation: u.cacheCreationInputTokens, reasoning: u.reasoningTokens, total: u.totalTokens },
    cost: costOf(ctx),
    durationMs: round(duration),
    attempts: ctx.attempts.length,
    retries,
  };
  if (err !== undefined) {
    if (err.dropReason !== undefined) r.dropReason = err.dropReason;
    r.error = err.code;
  }
  if (ctx.stream && ctx.firstByteAt > 0) {
    r.ttftMs = round(ctx.firstByteAt - ctx.startedAt);
    if (u.outputTokens > 1) r.tpotMs = round((endedAt - ctx.firstByteAt) / (u.outputTokens - 1));
  }
  if (attemptErrors) r.attemptErrors = attemptErrors;
  if (ctx.decision) r.pick = pickSummary(ctx.decision);
  return r;
}

/** Whether a flow counts as failed on the service map and in error rates: not answered, or a 5xx. */
export function flowFailed(r: FlowRecord): boolean {
  return r.verdict === 'DROPPED' || r.verdict === 'ERROR' || r.status >= 500 || r.status === 0;
}

/** The model a flow is reported under: the one the client asked for. */
export function flowModel(r: FlowRecord): string {
  return r.model.original ?? r.model.request ?? r.model.response ?? '';
}
