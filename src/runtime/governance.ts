// The governance contract (DESIGN.md §2, the admit stage): what a rule (or a listener, for
// /v1/models) requires of a request — who the caller is, whether they may use this model, whether a
// rate limit or a budget allows it — and what is settled when the request is over (response costs,
// budget reconciliation, the cost ledger). Built once per snapshot by compile/governance.ts from
// SecurityPolicy, BackendTrafficPolicy.rateLimit, llmRequestCosts and Sluice's VirtualKey, Budget and
// ModelPricing; implemented in admission/governance.ts.
import type { GatewayError } from '../errors.ts';
import type { Principal, RequestContext } from './context.ts';
import type { TokenUsage } from './usage.ts';

export interface Admission {
  /**
   * Authenticates (sets `ctx.principal`), authorizes the model, checks rate limits and reserves
   * budgets. Throws a GatewayError: 401, 403, 429 (with retry-after and x-ratelimit-* headers).
   */
  admit(ctx: RequestContext): AdmissionTicket | Promise<AdmissionTicket>;
  /** The models of `models` this caller may use (for /v1/models). */
  visibleModels(principal: Principal | undefined, models: readonly string[]): readonly string[];
}

export interface AdmissionTicket {
  /** Response headers for the client (x-ratelimit-*). */
  readonly headers: Readonly<Record<string, string>> | undefined;
  /**
   * Usage reported so far by a stream (cumulative). An error means a budget ran out mid-stream: the
   * stream ends with it as its last event. Synchronous while the usage stays within what was reserved.
   */
  usage(usage: TokenUsage): GatewayError | undefined | Promise<GatewayError | undefined>;
  /**
   * The request is over, whatever happened: response costs charged to rate limits, budgets
   * reconciled, the cost recorded (sets `ctx.costMicros`). Never throws.
   */
  end(ctx: RequestContext): Promise<void>;
}
