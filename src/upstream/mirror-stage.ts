// The mirror stage: RequestMirror filters send a copy of a share of the requests to another backend,
// whose answer is discarded. A mirrored copy never changes what the client gets, and a copy sent to
// an InferencePool does not teach its picker (the resolver picks without learning).
import { rewritePath } from '../http/filters.ts';
import type { RequestContext, UpstreamPlan } from '../runtime/context.ts';
import type { BackendTarget } from '../runtime/snapshot.ts';
import type { Next } from '../pipeline/compose.ts';
import type { UpstreamPools } from './pools.ts';
import { sendMirror } from './send.ts';

export interface MirrorStageOptions {
  readonly pools: UpstreamPools;
  /** The origin and Host a mirrored copy goes to, or undefined when the target has no endpoint now. */
  readonly resolve: (ctx: RequestContext, target: BackendTarget) => { origin: string; hostHeader: string } | undefined;
}

export function mirrorStage(options: MirrorStageOptions) {
  return function mirror(ctx: RequestContext, next: Next): Promise<void> {
    const rule = ctx.rule!;
    const mirrors = rule.mirrors;
    for (let i = 0; i < mirrors.length; i++) {
      const m = mirrors[i]!;
      if (m.fraction < 1 && Math.random() >= m.fraction) continue;
      const to = options.resolve(ctx, m.target);
      if (!to) continue;
      const rewrite = rule.filters.rewrite;
      const plan: UpstreamPlan = {
        origin: to.origin,
        tls: undefined,
        hostHeader: rewrite?.hostname ?? ctx.req.headers.host ?? ctx.host,
        path: (rewrite?.path ? rewritePath(ctx.path, rewrite.path, ctx.matchedPrefix) : ctx.path) + (ctx.query ? '?' + ctx.query : ''),
        headers: ctx.req.headers,
        set: {},
        body: ctx.body,
        response: undefined,
        responseHeaders: undefined,
        credential: undefined,
      };
      sendMirror(options.pools, ctx.method, plan, rule.requestTimeoutMs, ctx.id);
    }
    return next();
  };
}
