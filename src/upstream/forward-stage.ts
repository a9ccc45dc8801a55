// The forward stage: attempts. Each attempt runs the attempt stages (choose backend → pool admission
// → pick → translate → send) from scratch, so a retry goes to another endpoint or backend and is
// re-translated and re-signed for it. Nothing is retried once the response has started.
//
// When another attempt is made:
//   - failover: the rule has another backend not tried yet, and this one could not be reached, timed
//     out, or answered 429/5xx (a 429's Retry-After cools that backend for everyone);
//   - retry: the rule's retry policy (HTTPRoute `retry`, else BackendTrafficPolicy `retry`) names
//     the failure — a status, a connect failure, a reset, a per-try timeout — and retries are left;
//   - always, once: a connection that was refused (the request never left the gateway), so a dead
//     replica costs a client nothing while passive health detection ejects it.
// A retry budget (Envoy's retry_budget, with Sluice's defaults: at most half of the requests in flight
// are retries, and at least 10) keeps a dead pool from multiplying the load (1.5x at most, however many
// retries a policy allows); refused connections never reached an upstream and are not counted. Envoy's
// own defaults (20%, 3) fail requests a burst of resets could have saved.
import { GatewayError } from '../errors.ts';
import type { Attempt, RequestContext } from '../runtime/context.ts';
import { events } from '../runtime/events.ts';
import type { Next } from '../pipeline/compose.ts';

export interface ForwardStageOptions {
  /** Runs one attempt: the composed attempt stages. */
  readonly attempt: (ctx: RequestContext) => Promise<void>;
  /** Retries in flight may be at most this share of requests in flight (default 0.5)… */
  readonly retryBudgetRatio?: number | undefined;
  /** …but at least this many (default 10). */
  readonly minRetryConcurrency?: number | undefined;
}

/**
 * Upstream answers that send an attempt to the next backend when the rule has another one (failover
 * across backendRefs and priority tiers): overloaded, rate limited or failing providers.
 */
const FAILOVER_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** Distinct backends of a rule (a backend listed twice is one). */
function distinctTargets(ctx: RequestContext): number {
  const rule = ctx.rule!;
  if (rule.backends.length <= 1) return rule.backends.length;
  return new Set(rule.backends.filter((b) => b.weight > 0).map((b) => b.target)).size;
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

function union(a: ReadonlySet<number> | undefined, b: ReadonlySet<number>): ReadonlySet<number> {
  if (!a || a.size === 0) return b;
  return new Set([...a, ...b]);
}

export function forwardStage(options: ForwardStageOptions) {
  const runAttempt = options.attempt;
  const ratio = options.retryBudgetRatio ?? 0.5;
  const minRetries = options.minRetryConcurrency ?? 10;
  let inFlight = 0;
  let retriesInFlight = 0;
  const budgetAllows = () => retriesInFlight < Math.max(minRetries, Math.floor(inFlight * ratio));

  return async function forward(ctx: RequestContext, next: Next): Promise<void> {
    const rule = ctx.rule!;
    ctx.deadline = rule.requestTimeoutMs > 0 ? performance.now() + rule.requestTimeoutMs : Infinity;
    const retry = rule.retry;
    const targets = distinctTargets(ctx);
    let retries = 0;
    let safeRetryUsed = false;
    let retrying = false;
    inFlight++;
    try {
      for (let n = 1; ; n++) {
        // Another backend remains after this attempt: a failed answer fails over to it.
        const failoverLeft = targets > 1 && n < targets;
        const policyLeft = retry !== undefined && retries < retry.attempts;
        const retryOn = failoverLeft ? union(policyLeft ? retry.codes : undefined, FAILOVER_STATUSES) : policyLeft ? retry.codes : undefined;
        const attempt: Attempt = { n, backend: '', endpoint: '', startedAt: performance.now(), headersAt: 0, endedAt: 0, status: 0, error: undefined, retried: false, retryOn, retryStatus: 0, retryAfterMs: undefined, target: undefined, origin: '', errorCause: undefined, traceparent: undefined };
        ctx.attempts.push(attempt);
        ctx.attempt = attempt;
        events.attemptStart.publish({ ctx, attempt });
        let again = false;
        try {
          await runAttempt(ctx);
          if (attempt.retryStatus === 0) return await next();
          again = true;
        } catch (err) {
          const code = (err as GatewayError).code;
          attempt.error = typeof code === 'string' ? code : 'internal_error';
          if (!ctx.responseStarted) {
            const refused = code === 'upstream_unreachable' && attempt.errorCause === 'ECONNREFUSED';
            const reset = code === 'upstream_unreachable' && !refused;
            const perTryTimeout = code === 'upstream_timeout' && rule.backendTimeoutMs > 0 && performance.now() < ctx.deadline;
            if (failoverLeft && (code === 'upstream_unreachable' || code === 'upstream_auth_failed' || code === 'upstream_timeout')) again = true;
            else if (policyLeft && ((refused && retry.onConnectFailure) || (reset && retry.onReset) || (perTryTimeout && retry.onTimeout))) again = true;
            else if (refused && !safeRetryUsed) {
              safeRetryUsed = true;
              again = true;
            }
          }
          if (!again) {
            // Plain HTTP routes answer a backend that cannot be reached with 503, as Envoy does; the AI
            // endpoints keep 502 (DESIGN.md §5).
            if (code === 'upstream_unreachable' && ctx.clientSchema === undefined) throw new GatewayError('upstream_connect_failed', (err as GatewayError).message, { cause: err });
            throw err;
          }
        } finally {
          attempt.endedAt = performance.now();
          attempt.retried = again;
          events.attemptEnd.publish({ ctx, attempt });
          if (retrying) {
            retrying = false;
            retriesInFlight--;
          }
        }
        // A refused connection never reached the upstream: retrying it adds no load, so it is not budgeted.
        const loadsUpstream = !(attempt.error === 'upstream_unreachable' && attempt.errorCause === 'ECONNREFUSED');
        if (loadsUpstream) {
          if (!budgetAllows()) {
            // Over the retry budget: the last answer stands (a discarded status becomes an error).
            throw new GatewayError('upstream_error', `${attempt.backend || 'the backend'} failed and the gateway's retry budget is spent (too many retries in flight)`);
          }
          retrying = true;
          retriesInFlight++;
        }
        // Exponential backoff up to maxBackoffMs (a fixed backoff when there is no maximum); none before a failover.
        const backoff = failoverLeft || !retry ? 0 : retry.maxBackoffMs > 0 ? Math.min(retry.backoffMs * 2 ** retries, retry.maxBackoffMs) : retry.backoffMs;
        if (!failoverLeft && policyLeft) retries++;
        await sleep(backoff);
      }
    } finally {
      inFlight--;
      if (retrying) retriesInFlight--;
    }
  };
}
