// The request path, in order (DESIGN.md §2; docs/architecture.md draws it). This file is the one
// place that lists the stages; each stage is a file in the folder of its concern and knows only the
// runtime contracts. Telemetry is not a stage: stages publish events (runtime/events.ts) and
// telemetry/ subscribes; the listener publishes the request's start and end around this pipeline.
//
//   request:  route → admit → models → mirror → forward
//   attempt:  choose backend → pool admission → pick → translate → send        (forward runs it, again on retry)
import { admitStage } from '../admission/admit-stage.ts';
import { poolAdmissionStage } from '../admission/pool-admission-stage.ts';
import { modelsStage } from '../routing/models-stage.ts';
import type { FlowQueues } from '../admission/flow-queues.ts';
import { nextTarget } from '../backend/choose.ts';
import { chooseBackendStage } from '../backend/choose-stage.ts';
import type { BackendCooldowns } from '../backend/cooldowns.ts';
import { pickStage } from '../picker/pick-stage.ts';
import { translateStage } from '../providers/translate-stage.ts';
import { routeStage } from '../routing/route-stage.ts';
import type { RequestContext } from '../runtime/context.ts';
import type { BackendTarget } from '../runtime/snapshot.ts';
import { forwardStage } from '../upstream/forward-stage.ts';
import { mirrorStage } from '../upstream/mirror-stage.ts';
import type { UpstreamPools } from '../upstream/pools.ts';
import { sendStage } from '../upstream/send.ts';
import { compose } from './compose.ts';

export interface PipelineOptions {
  readonly pools: UpstreamPools;
  readonly cooldowns: BackendCooldowns;
  readonly flows: FlowQueues;
  readonly maxBodyBytes?: number | undefined;
  readonly debugHeaders?: boolean | undefined;
}

export function buildPipeline(options: PipelineOptions): (ctx: RequestContext) => Promise<void> {
  const attempt = compose([
    chooseBackendStage({ cooldowns: options.cooldowns }), // backend/ priority tiers, weights, cooldowns, backendRef filters, Service/Backend endpoints
    poolAdmissionStage(options.flows), //         admission/  priority, flow control, shedding (pools)
    pickStage({ debugHeaders: options.debugHeaders }), // picker/ the pool's endpoint
    translateStage(), //                          providers/  client schema → backend schema, credentials
    sendStage(options.pools), //                  upstream/   one attempt; the response translated as it streams
  ]);
  return compose([
    routeStage({ maxBodyBytes: options.maxBodyBytes }), // routing/ listener, AI endpoint, body, model, rule, filters
    admitStage(), //                              admission/  authentication, authorization, rate limits, budgets; settles at the end
    modelsStage(), //                             routing/    GET /v1/models answered for this caller
    mirrorStage({ pools: options.pools, resolve: mirrorTarget }), // upstream/ copies for RequestMirror
    forwardStage({ attempt }), //                 upstream/   attempts, retries
  ]);
}

/** Where a mirrored copy goes: the next endpoint of a Service/Backend, or a pool pick that learns nothing. */
function mirrorTarget(ctx: RequestContext, target: BackendTarget): { origin: string; hostHeader: string } | undefined {
  if (target.kind === 'endpoints') return nextTarget(target);
  if (target.kind !== 'pool') return undefined;
  const endpoints = target.pool.endpoints.filter((e) => e.ready);
  if (endpoints.length === 0) return undefined;
  try {
    const d = target.pool.picker.pick({ model: ctx.originalModel ?? '', targetModel: ctx.originalModel ?? '', headers: ctx.req.headers, body: ctx.json, priority: 0, endpoints, learn: false });
    return { origin: d.endpoint.origin, hostHeader: ctx.req.headers.host ?? ctx.host };
  } catch {
    return undefined;
  }
}
