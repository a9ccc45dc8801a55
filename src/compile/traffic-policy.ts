// Envoy Gateway BackendTrafficPolicy → what applies to a route's rules: retries (numRetries, retryOn
// triggers and status codes, perRetry timeout and backoff), endpoint health (passive outlier
// detection, active HTTP checks, panic threshold), the request timeout, and the rate-limit rules
// (read by the governance compiler). A policy targets a Gateway or a route in its own namespace (an
// AIGatewayRoute is targeted as the HTTPRoute of the same name Envoy AI Gateway generates); a
// route-level policy wins over a Gateway-level one. Fields Sluice does not honour are reported by
// compile/support.ts.
import { parseGoDurationMs } from '../config/schemas/meta.ts';
import type { BackendTrafficPolicy } from '../config/schemas/index.ts';
import { resourceLabel } from '../config/validate.ts';
import type { Resource } from '../config/validate.ts';
import type { HealthConfig } from '../backend/health-registry.ts';
import type { RetryPolicy } from '../runtime/snapshot.ts';
import { GATEWAY_GROUP, all } from './context.ts';
import type { Ctx } from './context.ts';

export interface CompiledTrafficPolicy {
  /** `BackendTrafficPolicy ns/name`. */
  readonly source: string;
  readonly resource: Resource<BackendTrafficPolicy>;
  readonly retry?: RetryPolicy | undefined;
  readonly perTryTimeoutMs?: number | undefined;
  readonly requestTimeoutMs?: number | undefined;
  readonly health: HealthConfig;
}

type Spec = BackendTrafficPolicy['spec'];

/** Envoy's retry backoff base interval default. */
const DEFAULT_BACKOFF_MS = 25;

function ms(ctx: Ctx, p: Resource, field: (string | number)[], text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = parseGoDurationMs(text);
  if (v === undefined) ctx.problems.push({ severity: 'error', location: p.source.locationOf(field), resource: resourceLabel(p.kind, p.namespace, p.name), field: field.join('.'), message: `"${text}" is not a duration (e.g. 500ms, 2s, 1m)` });
  return v;
}

function compileRetry(ctx: Ctx, p: Resource<BackendTrafficPolicy>, r: NonNullable<Spec['retry']>): RetryPolicy {
  const triggers = new Set(r.retryOn?.triggers ?? (r.retryOn?.httpStatusCodes ? ['retriable-status-codes'] : ['connect-failure', 'reset', 'retriable-status-codes']));
  const codes = new Set<number>();
  if (triggers.has('5xx')) for (let c = 500; c < 600; c++) codes.add(c);
  if (triggers.has('gateway-error') || triggers.has('unavailable')) for (const c of [502, 503, 504]) codes.add(c);
  if (triggers.has('retriable-4xx')) codes.add(409);
  if (triggers.has('resource-exhausted')) codes.add(429);
  // Envoy Gateway turns httpStatusCodes into the retriable-status-codes trigger.
  if (triggers.has('retriable-status-codes') || r.retryOn?.httpStatusCodes) for (const c of r.retryOn?.httpStatusCodes ?? [503]) codes.add(c);
  const base = ms(ctx, p, ['spec', 'retry', 'perRetry', 'backOff', 'baseInterval'], r.perRetry?.backOff?.baseInterval) ?? DEFAULT_BACKOFF_MS;
  const max = ms(ctx, p, ['spec', 'retry', 'perRetry', 'backOff', 'maxInterval'], r.perRetry?.backOff?.maxInterval) ?? base * 10;
  return {
    codes,
    attempts: r.numRetries ?? 2,
    backoffMs: base,
    maxBackoffMs: max,
    onConnectFailure: triggers.has('connect-failure') || triggers.has('5xx') || triggers.has('gateway-error'),
    onReset: triggers.has('reset') || triggers.has('5xx') || triggers.has('gateway-error'),
    onTimeout: triggers.has('5xx') || triggers.has('gateway-error') || triggers.has('deadline-exceeded') || r.perRetry?.timeout !== undefined,
  };
}

function compilePolicy(ctx: Ctx, p: Resource<BackendTrafficPolicy>): CompiledTrafficPolicy {
  const spec = p.object.spec;
  const hc = spec.healthCheck;
  const passive = hc?.passive;
  const active = hc?.active;
  const f = (...path: (string | number)[]) => ['spec', 'healthCheck', ...path];
  const health: HealthConfig = {
    passive: passive && {
      ...(passive.consecutive5XxErrors !== undefined ? { consecutive5xxErrors: passive.consecutive5XxErrors } : {}),
      ...(passive.consecutiveGatewayErrors !== undefined ? { consecutiveGatewayErrors: passive.consecutiveGatewayErrors } : {}),
      ...(passive.consecutiveLocalOriginFailures !== undefined ? { consecutiveLocalOriginFailures: passive.consecutiveLocalOriginFailures } : {}),
      ...(passive.splitExternalLocalOriginErrors !== undefined ? { splitExternalLocalOriginErrors: passive.splitExternalLocalOriginErrors } : {}),
      ...(passive.maxEjectionPercent !== undefined ? { maxEjectionPercent: passive.maxEjectionPercent } : {}),
      ...(passive.alwaysEjectOneEndpoint !== undefined ? { alwaysEjectOneEndpoint: passive.alwaysEjectOneEndpoint } : {}),
      ...optional('intervalMs', ms(ctx, p, f('passive', 'interval'), passive.interval)),
      ...optional('baseEjectionTimeMs', ms(ctx, p, f('passive', 'baseEjectionTime'), passive.baseEjectionTime)),
    },
    active:
      active && active.type === 'HTTP' && active.http
        ? {
            path: active.http.path,
            ...(active.http.method ? { method: active.http.method } : {}),
            ...(active.http.expectedStatuses ? { expectedStatuses: active.http.expectedStatuses } : {}),
            ...(active.http.expectedResponse?.text !== undefined ? { expectedResponse: { type: 'Text' as const, text: active.http.expectedResponse.text } } : {}),
            ...optional('intervalMs', ms(ctx, p, f('active', 'interval'), active.interval)),
            ...optional('timeoutMs', ms(ctx, p, f('active', 'timeout'), active.timeout)),
            ...(active.unhealthyThreshold !== undefined ? { unhealthyThreshold: active.unhealthyThreshold } : {}),
            ...(active.healthyThreshold !== undefined ? { healthyThreshold: active.healthyThreshold } : {}),
          }
        : undefined,
    panicThreshold: hc?.panicThreshold,
  };
  if (active && active.type !== 'HTTP') {
    ctx.problems.push({ severity: 'warning', location: p.source.locationOf(f('active', 'type')), resource: resourceLabel(p.kind, p.namespace, p.name), field: 'spec.healthCheck.active.type', message: `${active.type} active health checks are not supported (only HTTP); endpoints are judged by passive detection only` });
  }
  return {
    source: resourceLabel('BackendTrafficPolicy', p.namespace, p.name),
    resource: p,
    retry: spec.retry ? compileRetry(ctx, p, spec.retry) : undefined,
    perTryTimeoutMs: ms(ctx, p, ['spec', 'retry', 'perRetry', 'timeout'], spec.retry?.perRetry?.timeout),
    requestTimeoutMs: ms(ctx, p, ['spec', 'timeout', 'http', 'requestTimeout'], spec.timeout?.http?.requestTimeout),
    health,
  };
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

const memo = new WeakMap<Ctx, Map<string, CompiledTrafficPolicy | undefined>>();

/** The BackendTrafficPolicy that applies to a route (route-level first, then its Gateways), compiled once. */
export function trafficPolicy(ctx: Ctx, route: Resource<{ spec?: { parentRefs?: { name: string; namespace?: string | undefined }[] | undefined } | undefined }>): CompiledTrafficPolicy | undefined {
  let cache = memo.get(ctx);
  if (!cache) memo.set(ctx, (cache = new Map()));
  const key = `${route.kind}/${route.namespace}/${route.name}`;
  if (cache.has(key)) return cache.get(key);
  const policies = all<BackendTrafficPolicy>(ctx.index, 'BackendTrafficPolicy').filter((p) => p.namespace === route.namespace);
  const routeKind = route.kind === 'AIGatewayRoute' ? 'HTTPRoute' : route.kind;
  const targets = (p: Resource<BackendTrafficPolicy>) => [...(p.object.spec.targetRefs ?? []), ...(p.object.spec.targetRef ? [p.object.spec.targetRef] : [])];
  const byRoute = policies.find((p) => targets(p).some((t) => (t.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && t.kind === routeKind && t.name === route.name));
  const gateways = new Set((route.object.spec?.parentRefs ?? []).filter((r) => (r.namespace ?? route.namespace) === route.namespace).map((r) => r.name));
  const byGateway = byRoute ?? policies.find((p) => targets(p).some((t) => t.kind === 'Gateway' && t.name !== undefined && gateways.has(t.name)));
  const compiled = byGateway && compilePolicy(ctx, byGateway);
  cache.set(key, compiled);
  return compiled;
}
