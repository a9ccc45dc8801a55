// The pick stage (per attempt, InferencePool backends only): the pool's endpoint picker chooses among
// the endpoints admission allowed; the upstream plan is addressed to it and carries the picker's
// answer as `x-gateway-destination-endpoint` (primary first, then fallbacks), as an EPP would.
import type { RequestContext } from '../runtime/context.ts';
import { events } from '../runtime/events.ts';
import type { Next } from '../pipeline/compose.ts';
import { formatDecision } from './decision.ts';

/** Objective headers choose a priority at the gateway; they are not for the model server. */
const OBJECTIVE_HEADERS = ['x-gateway-inference-objective', 'x-llm-d-inference-objective'];

export interface PickStageOptions {
  /** Add the decision as an `x-sluice-pick` response header (endpoint, profile, scores, prefix blocks). */
  readonly debugHeaders?: boolean | undefined;
}

export function pickStage(options: PickStageOptions = {}) {
  const debug = options.debugHeaders === true;
  return function pick(ctx: RequestContext, next: Next): Promise<void> {
    const target = ctx.backend!.target;
    if (target.kind !== 'pool') {
      ctx.decision = undefined;
      return next();
    }
    const plan = ctx.upstream!;
    let endpoints = ctx.candidates ?? [];
    // A retry goes to another endpoint while one remains.
    if (ctx.attempts.length > 1 && endpoints.length > 1) {
      const tried = new Set(ctx.attempts.map((a) => a.origin));
      const fresh = endpoints.filter((e) => !tried.has(e.origin));
      if (fresh.length > 0) endpoints = fresh;
    }
    const decision = target.pool.picker.pick({
      model: ctx.originalModel ?? '',
      targetModel: ctx.requestModel ?? ctx.originalModel ?? '',
      headers: ctx.req.headers,
      body: ctx.json,
      priority: ctx.priority,
      objective: ctx.objective,
      endpoints,
      learn: true,
    });
    ctx.decision = decision;
    ctx.endpoint = decision.endpoint;
    ctx.attempt!.endpoint = decision.endpoint.key;
    plan.origin = decision.endpoint.origin;
    plan.set['x-gateway-destination-endpoint'] = decision.targets.length === 1 ? decision.endpoint.key : decision.targets.map((t) => t.key).join(',');
    if (plan.headers[OBJECTIVE_HEADERS[0]!] !== undefined || plan.headers[OBJECTIVE_HEADERS[1]!] !== undefined) {
      if (plan.headers === ctx.req.headers) plan.headers = { ...plan.headers };
      for (const h of OBJECTIVE_HEADERS) delete plan.headers[h];
    }
    if (debug && !ctx.res.headersSent) ctx.res.setHeader('x-sluice-pick', formatDecision(decision));
    events.pick.publish({ ctx, attempt: ctx.attempt! });
    return next();
  };
}
