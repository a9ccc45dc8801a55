// The admit stage: the rule's governance (runtime/governance.ts) runs before anything is forwarded —
// who the caller is, whether they may use the model, whether a rate limit or a budget allows the
// request — and settles when the request is over, whatever happened (response costs, budget
// reconciliation, the cost ledger). `/v1/models` is governed by the listener's (Gateway-level) policy.
import type { RequestContext } from '../runtime/context.ts';
import { events } from '../runtime/events.ts';
import type { AdmissionTicket } from '../runtime/governance.ts';
import type { Next } from '../pipeline/compose.ts';

export function admitStage() {
  return async function admit(ctx: RequestContext, next: Next): Promise<void> {
    const admission = ctx.rule?.admission ?? (ctx.modelsQuery ? ctx.listener?.admission : undefined);
    if (!admission) {
      events.admit.publish(ctx);
      return next();
    }
    const pending = admission.admit(ctx);
    const ticket: AdmissionTicket = pending instanceof Promise ? await pending : pending;
    ctx.admission = ticket;
    if (ticket.headers) ctx.responseHeaders = ctx.responseHeaders ? { ...ctx.responseHeaders, ...ticket.headers } : { ...ticket.headers };
    events.admit.publish(ctx);
    try {
      await next();
    } finally {
      await ticket.end(ctx);
    }
  };
}
