// One rule's governance (the runtime Admission contract): authentication (API keys, JWT, virtual keys
// — any one of them), authorization (rules and per-model access), rate limits (requests or tokens,
// shared through the limit store), budgets (reserved before, charged as usage arrives, reconciled at
// the end) and costs (llmRequestCosts for rate limits, ModelPricing for money and the usage ledger).
// Built once per snapshot by compile/governance.ts; all parts are optional.
import type { GatewayError } from '../errors.ts';
import type { Principal, RequestContext } from '../runtime/context.ts';
import type { Admission, AdmissionTicket } from '../runtime/governance.ts';
import type { TokenUsage } from '../runtime/usage.ts';
import { forbiddenError, modelsVisibleTo } from './auth/authorize.ts';
import type { Authorizer } from './auth/authorize.ts';
import { anyOf, unauthorizedError } from './auth/result.ts';
import type { Authenticator } from './auth/result.ts';
import type { BudgetGuard, BudgetReservation } from './budgets/budgets.ts';
import type { LlmRequestCosts } from './costs/llm-request-costs.ts';
import { costMicros } from './costs/pricing.ts';
import type { PriceTable } from './costs/pricing.ts';
import type { UsageLedger } from './costs/usage-ledger.ts';
import { rateLimitError } from './limits/rate-limit.ts';
import type { RateLimitTicket, RateLimiter } from './limits/rate-limit.ts';

export interface GovernanceParts {
  /** Any one may authenticate the request; none = anonymous requests are allowed. */
  readonly authenticators: readonly Authenticator[];
  /** Headers carrying the client's credential: removed before the request goes upstream. */
  readonly credentialHeaders: readonly string[];
  readonly authorizer?: Authorizer | undefined;
  readonly limiter?: RateLimiter | undefined;
  readonly budgets?: BudgetGuard | undefined;
  readonly costs?: LlmRequestCosts | undefined;
  readonly prices?: PriceTable | undefined;
  readonly ledger?: UsageLedger | undefined;
  /** `namespace/name` of the route, for CEL costs. */
  readonly routeName: string;
  readonly log?: ((line: string) => void) | undefined;
}

const NO_ERROR = undefined;

class Ticket implements AdmissionTicket {
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly #parts: GovernanceParts;
  readonly #limit: RateLimitTicket | undefined;
  readonly #reservation: BudgetReservation | undefined;

  constructor(parts: GovernanceParts, headers: Readonly<Record<string, string>> | undefined, limit: RateLimitTicket | undefined, reservation: BudgetReservation | undefined) {
    this.#parts = parts;
    this.headers = headers;
    this.#limit = limit;
    this.#reservation = reservation;
  }

  usage(usage: TokenUsage): GatewayError | undefined | Promise<GatewayError | undefined> {
    const r = this.#reservation?.update(usage);
    if (r === undefined) return NO_ERROR;
    if (r instanceof Promise) return r.then((x) => (x.ok ? undefined : x.error));
    return r.ok ? undefined : r.error;
  }

  async end(ctx: RequestContext): Promise<void> {
    const p = this.#parts;
    try {
      const model = ctx.requestModel ?? ctx.originalModel ?? '';
      const reached = ctx.attempts.some((a) => a.status > 0);
      if (!reached) {
        // Nothing reached an upstream: the request's counts go back.
        await p.limiter?.refund(this.#limit);
      } else if (p.limiter && this.#limit) {
        const values = p.costs ? p.costs.evaluate(ctx.usage, { model, backend: backendName(ctx), routeName: p.routeName }).values : {};
        await p.limiter.settle(this.#limit, values);
      }
      await this.#reservation?.end(ctx.usage);
      const price = p.prices?.priceOf(model);
      if (price) ctx.costMicros = costMicros(ctx.usage, price);
      if (p.ledger && reached) {
        await p.ledger.record({ identity: ctx.principal?.id ?? 'anonymous', team: ctx.principal?.team, model, backend: ctx.backend?.target.id ?? '', usage: { ...ctx.usage }, costMicros: ctx.costMicros ?? 0, atMs: Date.now() });
      }
    } catch (err) {
      p.log?.(`governance: settling request ${ctx.id} failed: ${(err as Error).message}`);
    }
  }
}

/** `name.namespace` of the backend, as Envoy AI Gateway's CEL `backend` variable reads. */
function backendName(ctx: RequestContext): string {
  const id = ctx.backend?.target.id ?? '';
  const space = id.indexOf(' ');
  const [ns = '', name = ''] = id.slice(space + 1).split('/');
  return name ? `${name}.${ns}` : '';
}

export class RuleAdmission implements Admission {
  readonly #parts: GovernanceParts;
  readonly #authenticator: Authenticator | undefined;

  constructor(parts: GovernanceParts) {
    this.#parts = parts;
    this.#authenticator = parts.authenticators.length > 0 ? anyOf(parts.authenticators) : undefined;
  }

  visibleModels(principal: Principal | undefined, models: readonly string[]): readonly string[] {
    return modelsVisibleTo(principal, models, this.#parts.authorizer);
  }

  admit(ctx: RequestContext): AdmissionTicket | Promise<AdmissionTicket> {
    const headers = ctx.req.headers;
    if (this.#authenticator) {
      const r = this.#authenticator.authenticate({ headers, query: ctx.query });
      if (r instanceof Promise) return r.then((x) => this.#afterAuth(ctx, x));
      return this.#afterAuth(ctx, r);
    }
    return this.#authorizeAndLimit(ctx);
  }

  #afterAuth(ctx: RequestContext, r: Awaited<ReturnType<Authenticator['authenticate']>>): AdmissionTicket | Promise<AdmissionTicket> {
    if (!r.ok) throw unauthorizedError(r);
    ctx.principal = r.principal;
    const headers = ctx.req.headers;
    // The client's credential is for the gateway: it never goes upstream.
    for (const h of this.#parts.credentialHeaders) delete headers[h];
    for (const [name, value] of r.setHeaders ?? []) headers[name] = value;
    return this.#authorizeAndLimit(ctx);
  }

  #authorizeAndLimit(ctx: RequestContext): AdmissionTicket | Promise<AdmissionTicket> {
    const p = this.#parts;
    if (p.authorizer) {
      const d = p.authorizer.authorize({ principal: ctx.principal, clientAddress: ctx.clientAddress, method: ctx.method, headers: ctx.req.headers, model: ctx.originalModel });
      if (!d.allowed) throw forbiddenError(d);
    }
    if (!p.limiter) return this.#reserve(ctx, undefined, undefined);
    const d = p.limiter.check({ headers: ctx.req.headers, clientAddress: ctx.clientAddress, method: ctx.method, path: ctx.path, route: p.routeName, model: ctx.originalModel });
    if (d instanceof Promise) {
      return d.then((x) => {
        if (!x.allowed) throw rateLimitError(x);
        return this.#reserve(ctx, x.headers, x.ticket);
      });
    }
    if (!d.allowed) throw rateLimitError(d);
    return this.#reserve(ctx, d.headers, d.ticket);
  }

  #reserve(ctx: RequestContext, headers: Readonly<Record<string, string>> | undefined, limit: RateLimitTicket | undefined): AdmissionTicket | Promise<AdmissionTicket> {
    const p = this.#parts;
    const hasHeaders = headers !== undefined && Object.keys(headers).length > 0 ? headers : undefined;
    if (!p.budgets || ctx.originalModel === undefined) return new Ticket(p, hasHeaders, limit, undefined);
    const a = p.budgets.begin({ requestId: ctx.id, principal: ctx.principal, model: ctx.originalModel, body: ctx.json });
    const after = (x: Awaited<typeof a>): AdmissionTicket => {
      if (!x.ok) {
        // The rate-limit counts of a request refused by its budget go back.
        void p.limiter?.refund(limit);
        throw x.error;
      }
      return new Ticket(p, hasHeaders, limit, x.reservation);
    };
    return a instanceof Promise ? a.then(after) : after(a);
  }
}
