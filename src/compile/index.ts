

import { PickerStates } from '../picker/index.ts';
import { HealthRegistry } from '../backend/health-registry.ts';
import { compileCredentials } from './credentials.ts';
import { GovernanceCompiler, memoryGovernanceStores } from './governance.ts';
import { condition, ok } from '../runtime/conditions.ts';
import type { Condition } from '../runtime/conditions.ts';

import { RouteTable } from '../routing/route-table.ts';

import type { Problem } from '../config/problems.ts';

import type { ListenerRuntime, PortBinding, ResourceStatus, RuntimeSnapshot } from '../runtime/snapshot.ts';

import { resourceLabel } from '../config/validate.ts';
import type { AIGatewayRouteView, GatewayClassView, HTTPRouteView, InferenceObjectiveView, InferencePoolView } from '../config/views.ts';

import { all, buildIndex, get } from './context.ts';
import type { CompileInput, Ctx, Index } from './context.ts';
import { compileGateways } from './gateways.ts';
import { compileRoute } from './routes.ts';
import { compilePool } from './pools.ts';
import { refusedForSecurity, supportProblems, unsupportedMessage } from './support.ts';

export function compile(input: CompileInput): RuntimeSnapshot {
  const index = buildIndex(input.resources);
  const problems: Problem[] = [];
  const statuses: ResourceStatus[] = [];
  const endpointKeys = new Set<string>();
  const origins = new Set<string>();
  // Kubernetes gives every Namespace the label kubernetes.io/metadata.name; selectors often use it.
  const namespaces = new Map(all<{ metadata: { labels?: Record<string, string> | null } }>(index, 'Namespace').map((n) => [n.name, { labels: { ...(n.object.metadata.labels ?? {}), 'kubernetes.io/metadata.name': n.name } }]));
  // Fields read but not honoured yet: one warning per field path per resource (compile/support.ts).
  for (const r of input.resources) problems.push(...supportProblems(r));
  const ctx: Ctx = { index, namespaces, pods: input.pods, endpoints: input.endpoints, problems, endpointKeys, origins, pools: new Map(), pickerStates: input.pickerStates ?? new PickerStates(), credentials: new Map(), health: input.health ?? new HealthRegistry(), backends: new Map(), governance: undefined };

  // GatewayClasses: standalone Sluice serves every class; Envoy-specific parameters are reported and ignored.
  for (const gc of all<GatewayClassView>(index, 'GatewayClass')) {
    const conditions: Condition[] = [];
    const p = gc.object.spec.parametersRef;
    if (p) {
      problems.push({
        severity: 'warning',
        location: gc.source.locationOf(['spec', 'parametersRef']),
        resource: resourceLabel('GatewayClass', '', gc.name),
        field: 'spec.parametersRef',
        message: `${p.kind} ${p.namespace ? p.namespace + '/' : ''}${p.name} (${p.group}) configures the Envoy proxy deployment; Sluice has no use for it and ignores it`,
      });
      conditions.push(ok('Accepted', `parametersRef to ${p.kind} ${p.name} is ignored: it configures Envoy infrastructure that Sluice replaces`));
    } else {
      conditions.push(ok('Accepted'));
    }
    statuses.push({ kind: 'GatewayClass', namespace: '', name: gc.name, conditions });
  }

  // Credentials, then pools: routes reference both; governance reads both.
  ctx.credentials = compileCredentials(ctx, statuses);
  ctx.governance = new GovernanceCompiler(ctx, input.governance ?? memoryGovernanceStores(), statuses, input.log);
  for (const pool of [...all<InferencePoolView>(index, 'InferencePool')]) compilePool(ctx, pool, statuses);

  // Gateways and listeners.
  const listeners = compileGateways(ctx, input, statuses);

  // Routes attach to listeners.
  const routes = [...all<HTTPRouteView>(index, 'HTTPRoute'), ...all<AIGatewayRouteView>(index, 'AIGatewayRoute'), ...all<HTTPRouteView>(index, 'GRPCRoute'), ...all<HTTPRouteView>(index, 'TLSRoute')].sort((a, b) => a.order - b.order);
  for (const route of routes) compileRoute(ctx, route, listeners, statuses);
  ctx.governance.finish();

  // Listener status (needs attachedRoutes) and bindings.
  const bindings = new Map<number, PortBinding>();
  const listenerStatuses = new Map<string, NonNullable<ResourceStatus['sub']>[number][]>();
  for (const l of listeners) {
    const key = `${l.gateway.namespace}/${l.gateway.name}`;
    // A Gateway asking for a check Sluice does not make (client certificates) is not served at all.
    const refused = refusedForSecurity(l.gateway);
    if (refused.length > 0) l.conditions = [condition('Accepted', 'False', 'Unsupported', unsupportedMessage(refused)), condition('Programmed', 'False', 'Invalid', 'the Gateway is not Accepted')];
    let subs = listenerStatuses.get(key);
    if (!subs) listenerStatuses.set(key, (subs = []));
    subs.push({
      name: l.spec.name,
      conditions: l.conditions ?? [ok('Accepted'), ok('ResolvedRefs'), ok('Programmed', `serving on port ${l.port}; ${l.attachedRoutes} route(s) attached`)],
      attachedRoutes: l.attachedRoutes,
      supportedKinds: l.supportedKinds,
    });
    if (!l.accepted || refused.length > 0) continue;
    const runtime: ListenerRuntime = {
      gateway: key,
      name: l.spec.name,
      port: l.port,
      protocol: l.spec.protocol === 'HTTPS' ? 'HTTPS' : l.spec.protocol === 'TLS' ? 'TLS' : 'HTTP',
      hostname: l.spec.hostname,
      table: new RouteTable(l.entries),
      grpcTable: new RouteTable(l.grpcEntries),
      tlsTable: new RouteTable(l.tlsEntries),
      models: l.models,
      hasAIRoutes: l.hasAIRoutes,
      admission: l.hasAIRoutes ? ctx.governance.forGateway(l.gateway) : undefined,
    };
    const b = bindings.get(l.port);
    if (b && b.protocol !== runtime.protocol) {
      ctx.problems.push({ severity: 'error', location: l.gateway.source.locationOf(['spec', 'listeners', l.index, 'protocol']), resource: resourceLabel('Gateway', l.gateway.namespace, l.gateway.name), field: `spec.listeners[${l.index}].protocol`, message: `ProtocolConflict: port ${l.port} already serves ${b.protocol}; HTTP and HTTPS listeners need different ports` });
      continue;
    }
    bindings.set(l.port, { port: l.port, protocol: runtime.protocol, listeners: [...(b?.listeners ?? []), runtime], certificates: [...(b?.certificates ?? []), ...l.certificates] });
  }
  for (const s of statuses) {
    if (s.kind === 'Gateway') (s as { sub?: unknown }).sub = listenerStatuses.get(`${s.namespace}/${s.name}`) ?? [];
  }

  // InferenceObjectives.
  for (const o of all<InferenceObjectiveView>(index, 'InferenceObjective')) {
    const poolName = o.object.spec.poolRef.name;
    const pool = ctx.pools.get(`${o.namespace}/${poolName}`);
    statuses.push({
      kind: 'InferenceObjective',
      namespace: o.namespace,
      name: o.name,
      conditions: pool
        ? [ok('Accepted', `priority ${o.object.spec.priority ?? 0} for requests to pool ${poolName} with header x-gateway-inference-objective: ${o.name}`)]
        : [condition('Accepted', 'False', 'Pending', `InferencePool ${o.namespace}/${poolName} not found`)],
    });
    if (!pool) {
      problems.push({ severity: 'warning', location: o.source.locationOf(['spec', 'poolRef', 'name']), resource: resourceLabel('InferenceObjective', o.namespace, o.name), field: 'spec.poolRef.name', message: `InferencePool ${o.namespace}/${poolName} not found` });
    }
  }

  markUnsupported(input.resources, statuses);
  stampObservedGenerations(input, index, statuses);
  return { generation: input.generation, bindings, pools: ctx.pools, backends: ctx.backends, statuses, problems, endpointKeys, origins };
}

/**
 * Resources with a security-relevant field Sluice does not honour are not Accepted (reason
 * Unsupported), whatever their compiler concluded; their compilers refuse them rather than serve them
 * half-applied (governance.ts, routes.ts, the listener bindings above).
 */
function markUnsupported(resources: readonly CompileInput['resources'][number][], statuses: ResourceStatus[]): void {
  for (const r of resources) {
    const fields = refusedForSecurity(r);
    if (fields.length === 0) continue;
    const accepted = condition('Accepted', 'False', 'Unsupported', unsupportedMessage(fields));
    const replace = (cs: readonly Condition[]) => [accepted, ...cs.filter((c) => c.type !== 'Accepted')];
    const i = statuses.findIndex((s) => s.kind === r.kind && s.namespace === r.namespace && s.name === r.name);
    const st = statuses[i];
    if (!st) {
      statuses.push({ kind: r.kind, namespace: r.namespace, name: r.name, conditions: [accepted] });
      continue;
    }
    // A route's parents say the same; a Gateway's listeners already carry their own refusal.
    const sub = st.sub && r.kind !== 'Gateway' ? st.sub.map((x) => ({ ...x, conditions: replace(x.conditions) })) : st.sub;
    statuses[i] = { ...st, conditions: replace(st.conditions), ...(sub ? { sub } : {}) };
  }
}

function stampObservedGenerations(input: CompileInput, index: Index, statuses: ResourceStatus[]): void {
  const seen = new Set<string>();
  statuses.forEach((st, i) => {
    const r = get<{ metadata?: { generation?: number } }>(index, st.kind, st.namespace, st.name);
    if (!r) return;
    const key = `${st.kind}/${st.namespace}/${st.name}`;
    seen.add(key);
    let generation = r.object.metadata?.generation;
    if (generation === undefined) {
      const { status: _status, ...rest } = r.object as Record<string, unknown>;
      const content = JSON.stringify(rest);
      const known = input.objectGenerations?.get(key);
      generation = known && known.content === content ? known.generation : input.generation;
      input.objectGenerations?.set(key, { content, generation });
    }
    const g = generation;
    const stamp = (cs: readonly Condition[]) => cs.map((c) => ({ ...c, observedGeneration: g }));
    statuses[i] = { ...st, conditions: stamp(st.conditions), ...(st.sub ? { sub: st.sub.map((x) => ({ ...x, conditions: stamp(x.conditions) })) } : {}) };
  });
  if (input.objectGenerations) for (const key of input.objectGenerations.keys()) if (!seen.has(key)) input.objectGenerations.delete(key);
}

