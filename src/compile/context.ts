// What every resource-family compiler shares: the input, the resource index, the compile context
// (problems, pools, endpoint and origin sets), listener accumulators, label selectors and ReferenceGrants.

import type { PickerStates } from '../picker/index.ts';
import type { HealthRegistry } from '../backend/health-registry.ts';
import type { Admission } from '../runtime/governance.ts';
import type { BudgetStore } from '../admission/budgets/budget-store.ts';
import type { UsageLedger } from '../admission/costs/usage-ledger.ts';
import type { LimitStore } from '../admission/limits/limit-store.ts';

/** Where governance keeps its counts; one set per gateway process (memory) or shared (Redis). */
export interface GovernanceStores {
  readonly limits: LimitStore;
  readonly budgets: BudgetStore;
  readonly ledger: UsageLedger;
}

/** Builds each route's (and Gateway's) governance; see compile/governance.ts. */
export interface RouteGovernance {
  forRoute(route: Resource<never>): Admission | undefined;
  forGateway(gateway: Resource): Admission | undefined;
  finish(): void;
}
import type { UpstreamAuth } from '../runtime/upstream-auth.ts';
import type { RunningPod } from '../cluster/emulator.ts';
import type { PlannedPod } from '../cluster/plan.ts';
import type { Condition } from '../runtime/conditions.ts';
import type { EndpointRegistry } from '../endpoints/registry.ts';

import type { RouteEntry } from '../routing/route-table.ts';

import type { Problem } from '../config/problems.ts';

import type { CompiledRule, EndpointsBackend, ModelEntry, PoolRuntime, TlsCertificate } from '../runtime/snapshot.ts';
import type { Resource } from '../config/validate.ts';

import type { GatewayView, ReferenceGrantView } from '../config/views.ts';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const INFERENCE_GROUP = 'inference.networking.k8s.io';
export const INFERENCE_X_GROUP = 'inference.networking.x-k8s.io';
export const AIGW_GROUP = 'aigateway.envoyproxy.io';
export const EG_GROUP = 'gateway.envoyproxy.io';
/** Envoy AI Gateway's default `timeouts.request` for AI routes. */
export const AI_ROUTE_DEFAULT_TIMEOUT_MS = 60_000;

export interface CompileInput {
  readonly resources: readonly Resource[];
  /** Pods of the emulated cluster (actualPort undefined when not running, e.g. for `validate`). */
  readonly pods: readonly (RunningPod | PlannedPod)[];
  readonly endpoints: EndpointRegistry;
  /** The endpoint pickers' learned state (prefix indexes), kept by the caller across compiles. Default: fresh. */
  readonly pickerStates?: PickerStates | undefined;
  /** Endpoint health, kept by the caller across compiles. Default: fresh. */
  readonly health?: HealthRegistry | undefined;
  /** Where rate limits, budgets and usage are counted (memory or Redis), owned by the caller. Default: fresh memory stores. */
  readonly governance?: GovernanceStores | undefined;
  /** For problems found while serving (e.g. a governance store failing). */
  readonly log?: ((line: string) => void) | undefined;
  readonly generation: number;
  /** `--port`: overrides the port of the single HTTP listener. */
  readonly portOverride?: number | undefined;
  /**
   * `--listener-port NAME=PORT`: the port any listener is served on, by listener name, `gateway/listener`
   * or `namespace/gateway/listener` (the most specific key wins).
   */
  readonly listenerPorts?: ReadonlyMap<string, number> | undefined;
  /**
   * Per-object generations kept across compiles (owned by the caller): standalone objects rarely carry
   * `metadata.generation`, so an object's generation is the config generation in which its content
   * last changed. Conditions report it as `observedGeneration`.
   */
  readonly objectGenerations?: Map<string, { readonly content: string; readonly generation: number }> | undefined;
}

export type Pod = RunningPod | PlannedPod;

export interface Index {
  byKind: Map<string, Map<string, Resource>>;
}

export function buildIndex(resources: readonly Resource[]): Index {
  const byKind = new Map<string, Map<string, Resource>>();
  for (const r of resources) {
    let m = byKind.get(r.kind);
    if (!m) byKind.set(r.kind, (m = new Map()));
    m.set(`${r.namespace}/${r.name}`, r);
  }
  return { byKind };
}

export function get<T>(index: Index, kind: string, namespace: string, name: string): Resource<T> | undefined {
  return index.byKind.get(kind)?.get(`${namespace}/${name}`) as Resource<T> | undefined;
}

export function all<T>(index: Index, kind: string): Resource<T>[] {
  return [...(index.byKind.get(kind)?.values() ?? [])] as Resource<T>[];
}

export interface CompiledListener {
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

export interface Ctx {
  readonly index: Index;
  /** Namespace name → labels, from loaded Namespace objects. */
  readonly namespaces: ReadonlyMap<string, { labels: Record<string, string> }>;
  readonly pods: readonly Pod[];
  readonly endpoints: EndpointRegistry;
  readonly problems: Problem[];
  readonly endpointKeys: Set<string>;
  readonly origins: Set<string>;
  readonly pools: Map<string, PoolRuntime>;
  readonly pickerStates: PickerStates;
  /** Backend id → the credential its BackendSecurityPolicy gives it (compiled before routes). */
  credentials: ReadonlyMap<string, UpstreamAuth>;
  /** Endpoint health of every backend, long-lived (owned by the caller). */
  readonly health: HealthRegistry;
  /** Every endpoints backend the routes use, by id. */
  readonly backends: Map<string, EndpointsBackend>;
  /** Builds each route's governance (set once credentials and pools are compiled). */
  governance: RouteGovernance | undefined;
}

export interface LabelSelectorView {
  matchLabels?: Record<string, string> | undefined;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] | undefined }[] | undefined;
}

/** Kubernetes label-selector semantics; an empty selector matches everything. */
export function labelSelectorMatches(selector: LabelSelectorView | undefined, labels: Record<string, string>): boolean {
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

export function referenceGranted(ctx: Ctx, route: Resource, toGroup: string, toKind: string, toNamespace: string, toName: string): boolean {
  for (const g of all<ReferenceGrantView>(ctx.index, 'ReferenceGrant')) {
    if (g.namespace !== toNamespace) continue;
    const fromOk = g.object.spec.from.some((f) => f.namespace === route.namespace && f.kind === route.kind && (f.group === route.group || (route.kind === 'AIGatewayRoute' && f.group === AIGW_GROUP)));
    const toOk = g.object.spec.to.some((t) => t.kind === toKind && (t.group ?? '') === toGroup && (t.name === undefined || t.name === toName));
    if (fromOk && toOk) return true;
  }
  return false;
}

