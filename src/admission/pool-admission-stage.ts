// The pool-admission stage (per attempt, InferencePool backends only; inference-extension reference
// §6): the request's priority from its InferenceObjective, then either flow control (wait in the
// pool's priority queue until an endpoint has capacity) or legacy admission (a sheddable request on a
// saturated pool gets 429 at once). Sets the endpoints the pick stage may choose from.
import type { RequestContext } from '../runtime/context.ts';
import type { Next } from '../pipeline/compose.ts';
import type { FlowQueues } from './flow-queues.ts';
import { admit, priorityOf } from './pool-admission.ts';

export function poolAdmissionStage(flows: FlowQueues) {
  return async function admitToPool(ctx: RequestContext, next: Next): Promise<void> {
    const target = ctx.backend!.target;
    if (target.kind !== 'pool') {
      ctx.candidates = undefined;
      return next();
    }
    const pool = target.pool;
    const { priority, objective } = priorityOf(ctx.req.headers, pool.objectives);
    ctx.priority = priority;
    ctx.objective = objective;
    const queue = flows.for(pool);
    if (queue) await queue.wait(priority, (cancel) => ctx.res.once('close', cancel));
    ctx.candidates = admit(pool, priority, pool.picker.saturation);
    return next();
  };
}
