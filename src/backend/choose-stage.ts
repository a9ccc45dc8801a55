// The choose-backend stage (per attempt): a backendRef of the matched rule by weight; a backendRef
// RequestRedirect is answered here; an invalid backendRef (its weighted share) gets 500. For Service
// and Backend targets it also chooses the endpoint (round robin); InferencePool endpoints are the
// pick stage's. It starts the attempt's upstream plan.
import { GatewayError } from '../errors.ts';
import { applyHeaderOps } from '../http/filters.ts';
import { answerRedirect } from '../http/redirect.ts';
import type { RequestContext } from '../runtime/context.ts';
import type { BackendTarget, UpstreamTls, WeightedBackend } from '../runtime/snapshot.ts';
import type { Next } from '../pipeline/compose.ts';
import { chooseBackend, chooseBackendFor, nextTarget } from './choose.ts';
import type { BackendCooldowns } from './cooldowns.ts';

export interface ChooseBackendOptions {
  /** Backends that answered 429/503 with Retry-After, kept out of rotation for that long. */
  readonly cooldowns: BackendCooldowns;
}

export function chooseBackendStage(options: ChooseBackendOptions) {
  const cooldowns = options.cooldowns;
  const usable = (b: WeightedBackend) => !cooldowns.isCooling(b.target.id);
  return function chooseBackendRef(ctx: RequestContext, next: Next): Promise<void> | void {
    const rule = ctx.rule!;
    // A later attempt avoids the backends earlier ones failed on; a Retry-After cools one down for everyone.
    const attempts = ctx.attempts;
    let tried: Set<BackendTarget> | undefined;
    let triedOrigins: Set<string> | undefined;
    if (attempts.length > 1) {
      tried = new Set();
      triedOrigins = new Set();
      for (let i = 0; i < attempts.length - 1; i++) {
        const a = attempts[i]!;
        if (a.origin) triedOrigins.add(a.origin);
        if (!a.target) continue;
        tried.add(a.target);
        if (a.retryAfterMs !== undefined) cooldowns.cool(a.target.id, a.retryAfterMs);
      }
    }
    const backend = rule.backends.length === 1 ? rule.backends[0]! : (chooseBackendFor(rule, tried, usable) ?? chooseBackendFor(rule, undefined, usable) ?? chooseBackend(rule));
    if (rule.totalWeight <= 0) chooseBackend(rule);
    ctx.backend = backend;
    ctx.attempt!.target = backend.target;
    const filters = backend.filters;
    if (filters?.redirect) return answerRedirect(ctx, filters.redirect);
    const target = backend.target;
    if (target.kind === 'invalid') throw new GatewayError('invalid_backend', `${rule.id}: backend ${target.id} is not valid (${target.reason}): ${target.message}`);
    ctx.requestModel = backend.modelNameOverride ?? ctx.originalModel;
    ctx.attempt!.backend = target.id;

    let headers = ctx.req.headers;
    if (filters?.requestHeaders) {
      headers = { ...headers };
      applyHeaderOps(headers, filters.requestHeaders);
    }
    // Gateway API forwards the client's Host unless a filter rewrites it; AI routes address the
    // backend by its own host name, as Envoy AI Gateway's host rewrite does.
    let origin = '';
    let tls: UpstreamTls | undefined;
    let hostHeader = ctx.req.headers.host ?? (ctx.req.headers[':authority'] as string | undefined) ?? ctx.host;
    ctx.endpoint = undefined;
    ctx.decision = undefined;
    if (target.kind === 'endpoints') {
      const t = nextTarget(target, triedOrigins);
      if (!t) throw new GatewayError('no_ready_endpoint', `${target.id} has no ready endpoint`);
      origin = t.origin;
      tls = t.tls;
      if (rule.routeKind === 'AIGatewayRoute') hostHeader = t.hostHeader;
      ctx.endpoint = t.endpoint;
      ctx.attempt!.endpoint = t.endpoint?.key ?? t.origin;
    }
    ctx.upstream = {
      origin,
      tls,
      hostHeader,
      path: ctx.query ? `${ctx.path}?${ctx.query}` : ctx.path,
      headers,
      set: {},
      body: ctx.body ?? (ctx.method === 'GET' || ctx.method === 'HEAD' ? undefined : ctx.req),
      response: undefined,
      credential: undefined,
      responseHeaders: filters?.responseHeaders ?? rule.filters.responseHeaders,
    };
    return next();
  };
}
