// The forward stage: attempts. Each attempt runs the attempt stages (choose backend → pool admission
// → pick → translate → send) from scratch, so a retry may go to another endpoint or backend, is
// re-translated and re-signed for it. An attempt is retried when the rule allows it (HTTPRoute
// `retry`: its status codes, connection failures, per-attempt timeouts), time is left, and nothing
// has reached the client yet. The attempt records and events feed telemetry.
import { GatewayError } from '../errors.ts';
import type { Attempt, RequestContext } from '../runtime/context.ts';
import { events } from '../runtime/events.ts';
import type { Next } from '../pipeline/compose.ts';

export interface ForwardStageOptions {
  /** Runs one attempt: the composed attempt stages. */
  readonly attempt: (ctx: RequestContext) => Promise<void>;
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

export function forwardStage(options: ForwardStageOptions) {
  const runAttempt = options.attempt;
  return async function forward(ctx: RequestContext, next: Next): Promise<void> {
    const rule = ctx.rule!;
    ctx.deadline = rule.requestTimeoutMs > 0 ? performance.now() + rule.requestTimeoutMs : Infinity;
    const retry = rule.retry;
    const targets = distinctTargets(ctx);
    // Each backend once (failover), plus the rule's own retries.
    const maxAttempts = 1 + (retry?.attempts ?? 0) + Math.max(0, targets - 1);
    let retries = 0;
    for (let n = 1; ; n++) {
      // Another backend remains after this attempt: a failed answer fails over to it.
      const failoverLeft = targets > 1 && n < targets && n < maxAttempts;
      const retryLeft = (retry !== undefined && retries < retry.attempts) || failoverLeft;
      const retryOn = !retryLeft ? undefined : failoverLeft ? union(retry?.codes, FAILOVER_STATUSES) : retry!.codes;
      const attempt: Attempt = { n, backend: '', endpoint: '', startedAt: performance.now(), headersAt: 0, endedAt: 0, status: 0, error: undefined, retried: false, retryOn, retryStatus: 0, retryAfterMs: undefined, target: undefined, traceparent: undefined };
      ctx.attempts.push(attempt);
      ctx.attempt = attempt;
      events.attemptStart.publish({ ctx, attempt });
      try {
        await runAttempt(ctx);
        if (attempt.retryStatus === 0) return next();
        attempt.retried = true;
      } catch (err) {
        const code = (err as GatewayError).code;
        attempt.error = typeof code === 'string' ? code : 'internal_error';
        // A configured retry also retries connection errors and per-attempt timeouts; failover moves
        // on from them too.
        if (retryLeft && !ctx.responseStarted && (code === 'upstream_unreachable' || code === 'upstream_auth_failed' || (code === 'upstream_timeout' && (rule.backendTimeoutMs > 0 || failoverLeft)))) {
          attempt.retried = true;
        } else if (code === 'upstream_unreachable' && ctx.clientSchema === undefined) {
          // Plain HTTP routes answer a backend that cannot be reached with 503, as Envoy does; the AI
          // endpoints keep 502 (DESIGN.md §5).
          throw new GatewayError('upstream_connect_failed', (err as GatewayError).message, { cause: err });
        } else {
          throw err;
        }
      } finally {
        attempt.endedAt = performance.now();
        events.attemptEnd.publish({ ctx, attempt });
      }
      if (!failoverLeft) retries++;
      await sleep(failoverLeft ? 0 : (retry?.backoffMs ?? 0));
    }
  };
}

function union(a: ReadonlySet<number> | undefined, b: ReadonlySet<number>): ReadonlySet<number> {
  if (!a || a.size === 0) return b;
  return new Set([...a, ...b]);
}
