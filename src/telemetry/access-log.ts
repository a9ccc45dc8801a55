// The access log: a subscriber that writes one JSON line per request of one gateway instance when the
// request ends (DESIGN.md §2, §3), through pino's asynchronous destination (sonic-boom) for stdout,
// stderr, descriptors and files, so that writing never blocks the request path. Lines reach the
// destination within a second (or 4 KiB); `flush()` and `close()` write out the rest, and pino's exit
// hook what sonic-boom holds at process exit (lines of the current event-loop turn are not yet
// there: a gateway that closes, as the CLI's does on SIGTERM/SIGINT, loses none). The line is built
// as text by accessLogLine: pino's logger layer (levels, bindings, per-key serialisation) would add a
// few microseconds a line for nothing used here.
//
// Fields: Envoy-style request fields (start_time, method, path, protocol, authority, response_code,
// duration, bytes), Envoy AI Gateway's AI access-log fields under their names (reference §7.3:
// gen_ai.request.model, gen_ai.request.model_override, gen_ai.response.model, gen_ai.provider.name,
// gen_ai.usage.*, session.id from `agent-session-id`), and Sluice's: request id, identity, route,
// backend, endpoint, the picker's decision in brief, attempts and retries, verdict and drop reason,
// time to first token, cost in USD when a ModelPricing priced the request.
//
// Never written: request or response headers other than user-agent and agent-session-id (so never the
// client's Authorization or API key header), the query string (a Gemini API key may sit there),
// bodies, upstream credentials. `gen_ai.provider.name` is the provider (openai, aws.bedrock, …); the
// backend resource has its own `backend` field (upstream puts the backend name in provider.name).
import pino from 'pino';
import type { RequestContext } from '../runtime/context.ts';
import { events } from '../runtime/events.ts';
import { attemptEndpointName, genAIOperationName, genAIProviderName, isGenAIRequest, timePerOutputTokenSeconds, timeToFirstTokenSeconds } from './genai.ts';

export interface AccessLogOptions {
  /**
   * Where lines go: `stdout` (default) or `-`, `stderr`, a file path (appended to, directories
   * created), a file descriptor, or a writable stream (tests; written to synchronously).
   */
  readonly destination?: 'stdout' | 'stderr' | '-' | string | number | NodeJS.WritableStream;
  /** Where a failing destination is reported, once (a full disk, a closed pipe); default stderr. The log then stops. */
  readonly log?: (line: string) => void;
}

export interface AccessLog {
  /** Writes out what is buffered. */
  flush(): Promise<void>;
  /** Reopens a file destination (after log rotation moved it). */
  reopen(): void;
  /** Stops listening and flushes; closes a file this log opened (never stdout, stderr, a given fd or stream). */
  close(): Promise<void>;
}

/** Milliseconds with microsecond precision. */
function ms(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** The picker's decision in brief: pool, endpoint, profile, score and prefix match of the chosen endpoint. */
function pickSummary(ctx: RequestContext): Record<string, unknown> | undefined {
  const d = ctx.decision;
  if (d === undefined) return undefined;
  const out: Record<string, unknown> = { pool: d.pool, endpoint: d.endpoint.podName || d.endpoint.key, profile: d.profile };
  const run = d.runs.find((r) => r.profile === d.profile);
  const i = run ? run.candidates.indexOf(d.endpoint) : -1;
  if (run !== undefined && i >= 0) {
    out['candidates'] = run.candidates.length;
    out['score'] = ms(run.totals[i]!);
  }
  if (d.prefix !== undefined) out['prefix_blocks'] = `${d.prefix.matched.get(d.endpoint.key) ?? 0}/${d.prefix.totalBlocks}`;
  if (d.targets.length > 1) out['fallbacks'] = d.targets.length - 1;
  if (d.failOpen !== undefined) out['fail_open'] = d.failOpen;
  return out;
}

/** A string as a JSON value. */
const str = JSON.stringify as (s: string) => string;

/** A number as a JSON value (null when not finite, as JSON.stringify writes it). */
function num(v: number): string {
  return Number.isFinite(v) ? String(v) : 'null';
}

/**
 * The access-log line of a finished request, without the newline: `{"log":"access",…}`. Written
 * field by field (strings through JSON.stringify, so escaping is JSON's own) rather than by
 * stringifying a record object: the object, its property stores and the generic serializer cost
 * several times more per request (bench `telemetry`, docs/observability.md "Cost of telemetry").
 */
export function accessLogLine(ctx: RequestContext): string {
  let l = `{"log":"access","start_time":"${new Date(ctx.startedAtWall).toISOString()}","request_id":${str(ctx.id)},"method":${str(ctx.method)},"path":${str(ctx.path)},"protocol":${str(`HTTP/${ctx.req.httpVersion}`)},"authority":${str(ctx.host)},"response_code":${num(ctx.status)},"duration_ms":${num(ms(ctx.endedAt - ctx.startedAt))},"bytes_sent":${num(ctx.bytesOut)},"client_address":${str(ctx.clientAddress)}`;
  const ua = ctx.req.headers['user-agent'];
  if (ua !== undefined) l += `,"user_agent":${str(ua)}`;
  l += `,"route":${str(ctx.route)}`;
  const p = ctx.principal;
  if (p !== undefined) {
    l += `,"principal":${str(p.id)},"principal_kind":${str(p.kind)}`;
    if (p.team !== undefined) l += `,"team":${str(p.team)}`;
  }
  if (ctx.objective !== undefined) l += `,"objective":${str(ctx.objective)}`;
  if (ctx.priority !== 0) l += `,"priority":${num(ctx.priority)}`;
  const attempts = ctx.attempts;
  const last = attempts.at(-1);
  if (last !== undefined) {
    l += `,"backend":${str(last.backend)}`;
    const endpoint = attemptEndpointName(ctx, last);
    if (endpoint !== '') l += `,"endpoint":${str(endpoint)}`;
    if (last.status > 0) l += `,"upstream_status":${num(last.status)}`;
  }
  let retries = 0;
  for (const a of attempts) if (a.retried) retries++;
  l += `,"attempts":${attempts.length},"retries":${retries}`;
  const pick = pickSummary(ctx);
  if (pick !== undefined) l += `,"pick":${JSON.stringify(pick)}`;
  l += `,"verdict":${str(ctx.verdict)}`;
  const err = ctx.error;
  if (err !== undefined) {
    l += `,"error":${str(err.code)},"error_message":${str(err.message)}`;
    if (err.dropReason !== undefined) l += `,"drop_reason":${str(err.dropReason)}`;
  }
  if (isGenAIRequest(ctx)) {
    l += `,"gen_ai.operation.name":${str(genAIOperationName(ctx.operation!))},"gen_ai.provider.name":${str(genAIProviderName(ctx.backend?.target))}`;
    if (ctx.originalModel !== undefined) l += `,"gen_ai.request.model":${str(ctx.originalModel)}`;
    if (ctx.requestModel !== undefined) l += `,"gen_ai.request.model_override":${str(ctx.requestModel)}`;
    if (ctx.responseModel !== undefined) l += `,"gen_ai.response.model":${str(ctx.responseModel)}`;
    const u = ctx.usage;
    l += `,"stream":${ctx.stream},"gen_ai.usage.input_tokens":${num(u.inputTokens)},"gen_ai.usage.output_tokens":${num(u.outputTokens)},"gen_ai.usage.total_tokens":${num(u.totalTokens)},"gen_ai.usage.cache_read.input_tokens":${num(u.cachedInputTokens)},"gen_ai.usage.cache_creation.input_tokens":${num(u.cacheCreationInputTokens)},"gen_ai.usage.reasoning_tokens":${num(u.reasoningTokens)}`;
    const ttft = timeToFirstTokenSeconds(ctx);
    if (ttft !== undefined) l += `,"ttft_ms":${num(ms(ttft * 1000))}`;
    const tpot = timePerOutputTokenSeconds(ctx);
    if (tpot !== undefined) l += `,"tpot_ms":${num(ms(tpot * 1000))}`;
  }
  // Set by governance when a ModelPricing prices the request's model (integer micro-dollars).
  if (ctx.costMicros !== undefined) l += `,"cost_usd":${num(ctx.costMicros / 1e6)}`;
  const session = ctx.req.headers['agent-session-id'];
  if (typeof session === 'string') l += `,"session.id":${str(session)}`;
  return l + '}';
}

/** The access-log record of a finished request: its line as an object, without `log` (tests and other sinks). */
export function accessLogRecord(ctx: RequestContext): Record<string, unknown> {
  const { log: _log, ...record } = JSON.parse(accessLogLine(ctx)) as Record<string, unknown>;
  return record;
}

function isStream(d: unknown): d is NodeJS.WritableStream {
  return typeof d === 'object' && d !== null && typeof (d as { write?: unknown }).write === 'function';
}

type SonicBoom = ReturnType<typeof pino.destination>;

/** Starts writing the access log of the gateway instance `owner`. */
export function attachAccessLog(owner: object, options: AccessLogOptions = {}): AccessLog {
  const where = options.destination ?? 'stdout';
  let sonic: SonicBoom | undefined;
  let ownsFile = false;
  let out: { write(line: string): unknown };
  let failed = false;
  if (isStream(where)) {
    out = where;
  } else {
    const dest = where === 'stdout' || where === '-' ? 1 : where === 'stderr' ? 2 : where;
    ownsFile = typeof dest === 'string';
    // Asynchronous and buffered: a line costs a string append; the buffer goes out in one write at
    // 4 KiB or every second (lines of one event-loop turn are appended as one chunk, below).
    sonic = pino.destination({ dest, sync: false, minLength: 4096, periodicFlush: 1000, mkdir: ownsFile, append: true });
    const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
    const s = sonic;
    sonic.on('error', (err: Error) => {
      if (failed) return;
      failed = true;
      // Marked destroyed so pino's exit hook skips it (flushing a destination that never opened throws).
      (s as unknown as { destroyed: boolean }).destroyed = true;
      log(`access log: writing to ${typeof dest === 'string' ? dest : `fd ${dest}`} failed, the access log stops: ${err.message}`);
    });
    out = sonic;
  }
  // Lines for sonic-boom are gathered here and handed over once per turn of the event loop: its
  // write() measures the byte length of the chunk it appends to on every call, which made a line cost
  // several times what building it does once a few KiB were pending. A stream gets each line at once.
  let pending = '';
  let scheduled = false;
  const drain = () => {
    scheduled = false;
    if (pending === '') return;
    const chunk = pending;
    pending = '';
    if (!failed) out.write(chunk);
  };
  const unsubscribe = events.end.subscribe((ctx) => {
    if (ctx.owner !== owner || failed) return;
    if (sonic === undefined) {
      out.write(accessLogLine(ctx) + '\n');
      return;
    }
    pending += accessLogLine(ctx) + '\n';
    if (!scheduled) {
      scheduled = true;
      setImmediate(drain);
    }
  });
  const flush = () =>
    new Promise<void>((resolve) => {
      drain();
      if (sonic === undefined || failed) return resolve();
      sonic.flush(() => resolve());
    });
  let closed: Promise<void> | undefined;
  return {
    flush,
    reopen: () => {
      if (ownsFile && !failed) sonic?.reopen();
    },
    close() {
      closed ??= (async () => {
        unsubscribe();
        await flush();
        if (ownsFile && sonic !== undefined && !failed) {
          const s = sonic;
          await new Promise<void>((resolve) => {
            s.once('close', () => resolve());
            s.end();
          });
        }
      })();
      return closed;
    },
  };
}
