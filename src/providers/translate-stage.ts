// The translate stage (per attempt). On an inference rule's AI endpoint: the translator for the
// (client schema, backend schema) pair rewrites the path, headers and body for the chosen backend,
// sets up the response side, and the backend's credential (if the gateway holds one) replaces the
// client's. Anything else is plain HTTP: the rule's or backendRef's URLRewrite applies.
import { GatewayError } from '../errors.ts';
import { rewritePath } from '../http/filters.ts';
import { CLIENT_CREDENTIAL_HEADERS } from '../http/headers.ts';
import type { RequestContext } from '../runtime/context.ts';
import type { BackendSchema } from '../runtime/translator.ts';
import type { Next } from '../pipeline/compose.ts';
import { selectTranslator } from './select.ts';
import { clientAskedForUsage } from './translators/openai-to-openai.ts';

/** InferencePools serve the OpenAI API under /v1 (vLLM and the other engines the Inference Extension targets). */
const POOL_SCHEMA: BackendSchema = { name: 'OpenAI', prefix: '/v1' };

export function translateStage() {
  return async function translate(ctx: RequestContext, next: Next): Promise<void> {
    const plan = ctx.upstream!;
    const backend = ctx.backend!;
    const target = backend.target;
    const client = ctx.clientSchema;
    if (client === undefined || ctx.json === undefined || ctx.operation === undefined) {
      const rewrite = backend.filters?.rewrite ?? ctx.rule!.filters.rewrite;
      if (rewrite?.hostname) plan.hostHeader = rewrite.hostname;
      if (rewrite?.path) plan.path = rewritePath(ctx.path, rewrite.path, ctx.matchedPrefix) + (ctx.query ? '?' + ctx.query : '');
      return next();
    }
    const schema = target.kind === 'endpoints' ? target.schema : POOL_SCHEMA;
    const translator = selectTranslator(client, schema.name);
    if (!translator) {
      throw new GatewayError('unprocessable_request', `model "${ctx.originalModel}" is served by ${target.id}, which speaks the ${schema.name} API; Sluice cannot translate ${client} ${ctx.method} ${ctx.path} requests to it`);
    }
    ctx.translator = translator;
    const model = ctx.requestModel ?? ctx.originalModel ?? '';
    const wantUsage = true;
    const out = translator.request({
      operation: ctx.operation,
      body: ctx.json,
      raw: ctx.body!,
      model,
      modelChanged: model !== ctx.originalModel,
      stream: ctx.stream,
      backend: schema,
      wantUsage,
      query: ctx.query,
      headers: ctx.req.headers,
    });
    plan.path = out.path;
    plan.body = out.body;
    for (const k in out.headers) plan.set[k] = out.headers[k]!;
    // Translators read identity-encoded bodies.
    plan.set['accept-encoding'] = 'identity';
    plan.response = translator.response({ operation: ctx.operation, stream: ctx.stream, requestModel: model, hideUsageChunk: ctx.stream && client === 'OpenAI' && !clientAskedForUsage(ctx.json), body: ctx.json, query: ctx.query });
    const auth = target.kind === 'endpoints' ? target.auth : target.kind === 'pool' ? target.pool.auth : undefined;
    if (auth) {
      if (plan.headers === ctx.req.headers) plan.headers = { ...plan.headers };
      for (const h of CLIENT_CREDENTIAL_HEADERS) delete plan.headers[h];
      // Credentials sign what is sent: the host and the translated path, headers and body.
      plan.set['host'] = plan.hostHeader;
      const draft = { method: ctx.method, origin: plan.origin, path: plan.path, headers: plan.set, body: out.body };
      await auth.apply(draft);
      plan.path = draft.path;
      plan.credential = auth.source;
    }
    return next();
  };
}
