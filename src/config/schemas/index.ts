// The schema registry: which (apiVersion, kind) pairs Sluice reads, with their schema and strictness,
// which kinds it accepts and ignores, and the TypeScript type of every resource, so the compiler
// imports all resource types from this one module.
//
// Contracts:
// - `lookupKind` answers for exact apiVersion strings ("gateway.networking.k8s.io/v1"); a kind under an
//   unlisted version is unknown (the caller reports it), never silently read with another version's
//   schema.
// - `isIgnoredKind` matches by API group and kind, any version: those kinds (RBAC, ServiceAccount...)
//   have no effect on Sluice and are listed as ignored. Kinds neither known nor ignored are the
//   caller's to warn about.
// - `strict: true` means an unknown field anywhere in the object is an error (Sluice's own kinds);
//   `strict: false` means only the typed fields are checked (core kinds, unvalidated policies).
import type { z } from 'zod';
import {
  aiGatewayRouteSchema,
  aiGatewayRouteV1Alpha1Schema,
  aiServiceBackendSchema,
  aiServiceBackendV1Alpha1Schema,
  backendSecurityPolicySchema,
  gatewayConfigSchema,
} from './ai-gateway.ts';
import { configMapSchema, deploymentSchema, endpointSliceSchema, namespaceSchema, podSchema, secretSchema, serviceSchema } from './core.ts';
import { backendSchema, backendTrafficPolicySchema, securityPolicySchema } from './envoy-gateway.ts';
import { budgetSchema, modelPricingSchema, virtualKeySchema } from './sluice.ts';
import { backendTlsPolicySchema, gatewayClassSchema, gatewaySchema, grpcRouteSchema, httpRouteSchema, referenceGrantSchema, tlsRouteSchema } from './gateway-api.ts';
import {
  endpointPickerConfigSchema,
  inferenceModelRewriteSchema,
  inferenceModelSchema,
  inferenceObjectiveSchema,
  inferencePoolSchema,
  inferencePoolV1Alpha2Schema,
} from './inference.ts';
import type {
  backendObjectReferenceSchema,
  httpHeaderMatchSchema,
  httpHeaderSchema,
  httpRouteTimeoutsSchema,
  localObjectReferenceSchema,
  objectMetaSchema,
  parentReferenceSchema,
  secretObjectReferenceSchema,
} from './meta.ts';

export type ResourceKey = `${string}/${string}`; // "apiVersion/kind", e.g. "gateway.networking.k8s.io/v1/Gateway"

export interface KindInfo {
  readonly apiVersion: string;
  readonly kind: string;
  readonly schema: z.ZodType;
  readonly strict: boolean;
}

export function resourceKey(apiVersion: string, kind: string): ResourceKey {
  return `${apiVersion}/${kind}`;
}

/** Registers `schema` for `kind` under each of `apiVersions`. */
function entries(apiVersions: readonly string[], kind: string, schema: z.ZodType, strict: boolean): KindInfo[] {
  return apiVersions.map((apiVersion) => Object.freeze({ apiVersion, kind, schema, strict }));
}

const GW = ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1'];
const INFERENCE_ALPHA = ['inference.networking.x-k8s.io/v1alpha2', 'llm-d.ai/v1alpha2'];
const AIGW_BOTH = ['aigateway.envoyproxy.io/v1beta1', 'aigateway.envoyproxy.io/v1alpha1'];

/** Every kind Sluice reads, one entry per (apiVersion, kind). */
export const knownKinds: readonly KindInfo[] = Object.freeze([
  // Gateway API
  ...entries(GW, 'GatewayClass', gatewayClassSchema, true),
  ...entries(GW, 'Gateway', gatewaySchema, true),
  ...entries(GW, 'HTTPRoute', httpRouteSchema, true),
  ...entries(['gateway.networking.k8s.io/v1'], 'GRPCRoute', grpcRouteSchema, true),
  ...entries(['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1alpha3', 'gateway.networking.k8s.io/v1alpha2'], 'TLSRoute', tlsRouteSchema, true),
  ...entries(GW, 'ReferenceGrant', referenceGrantSchema, true),
  ...entries(['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1alpha3'], 'BackendTLSPolicy', backendTlsPolicySchema, true),
  // Inference Extension (and llm-d)
  ...entries(['inference.networking.k8s.io/v1'], 'InferencePool', inferencePoolSchema, true),
  ...entries(['inference.networking.x-k8s.io/v1alpha2'], 'InferencePool', inferencePoolV1Alpha2Schema, true),
  ...entries(INFERENCE_ALPHA, 'InferenceObjective', inferenceObjectiveSchema, true),
  ...entries(INFERENCE_ALPHA, 'InferenceModelRewrite', inferenceModelRewriteSchema, true),
  ...entries(['inference.networking.x-k8s.io/v1alpha2'], 'InferenceModel', inferenceModelSchema, true),
  ...entries(['inference.networking.x-k8s.io/v1alpha1', 'llm-d.ai/v1alpha1'], 'EndpointPickerConfig', endpointPickerConfigSchema, true),
  // Envoy AI Gateway
  ...entries(['aigateway.envoyproxy.io/v1beta1'], 'AIGatewayRoute', aiGatewayRouteSchema, true),
  ...entries(['aigateway.envoyproxy.io/v1alpha1'], 'AIGatewayRoute', aiGatewayRouteV1Alpha1Schema, true),
  ...entries(['aigateway.envoyproxy.io/v1beta1'], 'AIServiceBackend', aiServiceBackendSchema, true),
  ...entries(['aigateway.envoyproxy.io/v1alpha1'], 'AIServiceBackend', aiServiceBackendV1Alpha1Schema, true),
  ...entries(AIGW_BOTH, 'BackendSecurityPolicy', backendSecurityPolicySchema, true),
  ...entries(AIGW_BOTH, 'GatewayConfig', gatewayConfigSchema, true),
  // Envoy Gateway
  ...entries(['gateway.envoyproxy.io/v1alpha1'], 'Backend', backendSchema, true),
  ...entries(['gateway.envoyproxy.io/v1alpha1'], 'BackendTrafficPolicy', backendTrafficPolicySchema, false),
  ...entries(['gateway.envoyproxy.io/v1alpha1'], 'SecurityPolicy', securityPolicySchema, false),
  // Sluice
  ...entries(['gateway.sluice.dev/v1alpha1'], 'VirtualKey', virtualKeySchema, true),
  ...entries(['gateway.sluice.dev/v1alpha1'], 'Budget', budgetSchema, true),
  ...entries(['gateway.sluice.dev/v1alpha1'], 'ModelPricing', modelPricingSchema, true),
  // Core Kubernetes
  ...entries(['v1'], 'Service', serviceSchema, false),
  ...entries(['v1'], 'ConfigMap', configMapSchema, false),
  ...entries(['v1'], 'Secret', secretSchema, false),
  ...entries(['v1'], 'Pod', podSchema, false),
  ...entries(['v1'], 'Namespace', namespaceSchema, false),
  ...entries(['apps/v1'], 'Deployment', deploymentSchema, false),
  ...entries(['discovery.k8s.io/v1'], 'EndpointSlice', endpointSliceSchema, false),
]);

const byKey = new Map<ResourceKey, KindInfo>(knownKinds.map((k) => [resourceKey(k.apiVersion, k.kind), k]));

export function lookupKind(apiVersion: string, kind: string): KindInfo | undefined {
  return byKey.get(resourceKey(apiVersion, kind));
}

/**
 * Kinds accepted and ignored, by API group ("" is the core group). These configure things Sluice does
 * not have (RBAC, pod scheduling, autoscaling, CRD installation, Envoy's own deployment, monitoring),
 * so ignoring them changes no behaviour.
 */
const IGNORED: Readonly<Record<string, readonly string[]>> = {
  '': ['ServiceAccount', 'LimitRange', 'ResourceQuota', 'PersistentVolumeClaim', 'PersistentVolume'],
  'rbac.authorization.k8s.io': ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'],
  policy: ['PodDisruptionBudget'],
  autoscaling: ['HorizontalPodAutoscaler'],
  'apiextensions.k8s.io': ['CustomResourceDefinition'],
  'admissionregistration.k8s.io': [
    'ValidatingWebhookConfiguration',
    'MutatingWebhookConfiguration',
    'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding',
  ],
  'scheduling.k8s.io': ['PriorityClass'],
  'networking.k8s.io': ['NetworkPolicy'],
  'gateway.envoyproxy.io': ['EnvoyProxy'],
  'monitoring.coreos.com': ['ServiceMonitor', 'PodMonitor'],
};

function groupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function isIgnoredKind(apiVersion: string, kind: string): boolean {
  return IGNORED[groupOf(apiVersion)]?.includes(kind) ?? false;
}

// ---------------------------------------------------------------------------------------------------
// Resource types

// Gateway API
export type GatewayClass = z.infer<typeof gatewayClassSchema>;
export type Gateway = z.infer<typeof gatewaySchema>;
export type HTTPRoute = z.infer<typeof httpRouteSchema>;
export type GRPCRoute = z.infer<typeof grpcRouteSchema>;
export type ReferenceGrant = z.infer<typeof referenceGrantSchema>;
export type Listener = Gateway['spec']['listeners'][number];
export type HTTPRouteRule = NonNullable<HTTPRoute['spec']['rules']>[number];
export type HTTPRouteMatch = NonNullable<HTTPRouteRule['matches']>[number];
export type HTTPRouteFilter = NonNullable<HTTPRouteRule['filters']>[number];
export type HTTPBackendRef = NonNullable<HTTPRouteRule['backendRefs']>[number];
export type GRPCRouteRule = NonNullable<GRPCRoute['spec']['rules']>[number];

// Inference Extension
export type InferencePool = z.infer<typeof inferencePoolSchema>;
/** The legacy v1alpha2 InferencePool (inference.networking.x-k8s.io). */
export type InferencePoolV1Alpha2 = z.infer<typeof inferencePoolV1Alpha2Schema>;
export type InferenceObjective = z.infer<typeof inferenceObjectiveSchema>;
export type InferenceModelRewrite = z.infer<typeof inferenceModelRewriteSchema>;
export type InferenceModel = z.infer<typeof inferenceModelSchema>;
export type EndpointPickerConfig = z.infer<typeof endpointPickerConfigSchema>;

// Envoy AI Gateway
/**
 * One type for both served versions. The v1alpha1 member may also carry the deprecated `schema`,
 * `targetRefs` and `filterConfig`; narrow on `apiVersion` to read them.
 */
export type AIGatewayRoute = z.infer<typeof aiGatewayRouteSchema> | z.infer<typeof aiGatewayRouteV1Alpha1Schema>;
export type AIGatewayRouteRule = AIGatewayRoute['spec']['rules'][number];
export type AIGatewayRouteBackendRef = NonNullable<AIGatewayRouteRule['backendRefs']>[number];
export type LLMRequestCost = NonNullable<AIGatewayRoute['spec']['llmRequestCosts']>[number];
/** One type for both versions; the v1alpha1 member may carry the deprecated `backendSecurityPolicyRef`. */
export type AIServiceBackend = z.infer<typeof aiServiceBackendSchema> | z.infer<typeof aiServiceBackendV1Alpha1Schema>;
export type BackendSecurityPolicy = z.infer<typeof backendSecurityPolicySchema>;
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

// Envoy Gateway
export type Backend = z.infer<typeof backendSchema>;
export type BackendEndpoint = Backend['spec'] extends { endpoints?: readonly (infer E)[] | undefined } ? E : never;
export type BackendTrafficPolicy = z.infer<typeof backendTrafficPolicySchema>;
export type SecurityPolicy = z.infer<typeof securityPolicySchema>;

// Core
export type Service = z.infer<typeof serviceSchema>;
export type ConfigMap = z.infer<typeof configMapSchema>;
export type Secret = z.infer<typeof secretSchema>;
export type Pod = z.infer<typeof podSchema>;
export type Deployment = z.infer<typeof deploymentSchema>;
export type Container = Deployment['spec']['template']['spec']['containers'][number];
export type EndpointSlice = z.infer<typeof endpointSliceSchema>;

// Shared pieces
export type ObjectMeta = z.infer<typeof objectMetaSchema>;
export type ParentReference = z.infer<typeof parentReferenceSchema>;
export type BackendObjectReference = z.infer<typeof backendObjectReferenceSchema>;
export type LocalObjectReference = z.infer<typeof localObjectReferenceSchema>;
export type SecretObjectReference = z.infer<typeof secretObjectReferenceSchema>;
export type HTTPHeaderMatch = z.infer<typeof httpHeaderMatchSchema>;
export type HTTPHeader = z.infer<typeof httpHeaderSchema>;
export type HTTPRouteTimeouts = z.infer<typeof httpRouteTimeoutsSchema>;

/** Every validated resource Sluice reads, discriminated by `kind` (and `apiVersion` where kinds repeat). */
export type AnyResource =
  | GatewayClass
  | Gateway
  | HTTPRoute
  | GRPCRoute
  | ReferenceGrant
  | InferencePool
  | InferencePoolV1Alpha2
  | InferenceObjective
  | InferenceModelRewrite
  | InferenceModel
  | EndpointPickerConfig
  | AIGatewayRoute
  | AIServiceBackend
  | BackendSecurityPolicy
  | GatewayConfig
  | Backend
  | BackendTrafficPolicy
  | SecurityPolicy
  | Service
  | ConfigMap
  | Secret
  | Pod
  | Deployment
  | EndpointSlice;

// Schemas and helpers, for callers that validate fragments (e.g. an EndpointPickerConfig read from a
// ConfigMap key) or need the GEP-2257 duration parser.
export {
  aiGatewayRouteSchema,
  aiGatewayRouteV1Alpha1Schema,
  aiServiceBackendSchema,
  aiServiceBackendV1Alpha1Schema,
  backendSecurityPolicySchema,
  gatewayConfigSchema,
} from './ai-gateway.ts';
export { configMapSchema, deploymentSchema, endpointSliceSchema, podSchema, secretSchema, serviceSchema } from './core.ts';
export { backendSchema, backendTrafficPolicySchema, securityPolicySchema } from './envoy-gateway.ts';
export { gatewayClassSchema, gatewaySchema, grpcRouteSchema, httpRouteSchema, referenceGrantSchema } from './gateway-api.ts';
export {
  endpointPickerConfigSchema,
  inferenceModelRewriteSchema,
  inferenceModelSchema,
  inferenceObjectiveSchema,
  inferencePoolSchema,
  inferencePoolV1Alpha2Schema,
} from './inference.ts';
export { DURATION_PATTERN, objectMetaSchema, parseDurationMs } from './meta.ts';
