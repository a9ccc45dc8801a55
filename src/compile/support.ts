// The support registry: for every kind Sluice reads (API group + kind), every field path of its schema
// classified as
// - `compiled`: Sluice honours it;
// - `inert`: meaningless for a gateway like Sluice and harmless to ignore (with the reason);
// - `unsupported`: read but not honoured yet, with the sentence saying what happens instead, and
//   `security` when ignoring it would weaken an authentication, credential, authorization, rate-limit
//   or budget guarantee.
// `supportProblems()` turns the unsupported fields PRESENT in a loaded resource into problems: one
// warning per distinct field path per resource, naming the file, the resource and the field. A resource
// with a `security` field is not Accepted (reason Unsupported), and the compiler refuses rather than
// serves it half-applied (see `refusedForSecurity` and its callers in compile/).
//
// Path grammar: `spec.rules[].backendRefs[].priority` (`[]` is any list element). `X.*` classifies the
// keys a loose object at X accepts beyond its typed fields; `X.**` does so for X and every loose
// object below it. A `compiled` entry covers only itself (its children are classified one by one, so
// an unsupported child cannot hide) unless it says `subtree`; `inert` and `unsupported` entries cover
// their whole subtree. support.test.ts walks every schema and proves each path is classified and each
// entry names a path that exists. docs/support.md's table is generated from this registry
// (`supportTable()`); support.test.ts fails, printing the fresh table, when the doc is stale.
import type { z } from 'zod';
import type { Problem } from '../config/problems.ts';
import { knownKinds } from '../config/schemas/index.ts';
import type { Resource } from '../config/validate.ts';
import { resourceLabel } from '../config/validate.ts';

export type Support =
  | { readonly status: 'compiled'; readonly subtree?: true | undefined }
  | { readonly status: 'inert'; readonly why: string }
  | {
      readonly status: 'unsupported';
      /** What happens instead, as a sentence. */
      readonly instead: string;
      readonly security?: true | undefined;
      /** Values that ARE honoured: such a value is not reported (e.g. Backend `type: Endpoints`). */
      readonly honoured?: readonly unknown[] | undefined;
      /**
       * Another part of the compiler already reports this field as an error (and refuses the resource),
       * so the registry does not repeat it; the text says where.
       */
      readonly reportedBy?: string | undefined;
      /** For wildcard entries: names the docs list as examples of what falls under it. */
      readonly examples?: readonly string[] | undefined;
    };

export interface KindSupport {
  /** API groups ('' is the core group) under which the kind is read with this classification. */
  readonly groups: readonly string[];
  readonly kind: string;
  readonly fields: Readonly<Record<string, Support>>;
}

// ---------------------------------------------------------------------------------------------------
// Building blocks

const C: Support = { status: 'compiled' };
const ALL: Support = { status: 'compiled', subtree: true };
function inert(why: string): Support {
  return { status: 'inert', why };
}
function unsupported(instead: string, more: { security?: true; honoured?: readonly unknown[]; reportedBy?: string; examples?: readonly string[] } = {}): Support {
  return { status: 'unsupported', instead, ...more };
}
function security(instead: string, more: { honoured?: readonly unknown[]; reportedBy?: string; examples?: readonly string[] } = {}): Support {
  return { status: 'unsupported', instead, security: true, ...more };
}
type Fields = Record<string, Support>;
/** `fields` with `prefix.` in front of every path ('' is the prefix itself). */
function under(prefix: string, fields: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) out[k === '' ? prefix : `${prefix}.${k}`] = v;
  return out;
}
const STATUS = inert('written by controllers; Sluice reports its own status and never reads this block');

/** apiVersion, kind, metadata and status, common to every kind. */
function envelope(labels: Support = inert("a resource's own labels organise it in Kubernetes; Sluice selects nothing by them")): Fields {
  return {
    apiVersion: C,
    kind: C,
    metadata: C,
    'metadata.name': C,
    'metadata.namespace': C,
    'metadata.labels': labels,
    'metadata.annotations': inert('annotations are notes for other tools; Sluice acts on none'),
    'metadata.creationTimestamp': inert('set by the API server; Sluice orders resources by load order'),
    // observedGeneration on every condition.
    'metadata.generation': C,
    'metadata.uid': inert('set by the API server'),
    'metadata.resourceVersion': inert('set by the API server for optimistic concurrency'),
    'metadata.*': inert("the API server's bookkeeping (managedFields, ownerReferences, finalizers...)"),
    status: STATUS,
  };
}

const REF = { group: C, kind: C, name: C, namespace: C };
const parentRefs = under('spec.parentRefs[]', { '': C, group: C, kind: C, namespace: C, name: C, sectionName: C, port: C });
const headerMatch = { '': C, type: C, name: C, value: C };
const headerFilter = { '': C, 'set[]': C, 'set[].name': C, 'set[].value': C, 'add[]': C, 'add[].name': C, 'add[].value': C, remove: C };
const pathModifier = { '': C, type: C, replaceFullPath: C, replacePrefixMatch: C };
const mirror = { '': C, 'backendRef': C, ...under('backendRef', { group: C, kind: C, name: C, namespace: C, port: C }), percent: C, fraction: C, 'fraction.numerator': C, 'fraction.denominator': C };
const USE_DEFAULT_GATEWAYS = unsupported('the route attaches only to the Gateways its parentRefs name (default Gateways are not implemented)', { honoured: ['None'] });
const SESSION_PERSISTENCE = unsupported('requests are spread over backends and endpoints without stickiness (no session cookie or header is issued or followed)');

/** HTTPRoute filters at rule level (`atBackend` false) or backendRef level. */
function httpFilters(atBackend: boolean): Fields {
  return {
    '': C,
    type: C,
    requestHeaderModifier: C,
    ...under('requestHeaderModifier', headerFilter),
    responseHeaderModifier: C,
    ...under('responseHeaderModifier', headerFilter),
    ...(atBackend
      ? { requestMirror: unsupported('a backendRef-level mirror is dropped: no copy is sent (rule-level RequestMirror filters are honoured)') }
      : under('requestMirror', mirror)),
    requestRedirect: C,
    ...under('requestRedirect', { scheme: C, hostname: C, port: C, statusCode: C, ...under('path', pathModifier) }),
    urlRewrite: C,
    ...under('urlRewrite', { hostname: C, ...under('path', pathModifier) }),
    ...(atBackend
      ? { cors: unsupported('a backendRef-level CORS filter is not applied: responses carry no CORS headers from it (rule-level CORS filters are honoured)') }
      : under('cors', { '': C, allowOrigins: C, allowCredentials: C, allowMethods: C, allowHeaders: C, exposeHeaders: C, maxAge: C })),
    externalAuth: security(
      atBackend
        ? 'no external authorization call is made, so the backend is refused: requests choosing it get 500 rather than being forwarded unchecked'
        : 'no external authorization call is made, so the route is refused: its requests get 500 rather than being served unchecked',
    ),
    extensionRef: unsupported(atBackend ? 'the extension filter is not run, so requests choosing this backend get 500' : 'the extension filter is not run, so requests matching this rule get 500'),
  };
}

/** GRPCRoute filters: the gRPC proxy forwards streams without header filters or mirrors yet. */
function grpcFilters(): Fields {
  return {
    '': C,
    type: C,
    requestHeaderModifier: unsupported('gRPC requests are forwarded without these header changes'),
    responseHeaderModifier: unsupported('gRPC responses are returned without these header changes'),
    requestMirror: unsupported('gRPC requests are not mirrored'),
    extensionRef: unsupported('the extension filter is not run, so gRPC requests reaching it fail (Unavailable)'),
  };
}

const sessionPersistence = { 'spec.rules[].sessionPersistence': SESSION_PERSISTENCE };
const selector = { '': C, matchLabels: C, 'matchExpressions[]': C, 'matchExpressions[].key': C, 'matchExpressions[].operator': C, 'matchExpressions[].values': C };
const ENVOY_INFRA = 'configures the Envoy proxy deployment Envoy Gateway would create; Sluice is the proxy and creates none';
const TLS_PARAMS = unsupported("not applied: Node's TLS defaults (TLS 1.2 or later, its cipher and curve lists) are used towards the backend");

// ---------------------------------------------------------------------------------------------------
// Gateway API

const gatewayClass: KindSupport = {
  groups: ['gateway.networking.k8s.io'],
  kind: 'GatewayClass',
  fields: {
    ...envelope(),
    spec: C,
    'spec.controllerName': inert('standalone Sluice serves every Gateway in its files, whichever controller their class names'),
    // compile/index.ts reports a parametersRef with its own warning (it configures Envoy infrastructure).
    'spec.parametersRef': inert(ENVOY_INFRA),
    'spec.description': inert('a description for people'),
  },
};

const gateway: KindSupport = {
  groups: ['gateway.networking.k8s.io'],
  kind: 'Gateway',
  fields: {
    ...envelope(),
    spec: C,
    'spec.gatewayClassName': C,
    ...under('spec.listeners[]', {
      '': C,
      name: C,
      hostname: C,
      port: C,
      protocol: C,
      tls: C,
      'tls.mode': C,
      ...under('tls.certificateRefs[]', { '': C, ...REF }),
      'tls.options': unsupported("implementation-specific TLS options are not applied; Node's TLS defaults hold"),
      allowedRoutes: C,
      'allowedRoutes.namespaces': C,
      'allowedRoutes.namespaces.from': C,
      ...under('allowedRoutes.namespaces.selector', selector),
      'allowedRoutes.kinds[]': C,
      'allowedRoutes.kinds[].group': C,
      'allowedRoutes.kinds[].kind': C,
    }),
    'spec.addresses': unsupported('no address is assigned: listeners bind the host given by --host (default 127.0.0.1)'),
    'spec.infrastructure': C,
    'spec.infrastructure.labels': inert('labels for the infrastructure objects Envoy Gateway would create; Sluice creates none'),
    'spec.infrastructure.annotations': inert('annotations for the infrastructure objects Envoy Gateway would create; Sluice creates none'),
    // An EnvoyProxy reference is warned about and ignored; a missing referent makes the Gateway invalid.
    'spec.infrastructure.parametersRef': ALL,
    'spec.allowedListeners': inert('admits ListenerSets from other namespaces; Sluice reads no ListenerSet, so there is nothing to admit'),
    'spec.tls': C,
    'spec.tls.frontend': security('client certificates are not requested or validated: the Gateway is refused (its listeners are not served) rather than served without the check'),
    'spec.tls.backend': unsupported('no client certificate is presented to backends; a backend that requires one refuses the connection'),
    'spec.defaultScope': unsupported('the Gateway is not a default Gateway: routes attach to it only through their parentRefs', { honoured: ['None'] }),
  },
};

const httpRoute: KindSupport = {
  groups: ['gateway.networking.k8s.io'],
  kind: 'HTTPRoute',
  fields: {
    ...envelope(),
    spec: C,
    ...parentRefs,
    'spec.useDefaultGateways': USE_DEFAULT_GATEWAYS,
    'spec.hostnames': C,
    ...under('spec.rules[]', {
      '': C,
      name: C,
      'matches[]': C,
      'matches[].path': C,
      'matches[].path.type': C,
      'matches[].path.value': C,
      ...under('matches[].headers[]', headerMatch),
      ...under('matches[].queryParams[]', headerMatch),
      'matches[].method': C,
      ...under('filters[]', httpFilters(false)),
      ...under('backendRefs[]', { '': C, group: C, kind: C, name: C, namespace: C, port: C, weight: C, ...under('filters[]', httpFilters(true)) }),
      timeouts: C,
      'timeouts.request': C,
      'timeouts.backendRequest': C,
      retry: C,
      'retry.codes': C,
      'retry.attempts': C,
      'retry.backoff': C,
    }),
    ...sessionPersistence,
  },
};

const grpcRoute: KindSupport = {
  groups: ['gateway.networking.k8s.io'],
  kind: 'GRPCRoute',
  fields: {
    ...envelope(),
    spec: C,
    ...parentRefs,
    'spec.useDefaultGateways': USE_DEFAULT_GATEWAYS,
    'spec.hostnames': C,
    ...under('spec.rules[]', {
      '': C,
      name: C,
      'matches[]': C,
      'matches[].method': C,
      'matches[].method.type': C,
      'matches[].method.service': C,
      'matches[].method.method': C,
      ...under('matches[].headers[]', headerMatch),
      ...under('filters[]', grpcFilters()),
      ...under('backendRefs[]', { '': C, group: C, kind: C, name: C, namespace: C, port: C, weight: C, ...under('filters[]', grpcFilters()) }),
    }),
    ...sessionPersistence,
  },
};

const tlsRoute: KindSupport = {
  groups: ['gateway.networking.k8s.io'],
  kind: 'TLSRoute',
  fields: {
    ...envelope(),
    spec: C,
    ...parentRefs,
    'spec.useDefaultGateways': USE_DEFAULT_GATEWAYS,
    'spec.hostnames': C,
    'spec.rules[]': C,
    'spec.rules[].name': C,
    ...under('spec.rules[].backendRefs[]', { '': C, group: C, kind: C, name: C, namespace: C, port: C, weight: C }),
  },
};

const referenceGrant: KindSupport = {
  groups: ['gateway.networking.k8s.io'],
  kind: 'ReferenceGrant',
  fields: { ...envelope(), spec: ALL },
};

const backendTlsPolicy: KindSupport = {
  groups: ['gateway.networking.k8s.io'],
  kind: 'BackendTLSPolicy',
  fields: {
    ...envelope(),
    spec: C,
    'spec.targetRefs[]': C,
    'spec.targetRefs[].group': C,
    'spec.targetRefs[].kind': C,
    'spec.targetRefs[].name': C,
    'spec.targetRefs[].sectionName': unsupported('the policy applies to every port of its target, not only the named one'),
    'spec.validation': C,
    'spec.validation.caCertificateRefs[]': C,
    'spec.validation.caCertificateRefs[].group': C,
    'spec.validation.caCertificateRefs[].kind': C,
    'spec.validation.caCertificateRefs[].name': C,
    'spec.validation.wellKnownCACertificates': C,
    'spec.validation.hostname': C,
    'spec.validation.subjectAltNames': security(
      "the backend certificate is checked against validation.hostname instead of these names, which may accept a certificate the policy means to refuse; the policy is not Accepted",
    ),
    'spec.options': unsupported("implementation-specific TLS options are not applied; Node's TLS defaults hold"),
  },
};

// ---------------------------------------------------------------------------------------------------
// Inference Extension

const BUILT_IN_PICKER_PORT = inert("Sluice's built-in picker takes the place of the external one, so the picker's port is never dialled");

const inferencePool: KindSupport = {
  groups: ['inference.networking.k8s.io'],
  kind: 'InferencePool',
  fields: {
    ...envelope(),
    spec: C,
    'spec.selector': C,
    'spec.selector.matchLabels': C,
    'spec.targetPorts[]': C,
    'spec.targetPorts[].number': C,
    'spec.appProtocol': unsupported('model servers are spoken to over HTTP/1.1 (h2c is not negotiated)', { honoured: ['http'] }),
    'spec.endpointPickerRef': C,
    'spec.endpointPickerRef.group': inert('only a Service can carry the picker; its group is the core group'),
    'spec.endpointPickerRef.kind': C,
    'spec.endpointPickerRef.name': C,
    'spec.endpointPickerRef.port': BUILT_IN_PICKER_PORT,
    'spec.endpointPickerRef.failureMode': C,
  },
};

const inferencePoolLegacy: KindSupport = {
  groups: ['inference.networking.x-k8s.io'],
  kind: 'InferencePool',
  fields: {
    ...envelope(),
    spec: C,
    'spec.selector': C,
    'spec.targetPortNumber': C,
    'spec.extensionRef': C,
    'spec.extensionRef.group': C,
    'spec.extensionRef.kind': C,
    'spec.extensionRef.name': C,
    'spec.extensionRef.portNumber': BUILT_IN_PICKER_PORT,
    'spec.extensionRef.failureMode': C,
  },
};

const POOL_REF_TYPE = inert('only an InferencePool can be referenced; group and kind spell out the default');

const inferenceObjective: KindSupport = {
  groups: ['inference.networking.x-k8s.io', 'llm-d.ai'],
  kind: 'InferenceObjective',
  fields: { ...envelope(), spec: C, 'spec.priority': C, 'spec.poolRef': C, 'spec.poolRef.name': C, 'spec.poolRef.group': POOL_REF_TYPE, 'spec.poolRef.kind': POOL_REF_TYPE },
};

const inferenceModelRewrite: KindSupport = {
  groups: ['inference.networking.x-k8s.io', 'llm-d.ai'],
  kind: 'InferenceModelRewrite',
  fields: {
    ...envelope(),
    spec: unsupported("model names are not rewritten: requests reach the pool with the model the client sent (an AIGatewayRoute backendRef's modelNameOverride rewrites it)"),
  },
};

const inferenceModel: KindSupport = {
  groups: ['inference.networking.x-k8s.io'],
  kind: 'InferenceModel',
  fields: {
    ...envelope(),
    spec: unsupported('the legacy InferenceModel has no effect: requests keep their model and priority 0 (use InferenceObjective for priority and an AIGatewayRoute for model names)'),
  },
};

const PICKER_DATA = unsupported('has no effect: Sluice scrapes model-server metrics itself and parses OpenAI request bodies');
const FLOW_UNHONOURED = unsupported('not applied: the flow-control queue has one band, bounded by maxRequests and defaultRequestTTL');

const endpointPickerConfig: KindSupport = {
  groups: ['inference.networking.x-k8s.io', 'llm-d.ai'],
  kind: 'EndpointPickerConfig',
  fields: {
    ...envelope(),
    metadata: inert('an EndpointPickerConfig is read from a ConfigMap key; its metadata names nothing'),
    // Only the flowControl gate is acted on; other gates are upstream experiments Sluice has no code for.
    featureGates: C,
    ...under('plugins[]', { '': C, type: C, name: C, parameters: C }),
    ...under('schedulingProfiles[]', { '': C, name: C, 'plugins[]': C, 'plugins[].pluginRef': C, 'plugins[].weight': C }),
    saturationDetector: C,
    'saturationDetector.queueDepthThreshold': C,
    'saturationDetector.kvCacheUtilThreshold': C,
    'saturationDetector.metricsStalenessThreshold': C,
    'saturationDetector.pluginRef': unsupported('the utilization detector (queueDepthThreshold, kvCacheUtilThreshold, metricsStalenessThreshold) is used instead of the named plugin'),
    data: PICKER_DATA,
    dataLayer: PICKER_DATA,
    requestHandler: PICKER_DATA,
    parser: PICKER_DATA,
    flowControl: C,
    'flowControl.maxRequests': C,
    'flowControl.defaultRequestTTL': C,
    'flowControl.maxBytes': FLOW_UNHONOURED,
    'flowControl.noEndpointRequestTTL': FLOW_UNHONOURED,
    'flowControl.defaultPriorityBand': FLOW_UNHONOURED,
    'flowControl.defaultNegativePriorityBand': FLOW_UNHONOURED,
    'flowControl.priorityBands': FLOW_UNHONOURED,
    'flowControl.usageLimitPolicyPluginRef': FLOW_UNHONOURED,
    'flowControl.saturationDetector': unsupported("not applied: the queue judges capacity with the config's top-level saturationDetector"),
    'flowControl.enableEviction': FLOW_UNHONOURED,
  },
};

// ---------------------------------------------------------------------------------------------------
// Envoy AI Gateway

const versionedSchema = { '': C, name: C, version: C, prefix: C };

const aiGatewayRoute: KindSupport = {
  groups: ['aigateway.envoyproxy.io'],
  kind: 'AIGatewayRoute',
  fields: {
    ...envelope(),
    spec: C,
    ...parentRefs,
    'spec.hostnames': C,
    ...under('spec.rules[]', {
      '': C,
      name: C,
      ...under('backendRefs[]', {
        '': C,
        name: C,
        namespace: C,
        group: C,
        kind: C,
        modelNameOverride: C,
        headerMutation: C,
        ...under('headerMutation', { 'set[]': C, 'set[].name': C, 'set[].value': C, remove: C }),
        bodyMutation: unsupported('the request body is sent without these changes'),
        weight: C,
        priority: C,
      }),
      'matches[]': C,
      ...under('matches[].headers[]', headerMatch),
      timeouts: C,
      'timeouts.request': C,
      'timeouts.backendRequest': C,
      streamIdleTimeout: unsupported('an idle stream is not cut: streams are bounded by timeouts.request only'),
      modelsOwnedBy: C,
      modelsCreatedAt: unsupported('/v1/models reports the time the configuration was loaded as `created`'),
    }),
    ...under('spec.llmRequestCosts[]', { '': C, metadataKey: C, type: C, cel: C }),
    'spec.targetRefs': unsupported('the route attaches only through parentRefs, so a route that names its Gateway only here serves nothing'),
    'spec.schema': inert("AI Gateway ≤ v0.3's client schema; like current AI Gateway, Sluice tells it from the request path"),
    'spec.filterConfig': inert('ext_proc deployment settings; Sluice runs no ext_proc'),
  },
};

const aiServiceBackend: KindSupport = {
  groups: ['aigateway.envoyproxy.io'],
  kind: 'AIServiceBackend',
  fields: {
    ...envelope(),
    spec: C,
    ...under('spec.schema', versionedSchema),
    'spec.backendRef': C,
    'spec.backendRef.group': C,
    'spec.backendRef.kind': C,
    'spec.backendRef.name': C,
    'spec.backendRef.namespace': C,
    'spec.backendRef.port': inert("a Backend's endpoints carry their own ports"),
    'spec.headerMutation': unsupported('requests are sent without these header changes (an AIGatewayRoute backendRef headerMutation is honoured)'),
    'spec.bodyMutation': unsupported('the request body is sent without these changes'),
    'spec.timeouts': unsupported('has no effect (as upstream): timeouts come from the route rule'),
    'spec.backendSecurityPolicyRef': ALL,
  },
};

const NOT_HERE = 'src/providers/auth (an error; the policy is not Accepted and its backends are refused)';

const backendSecurityPolicy: KindSupport = {
  groups: ['aigateway.envoyproxy.io'],
  kind: 'BackendSecurityPolicy',
  fields: {
    ...envelope(),
    spec: C,
    ...under('spec.targetRefs[]', { '': C, group: C, kind: C, name: C }),
    'spec.type': C,
    'spec.apiKey': ALL,
    'spec.azureAPIKey': ALL,
    'spec.anthropicAPIKey': ALL,
    'spec.awsCredentials': C,
    'spec.awsCredentials.region': C,
    'spec.awsCredentials.credentialsFile': ALL,
    'spec.awsCredentials.oidcExchangeToken': security('no OIDC token is exchanged for an AWS role; requests to the targets are refused rather than sent with other credentials', { reportedBy: NOT_HERE }),
    'spec.azureCredentials': C,
    'spec.azureCredentials.clientID': C,
    'spec.azureCredentials.tenantID': C,
    'spec.azureCredentials.clientSecretRef': ALL,
    'spec.azureCredentials.oidcExchangeToken': security('no OIDC token is exchanged for an Azure token; requests to the targets are refused', { reportedBy: NOT_HERE }),
    'spec.gcpCredentials': C,
    'spec.gcpCredentials.projectName': C,
    'spec.gcpCredentials.region': C,
    'spec.gcpCredentials.credentialsFile': ALL,
    'spec.gcpCredentials.workloadIdentityFederationConfig': security('workload identity federation is not performed; requests to the targets are refused', { reportedBy: NOT_HERE }),
    'spec.credentialOverride': security('credentials are not taken from the request; the policy is not Accepted rather than sending the configured credential for every client', { reportedBy: NOT_HERE }),
  },
};

const gatewayConfig: KindSupport = {
  groups: ['aigateway.envoyproxy.io'],
  kind: 'GatewayConfig',
  fields: {
    ...envelope(),
    spec: C,
    'spec.extProc': inert('settings of the ext_proc sidecar container; Sluice runs no sidecar'),
    'spec.globalLLMRequestCosts': security(
      "not charged: only a route's own llmRequestCosts feed usage metadata, so rate limits that count these keys are under-charged; the GatewayConfig is not Accepted",
    ),
    'spec.forwardProxy': unsupported('upstream connections go directly to the backends, not through the CONNECT proxy'),
  },
};

// ---------------------------------------------------------------------------------------------------
// Envoy Gateway

const backend: KindSupport = {
  groups: ['gateway.envoyproxy.io'],
  kind: 'Backend',
  fields: {
    ...envelope(),
    spec: C,
    'spec.type': unsupported('a DynamicResolver Backend has no endpoints for Sluice: requests to it fail (BackendNotFound)', { honoured: ['Endpoints'] }),
    'spec.endpoints[]': C,
    'spec.endpoints[].hostname': unsupported('ip endpoints are addressed by IP: this name is neither sent as SNI nor as Host (tls.sni sets SNI)'),
    'spec.endpoints[].fqdn': ALL,
    'spec.endpoints[].ip': ALL,
    'spec.endpoints[].unix': unsupported('unix socket endpoints are skipped; a Backend with no other endpoint is not usable (BackendNotFound)'),
    'spec.endpoints[].zone': inert('a zone-aware routing hint; Sluice balances over every endpoint'),
    'spec.appProtocols': unsupported('backends are spoken to over HTTP/1.1 (h2c and WebSocket are not negotiated)'),
    'spec.fallback': unsupported('the Backend is used like any other, not only when the primary backends are unhealthy (an AIGatewayRoute backendRef priority orders failover)'),
    'spec.tls': C,
    'spec.tls.caCertificateRefs[]': C,
    'spec.tls.caCertificateRefs[].group': C,
    'spec.tls.caCertificateRefs[].kind': C,
    'spec.tls.caCertificateRefs[].name': C,
    'spec.tls.wellKnownCACertificates': C,
    'spec.tls.insecureSkipVerify': C,
    'spec.tls.sni': C,
    'spec.tls.autoSNIFromEndpointHostname': unsupported('SNI comes from tls.sni or the fqdn hostname, not from each endpoint hostname'),
    'spec.tls.clientCertificateRef': unsupported('no client certificate is presented; a backend that requires one refuses the connection'),
    'spec.tls.minVersion': TLS_PARAMS,
    'spec.tls.maxVersion': TLS_PARAMS,
    'spec.tls.ciphers': TLS_PARAMS,
    'spec.tls.ecdhCurves': TLS_PARAMS,
    'spec.tls.signatureAlgorithms': TLS_PARAMS,
    'spec.tls.alpnProtocols': TLS_PARAMS,
    'spec.tls.fingerprints': unsupported('TLS fingerprints of the upstream connection are not computed or logged'),
  },
};

const policyTargets = (sec: boolean): Fields => ({
  'spec.targetRefs[]': C,
  'spec.targetRefs[].group': C,
  'spec.targetRefs[].kind': C,
  'spec.targetRefs[].name': C,
  'spec.targetRefs[].sectionName': unsupported('the policy applies to the whole Gateway or route it targets, not only the named section'),
  'spec.targetRefs[].*': inert('unknown keys of a target reference name nothing Sluice could use'),
  'spec.targetSelectors': sec
    ? security('the policy is not attached by label selectors, so it is not Accepted; its routes refuse requests (500) rather than run without it')
    : unsupported('the policy is not attached by label selectors: only targetRef/targetRefs attach it'),
});

const rateLimitRule = {
  '': C,
  'clientSelectors[]': C,
  ...under('clientSelectors[].headers[]', { '': C, name: C, type: C, value: C, invert: C }),
  'clientSelectors[].sourceCIDR': C,
  'clientSelectors[].sourceCIDR.type': C,
  'clientSelectors[].sourceCIDR.value': C,
  'clientSelectors[].methods[]': C,
  'clientSelectors[].methods[].value': C,
  'clientSelectors[].path': C,
  'clientSelectors[].path.type': C,
  'clientSelectors[].path.value': C,
  limit: C,
  'limit.requests': C,
  'limit.unit': C,
  cost: C,
  ...under('cost.request', { '': C, from: C, number: C, metadata: C, 'metadata.namespace': C, 'metadata.key': C }),
  ...under('cost.response', { '': C, from: C, number: C, metadata: C, 'metadata.namespace': C, 'metadata.key': C }),
  shared: C,
  shadowMode: C,
};

const backendTrafficPolicy: KindSupport = {
  groups: ['gateway.envoyproxy.io'],
  kind: 'BackendTrafficPolicy',
  fields: {
    ...envelope(),
    '*': inert('top-level keys other than the envelope are not part of the kind'),
    spec: C,
    'spec.**': unsupported('not applied: Sluice honours retry, healthCheck, timeout.http.requestTimeout and rateLimit of a BackendTrafficPolicy', {
      examples: ['loadBalancer', 'circuitBreaker', 'connection', 'tcpKeepalive', 'faultInjection', 'compression', 'responseOverride'],
    }),
    'spec.targetRef': C,
    'spec.targetRef.group': C,
    'spec.targetRef.kind': C,
    'spec.targetRef.name': C,
    'spec.targetRef.sectionName': unsupported('the policy applies to the whole Gateway or route it targets, not only the named section'),
    'spec.targetRef.*': inert('unknown keys of a target reference name nothing Sluice could use'),
    ...policyTargets(true),
    'spec.retry': C,
    'spec.retry.numRetries': C,
    'spec.retry.retryOn': C,
    'spec.retry.retryOn.triggers': C,
    'spec.retry.retryOn.httpStatusCodes': C,
    'spec.retry.perRetry': C,
    'spec.retry.perRetry.timeout': C,
    'spec.retry.perRetry.backOff': C,
    'spec.retry.perRetry.backOff.baseInterval': C,
    'spec.retry.perRetry.backOff.maxInterval': C,
    'spec.healthCheck': C,
    ...under('spec.healthCheck.active', {
      '': C,
      // Only HTTP checks run; TCP and GRPC are warned about by compile/traffic-policy.ts.
      type: C,
      timeout: C,
      interval: C,
      unhealthyThreshold: C,
      healthyThreshold: C,
      http: C,
      'http.path': C,
      'http.method': C,
      'http.expectedStatuses': C,
      'http.expectedResponse': C,
      'http.expectedResponse.type': C,
      'http.expectedResponse.text': C,
    }),
    ...under('spec.healthCheck.passive', {
      '': C,
      splitExternalLocalOriginErrors: C,
      interval: C,
      consecutiveLocalOriginFailures: C,
      consecutiveGatewayErrors: C,
      consecutive5XxErrors: C,
      baseEjectionTime: C,
      maxEjectionPercent: C,
      alwaysEjectOneEndpoint: C,
    }),
    'spec.healthCheck.panicThreshold': C,
    'spec.timeout': C,
    'spec.timeout.http': C,
    'spec.timeout.http.requestTimeout': C,
    'spec.timeout.http.connectionIdleTimeout': unsupported("idle upstream connections are closed by the connection pool's own keep-alive timeout"),
    'spec.timeout.http.maxConnectionDuration': unsupported('upstream connections are not closed after a maximum lifetime'),
    'spec.timeout.tcp': C,
    'spec.timeout.tcp.connectTimeout': unsupported("connects use the connection pool's default timeout"),
    'spec.rateLimit': C,
    'spec.rateLimit.type': C,
    'spec.rateLimit.local': C,
    'spec.rateLimit.global': C,
    ...under('spec.rateLimit.local.rules[]', rateLimitRule),
    ...under('spec.rateLimit.global.rules[]', rateLimitRule),
    'spec.rateLimit.**': security('this part of the rate limit is not enforced, so the policy is not Accepted; its routes refuse requests (500) rather than run under a weaker limit'),
  },
};

const securityPolicy: KindSupport = {
  groups: ['gateway.envoyproxy.io'],
  kind: 'SecurityPolicy',
  fields: {
    ...envelope(),
    '*': inert('top-level keys other than the envelope are not part of the kind'),
    spec: C,
    'spec.**': security('requests would be served without that check, so the policy is not Accepted and its routes refuse requests (500) until it is removed', {
      examples: ['basicAuth', 'oidc', 'extAuth', 'cors'],
    }),
    'spec.targetRef': security('the policy attaches only through targetRefs, so it is not Accepted; write the target under targetRefs'),
    ...policyTargets(true),
    'spec.apiKeyAuth': C,
    ...under('spec.apiKeyAuth.credentialRefs[]', { '': C, ...REF }),
    'spec.apiKeyAuth.extractFrom[]': C,
    'spec.apiKeyAuth.extractFrom[].headers': C,
    'spec.apiKeyAuth.extractFrom[].params': C,
    'spec.apiKeyAuth.extractFrom[].cookies': C,
    'spec.apiKeyAuth.forwardClientIDHeader': C,
    'spec.apiKeyAuth.sanitize': C,
    'spec.jwt': C,
    'spec.jwt.optional': C,
    ...under('spec.jwt.providers[]', {
      '': C,
      name: C,
      issuer: C,
      audiences: C,
      remoteJWKS: C,
      'remoteJWKS.uri': C,
      localJWKS: C,
      'localJWKS.type': inert('says whether inline or valueRef holds the JWKS, which the fields themselves show'),
      'localJWKS.inline': C,
      'localJWKS.valueRef': C,
      'localJWKS.valueRef.group': C,
      'localJWKS.valueRef.kind': C,
      'localJWKS.valueRef.name': C,
      'claimToHeaders[]': C,
      'claimToHeaders[].header': C,
      'claimToHeaders[].claim': C,
      extractFrom: C,
      'extractFrom.headers[]': C,
      'extractFrom.headers[].name': C,
      'extractFrom.headers[].valuePrefix': C,
      'extractFrom.params': C,
      'extractFrom.cookies': C,
    }),
    'spec.authorization': C,
    'spec.authorization.defaultAction': C,
    ...under('spec.authorization.rules[]', {
      '': C,
      name: C,
      action: C,
      principal: C,
      'principal.clientCIDRs': C,
      'principal.jwt': C,
      'principal.jwt.provider': C,
      'principal.jwt.scopes': C,
      'principal.jwt.claims[]': C,
      'principal.jwt.claims[].name': C,
      'principal.jwt.claims[].valueType': C,
      'principal.jwt.claims[].values': C,
      'principal.headers[]': C,
      'principal.headers[].name': C,
      'principal.headers[].values': C,
    }),
  },
};

// ---------------------------------------------------------------------------------------------------
// Sluice

const sluiceKinds: KindSupport[] = ['VirtualKey', 'Budget', 'ModelPricing'].map((kind) => ({
  groups: ['gateway.sluice.dev'],
  kind,
  // Sluice's own kinds are written for Sluice: every field is compiled (compile/governance.ts).
  fields: { ...envelope(), spec: ALL },
}));

// ---------------------------------------------------------------------------------------------------
// Core Kubernetes (loose kinds: fields Kubernetes applies are the cluster's business, not the gateway's)

const K8S_WORKLOAD = inert("a Kubernetes workload setting: the cluster applies it; standalone mode's simulators do not need it");
const K8S_OTHER = inert('a Kubernetes field Sluice does not need to serve traffic');

const container = {
  '': C,
  name: C,
  image: C,
  command: C,
  args: C,
  'env[]': K8S_WORKLOAD,
  'ports[]': C,
  'ports[].containerPort': C,
  'ports[].name': C,
  'ports[].protocol': K8S_OTHER,
  'ports[].*': K8S_OTHER,
  'volumeMounts[]': C,
  'volumeMounts[].name': C,
  'volumeMounts[].mountPath': C,
  'volumeMounts[].subPath': K8S_WORKLOAD,
  'volumeMounts[].readOnly': K8S_WORKLOAD,
  'volumeMounts[].*': K8S_WORKLOAD,
  '*': K8S_WORKLOAD,
};

const podSpec = {
  '': C,
  ...under('containers[]', container),
  'initContainers[]': K8S_WORKLOAD,
  'volumes[]': C,
  'volumes[].name': C,
  'volumes[].configMap': C,
  'volumes[].configMap.name': C,
  'volumes[].configMap.items[]': K8S_WORKLOAD,
  'volumes[].configMap.optional': K8S_WORKLOAD,
  'volumes[].configMap.*': K8S_WORKLOAD,
  'volumes[].secret': K8S_WORKLOAD,
  'volumes[].*': K8S_WORKLOAD,
  serviceAccountName: K8S_WORKLOAD,
  '*': K8S_WORKLOAD,
};

const coreKinds: KindSupport[] = [
  {
    groups: [''],
    kind: 'Service',
    fields: {
      ...envelope(),
      '*': K8S_OTHER,
      spec: C,
      'spec.selector': C,
      ...under('spec.ports[]', { '': C, name: C, port: C, targetPort: C, protocol: K8S_OTHER, appProtocol: K8S_OTHER, nodePort: K8S_OTHER, '*': K8S_OTHER }),
      'spec.type': unsupported('ExternalName Services are not resolved: their endpoints come from EndpointSlices like any selector-less Service', { honoured: ['ClusterIP', 'NodePort', 'LoadBalancer'] }),
      'spec.clusterIP': inert("Sluice addresses a Service's pods or EndpointSlices directly, never its cluster IP"),
      'spec.externalName': unsupported('the name is not resolved: requests get 503 unless EndpointSlices give the Service endpoints'),
      'spec.*': K8S_OTHER,
    },
  },
  { groups: [''], kind: 'ConfigMap', fields: { ...envelope(), '*': K8S_OTHER, data: C, binaryData: K8S_OTHER, immutable: K8S_OTHER } },
  { groups: [''], kind: 'Secret', fields: { ...envelope(), '*': K8S_OTHER, type: K8S_OTHER, data: C, stringData: C, immutable: K8S_OTHER } },
  { groups: [''], kind: 'Pod', fields: { ...envelope(C), '*': K8S_OTHER, ...under('spec', podSpec) } },
  { groups: [''], kind: 'Namespace', fields: { ...envelope(C), '*': K8S_OTHER } },
  {
    groups: ['apps'],
    kind: 'Deployment',
    fields: {
      ...envelope(),
      '*': K8S_OTHER,
      spec: C,
      'spec.replicas': C,
      'spec.selector': C,
      'spec.selector.matchLabels': C,
      'spec.selector.matchExpressions[]': K8S_WORKLOAD,
      'spec.selector.*': K8S_WORKLOAD,
      'spec.template': C,
      'spec.template.metadata': C,
      'spec.template.metadata.labels': C,
      'spec.template.metadata.annotations': K8S_WORKLOAD,
      'spec.template.metadata.*': K8S_WORKLOAD,
      'spec.template.*': K8S_WORKLOAD,
      ...under('spec.template.spec', podSpec),
      'spec.*': K8S_WORKLOAD,
    },
  },
  {
    groups: ['discovery.k8s.io'],
    kind: 'EndpointSlice',
    fields: {
      ...envelope(C),
      '*': K8S_OTHER,
      addressType: K8S_OTHER,
      endpoints: C,
      'endpoints[]': C,
      'endpoints[].addresses': C,
      'endpoints[].conditions': C,
      'endpoints[].conditions.ready': C,
      'endpoints[].conditions.serving': K8S_OTHER,
      'endpoints[].conditions.terminating': K8S_OTHER,
      'endpoints[].conditions.*': K8S_OTHER,
      'endpoints[].hostname': K8S_OTHER,
      'endpoints[].nodeName': K8S_OTHER,
      'endpoints[].zone': inert('a zone-aware routing hint; Sluice balances over every endpoint'),
      'endpoints[].targetRef': K8S_OTHER,
      'endpoints[].*': K8S_OTHER,
      ports: C,
      'ports[]': C,
      'ports[].name': C,
      'ports[].port': C,
      'ports[].protocol': K8S_OTHER,
      'ports[].appProtocol': K8S_OTHER,
      'ports[].*': K8S_OTHER,
    },
  },
];

/** Every kind Sluice reads, with the classification of each of its fields. */
export const supportRegistry: readonly KindSupport[] = [
  gatewayClass,
  gateway,
  httpRoute,
  grpcRoute,
  tlsRoute,
  referenceGrant,
  backendTlsPolicy,
  inferencePool,
  inferencePoolLegacy,
  inferenceObjective,
  inferenceModelRewrite,
  inferenceModel,
  endpointPickerConfig,
  aiGatewayRoute,
  aiServiceBackend,
  backendSecurityPolicy,
  gatewayConfig,
  backend,
  backendTrafficPolicy,
  securityPolicy,
  ...sluiceKinds,
  ...coreKinds,
];

export function kindSupport(group: string, kind: string): KindSupport | undefined {
  return supportRegistry.find((k) => k.kind === kind && k.groups.includes(group));
}

// ---------------------------------------------------------------------------------------------------
// Schema walking (zod v4 definitions)

/** A field path of a schema: `leaf` (a value), `object` (strict) or `loose` (accepts unknown keys). */
export interface SchemaPath {
  readonly path: string;
  readonly shape: 'leaf' | 'object' | 'loose';
}

interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly getter?: () => z.ZodType;
  readonly element?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly catchall?: z.ZodType;
}

function defOf(s: z.ZodType): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional', 'catch']);

function coreType(s: z.ZodType, depth = 0): string {
  const d = defOf(s);
  if (depth > 20) return d.type;
  if (WRAPPERS.has(d.type)) return coreType(d.innerType!, depth + 1);
  if (d.type === 'pipe') return coreType(d.in!, depth + 1);
  if (d.type === 'lazy') return coreType(d.getter!(), depth + 1);
  return d.type;
}

function join(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/**
 * Every field path of a schema. Wrappers (optional, nullable, default, pipe, lazy) are looked
 * through; a list adds `[]` (a list of values is one leaf); a union of objects contributes each
 * object's fields, a union of values is a leaf; a record or free JSON is a leaf (its keys are data).
 */
export function schemaPaths(schema: z.ZodType): SchemaPath[] {
  const out = new Map<string, SchemaPath>();
  const walk = (s: z.ZodType, path: string, active: Set<z.ZodType>): void => {
    const d = defOf(s);
    if (WRAPPERS.has(d.type)) return walk(d.innerType!, path, active);
    if (d.type === 'pipe') return walk(d.in!, path, active);
    if (d.type === 'lazy') {
      if (active.has(s)) return;
      active.add(s);
      walk(d.getter!(), path, active);
      active.delete(s);
      return;
    }
    if (d.type === 'array') {
      if (coreType(d.element!) === 'object' || (coreType(d.element!) === 'union' && unionHasObject(d.element!))) walk(d.element!, `${path}[]`, active);
      else out.set(path, { path, shape: 'leaf' });
      return;
    }
    if (d.type === 'union' && unionHasObject(s)) {
      for (const o of d.options ?? []) if (coreType(o) === 'object') walk(o, path, active);
      return;
    }
    if (d.type === 'object') {
      const loose = d.catchall !== undefined && defOf(d.catchall).type !== 'never';
      const previous = out.get(path);
      out.set(path, { path, shape: loose || previous?.shape === 'loose' ? 'loose' : 'object' });
      for (const [k, v] of Object.entries(d.shape ?? {})) walk(v, join(path, k), active);
      return;
    }
    if (!out.has(path)) out.set(path, { path, shape: 'leaf' });
  };
  walk(schema, '', new Set());
  return [...out.values()];
}

function unionHasObject(s: z.ZodType): boolean {
  let d = defOf(s);
  while (WRAPPERS.has(d.type)) d = defOf(d.innerType!);
  return (d.options ?? []).some((o) => coreType(o) === 'object');
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

const pathsCache = new Map<string, Map<string, SchemaPath>>();

/** The union of the field paths of every version of a kind (`''` is the document root). */
export function kindPaths(group: string, kind: string): ReadonlyMap<string, SchemaPath> {
  const key = `${group}/${kind}`;
  let m = pathsCache.get(key);
  if (!m) {
    m = new Map();
    for (const k of knownKinds) {
      if (k.kind !== kind || groupOf(k.apiVersion) !== group) continue;
      for (const p of schemaPaths(k.schema)) {
        const prev = m.get(p.path);
        if (!prev || (p.shape === 'loose' && prev.shape !== 'loose')) m.set(p.path, p);
      }
    }
    pathsCache.set(key, m);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------------
// Classification

/** The enclosing path: `a.b[].c` → `a.b[]` → `a.b` → `a` → '' → undefined. */
function parentOf(path: string): string | undefined {
  if (path === '') return undefined;
  if (path.endsWith('[]')) return path.slice(0, -2);
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : path.slice(0, dot);
}

function covers(s: Support | undefined): s is Support {
  return s !== undefined && (s.status !== 'compiled' || s.subtree === true);
}

/**
 * How a path is classified: its own entry, else the nearest ancestor entry that covers its subtree
 * (inert, unsupported or compiled with `subtree`). For `X.*` (unknown keys of the loose object X),
 * an `X.*` entry, else the nearest `P.**` with P = X or an ancestor, else a covering ancestor.
 * Undefined when unclassified.
 */
export function classify(k: KindSupport, path: string): { readonly path: string; readonly support: Support } | undefined {
  const own = k.fields[path];
  if (own) return { path, support: own };
  const wildcard = path === '*' || path.endsWith('.*');
  if (wildcard) {
    for (let p: string | undefined = path === '*' ? '' : path.slice(0, -2); p !== undefined; p = parentOf(p)) {
      const deepKey = p === '' ? '**' : `${p}.**`;
      const deep = k.fields[deepKey];
      if (deep) return { path: deepKey, support: deep };
      const entry = k.fields[p];
      if (covers(entry)) return { path: p, support: entry };
    }
    return undefined;
  }
  for (let p = parentOf(path); p !== undefined; p = parentOf(p)) {
    const entry = k.fields[p];
    if (covers(entry)) return { path: p, support: entry };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Problems of one resource

/** One unsupported field present in a resource. */
export interface UnsupportedField {
  /** The path as written in the resource's shape, e.g. `spec.rules[].filters[].externalAuth` or `spec.basicAuth`. */
  readonly path: string;
  /** The location path of its first occurrence (for file:line). */
  readonly at: readonly (string | number)[];
  readonly support: Extract<Support, { status: 'unsupported' }>;
}

/** The values at `path` (walking into every list element), each with its concrete location. */
function valuesAt(root: unknown, segments: readonly string[]): { value: unknown; at: (string | number)[] }[] {
  let current: { value: unknown; at: (string | number)[] }[] = [{ value: root, at: [] }];
  for (const seg of segments) {
    const next: { value: unknown; at: (string | number)[] }[] = [];
    const list = seg.endsWith('[]');
    const key = list ? seg.slice(0, -2) : seg;
    for (const c of current) {
      if (typeof c.value !== 'object' || c.value === null || Array.isArray(c.value)) continue;
      const v = (c.value as Record<string, unknown>)[key];
      if (v === undefined || v === null) continue;
      if (list) {
        if (Array.isArray(v)) v.forEach((e, i) => next.push({ value: e, at: [...c.at, key, i] }));
      } else next.push({ value: v, at: [...c.at, key] });
    }
    current = next;
  }
  return current;
}

function segmentsOf(path: string): string[] {
  if (path === '') return [];
  // `a.b[].c` → ['a', 'b[]', 'c']; a list of lists does not occur in the schemas.
  return path.split('.');
}

/** The keys a loose object at `path` declares (its typed fields). */
function typedKeys(paths: ReadonlyMap<string, SchemaPath>, path: string): Set<string> {
  const keys = new Set<string>();
  for (const q of paths.keys()) {
    const bare = q.endsWith('[]') ? q.slice(0, -2) : q;
    if (q === '' || parentOf(bare) !== path) continue;
    keys.add(path === '' ? bare : bare.slice(path.length + 1));
  }
  return keys;
}

/** The unsupported fields present in a resource object of `group`/`kind`, topmost first, one per path. */
export function unsupportedFields(group: string, kind: string, object: unknown): UnsupportedField[] {
  const k = kindSupport(group, kind);
  if (!k) return [];
  const out: UnsupportedField[] = [];
  const seen = new Set<string>();
  const covered = (path: string) => [...seen].some((s) => path.startsWith(`${s}.`) || path.startsWith(`${s}[]`));
  const add = (path: string, at: (string | number)[], support: Support) => {
    if (support.status !== 'unsupported' || seen.has(path) || covered(path)) return;
    seen.add(path);
    out.push({ path, at, support });
  };
  const paths = kindPaths(group, kind);
  // Declared fields, shallow paths first so a reported parent covers its children.
  const declared = Object.entries(k.fields)
    .filter(([p, s]) => s.status === 'unsupported' && !p.endsWith('*'))
    .sort(([a], [b]) => a.split('.').length - b.split('.').length);
  for (const [path, support] of declared) {
    if (support.status !== 'unsupported') continue;
    const found = valuesAt(object, segmentsOf(path)).filter((v) => !(support.honoured ?? []).includes(v.value));
    if (found.length > 0) add(path, found[0]!.at, support);
  }
  // Keys of loose objects beyond their typed fields.
  for (const p of paths.values()) {
    if (p.shape !== 'loose') continue;
    const typed = typedKeys(paths, p.path);
    const entry = classify(k, p.path === '' ? '*' : `${p.path}.*`);
    if (!entry || entry.support.status !== 'unsupported') continue;
    for (const v of valuesAt(object, segmentsOf(p.path))) {
      if (typeof v.value !== 'object' || v.value === null || Array.isArray(v.value)) continue;
      for (const key of Object.keys(v.value)) {
        if (typed.has(key)) continue;
        add(join(p.path, key), [...v.at, key], entry.support);
      }
    }
  }
  return out;
}

/** The problems (warnings) of the unsupported fields present in a resource, one per field path. */
export function supportProblems(r: Resource): Problem[] {
  const label = resourceLabel(r.kind, r.namespace, r.name);
  return unsupportedFields(r.group, r.kind, r.object)
    .filter((f) => f.support.reportedBy === undefined)
    .map((f) => ({
      severity: 'warning' as const,
      location: r.source.locationOf(f.at),
      resource: label,
      field: f.path,
      message: `${f.support.security ? 'not supported yet (security): ' : 'not supported yet: '}${f.support.instead}`,
    }));
}

/** The security-relevant unsupported fields of a resource (its Accepted=False reason Unsupported). */
export function refusedForSecurity(r: Resource): UnsupportedField[] {
  return unsupportedFields(r.group, r.kind, r.object).filter((f) => f.support.security === true && f.support.reportedBy === undefined);
}

/** The Accepted=False message of a resource refused for its security fields. */
export function unsupportedMessage(fields: readonly UnsupportedField[]): string {
  return `${fields.map((f) => f.path).join(', ')} ${fields.length > 1 ? 'are' : 'is'} not supported yet and would weaken a security guarantee if ignored, so the resource is not Accepted`;
}

// ---------------------------------------------------------------------------------------------------
// The documentation table (docs/support.md, between the BEGIN/END markers; support.test.ts keeps it true)

function describeSupport(s: Support): string {
  switch (s.status) {
    case 'compiled':
      return s.subtree ? 'honoured (with every field below)' : 'honoured';
    case 'inert':
      return `ignored, harmless: ${s.why}`;
    case 'unsupported': {
      const examples = s.examples ? ` (e.g. ${s.examples.join(', ')})` : '';
      const by = s.reportedBy ? ` Reported as an error by ${s.reportedBy}.` : '';
      const values = s.honoured ? ` The value${s.honoured.length > 1 ? 's' : ''} ${s.honoured.map(String).join(', ')} ${s.honoured.length > 1 ? 'are' : 'is'} honoured.` : '';
      return `**not supported yet${s.security ? ', security: the resource is not Accepted' : ''}**${examples}: ${s.instead}.${values}${by}`.replace(/\.\./g, '.');
    }
  }
}

/** The Markdown of docs/support.md's generated section: per kind, unsupported fields first, then inert, then honoured. */
export function supportTable(): string {
  const out: string[] = [];
  const rank = (s: Support) => (s.status === 'unsupported' ? 0 : s.status === 'inert' ? 1 : 2);
  for (const k of supportRegistry) {
    const groups = k.groups.map((g) => (g === '' ? 'core' : g)).join(', ');
    const entries = Object.entries(k.fields).sort(([a, sa], [b, sb]) => rank(sa) - rank(sb) || (a < b ? -1 : a > b ? 1 : 0));
    const count = (st: Support['status']) => entries.filter(([, s]) => s.status === st).length;
    out.push(`### ${k.kind} (${groups})`, '', `${count('unsupported')} not supported yet, ${count('inert')} ignored as harmless, ${count('compiled')} honoured.`, '', '| field | what Sluice does |', '| --- | --- |');
    for (const [path, s] of entries) out.push(`| \`${path}\` | ${describeSupport(s).replace(/\|/g, '\\|')} |`);
    out.push('');
  }
  return out.join('\n');
}
