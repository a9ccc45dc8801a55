// compile(): validated resources + the (emulated) cluster → one immutable runtime snapshot, with a
// status condition for every resource and a problem for everything Sluice cannot honour.
//
// Reference resolution follows the upstream rules: parentRefs attach routes to Gateway listeners
// (sectionName, port, allowedRoutes, hostname intersection); backendRefs resolve to Services,
// Envoy Gateway Backends, AIServiceBackends or InferencePools (cross-namespace only with a
// ReferenceGrant); InferencePools select ready pods by label on their targetPorts and name an
// endpoint picker; InferenceObjectives give requests a priority.
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { parse as parseYaml } from 'yaml';
import type { RunningPod } from '../cluster/emulator.ts';
import { parseServiceHostname, selectPods, targetPortOf } from '../cluster/plan.ts';
import type { PlannedPod, ServiceView } from '../cluster/plan.ts';
import { condition, ok } from '../runtime/conditions.ts';
import type { Condition } from '../runtime/conditions.ts';
import type { EndpointRegistry } from '../endpoints/registry.ts';
import type { EndpointState } from '../runtime/endpoint.ts';
import { intersectHostnames } from '../routing/hostnames.ts';
import { RouteTable, regexError } from '../routing/route-table.ts';
import { compileFilters, compileHeaderOps, mirrorFraction } from '../routing/filters.ts';
import type { FilterView } from '../routing/filters.ts';
import type { MatchSpec, RouteEntry } from '../routing/route-table.ts';
import { parseDurationMs } from '../config/schemas/meta.ts';
import type { Problem } from '../config/problems.ts';
import { lookupKind } from '../config/schemas/index.ts';
import type { EndpointPickerConfig } from '../config/schemas/index.ts';
import { PickerConfigError, buildScheduler } from '../picker/index.ts';
import type {
  BackendTarget,
  CompiledRule,
  ListenerRuntime,
  ModelEntry,
  PoolRuntime,
  PortBinding,
  ResourceStatus,
  RuntimeSnapshot,
  TlsCertificate,
  UpstreamTarget,
  WeightedBackend,
} from '../runtime/snapshot.ts';
import type { Resource } from '../config/validate.ts';
import { resourceLabel } from '../config/validate.ts';
import type {
  AIGatewayRouteView,
  AIServiceBackendView,
  BackendRefView,
  BackendView,
  ConfigMapView,
  GatewayClassView,
  GatewayView,
  HTTPRouteView,
  InferenceObjectiveView,
  InferencePoolView,
  ParentRefView,
  ReferenceGrantView,
  SecretView,
  GRPCRouteView,
  HTTPRouteMatchView,
} from '../config/views.ts';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const INFERENCE_GROUP = 'inference.networking.k8s.io';
export const INFERENCE_X_GROUP = 'inference.networking.x-k8s.io';
export const AIGW_GROUP = 'aigateway.envoyproxy.io';
export const EG_GROUP = 'gateway.envoyproxy.io';
/** The header AIGatewayRoutes match on; the body's `model` is copied into it before matching. */
export const MODEL_HEADER = 'x-ai-eg-model';
/** Envoy AI Gateway's default `timeouts.request` for AI routes. */
export const AI_ROUTE_DEFAULT_TIMEOUT_MS = 60_000;

export interface CompileInput {
  readonly resources: readonly Resource[];
  /** Pods of the emulated cluster (actualPort undefined when not running, e.g. for `validate`). */
  readonly pods: readonly (RunningPod | PlannedPod)[];
  readonly endpoints: EndpointRegistry;
  readonly generation: number;
  /** `--port`: overrides the port of the single HTTP listener. */
  readonly portOverride?: number | undefined;
  /**
   * Per-object generations kept across compiles (owned by the caller): standalone objects rarely carry
   * `metadata.generation`, so an object's generation is the config generation in which its content
   * last changed. Conditions report it as `observedGeneration`.
   */
  readonly objectGenerations?: Map<string, { readonly content: string; readonly generation: number }> | undefined;
}

type Pod = RunningPod | PlannedPod;

interface Index {
  byKind: Map<string, Map<string, Resource>>;
}

function buildIndex(resources: readonly Resource[]): Index {
  const byKind = new Map<string, Map<string, Resource>>();
  for (const r of resources) {
    let m = byKind.get(r.kind);
    if (!m) byKind.set(r.kind, (m = new Map()));
    m.set(`${r.namespace}/${r.name}`, r);
  }
  return { byKind };
}

function get<T>(index: Index, kind: string, namespace: string, name: string): Resource<T> | undefined {
  return index.byKind.get(kind)?.get(`${namespace}/${name}`) as Resource<T> | undefined;
}

function all<T>(index: Index, kind: string): Resource<T>[] {
  return [...(index.byKind.get(kind)?.values() ?? [])] as Resource<T>[];
}

interface CompiledListener {
  readonly gateway: Resource<GatewayView>;
  readonly spec: GatewayView['spec']['listeners'][number];
  readonly index: number;
  readonly port: number;
  readonly accepted: boolean;
  readonly entries: RouteEntry<CompiledRule>[];
  readonly grpcEntries: RouteEntry<CompiledRule>[];
  readonly tlsEntries: RouteEntry<CompiledRule>[];
  readonly models: ModelEntry[];
  hasAIRoutes: boolean;
  attachedRoutes: number;
  readonly certificates: readonly TlsCertificate[];
  /** Conditions of a listener that is not served as configured (else the ok set is written). */
  conditions?: Condition[];
  /** Accepted but not served (e.g. unresolved certificates): routes still attach and are counted. */
  attachable?: boolean;
  /** Route kinds this listener accepts (allowedRoutes.kinds ∩ what Sluice serves on its protocol). */
  supportedKinds: { group: string; kind: string }[];
}

export function compile(input: CompileInput): RuntimeSnapshot {
  const index = buildIndex(input.resources);
  const problems: Problem[] = [];
  const statuses: ResourceStatus[] = [];
  const endpointKeys = new Set<string>();
  const origins = new Set<string>();
  // Kubernetes gives every Namespace the label kubernetes.io/metadata.name; selectors often use it.
  const namespaces = new Map(all<{ metadata: { labels?: Record<string, string> | null } }>(index, 'Namespace').map((n) => [n.name, { labels: { ...(n.object.metadata.labels ?? {}), 'kubernetes.io/metadata.name': n.name } }]));
  const ctx: Ctx = { index, namespaces, pods: input.pods, endpoints: input.endpoints, problems, endpointKeys, origins, pools: new Map() };

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

  // Pools first: routes reference them.
  for (const pool of [...all<InferencePoolView>(index, 'InferencePool')]) compilePool(ctx, pool, statuses);

  // Gateways and listeners.
  const listeners = compileGateways(ctx, input, statuses);

  // Routes attach to listeners.
  const routes = [...all<HTTPRouteView>(index, 'HTTPRoute'), ...all<AIGatewayRouteView>(index, 'AIGatewayRoute'), ...all<HTTPRouteView>(index, 'GRPCRoute'), ...all<HTTPRouteView>(index, 'TLSRoute')].sort((a, b) => a.order - b.order);
  for (const route of routes) compileRoute(ctx, route, listeners, statuses);

  // Listener status (needs attachedRoutes) and bindings.
  const bindings = new Map<number, PortBinding>();
  const listenerStatuses = new Map<string, NonNullable<ResourceStatus['sub']>[number][]>();
  for (const l of listeners) {
    const key = `${l.gateway.namespace}/${l.gateway.name}`;
    let subs = listenerStatuses.get(key);
    if (!subs) listenerStatuses.set(key, (subs = []));
    subs.push({
      name: l.spec.name,
      conditions: l.conditions ?? [ok('Accepted'), ok('ResolvedRefs'), ok('Programmed', `serving on port ${l.port}; ${l.attachedRoutes} route(s) attached`)],
      attachedRoutes: l.attachedRoutes,
      supportedKinds: l.supportedKinds,
    });
    if (!l.accepted) continue;
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

  stampObservedGenerations(input, index, statuses);
  return { generation: input.generation, bindings, pools: ctx.pools, statuses, problems, endpointKeys, origins };
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

interface Ctx {
  readonly index: Index;
  /** Namespace name → labels, from loaded Namespace objects. */
  readonly namespaces: ReadonlyMap<string, { labels: Record<string, string> }>;
  readonly pods: readonly Pod[];
  readonly endpoints: EndpointRegistry;
  readonly problems: Problem[];
  readonly endpointKeys: Set<string>;
  readonly origins: Set<string>;
  readonly pools: Map<string, PoolRuntime>;
}

// ---------------------------------------------------------------------------------------------
// Gateways

function compileGateways(ctx: Ctx, input: CompileInput, statuses: ResourceStatus[]): CompiledListener[] {
  const out: CompiledListener[] = [];
  const gateways = all<GatewayView>(ctx.index, 'Gateway').sort((a, b) => a.order - b.order);
  const httpListeners = gateways.flatMap((g) => g.object.spec.listeners.filter((l) => l.protocol === 'HTTP').map((l) => ({ g, l })));
  if (input.portOverride !== undefined && httpListeners.length > 1) {
    ctx.problems.push({
      severity: 'error',
      message: `--port ${input.portOverride} can only override the port of a single HTTP listener, but there are ${httpListeners.length} (${httpListeners.map(({ g, l }) => `${g.namespace}/${g.name}/${l.name}`).join(', ')}); set the ports in the Gateway instead`,
    });
  }
  const seen = new Map<string, string>();
  for (const g of gateways) {
    const label = resourceLabel('Gateway', g.namespace, g.name);
    const className = g.object.spec.gatewayClassName;
    const gcExists = get(ctx.index, 'GatewayClass', '', className) !== undefined;
    let acceptedCount = 0;
    const invalidParameters = gatewayParameters(ctx, g);
    g.object.spec.listeners.forEach((l, i) => {
      const field = `spec.listeners[${i}]`;
      let certificates: TlsCertificate[] = [];
      if (l.protocol === 'HTTPS') {
        const tls = resolveCertificates(ctx, g, i);
        if ('error' in tls) {
          ctx.problems.push({ severity: 'error', location: g.source.locationOf(['spec', 'listeners', i, 'tls', 'certificateRefs']), resource: label, field: `${field}.tls.certificateRefs`, message: `${tls.reason}: ${tls.error}` });
          out.push({ gateway: g, spec: l, index: i, port: l.port, accepted: false, attachable: true, entries: [], grpcEntries: [], tlsEntries: [], models: [], hasAIRoutes: false, attachedRoutes: 0, certificates: [], supportedKinds: routeKinds(l).supported,
            conditions: [condition('Accepted', 'True', 'Accepted'), condition('ResolvedRefs', 'False', tls.reason, tls.error), condition('Programmed', 'False', 'Invalid', tls.error)] });
          return;
        }
        certificates = tls.certificates;
      } else if (l.protocol === 'TLS' && l.tls?.mode === 'Passthrough') {
        // TLS passthrough: routed by SNI to TLSRoute backends; the bytes are not decrypted.
      } else if (l.protocol !== 'HTTP') {
        const msg = `protocol ${l.protocol} is not served yet (TLS passthrough arrives with TLSRoute); HTTP and HTTPS listeners are served`;
        ctx.problems.push({ severity: 'warning', location: g.source.locationOf(['spec', 'listeners', i, 'protocol']), resource: label, field: `${field}.protocol`, message: msg });
        out.push({ gateway: g, spec: l, index: i, port: l.port, accepted: false, entries: [], grpcEntries: [], tlsEntries: [], models: [], hasAIRoutes: false, attachedRoutes: 0, certificates: [], supportedKinds: [],
          conditions: [condition('Accepted', 'False', 'UnsupportedProtocol', msg), condition('Programmed', 'False', 'Invalid', msg)] });
        return;
      }
      const port = input.portOverride !== undefined && httpListeners.length === 1 ? input.portOverride : l.port;
      const key = `${port}|${(l.hostname ?? '').toLowerCase()}`;
      const previous = seen.get(key);
      if (previous) {
        const msg = `listener conflicts with ${previous}: same port ${port} and hostname "${l.hostname ?? ''}"`;
        ctx.problems.push({ severity: 'error', location: g.source.locationOf(['spec', 'listeners', i]), resource: label, field, message: msg });
        out.push({ gateway: g, spec: l, index: i, port, accepted: false, entries: [], grpcEntries: [], tlsEntries: [], models: [], hasAIRoutes: false, attachedRoutes: 0, certificates: [], supportedKinds: routeKinds(l).supported,
          conditions: [condition('Conflicted', 'True', 'HostnameConflict', msg), condition('Accepted', 'False', 'Pending', msg)] });
        return;
      }
      if (invalidParameters) {
        out.push({ gateway: g, spec: l, index: i, port, accepted: false, entries: [], grpcEntries: [], tlsEntries: [], models: [], hasAIRoutes: false, attachedRoutes: 0, certificates: [], supportedKinds: routeKinds(l).supported,
          conditions: [condition('Accepted', 'False', 'Pending', invalidParameters), condition('Programmed', 'False', 'Invalid', invalidParameters)] });
        return;
      }
      seen.set(key, `${g.namespace}/${g.name}/${l.name}`);
      acceptedCount++;
      const kinds = routeKinds(l);
      const listener: CompiledListener = { gateway: g, spec: l, index: i, port, accepted: true, entries: [], grpcEntries: [], tlsEntries: [], models: [], hasAIRoutes: false, attachedRoutes: 0, certificates, supportedKinds: kinds.supported };
      if (kinds.invalid.length > 0) {
        const msg = `allowedRoutes.kinds ${kinds.invalid.join(', ')} cannot be served on a ${l.protocol} listener (supported: HTTPRoute, GRPCRoute)`;
        ctx.problems.push({ severity: 'warning', location: g.source.locationOf(['spec', 'listeners', i, 'allowedRoutes', 'kinds']), resource: label, field: `${field}.allowedRoutes.kinds`, message: `InvalidRouteKinds: ${msg}` });
        listener.conditions = [ok('Accepted'), condition('ResolvedRefs', 'False', 'InvalidRouteKinds', msg), ok('Programmed')];
      }
      out.push(listener);
    });
    const conditions: Condition[] = [];
    const classNote = gcExists ? '' : ` (GatewayClass ${className} is not in the loaded files; standalone Sluice serves the Gateway anyway)`;
    if (invalidParameters) conditions.push(condition('Accepted', 'False', 'InvalidParameters', invalidParameters), condition('Programmed', 'False', 'Invalid', invalidParameters));
    else if (acceptedCount === g.object.spec.listeners.length) conditions.push(ok('Accepted', classNote.trim()), ok('Programmed'));
    else if (acceptedCount > 0) conditions.push(condition('Accepted', 'True', 'ListenersNotValid', `some listeners are not valid${classNote}`), ok('Programmed'));
    else conditions.push(condition('Accepted', 'False', 'ListenersNotValid', `no listener can be served${classNote}`), condition('Programmed', 'False', 'Invalid', 'no listener can be served'));
    statuses.push({ kind: 'Gateway', namespace: g.namespace, name: g.name, conditions });
  }
  return out;
}

interface EndpointSliceView {
  metadata?: { labels?: Record<string, string> | null | undefined } | undefined;
  ports?: { name?: string | null | undefined; port?: number | null | undefined }[] | null | undefined;
  endpoints?: { addresses?: string[] | undefined; conditions?: { ready?: boolean | null | undefined } | undefined }[] | null | undefined;
}

interface LabelSelectorView {
  matchLabels?: Record<string, string> | undefined;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] | undefined }[] | undefined;
}

/** Kubernetes label-selector semantics; an empty selector matches everything. */
function labelSelectorMatches(selector: LabelSelectorView | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    const value = labels[e.key];
    const values = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(value!))) return false;
    if (e.operator === 'NotIn' && has && values.includes(value!)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** Route kinds a listener asks for that Sluice serves on its protocol, and those it cannot. */
function routeKinds(l: GatewayView['spec']['listeners'][number]): { supported: { group: string; kind: string }[]; invalid: string[] } {
  const served = l.protocol === 'HTTP' || l.protocol === 'HTTPS' ? ['HTTPRoute', 'GRPCRoute'] : l.protocol === 'TLS' && l.tls?.mode === 'Passthrough' ? ['TLSRoute'] : [];
  const asked = l.allowedRoutes?.kinds;
  if (!asked || asked.length === 0) return { supported: served.map((kind) => ({ group: GATEWAY_GROUP, kind })), invalid: [] };
  const supported: { group: string; kind: string }[] = [];
  const invalid: string[] = [];
  for (const k of asked) {
    const group = k.group ?? GATEWAY_GROUP;
    if (group === GATEWAY_GROUP && served.includes(k.kind)) supported.push({ group, kind: k.kind });
    else invalid.push(`${group}/${k.kind}`);
  }
  return { supported, invalid };
}

/**
 * Why a Gateway's `infrastructure.parametersRef` makes it invalid, or undefined. An Envoy Gateway
 * `EnvoyProxy` (Envoy deployment settings) is ignored with a warning; a reference to an object that
 * does not exist is InvalidParameters, as the spec asks.
 */
function gatewayParameters(ctx: Ctx, g: Resource<GatewayView>): string | undefined {
  const ref = (g.object.spec as { infrastructure?: { parametersRef?: { group: string; kind: string; name: string } } }).infrastructure?.parametersRef;
  if (!ref) return undefined;
  if (ref.group === EG_GROUP && ref.kind === 'EnvoyProxy') {
    ctx.problems.push({ severity: 'warning', location: g.source.locationOf(['spec', 'infrastructure', 'parametersRef']), resource: resourceLabel('Gateway', g.namespace, g.name), field: 'spec.infrastructure.parametersRef', message: `EnvoyProxy ${ref.name} configures the Envoy deployment; Sluice ignores it` });
    return undefined;
  }
  if (get(ctx.index, ref.kind, g.namespace, ref.name)) return undefined;
  const msg = `infrastructure.parametersRef ${ref.group}/${ref.kind} ${ref.name} not found`;
  ctx.problems.push({ severity: 'error', location: g.source.locationOf(['spec', 'infrastructure', 'parametersRef']), resource: resourceLabel('Gateway', g.namespace, g.name), field: 'spec.infrastructure.parametersRef', message: `InvalidParameters: ${msg}` });
  return msg;
}

/** The certificates of an HTTPS listener: `kubernetes.io/tls` Secrets (cross-namespace needs a ReferenceGrant). */
function resolveCertificates(ctx: Ctx, g: Resource<GatewayView>, index: number): { certificates: TlsCertificate[] } | { reason: string; error: string } {
  const l = g.object.spec.listeners[index]!;
  const certificates: TlsCertificate[] = [];
  for (const ref of l.tls?.certificateRefs ?? []) {
    const namespace = ref.namespace ?? g.namespace;
    if ((ref.kind ?? 'Secret') !== 'Secret' || (ref.group ?? '') !== '') return { reason: 'InvalidCertificateRef', error: `certificateRef ${ref.kind} ${ref.name} is not a core Secret` };
    if (namespace !== g.namespace && !referenceGranted(ctx, g, '', 'Secret', namespace, ref.name)) {
      return { reason: 'RefNotPermitted', error: `Secret ${namespace}/${ref.name} is in another namespace and no ReferenceGrant in ${namespace} allows it` };
    }
    const secret = get<SecretView>(ctx.index, 'Secret', namespace, ref.name);
    if (!secret) return { reason: 'InvalidCertificateRef', error: `Secret ${namespace}/${ref.name} not found` };
    const pem = (k: string) => secret.object.stringData?.[k] ?? (secret.object.data?.[k] !== undefined ? Buffer.from(secret.object.data[k]!, 'base64').toString('utf8') : undefined);
    const cert = pem('tls.crt');
    const key = pem('tls.key');
    if (!cert || !key) return { reason: 'InvalidCertificateRef', error: `Secret ${namespace}/${ref.name} lacks tls.crt or tls.key (type kubernetes.io/tls)` };
    let names: string[];
    try {
      names = certificateNames(cert);
      createSecureContext({ cert, key });
    } catch (err) {
      return { reason: 'InvalidCertificateRef', error: `Secret ${namespace}/${ref.name}: the certificate or key is not valid PEM (${(err as Error).message})` };
    }
    certificates.push({ secret: `${namespace}/${ref.name}`, cert, key, names });
  }
  if (certificates.length === 0) return { reason: 'InvalidCertificateRef', error: 'an HTTPS listener needs tls.certificateRefs' };
  return { certificates };
}

/** DNS names a certificate covers: its subjectAltName DNS entries, else its subject CN. */
function certificateNames(pem: string): string[] {
  const x = new X509Certificate(pem);
  const sans = (x.subjectAltName ?? '').split(',').map((s) => s.trim()).filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4).toLowerCase());
  if (sans.length > 0) return sans;
  const cn = /CN=([^\n,]+)/.exec(x.subject)?.[1];
  return cn ? [cn.toLowerCase()] : [];
}

// ---------------------------------------------------------------------------------------------
// Routes

function compileRoute(ctx: Ctx, route: Resource<HTTPRouteView | AIGatewayRouteView | GRPCRouteView>, listeners: CompiledListener[], statuses: ResourceStatus[]): void {
  const isAI = route.kind === 'AIGatewayRoute';
  const isGrpc = route.kind === 'GRPCRoute';
  const isTls = route.kind === 'TLSRoute';
  const label = resourceLabel(route.kind, route.namespace, route.name);
  const spec = route.object.spec ?? {};
  const parentRefs: ParentRefView[] = spec.parentRefs ?? [];
  const parents: { name: string; conditions: Condition[] }[] = [];
  const routeHostnames = spec.hostnames ?? [];

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
      backends.push({ weight: ref.weight ?? 1, target: backendTarget, modelNameOverride: ref.modelNameOverride, filters: { ...refFilters.filters, requestHeaders } });
    }
    if (ruleFilters.unsupported.length > 0) {
      const types = ruleFilters.unsupported.join(', ');
      ctx.problems.push({
        severity: 'warning',
        location: route.source.locationOf([...fieldBase, 'filters']),
        resource: label,
        field: `spec.rules[${ruleIndex}].filters`,
        message: `filters (${types}) are not implemented yet; requests matching this rule get 500 rather than being served without them`,
      });
      backends.length = 0;
      backends.push({ weight: 1, target: { kind: 'invalid', id: `rule ${ruleIndex}`, reason: 'UnsupportedValue', message: `filter ${types} is not supported by this Sluice version` } });
    }
    const mirrors: { target: BackendTarget; fraction: number }[] = [];
    for (const m of ruleFilters.mirrors) {
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
    const retry = retrySpec ? { codes: new Set(retrySpec.codes ?? []), attempts: retrySpec.attempts ?? 1, backoffMs: retrySpec.backoff ? (parseDurationMs(retrySpec.backoff) ?? 0) : 0 } : undefined;
    const backendTimeoutMs = rule.timeouts?.backendRequest !== undefined ? (parseDurationMs(rule.timeouts.backendRequest) ?? 0) : 0;
    const timeoutText = rule.timeouts?.request;
    let requestTimeoutMs = isAI ? AI_ROUTE_DEFAULT_TIMEOUT_MS : 0;
    if (timeoutText !== undefined) requestTimeoutMs = parseDurationMs(timeoutText) ?? requestTimeoutMs;
    const totalWeight = backends.reduce((s, b) => s + b.weight, 0);
    compiledRules.push({
      rule: {
        id: `${label} rule ${rule.name ?? ruleIndex}`,
        routeKind: isAI ? 'AIGatewayRoute' : isGrpc ? 'GRPCRoute' : isTls ? 'TLSRoute' : 'HTTPRoute',
        routeKey: `${route.namespace}/${route.name}`,
        ruleIndex,
        ruleName: rule.name,
        backends,
        totalWeight,
        requestTimeoutMs,
        backendTimeoutMs,
        filters: ruleFilters.filters,
        mirrors,
        retry,
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

// ---------------------------------------------------------------------------------------------
// Backends

type Resolved = { kind: 'ok'; backend: BackendTarget; note?: string | undefined } | { kind: 'invalid'; id: string; reason: string; message: string };

function invalid(id: string, reason: string, message: string): Resolved {
  return { kind: 'invalid', id, reason, message };
}

function resolveBackendRef(ctx: Ctx, route: Resource, ref: BackendRefView, isAI: boolean, path: (string | number)[]): Resolved {
  const namespace = ref.namespace ?? route.namespace;
  const label = resourceLabel(route.kind, route.namespace, route.name);
  const report = (r: Resolved): Resolved => {
    if (r.kind === 'invalid') ctx.problems.push({ severity: 'error', location: route.source.locationOf(path), resource: label, field: path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').slice(1).replace(/\.\[/g, '['), message: `${r.reason}: ${r.message}` });
    return r;
  };
  const group = ref.group ?? (isAI ? AIGW_GROUP : '');
  const kind = ref.kind ?? (isAI ? 'AIServiceBackend' : 'Service');
  const id = `${kind} ${namespace}/${ref.name}`;
  if (namespace !== route.namespace && !referenceGranted(ctx, route, group, kind, namespace, ref.name)) {
    return report(invalid(id, 'RefNotPermitted', `${id} is in another namespace and no ReferenceGrant in ${namespace} allows it`));
  }
  if (kind === 'InferencePool' && (group === INFERENCE_GROUP || group === INFERENCE_X_GROUP)) {
    const pool = ctx.pools.get(`${namespace}/${ref.name}`);
    if (!pool) return report(invalid(id, 'BackendNotFound', `InferencePool ${namespace}/${ref.name} not found`));
    return { kind: 'ok', backend: { kind: 'pool', id, pool } };
  }
  if (kind === 'AIServiceBackend' && group === AIGW_GROUP) {
    const asb = get<AIServiceBackendView>(ctx.index, 'AIServiceBackend', namespace, ref.name);
    if (asb) return report(resolveAIServiceBackend(ctx, asb));
    // Seed 001 names a Backend directly where upstream's example declares an AIServiceBackend:
    // use a Backend or Service of that name with the OpenAI schema, and say so.
    for (const fallbackKind of ['Backend', 'Service'] as const) {
      const r = get(ctx.index, fallbackKind, namespace, ref.name);
      if (!r) continue;
      const resolved = fallbackKind === 'Backend' ? resolveBackend(ctx, r as Resource<BackendView>, '/v1') : resolveService(ctx, r as Resource<ServiceView>, ref.port, '/v1');
      if (resolved.kind === 'ok') resolved.note = `backendRef ${ref.name}: no AIServiceBackend of that name, so ${fallbackKind} ${namespace}/${ref.name} is used with the OpenAI schema`;
      return report(resolved);
    }
    return report(invalid(id, 'BackendNotFound', `AIServiceBackend ${namespace}/${ref.name} not found (nor a Backend or Service of that name)`));
  }
  if (kind === 'Backend' && group === EG_GROUP) {
    const b = get<BackendView>(ctx.index, 'Backend', namespace, ref.name);
    if (!b) return report(invalid(id, 'BackendNotFound', `Backend ${namespace}/${ref.name} not found`));
    return report(resolveBackend(ctx, b, '/v1'));
  }
  if (kind === 'Service' && group === '') {
    const s = get<ServiceView>(ctx.index, 'Service', namespace, ref.name);
    if (!s) return report(invalid(id, 'BackendNotFound', `Service ${namespace}/${ref.name} not found`));
    if (!isAI && ref.port === undefined) return report(invalid(id, 'BackendNotFound', `backendRef to Service ${ref.name} needs a port`));
    return report(resolveService(ctx, s, ref.port, '/v1'));
  }
  return report(invalid(id, 'InvalidKind', `backendRef kind ${group ? group + '/' : ''}${kind} is not supported (use Service, InferencePool, ${isAI ? 'AIServiceBackend, ' : ''}or gateway.envoyproxy.io Backend)`));
}

function referenceGranted(ctx: Ctx, route: Resource, toGroup: string, toKind: string, toNamespace: string, toName: string): boolean {
  for (const g of all<ReferenceGrantView>(ctx.index, 'ReferenceGrant')) {
    if (g.namespace !== toNamespace) continue;
    const fromOk = g.object.spec.from.some((f) => f.namespace === route.namespace && f.kind === route.kind && (f.group === route.group || (route.kind === 'AIGatewayRoute' && f.group === AIGW_GROUP)));
    const toOk = g.object.spec.to.some((t) => t.kind === toKind && (t.group ?? '') === toGroup && (t.name === undefined || t.name === toName));
    if (fromOk && toOk) return true;
  }
  return false;
}

function resolveAIServiceBackend(ctx: Ctx, asb: Resource<AIServiceBackendView>): Resolved {
  const id = `AIServiceBackend ${asb.namespace}/${asb.name}`;
  const schema = asb.object.spec.schema;
  if (schema.name !== 'OpenAI') {
    return invalid(id, 'UnsupportedValue', `schema ${schema.name} is not supported yet (provider translators are a later feature); only OpenAI-compatible backends are served`);
  }
  const prefix = normalisePrefix(schema.prefix ?? 'v1');
  const ref = asb.object.spec.backendRef;
  const namespace = ref.namespace ?? asb.namespace;
  const kind = ref.kind ?? 'Backend';
  if (kind === 'Backend') {
    const b = get<BackendView>(ctx.index, 'Backend', namespace, ref.name);
    if (!b) return invalid(id, 'BackendNotFound', `its backendRef Backend ${namespace}/${ref.name} not found`);
    return resolveBackend(ctx, b, prefix);
  }
  if (kind === 'Service') {
    const s = get<ServiceView>(ctx.index, 'Service', namespace, ref.name);
    if (!s) return invalid(id, 'BackendNotFound', `its backendRef Service ${namespace}/${ref.name} not found`);
    return resolveService(ctx, s, undefined, prefix);
  }
  return invalid(id, 'InvalidKind', `backendRef kind ${kind} is not supported (use a gateway.envoyproxy.io Backend)`);
}

function normalisePrefix(prefix: string): string {
  const p = '/' + prefix.replace(/^\/+|\/+$/g, '');
  return p === '/' ? '' : p;
}

function resolveBackend(ctx: Ctx, b: Resource<BackendView>, prefix: string): Resolved {
  const id = `Backend ${b.namespace}/${b.name}`;
  const targets: UpstreamTarget[] = [];
  const notes: string[] = [];
  // A Service with no ready pods right now is still a valid reference: requests get 503 until pods run.
  let resolvedServices = 0;
  for (const ep of b.object.spec.endpoints ?? []) {
    if (ep.ip) {
      const host = ep.ip.address.includes(':') ? `[${ep.ip.address}]` : ep.ip.address;
      targets.push(target(ctx, `http://${host}:${ep.ip.port}`, `${host}:${ep.ip.port}`));
    } else if (ep.fqdn) {
      const svc = parseServiceHostname(ep.fqdn.hostname);
      const s = svc && get<ServiceView>(ctx.index, 'Service', svc.namespace, svc.name);
      if (s) {
        const r = resolveService(ctx, s, ep.fqdn.port, prefix);
        if (r.kind === 'ok' && r.backend.kind === 'endpoints') {
          targets.push(...r.backend.targets);
          resolvedServices++;
        }
        else if (r.kind === 'invalid') notes.push(r.message);
      } else {
        const scheme = ep.fqdn.port === 443 ? 'https' : 'http';
        targets.push(target(ctx, `${scheme}://${ep.fqdn.hostname}:${ep.fqdn.port}`, ep.fqdn.hostname));
      }
    } else if (ep.unix) {
      notes.push(`unix socket endpoint ${ep.unix.path} is not supported`);
    }
  }
  if (targets.length === 0 && resolvedServices === 0) return invalid(id, 'BackendNotFound', `has no usable endpoints${notes.length ? ': ' + notes.join('; ') : ''}`);
  return { kind: 'ok', backend: { kind: 'endpoints', id, schema: { name: 'OpenAI', prefix }, targets, cursor: 0 } };
}

function target(ctx: Ctx, origin: string, hostHeader: string, endpoint?: EndpointState): UpstreamTarget {
  ctx.origins.add(origin);
  if (endpoint) ctx.endpointKeys.add(endpoint.key);
  return { origin, hostHeader, endpoint };
}

function resolveService(ctx: Ctx, s: Resource<ServiceView>, port: number | undefined, prefix: string): Resolved {
  const id = `Service ${s.namespace}/${s.name}`;
  const ports = s.object.spec?.ports ?? [];
  const sp = port === undefined ? (ports.length === 1 ? ports[0] : undefined) : ports.find((p) => p.port === port);
  if (!sp) return invalid(id, 'BackendNotFound', port === undefined ? `has ${ports.length} ports; name one in the backendRef` : `has no port ${port} (ports: ${ports.map((p) => p.port).join(', ') || 'none'})`);
  const targets: UpstreamTarget[] = [];
  const hostHeader = `${s.name}.${s.namespace}.svc.cluster.local`;
  if (s.object.spec?.selector && Object.keys(s.object.spec.selector).length > 0) {
    for (const pod of selectPods(ctx.pods, s.namespace, s.object.spec.selector)) {
      const ep = podEndpoint(ctx, pod, targetPortOf(pod, sp));
      if (ep) targets.push(target(ctx, ep.origin, hostHeader, ep));
    }
  } else {
    // A Service without a selector takes its endpoints from EndpointSlices labelled with its name
    // (managed by hand, e.g. for addresses outside the cluster).
    for (const slice of all<EndpointSliceView>(ctx.index, 'EndpointSlice')) {
      if (slice.namespace !== s.namespace || slice.object.metadata?.labels?.['kubernetes.io/service-name'] !== s.name) continue;
      const slicePorts = slice.object.ports ?? [];
      const p = slicePorts.find((x) => (x.name ?? '') === (sp.name ?? '')) ?? (slicePorts.length === 1 ? slicePorts[0] : undefined);
      if (!p?.port) continue;
      for (const e of slice.object.endpoints ?? []) {
        if (e.conditions?.ready === false) continue;
        for (const address of e.addresses ?? []) {
          const host = address.includes(':') ? `[${address}]` : address;
          targets.push(target(ctx, `http://${host}:${p.port}`, hostHeader));
        }
      }
    }
  }
  // No ready endpoint is not a config error: requests get 503 until pods appear.
  return { kind: 'ok', backend: { kind: 'endpoints', id, schema: { name: 'OpenAI', prefix }, targets, cursor: 0 } };
}

/** The live endpoint of a pod's port, when the pod runs and serves that port. */
function podEndpoint(ctx: Ctx, pod: Pod, containerPort: number | undefined): EndpointState | undefined {
  const running = pod as Partial<RunningPod>;
  if (containerPort === undefined || running.actualPort === undefined || !running.ready) return undefined;
  if (containerPort !== pod.servingPort) return undefined;
  const ep = ctx.endpoints.get(running.address ?? '127.0.0.1', running.actualPort, { podName: pod.name, labels: { ...pod.labels } });
  ctx.endpointKeys.add(ep.key);
  ctx.origins.add(ep.origin);
  return ep;
}

// ---------------------------------------------------------------------------------------------
// InferencePools

function compilePool(ctx: Ctx, pool: Resource<InferencePoolView>, statuses: ResourceStatus[]): void {
  const label = resourceLabel('InferencePool', pool.namespace, pool.name);
  const spec = pool.object.spec;
  const selector = 'matchLabels' in spec.selector && typeof spec.selector.matchLabels === 'object' ? spec.selector.matchLabels : (spec.selector as Record<string, string>);
  const targetPorts = spec.targetPorts?.map((t) => t.number) ?? (spec.targetPortNumber !== undefined ? [spec.targetPortNumber] : []);
  const endpoints: EndpointState[] = [];
  const pods = selectPods(ctx.pods, pool.namespace, selector);
  for (const pod of pods) {
    for (const tp of targetPorts) {
      const ep = podEndpoint(ctx, pod, tp);
      if (ep) endpoints.push(ep);
    }
  }
  const conditions: Condition[] = [ok('Accepted')];
  const eppRef = spec.endpointPickerRef ?? (spec.extensionRef ? { name: spec.extensionRef.name, kind: spec.extensionRef.kind, group: spec.extensionRef.group, failureMode: spec.extensionRef.failureMode as 'FailOpen' | 'FailClose' | undefined } : undefined);
  let pickerConfigSource = 'built-in default profile (no endpointPickerRef)';
  let pickerConfig: unknown;
  if (eppRef) {
    const kind = eppRef.kind ?? 'Service';
    const svc = kind === 'Service' ? get<ServiceView>(ctx.index, 'Service', pool.namespace, eppRef.name) : undefined;
    if (!svc) {
      const msg = `endpointPickerRef ${kind} ${pool.namespace}/${eppRef.name} not found; Sluice's built-in picker serves the pool with the default profile`;
      conditions.push(condition('ResolvedRefs', 'False', 'InvalidExtensionRef', msg));
      ctx.problems.push({ severity: 'warning', location: pool.source.locationOf(['spec', 'endpointPickerRef', 'name']), resource: label, field: 'spec.endpointPickerRef.name', message: msg });
    } else {
      const found = findPickerConfig(ctx, svc);
      pickerConfigSource = found.source;
      pickerConfig = found.config;
      conditions.push(ok('ResolvedRefs', `endpoint picker ${eppRef.name}: Sluice's built-in picker (${found.source})`));
    }
  }
  if (selector === undefined || Object.keys(selector).length === 0) {
    ctx.problems.push({ severity: 'error', location: pool.source.locationOf(['spec', 'selector']), resource: label, field: 'spec.selector', message: 'selector must name at least one label (matchLabels)' });
  } else if (pods.length === 0) {
    ctx.problems.push({ severity: 'warning', location: pool.source.locationOf(['spec', 'selector']), resource: label, field: 'spec.selector', message: `selects no pods (labels ${JSON.stringify(selector)}); requests to the pool get 503 until a Deployment with those pod labels runs` });
  }
  const runtime: PoolRuntime = {
    namespace: pool.namespace,
    name: pool.name,
    endpoints,
    failureMode: eppRef?.failureMode ?? 'FailClose',
    objectives: new Map(
      all<InferenceObjectiveView>(ctx.index, 'InferenceObjective')
        .filter((o) => o.namespace === pool.namespace && o.object.spec.poolRef.name === pool.name)
        .map((o) => [o.name, o.object.spec.priority ?? 0]),
    ),
    pickerConfigSource,
    pickerConfig,
  };
  ctx.pools.set(`${pool.namespace}/${pool.name}`, runtime);
  statuses.push({ kind: 'InferencePool', namespace: pool.namespace, name: pool.name, conditions: [...conditions, ok('Programmed', `${endpoints.length} ready endpoint(s)`)] });
}

/**
 * The EndpointPickerConfig of an epp Deployment behind the endpointPickerRef Service: its
 * `--config-file` path is looked up in the ConfigMap volume mounted at that path.
 */
function findPickerConfig(ctx: Ctx, svc: Resource<ServiceView>): { source: string; config?: unknown } {
  const eppPods = selectPods(ctx.pods, svc.namespace, svc.object.spec?.selector).filter((p) => p.role === 'epp');
  const pod = eppPods[0];
  if (!pod) return { source: `default profile (Service ${svc.name} selects no epp pod)` };
  const args = [...(pod.container.command ?? []), ...(pod.container.args ?? [])];
  const flag = (name: string) => {
    const i = args.indexOf(name);
    if (i >= 0) return args[i + 1];
    return args.find((a) => a.startsWith(name + '='))?.slice(name.length + 1);
  };
  const text = flag('--config-text');
  if (text !== undefined) return parsePickerConfig(ctx, text, `--config-text of Deployment ${pod.deployment}`);
  const file = flag('--config-file');
  if (file === undefined) return { source: `default profile (Deployment ${pod.deployment} has no --config-file)` };
  const mount = (pod.container.volumeMounts ?? []).filter((m) => file.startsWith(m.mountPath.replace(/\/?$/, '/'))).sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  const volume = mount && (pod.volumes ?? []).find((v) => v.name === mount.name);
  if (!mount || !volume?.configMap) {
    ctx.problems.push({ severity: 'warning', resource: `Deployment ${pod.deployment}`, message: `--config-file ${file} is not inside a ConfigMap volume mount; the default profile is used` });
    return { source: `default profile (${file} not found)` };
  }
  const key = file.slice(mount.mountPath.replace(/\/?$/, '/').length);
  const cm = get<ConfigMapView>(ctx.index, 'ConfigMap', pod.namespace, volume.configMap.name);
  const data = cm?.object.data?.[key];
  if (data === undefined) {
    ctx.problems.push({ severity: 'warning', resource: `Deployment ${pod.deployment}`, message: `--config-file ${file}: ConfigMap ${pod.namespace}/${volume.configMap.name} ${cm ? `has no key ${key}` : 'not found'}; the default profile is used` });
    return { source: `default profile (${file} not found)` };
  }
  return parsePickerConfig(ctx, data, `ConfigMap ${pod.namespace}/${volume.configMap.name} key ${key}`);
}

function parsePickerConfig(ctx: Ctx, text: string, source: string): { source: string; config?: unknown } {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    ctx.problems.push({ severity: 'error', resource: source, message: `EndpointPickerConfig is not valid YAML: ${(err as Error).message.split('\n')[0]}` });
    return { source: `default profile (${source} is invalid)` };
  }
  const d = doc as { apiVersion?: string; kind?: string } | null;
  const info = d && typeof d.apiVersion === 'string' && typeof d.kind === 'string' ? lookupKind(d.apiVersion, d.kind) : undefined;
  if (!info || d?.kind !== 'EndpointPickerConfig') {
    ctx.problems.push({ severity: 'error', resource: source, message: 'expected an EndpointPickerConfig (apiVersion inference.networking.x-k8s.io/v1alpha1)' });
    return { source: `default profile (${source} is invalid)` };
  }
  const result = info.schema.safeParse(doc);
  if (!result.success) {
    for (const issue of result.error.issues) ctx.problems.push({ severity: 'error', resource: `EndpointPickerConfig in ${source}`, field: issue.path.join('.'), message: issue.message });
    return { source: `default profile (${source} is invalid)` };
  }
  // Build the scheduler once here so plugin and parameter errors refuse the configuration with a name.
  try {
    buildScheduler(result.data as EndpointPickerConfig);
  } catch (err) {
    if (!(err instanceof PickerConfigError)) throw err;
    ctx.problems.push({ severity: 'error', resource: `EndpointPickerConfig in ${source}`, message: err.message });
    return { source: `default profile (${source} is invalid)` };
  }
  return { source, config: result.data };
}
