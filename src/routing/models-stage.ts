// `GET /v1/models` and `GET /v1/models/{id}`: answered by the gateway after admission, from the models
// the listener's AI routes name, scoped by hostname and by what the caller may use (virtual keys'
// model lists, authorization rules).
import { GatewayError } from '../errors.ts';
import { sendJSON } from '../http/respond.ts';
import type { RequestContext } from '../runtime/context.ts';
import type { Next } from '../pipeline/compose.ts';
import { modelById, modelsList } from './models.ts';

export function modelsStage() {
  return function models(ctx: RequestContext, next: Next): Promise<void> | void {
    const q = ctx.modelsQuery;
    if (!q) return next();
    const listener = ctx.listener!;
    const allowed = listener.admission ? new Set(listener.admission.visibleModels(ctx.principal, listener.models.map((m) => m.id))) : undefined;
    if (q.id === undefined) return sendJSON(ctx.res, 200, modelsList(listener, ctx.host, allowed), ctx.responseHeaders);
    const model = allowed && !allowed.has(q.id) ? undefined : modelById(listener, ctx.host, q.id);
    if (model === undefined) throw new GatewayError('model_not_found', `The model "${q.id}" does not exist on this gateway (GET /v1/models lists the models it serves)`, { param: 'model' });
    return sendJSON(ctx.res, 200, model, ctx.responseHeaders);
  };
}
