// Routes (HTTPRoute, AIGatewayRoute, GRPCRoute, TLSRoute): rules → compiled rules with matches,
// filters, backends, mirrors, retries and timeouts; parent attachment to listeners (sectionName, port,
// allowedRoutes, hostname intersection) and the route's conditions.

import { trafficPolicy } from './traffic-policy.ts';
import type { RetryPolicy } from '../runtime/snapshot.ts';
import { condition, ok } from '../runtime/conditions.ts';
import type { Condition } from '../runtime/conditions.ts';

import { intersectHostnames } from '../routing/hostnames.ts';
import { regexError } from '../routing/route-table.ts';
import { compileFilters, compileHeaderOps, mirrorFraction } from '../compile/filters.ts';
import type { FilterView } from '../compile/filters.ts';
import type { MatchSpec } from '../routing/route-table.ts';
import { parseDurationMs } from '../config/schemas/meta.ts';

import type { BackendTarget, CompiledRule, ResourceStatus, WeightedBackend } from '../runtime/snapshot.ts';
import type { Resource } from '../config/validate.ts';
import { resourceLabel } from '../config/validate.ts';
import type { AIGatewayRouteView, HTTPRouteView, ParentRefView, GRPCRouteView, HTTPRouteMatchView } from '../config/views.ts';

import { GATEWAY_GROUP, AI_ROUTE_DEFAULT_TIMEOUT_MS, labelSelectorMatches } from './context.ts';
import { MODEL_HEADER } from '../http/headers.ts';
import type { CompiledListener, Ctx, LabelSelectorView } from './context.ts';
import { resolveBackendRef } from './backends.ts';
import { refusedForSecurity } from './support.ts';

export function compileRoute(ctx: Ctx, route: Resource<HTTPRouteView | AIGatewayRouteView | GRPCRouteView>, listeners: CompiledListener[], statuses: ResourceStatus[]): void {
  const isAI = route.kind === 'AIGatewayRoute';
  const isGrpc = route.kind === 'GRPCRoute';
  const isTls = route.kind === 'TLSRoute';
  const label = resourceLabel(route.kind, route.namespace, route.name);
  const spec = route.object.spec ?? {};
  const parentRefs: ParentRefView[] = spec.parentRefs ?? [];
  const parents: { name: string; conditions: Condition[] }[] = [];
  const routeHostnames = spec.hostnames ?? [];
  // A security field Sluice does not enforce (an ExternalAuth filter): the route stays attached, so its
  // requests do not fall through to a less specific route, and every rule refuses them (500).
  const refused = refusedForSecurity(route);

  // Rules → compiled rules (shared by every listener the route attaches to).
  const notes: string[] = [];
  let resolvedAll = true;
  const refReasons: string[] = [];
  const compiledRules: { rule: CompiledRule; matches: MatchSpec[]; models: string[]; ownedBy: string | undefined }[] = [];
  let droppedRules = 0;
  (spec.rules ?? [{}]).forEach((rawRule, ruleIndex) => {
    const rule = rawRule as HTTPRouteRuleView;
    const fieldBase = ['spec', 'rules', ruleIndex];
    const matches: MatchSpec[] = [];
    const models: string[] = [];
    let invalid: string | undefined;
    const rawMatches = (isGrpc ? grpcMatchesAsHttp(rawRule as GrpcRuleView) : (rule.matches ?? [])) as NonNullable<typeof rule.matches>;
    for (const [mi, m] of (rawMatches.length > 0 ? rawMatches : [{}]).entries()) {
      const pathType = m.path?.type ?? 'PathPrefix';
      const pathValue = m.path?.value ?? '/';
      const headers = (m.headers ?? []).map((h) => ({ type: h.type ?? 'Exact', name: h.name.toLowerCase(), value: h.value }));
      const queryParams = (m.queryParams ?? []).map((q) => ({ type: q.type ?? 'Exact', name: q.name, value: q.value }));
      for (const [kind, list] of [['headers', headers], ['queryParams', queryParams]] as const) {
        for (const [hi, h] of list.entries()) {
          if (h.type !== 'RegularExpression') continue;
          const err = regexError(h.value);
          if (err) invalid = `${[...fieldBase, 'matches', mi, kind, hi, 'value'].join('.')}: invalid regular expression: ${err}`;
        }
      }
      if (pathType === 'RegularExpression') {
        const err = regexError(pathValue);
        if (err) invalid = `spec.rules[${ruleIndex}].matches[${mi}].path.value: invalid regular expression: ${err}`;
      }
      matches.push({ path: { type: pathType, value: pathValue }, headers, queryParams, method: m.method });
      for (const h of headers) if (h.name === MODEL_HEADER && h.type === 'Exact') models.push(h.value);
    }
    if (invalid) {
      droppedRules++;
      ctx.problems.push({ severity: 'error', location: route.source.locationOf(fieldBase), resource: label, field: `spec.rules[${ruleIndex}]`, message: `rule dropped: ${invalid}` });
      notes.push(`Dropped Rule ${ruleIndex}: ${invalid}`);
      return;
    }
    const ruleFilters = compileFilters((rule.filters ?? []) as FilterView[]);
    const backends: WeightedBackend[] = [];
    for (const [bi, ref] of (rule.backendRefs ?? []).entries()) {
      const target = resolveBackendRef(ctx, route, ref, isAI, ['spec', 'rules', ruleIndex, 'backendRefs', bi]);
      if (target.kind === 'invalid') {
        resolvedAll = false;
        refReasons.push(target.reason + ': ' + target.message);
      } else if (target.note) {
        notes.push(target.note);
      }
      // backendRef-level filters (HTTPRoute) and headerMutation (AIGatewayRoute) apply only when this backend is chosen.
      const refFilters = compileFilters((ref.filters ?? []) as FilterView[]);
      const mutation = (ref as { headerMutation?: { set?: { name: string; value: string }[]; remove?: string[] } }).headerMutation;
      const requestHeaders = refFilters.filters.requestHeaders ?? compileHeaderOps(mutation);
      const unsupportedHere = refFilters.unsupported;
      const backendTarget: BackendTarget =
        target.kind === 'invalid'
          ? target
          : unsupportedHere.length > 0
            ? { kind: 'invalid', id: target.backend.id, reason: 'UnsupportedValue', message: `backendRef filter ${unsupportedHere.join(', ')} is not supported by this Sluice version` }
            : target.backend;
      // One endpoints backend per id across the snapshot (shared round-robin cursor and health).
      let shared = backendTarget;
      if (backendTarget.kind === 'endpoints') {
        const key = `${backendTarget.id}|${backendTarget.targets.map((t) => t.origin).join(',')}`;
        const known = ctx.backends.get(key);
        if (known) shared = known;
        else {
          shared = { ...backendTarget, health: ctx.health.handle(backendTarget.id) };
          ctx.backends.set(key, shared);
        }
      }
      backends.push({ weight: ref.weight ?? 1, priority: (ref as { priority?: number }).priority ?? 0, target: shared, modelNameOverride: ref.modelNameOverride, filters: { ...refFilters.filters, requestHeaders } });
    }
    if (ruleFilters.unsupported.length > 0) {
      // compile/support.ts warns about each such filter field; the rule answers 500 rather than serve without it.
      const types = ruleFilters.unsupported.join(', ');
      backends.length = 0;
      backends.push({ weight: 1, priority: 0, target: { kind: 'invalid', id: `rule ${ruleIndex}`, reason: 'UnsupportedValue', message: `filter ${types} is not supported by this Sluice version` } });
    }
    if (refused.length > 0) {
      backends.length = 0;
      backends.push({ weight: 1, priority: 0, target: { kind: 'invalid', id: label, reason: 'Unsupported', message: `${label} asks for ${refused.map((f) => f.path).join(', ')}, which Sluice does not enforce yet, so it refuses requests rather than serve them unchecked` } });
    }
    const mirrors: { target: BackendTarget; fraction: number }[] = [];
    for (const m of refused.length > 0 ? [] : ruleFilters.mirrors) {
      const target = resolveBackendRef(ctx, route, m.backendRef, false, [...fieldBase, 'filters']);
      // An unresolvable mirror sets ResolvedRefs=False and is not configured; the rule still serves.
      if (target.kind === 'invalid') {
        resolvedAll = false;
        refReasons.push(target.reason + ': mirror ' + target.message);
      } else {
        mirrors.push({ target: target.backend, fraction: mirrorFraction(m) });
      }
    }
    const retrySpec = (rule as { retry?: { codes?: number[]; attempts?: number; backoff?: string } }).retry;
    const policy = trafficPolicy(ctx, route);
    // HTTPRoute's own retry wins over a BackendTrafficPolicy's (the more specific configuration).
    const retry: RetryPolicy | undefined = retrySpec
      ? { codes: new Set(retrySpec.codes ?? []), attempts: retrySpec.attempts ?? 1, backoffMs: retrySpec.backoff ? (parseDurationMs(retrySpec.backoff) ?? 0) : 0, maxBackoffMs: 0, onConnectFailure: true, onReset: true, onTimeout: true }
      : policy?.retry;
    const backendTimeoutMs = rule.timeouts?.backendRequest !== undefined ? (parseDurationMs(rule.timeouts.backendRequest) ?? 0) : (policy?.perTryTimeoutMs ?? 0);
    const timeoutText = rule.timeouts?.request;
    let requestTimeoutMs = policy?.requestTimeoutMs ?? (isAI ? AI_ROUTE_DEFAULT_TIMEOUT_MS : 0);
    if (timeoutText !== undefined) requestTimeoutMs = parseDurationMs(timeoutText) ?? requestTimeoutMs;
    if (policy) for (const b of backends) if (b.target.kind !== 'invalid') ctx.health.configure(b.target.id, policy.health);
    const totalWeight = backends.reduce((s, b) => s + b.weight, 0);
    compiledRules.push({
      rule: {
        id: `${label} rule ${rule.name ?? ruleIndex}`,
        routeKind: isAI ? 'AIGatewayRoute' : isGrpc ? 'GRPCRoute' : isTls ? 'TLSRoute' : 'HTTPRoute',
        ai: isAI || (!isGrpc && !isTls && backends.some((b) => b.target.kind === 'pool')),
        routeKey: `${route.namespace}/${route.name}`,
        ruleIndex,
        ruleName: rule.name,
        backends,
        totalWeight,
        requestTimeoutMs,
        backendTimeoutMs,
        // A refused route answers nothing itself either (no redirect, CORS preflight or header filter).
        filters: refused.length > 0 ? {} : ruleFilters.filters,
        mirrors,
        retry,
        trafficPolicy: policy?.source,
        admission: isGrpc || isTls ? undefined : ctx.governance?.forRoute(route as never),
      },
      matches,
      models,
      ownedBy: (rawRule as { modelsOwnedBy?: string }).modelsOwnedBy,
    });
  });

  // Parent attachment.
  let attached = 0;
  for (const [pi, ref] of parentRefs.entries()) {
    const parentName = `${ref.namespace ?? route.namespace}/${ref.name}`;
    const group = ref.group ?? GATEWAY_GROUP;
    const kind = ref.kind ?? 'Gateway';
    if (group !== GATEWAY_GROUP || kind !== 'Gateway') {
      parents.push({ name: parentName, conditions: [condition('Accepted', 'False', 'NoMatchingParent', `parentRef kind ${group}/${kind} is not supported; routes attach to Gateways`)] });
      continue;
    }
    const candidates = listeners.filter((l) => `${l.gateway.namespace}/${l.gateway.name}` === parentName);
    if (candidates.length === 0) {
      const msg = `Gateway ${parentName} not found`;
      ctx.problems.push({ severity: 'error', location: route.source.locationOf(['spec', 'parentRefs', pi, 'name']), resource: label, field: `spec.parentRefs[${pi}].name`, message: `${msg}; check the name and namespace of the parentRef` });
      parents.push({ name: parentName, conditions: [condition('Accepted', 'False', 'NoMatchingParent', msg), refsCondition(resolvedAll, refReasons, notes)] });
      continue;
    }
    const selected = candidates.filter((l) => (ref.sectionName === undefined || l.spec.name === ref.sectionName) && (ref.port === undefined || l.spec.port === ref.port));
    if (selected.length === 0) {
      const msg = `no listener of Gateway ${parentName} matches${ref.sectionName ? ` sectionName ${ref.sectionName}` : ''}${ref.port ? ` port ${ref.port}` : ''}`;
      ctx.problems.push({ severity: 'error', location: route.source.locationOf(['spec', 'parentRefs', pi]), resource: label, field: `spec.parentRefs[${pi}]`, message: msg });
      parents.push({ name: parentName, conditions: [condition('Accepted', 'False', 'NoMatchingParent', msg), refsCondition(resolvedAll, refReasons, notes)] });
      continue;
    }
    let reason: { reason: string; message: string } | undefined;
    let attachedHere = 0;
    for (const l of selected) {
      const allowed = allowedByListener(l, route, ctx.namespaces);
      if (allowed) {
        reason ??= { reason: 'NotAllowedByListeners', message: allowed };
        continue;
      }
      const hostnames = intersectHostnames(l.spec.hostname, routeHostnames);
      if (hostnames === undefined) {
        reason ??= { reason: 'NoMatchingListenerHostname', message: `route hostnames ${routeHostnames.join(', ')} do not intersect listener ${l.spec.name} hostname ${l.spec.hostname}` };
        continue;
      }
      if (!l.accepted && !l.attachable) {
        reason ??= { reason: 'NoMatchingParent', message: `listener ${l.spec.name} is not accepted` };
        continue;
      }
      attachedHere++;
      l.attachedRoutes++;
      for (const c of compiledRules) {
        (isGrpc ? l.grpcEntries : isTls ? l.tlsEntries : l.entries).push({ hostnames, matches: c.matches, rule: c.rule, routeOrder: route.order, routeKey: c.rule.routeKey, ruleIndex: c.rule.ruleIndex });
        if (isAI) {
          l.hasAIRoutes = true;
          for (const id of c.models) {
            if (!l.models.some((m) => m.id === id)) l.models.push({ id, created: Math.floor(Date.now() / 1000), ownedBy: c.ownedBy ?? 'sluice', hostnames });
          }
        }
      }
    }
    if (attachedHere > 0) {
      attached++;
      parents.push({ name: parentName, conditions: routeParentConditions(resolvedAll, refReasons, notes, droppedRules) });
    } else {
      const r = reason ?? { reason: 'NoMatchingParent', message: 'no listener accepted the route' };
      ctx.problems.push({ severity: 'warning', location: route.source.locationOf(['spec', 'parentRefs', pi]), resource: label, field: `spec.parentRefs[${pi}]`, message: `${r.reason}: ${r.message}` });
      parents.push({ name: parentName, conditions: [condition('Accepted', 'False', r.reason, r.message), refsCondition(resolvedAll, refReasons, notes)] });
    }
  }
  if (parentRefs.length === 0) {
    ctx.problems.push({ severity: 'warning', location: route.source.locationOf(['spec']), resource: label, field: 'spec.parentRefs', message: 'the route has no parentRefs, so it is attached to no Gateway and serves nothing' });
  }
  const overall: Condition[] = parents.length === 0
    ? [condition('Accepted', 'False', 'NoMatchingParent', 'no parentRefs')]
    : attached > 0 ? routeParentConditions(resolvedAll, refReasons, notes, droppedRules) : parents[0]!.conditions;
  statuses.push({ kind: route.kind, namespace: route.namespace, name: route.name, conditions: overall, sub: parents });
}

/** The rule fields the compiler reads, common to HTTPRoute, AIGatewayRoute, GRPCRoute and TLSRoute. */
type HTTPRouteRuleView = NonNullable<NonNullable<HTTPRouteView['spec']>['rules']>[number];

type GrpcRuleView = NonNullable<NonNullable<GRPCRouteView['spec']>['rules']>[number];

/**
 * GRPCRoute method matches as path matches on `/service/method` (gRPC's HTTP/2 path), so one route
 * table serves both. Precedence then follows path precedence: an exact service+method first, then a
 * service (longest first), then method-only and regular expressions.
 */
function grpcMatchesAsHttp(rule: GrpcRuleView): HTTPRouteMatchView[] {
  const escape = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return (rule.matches ?? []).map((m) => {
    const headers = m.headers;
    const mm = m.method;
    if (!mm || (mm.service === undefined && mm.method === undefined)) return { headers };
    if ((mm.type ?? 'Exact') === 'Exact') {
      if (mm.service !== undefined && mm.method !== undefined) return { path: { type: 'Exact', value: `/${mm.service}/${mm.method}` }, headers };
      if (mm.service !== undefined) return { path: { type: 'PathPrefix', value: `/${mm.service}` }, headers };
      return { path: { type: 'RegularExpression', value: `/[^/]+/${escape(mm.method!)}` }, headers };
    }
    return { path: { type: 'RegularExpression', value: `/${mm.service ?? '[^/]+'}/${mm.method ?? '[^/]+'}` }, headers };
  });
}

function routeParentConditions(resolvedAll: boolean, refReasons: string[], notes: string[], droppedRules: number): Condition[] {
  const out: Condition[] = [ok('Accepted'), refsCondition(resolvedAll, refReasons, notes)];
  if (droppedRules > 0) out.push(condition('PartiallyInvalid', 'True', 'UnsupportedValue', notes.filter((n) => n.startsWith('Dropped Rule')).join('; ')));
  return out;
}

function refsCondition(resolvedAll: boolean, refReasons: string[], notes: string[]): Condition {
  const info = notes.filter((n) => !n.startsWith('Dropped Rule')).join('; ');
  if (resolvedAll) return ok('ResolvedRefs', info);
  const first = refReasons[0] ?? '';
  const reason = first.split(':')[0] ?? 'BackendNotFound';
  return condition('ResolvedRefs', 'False', reason, refReasons.map((r) => r.slice(r.indexOf(':') + 2)).join('; '));
}

/** Why a listener refuses the route (allowedRoutes), or undefined when it is allowed. */
function allowedByListener(l: CompiledListener, route: Resource, namespaces: ReadonlyMap<string, { labels: Record<string, string> }>): string | undefined {
  const from = l.spec.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'Same' && route.namespace !== l.gateway.namespace) return `listener ${l.spec.name} only allows routes from namespace ${l.gateway.namespace}`;
  if (from === 'None') return `listener ${l.spec.name} allows no routes`;
  if (from === 'Selector') {
    const selector = (l.spec.allowedRoutes?.namespaces as { selector?: LabelSelectorView } | undefined)?.selector;
    const ns = namespaces.get(route.namespace);
    if (!labelSelectorMatches(selector, ns?.labels ?? { 'kubernetes.io/metadata.name': route.namespace })) {
      return `listener ${l.spec.name} selects route namespaces by label and namespace ${route.namespace} ${ns ? 'does not match' : 'is not defined (add its Namespace object with labels)'}`;
    }
  }
  // An AIGatewayRoute is served as the HTTPRoute Envoy AI Gateway generates for it.
  const kind = route.kind === 'AIGatewayRoute' ? 'HTTPRoute' : route.kind;
  if (!l.supportedKinds.some((k) => k.kind === kind)) return `listener ${l.spec.name} allows only ${l.supportedKinds.map((k) => k.kind).join(', ') || 'no route kinds'}`;
  return undefined;
}

