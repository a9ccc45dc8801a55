// The resource types the Kubernetes source watches: every kind Sluice reads (config/schemas/index.ts),
// with the REST name and the versions to try, most preferred first. A version the server does not
// serve (404 on list) falls through to the next; a type none of whose versions is served (its CRD is not
// installed) is skipped with a warning and looked for again later.
//
// Versions: objects are read under one version and validated under that apiVersion. A CRD serving
// several versions without conversion (the Gateway API and Envoy AI Gateway ones) gives the same JSON
// under each, so the newest version Sluice knows comes first.

export interface WatchedKind {
  /** `''` for the core group. */
  readonly group: string;
  readonly kind: string;
  /** Lower-case plural, as in the REST path. */
  readonly plural: string;
  readonly namespaced: boolean;
  /** Versions to try, most preferred first; each must be one Sluice validates (schemas/index.ts). */
  readonly versions: readonly string[];
}

/** A watched kind at the version the server answered for. */
export interface ResourceRef {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

const GW = 'gateway.networking.k8s.io';
const GIE = 'inference.networking.k8s.io';
const GIE_X = 'inference.networking.x-k8s.io';
const AIGW = 'aigateway.envoyproxy.io';
const EG = 'gateway.envoyproxy.io';

function kind(group: string, name: string, plural: string, namespaced: boolean, versions: readonly string[]): WatchedKind {
  return Object.freeze({ group, kind: name, plural, namespaced, versions: Object.freeze([...versions]) });
}

/** Every kind Sluice reads from the API server. */
export const WATCHED_KINDS: readonly WatchedKind[] = Object.freeze([
  // Gateway API
  kind(GW, 'GatewayClass', 'gatewayclasses', false, ['v1', 'v1beta1']),
  kind(GW, 'Gateway', 'gateways', true, ['v1', 'v1beta1']),
  kind(GW, 'HTTPRoute', 'httproutes', true, ['v1', 'v1beta1']),
  kind(GW, 'GRPCRoute', 'grpcroutes', true, ['v1']),
  kind(GW, 'TLSRoute', 'tlsroutes', true, ['v1', 'v1alpha3', 'v1alpha2']),
  kind(GW, 'ReferenceGrant', 'referencegrants', true, ['v1', 'v1beta1']),
  // Inference Extension: the v1 pool and the legacy x-k8s kinds (separate CRDs, separate groups)
  kind(GIE, 'InferencePool', 'inferencepools', true, ['v1']),
  kind(GIE_X, 'InferencePool', 'inferencepools', true, ['v1alpha2']),
  kind(GIE_X, 'InferenceObjective', 'inferenceobjectives', true, ['v1alpha2']),
  kind(GIE_X, 'InferenceModel', 'inferencemodels', true, ['v1alpha2']),
  kind(GIE_X, 'InferenceModelRewrite', 'inferencemodelrewrites', true, ['v1alpha2']),
  // Envoy AI Gateway
  kind(AIGW, 'AIGatewayRoute', 'aigatewayroutes', true, ['v1beta1', 'v1alpha1']),
  kind(AIGW, 'AIServiceBackend', 'aiservicebackends', true, ['v1beta1', 'v1alpha1']),
  kind(AIGW, 'BackendSecurityPolicy', 'backendsecuritypolicies', true, ['v1beta1', 'v1alpha1']),
  kind(AIGW, 'GatewayConfig', 'gatewayconfigs', true, ['v1beta1', 'v1alpha1']),
  // Envoy Gateway
  kind(EG, 'Backend', 'backends', true, ['v1alpha1']),
  kind(EG, 'BackendTrafficPolicy', 'backendtrafficpolicies', true, ['v1alpha1']),
  kind(EG, 'SecurityPolicy', 'securitypolicies', true, ['v1alpha1']),
  // Core
  kind('', 'Namespace', 'namespaces', false, ['v1']),
  kind('', 'Service', 'services', true, ['v1']),
  kind('', 'Pod', 'pods', true, ['v1']),
  kind('', 'Secret', 'secrets', true, ['v1']),
  kind('', 'ConfigMap', 'configmaps', true, ['v1']),
  kind('apps', 'Deployment', 'deployments', true, ['v1']),
  kind('discovery.k8s.io', 'EndpointSlice', 'endpointslices', true, ['v1']),
]);

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** `/api/v1` or `/apis/GROUP/VERSION`. */
function groupVersionPath(group: string, version: string): string {
  return group ? `/apis/${group}/${version}` : `/api/${version}`;
}

/** The collection path: cluster-wide when `namespace` is undefined. */
export function collectionPath(r: Pick<ResourceRef, 'group' | 'version' | 'plural' | 'namespaced'>, namespace: string | undefined): string {
  const base = groupVersionPath(r.group, r.version);
  return r.namespaced && namespace !== undefined ? `${base}/namespaces/${encodeURIComponent(namespace)}/${r.plural}` : `${base}/${r.plural}`;
}

/** The path of one object (and of its status subresource with `subresource: 'status'`). */
export function objectPath(r: Pick<ResourceRef, 'group' | 'version' | 'plural' | 'namespaced'>, namespace: string | undefined, name: string, subresource?: 'status'): string {
  const base = groupVersionPath(r.group, r.version);
  const ns = r.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? 'default')}` : '';
  return `${base}${ns}/${r.plural}/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}`;
}
