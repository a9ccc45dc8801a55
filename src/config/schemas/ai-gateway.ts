// Envoy AI Gateway (aigateway.envoyproxy.io): AIGatewayRoute, AIServiceBackend,
// BackendSecurityPolicy and GatewayConfig, under v1beta1 (the storage version since AI Gateway 1.0)
// and v1alpha1 (still served, deprecated). Field names follow ai-gateway api/v1beta1/*.go.
//
// The two versions have the same shape today. v1alpha1 additionally accepts the fields that
// AI Gateway ≤ v0.3 manifests carry (AIGatewayRoute `schema`, `targetRefs`, `filterConfig`;
// AIServiceBackend `backendSecurityPolicyRef`): they are DEPRECATED upstream and removed there since
// v0.4; Sluice reads them so old manifests load. compile/support.ts classifies each (targetRefs is
// reported as not honoured; schema and filterConfig are harmless to ignore).
//
// Strict everywhere except two embedded foreign types that Sluice does not act on: the Envoy Gateway
// OIDC block of an OIDC token exchange and GatewayConfig's ext_proc container spec (see below).
import { z } from 'zod';
import {
  backendObjectReferenceShape,
  bool,
  duration,
  headerName,
  hostname,
  httpHeaderMatchSchema,
  httpHeaderSchema,
  httpRouteTimeoutsSchema,
  integer,
  list,
  localObjectReferenceSchema,
  localPolicyTargetReferenceSchema,
  localPolicyTargetReferenceWithSectionNameSchema,
  matching,
  namespaceSchema,
  oneOf,
  parentRefsList,
  requirePortForService,
  secretObjectReferenceSchema,
  sectionNameSchema,
  strictResource,
  text,
  timestamp,
  uniqueBy,
} from './meta.ts';

export const AI_GATEWAY_V1BETA1 = 'aigateway.envoyproxy.io/v1beta1';
export const AI_GATEWAY_V1ALPHA1 = 'aigateway.envoyproxy.io/v1alpha1';

// ---------------------------------------------------------------------------------------------------
// Shared types (api/v1beta1/shared_types.go)

export const API_SCHEMAS = ['OpenAI', 'Cohere', 'AWSBedrock', 'AzureOpenAI', 'GCPVertexAI', 'GCPAnthropic', 'Anthropic', 'AWSAnthropic'] as const;

/** The provider API a backend speaks. */
export const versionedApiSchemaSchema = z.strictObject({
  name: oneOf('name', API_SCHEMAS),
  /** Azure api-version, or anthropic_version for AWSAnthropic / GCPAnthropic. */
  version: text('version').optional(),
  /** Path prefix, e.g. /v1beta/openai for OpenAI-compatible vendors. */
  prefix: text('prefix').optional(),
});

export const LLM_REQUEST_COST_TYPES = ['OutputToken', 'InputToken', 'CachedInputToken', 'CacheCreationInputToken', 'TotalToken', 'ReasoningToken', 'CEL'] as const;

export const llmRequestCostSchema = z
  .strictObject({
    metadataKey: text('metadataKey', { min: 1 }),
    type: oneOf('type', LLM_REQUEST_COST_TYPES),
    /** Required for type CEL: an expression over model, backend, route_name and the *_tokens variables. */
    cel: text('cel').optional(),
  })
  .superRefine((c, ctx) => {
    // Not a CRD rule, but upstream fails to build the filter config without an expression.
    if (c.type === 'CEL' && (c.cel === undefined || c.cel.trim() === '')) {
      ctx.addIssue({ code: 'custom', path: ['cel'], message: 'is required when type is CEL (e.g. cel: "input_tokens + output_tokens")' });
    }
  });

/** Header mutation on the upstream request: set overwrites, remove deletes (case-insensitive names). */
export const httpHeaderMutationSchema = z
  .strictObject({
    set: list('set', httpHeaderSchema, { max: 16 }).optional(),
    remove: list('remove', headerName('remove'), { max: 16 }).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.set) uniqueBy(m.set, (h) => h.name.toLowerCase(), 'name', 'header names in set', ctx, ['set']);
  });

/**
 * Body mutation of top-level JSON fields. `set[].value` is JSON text ("\"scale\"", "42", "true");
 * upstream inserts a value that does not parse as JSON as a plain string, so any string is accepted.
 */
export const httpBodyMutationSchema = z
  .strictObject({
    set: list('set', z.strictObject({ path: text('path', { min: 1 }), value: text('value') }), { max: 16 }).optional(),
    remove: list('remove', text('remove', { min: 1 }), { max: 16 }).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.set) uniqueBy(m.set, (f) => f.path, 'path', 'paths in set', ctx, ['set']);
  });

// ---------------------------------------------------------------------------------------------------
// AIGatewayRoute

const INFERENCE_POOL_GROUP = 'inference.networking.k8s.io';
/** The group v0.3-era routes used for InferencePool v1alpha2 (read by v1alpha1 only). */
const LEGACY_INFERENCE_POOL_GROUP = 'inference.networking.x-k8s.io';

const aiGatewayRouteBackendRefShape = {
  /** AIServiceBackend name (or InferencePool name when group/kind say so). */
  name: text('name', { min: 1 }),
  namespace: namespaceSchema.optional(),
  /** Set together with kind, only for an InferencePool. */
  group: matching('group', /^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'be a lowercase DNS subdomain such as inference.networking.k8s.io', {
    max: 253,
  }).optional(),
  kind: matching('kind', /^$|^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/, 'be a kind name such as InferencePool', { max: 63 }).optional(),
  /** Model name sent upstream (ignored for InferencePool backends). */
  modelNameOverride: text('modelNameOverride').optional(),
  headerMutation: httpHeaderMutationSchema.optional(),
  bodyMutation: httpBodyMutationSchema.optional(),
  /** Defaults to 1; 0 disables the backend. */
  weight: integer('weight', 0, 2147483647).optional(),
  /** Defaults to 0; the failover tier (0 first). */
  priority: integer('priority', 0, 4294967295).optional(),
};

function backendRefChecks(inferencePoolGroups: readonly string[]) {
  return (ref: { group?: string | undefined; kind?: string | undefined }, ctx: z.RefinementCtx): void => {
    const hasGroup = ref.group !== undefined;
    const hasKind = ref.kind !== undefined;
    if (hasGroup !== hasKind) {
      ctx.addIssue({ code: 'custom', path: [hasGroup ? 'kind' : 'group'], message: 'group and kind must be specified together (only for an InferencePool backend)' });
      return;
    }
    if (hasGroup && !(inferencePoolGroups.includes(ref.group ?? '') && ref.kind === 'InferencePool')) {
      ctx.addIssue({
        code: 'custom',
        path: ['group'],
        message: `only InferencePool from the ${inferencePoolGroups.join(' or ')} group may be referenced with group/kind; omit both to reference an AIServiceBackend`,
      });
    }
  };
}

export const aiGatewayRouteBackendRefSchema = z.strictObject(aiGatewayRouteBackendRefShape).superRefine(backendRefChecks([INFERENCE_POOL_GROUP]));
const aiGatewayRouteBackendRefV1Alpha1Schema = z
  .strictObject(aiGatewayRouteBackendRefShape)
  .superRefine(backendRefChecks([INFERENCE_POOL_GROUP, LEGACY_INFERENCE_POOL_GROUP]));

export const aiGatewayRouteMatchSchema = z.strictObject({
  /** Header matches only; x-ai-eg-model carries the body's model. */
  headers: list('headers', httpHeaderMatchSchema, { max: 16 }).optional(),
});

function aiGatewayRouteRuleShape<B extends z.ZodType>(backendRef: B) {
  return {
    name: sectionNameSchema.optional(),
    backendRefs: list('backendRefs', backendRef, { max: 128 }).optional(),
    matches: list('matches', aiGatewayRouteMatchSchema, { max: 128 }).optional(),
    /** Gateway API HTTPRouteTimeouts; AI Gateway's default request timeout is 60s. */
    timeouts: httpRouteTimeoutsSchema.optional(),
    streamIdleTimeout: duration('streamIdleTimeout').optional(),
    /** Defaults to "Envoy AI Gateway"; reported as owned_by in /v1/models. */
    modelsOwnedBy: text('modelsOwnedBy').optional(),
    /** Defaults to the route's creationTimestamp; reported as created in /v1/models. */
    modelsCreatedAt: timestamp.optional(),
  };
}

function ruleChecks(rule: { name?: string | undefined; backendRefs?: readonly { group?: string | undefined; kind?: string | undefined }[] | undefined }, ctx: z.RefinementCtx): void {
  if (rule.name === 'route-not-found') {
    ctx.addIssue({ code: 'custom', path: ['name'], message: 'rule name route-not-found is reserved (it names the generated catch-all rule)' });
  }
  const refs = rule.backendRefs ?? [];
  const pools = refs.filter((r) => r.group !== undefined && r.kind !== undefined).length;
  if (pools > 0 && pools !== refs.length) {
    ctx.addIssue({ code: 'custom', path: ['backendRefs'], message: 'cannot mix InferencePool and AIServiceBackend references in the same rule' });
  } else if (pools > 1) {
    ctx.addIssue({ code: 'custom', path: ['backendRefs'], message: 'only one InferencePool backend is allowed per rule' });
  }
}

export const aiGatewayRouteRuleSchema = z.strictObject(aiGatewayRouteRuleShape(aiGatewayRouteBackendRefSchema)).superRefine(ruleChecks);
const aiGatewayRouteRuleV1Alpha1Schema = z.strictObject(aiGatewayRouteRuleShape(aiGatewayRouteBackendRefV1Alpha1Schema)).superRefine(ruleChecks);

function aiParentRefs() {
  return parentRefsList(16).superRefine((refs, ctx) => {
    refs.forEach((r, i) => {
      if ((r.kind ?? 'Gateway') !== 'Gateway') ctx.addIssue({ code: 'custom', path: [i, 'kind'], message: `only Gateway parents are supported (got kind ${r.kind})` });
    });
  });
}

/**
 * Rules: upstream caps the list at 15 (one generated HTTPRoute rule is reserved for the catch-all).
 * Sluice has no such limit and deliberately does NOT enforce it; names must still be unique.
 */
function aiRules<R extends z.ZodType<{ name?: string | undefined }>>(rule: R) {
  return list('rules', rule).superRefine((rules, ctx) => uniqueBy(rules, (r) => r.name, 'name', 'rule name', ctx));
}

const aiGatewayRouteSpecShape = {
  parentRefs: aiParentRefs().optional(),
  hostnames: list('hostnames', hostname(), { max: 16 }).optional(),
  rules: aiRules(aiGatewayRouteRuleSchema),
  llmRequestCosts: list('llmRequestCosts', llmRequestCostSchema, { max: 36 }).optional(),
};

export const aiGatewayRouteSpecSchema = z.strictObject(aiGatewayRouteSpecShape);

/** v0.3 filterConfig (DEPRECATED): ext_proc deployment settings; Sluice has no ext_proc and ignores it. */
const aiGatewayFilterConfigSchema = z.strictObject({
  type: oneOf('type', ['ExternalProcessor', 'DynamicModule']).optional(),
  externalProcessor: z
    .strictObject({
      /** corev1.ResourceRequirements, irrelevant to Sluice: accepted as is. */
      resources: z.looseObject({}).optional(),
    })
    .optional(),
});

export const aiGatewayRouteSpecV1Alpha1Schema = z
  .strictObject({
    ...aiGatewayRouteSpecShape,
    rules: aiRules(aiGatewayRouteRuleV1Alpha1Schema),
    /** DEPRECATED (AI Gateway ≤ v0.3): attach with parentRefs instead. */
    targetRefs: list('targetRefs', localPolicyTargetReferenceWithSectionNameSchema, { max: 128 }).optional(),
    /** DEPRECATED (AI Gateway ≤ v0.3): the input schema is implied by the request path now. */
    schema: versionedApiSchemaSchema.optional(),
    /** DEPRECATED (AI Gateway ≤ v0.4): ext_proc settings. */
    filterConfig: aiGatewayFilterConfigSchema.optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.parentRefs !== undefined && (spec.targetRefs ?? []).length > 0) {
      ctx.addIssue({ code: 'custom', path: ['targetRefs'], message: 'targetRefs is deprecated and cannot be combined with parentRefs; use parentRefs only' });
    }
  });

export const aiGatewayRouteSchema = strictResource([AI_GATEWAY_V1BETA1], 'AIGatewayRoute', aiGatewayRouteSpecSchema);
export const aiGatewayRouteV1Alpha1Schema = strictResource([AI_GATEWAY_V1ALPHA1], 'AIGatewayRoute', aiGatewayRouteSpecV1Alpha1Schema);

// ---------------------------------------------------------------------------------------------------
// AIServiceBackend

/** Upstream CEL: the backendRef must be an Envoy Gateway Backend (Services were dropped, ai-gateway#902). */
const aiServiceBackendRefSchema = z.strictObject(backendObjectReferenceShape).superRefine((ref, ctx) => {
  if (ref.group !== 'gateway.envoyproxy.io' || ref.kind !== 'Backend') {
    ctx.addIssue({
      code: 'custom',
      path: ref.group !== 'gateway.envoyproxy.io' ? ['group'] : ['kind'],
      message: 'backendRef must be an Envoy Gateway Backend: set group: gateway.envoyproxy.io and kind: Backend (Services are not supported, see envoyproxy/ai-gateway#902)',
    });
  }
});

const aiServiceBackendSpecShape = {
  schema: versionedApiSchemaSchema,
  backendRef: aiServiceBackendRefSchema,
  headerMutation: httpHeaderMutationSchema.optional(),
  bodyMutation: httpBodyMutationSchema.optional(),
  /**
   * NOT an upstream field: the API server prunes it. Upstream's own `aigw run` examples
   * (examples/aigw/ollama.yaml) carry it, so it is accepted to load those unmodified. Upstream ignores
   * it; compile/support.ts warns that it has no effect (route rules carry timeouts).
   */
  timeouts: httpRouteTimeoutsSchema.optional(),
};

export const aiServiceBackendSpecSchema = z.strictObject(aiServiceBackendSpecShape);
export const aiServiceBackendSpecV1Alpha1Schema = z.strictObject({
  ...aiServiceBackendSpecShape,
  /**
   * AI Gateway ≤ v0.3 (v1alpha1) also allowed a Kubernetes Service here; such manifests load, and the
   * compiler decides whether it can honour a Service backend (and reports it if not).
   */
  backendRef: z.strictObject(backendObjectReferenceShape).superRefine(requirePortForService),
  /** DEPRECATED (AI Gateway ≤ v0.3): use BackendSecurityPolicy.spec.targetRefs instead. */
  backendSecurityPolicyRef: localObjectReferenceSchema.optional(),
});

export const aiServiceBackendSchema = strictResource([AI_GATEWAY_V1BETA1], 'AIServiceBackend', aiServiceBackendSpecSchema);
export const aiServiceBackendV1Alpha1Schema = strictResource([AI_GATEWAY_V1ALPHA1], 'AIServiceBackend', aiServiceBackendSpecV1Alpha1Schema);

// ---------------------------------------------------------------------------------------------------
// BackendSecurityPolicy

const secretRefHolder = z.strictObject({ secretRef: secretObjectReferenceSchema });

/**
 * An Envoy Gateway OIDC block (egv1a1.OIDC: provider, clientID, clientSecret, scopes and about twenty
 * browser-login settings). Only the token-exchange fields are typed; the rest passes unvalidated
 * because it is Envoy Gateway's type and meaningless for a client-credentials exchange.
 */
export const oidcSchema = z.looseObject({
  provider: z.looseObject({
    issuer: text('issuer', { min: 1 }),
    authorizationEndpoint: text('authorizationEndpoint').optional(),
    tokenEndpoint: text('tokenEndpoint').optional(),
  }),
  clientID: text('clientID').optional(),
  clientIDRef: secretObjectReferenceSchema.optional(),
  clientSecret: secretObjectReferenceSchema,
  scopes: list('scopes', text('scopes')).optional(),
});

const oidcExchangeShape = {
  oidc: oidcSchema,
  grantType: text('grantType').optional(),
  aud: text('aud').optional(),
};

export const awsCredentialsSchema = z.strictObject({
  region: text('region', { min: 1 }),
  /** Neither credentialsFile nor oidcExchangeToken: the AWS SDK default chain. */
  credentialsFile: z.strictObject({ secretRef: secretObjectReferenceSchema, profile: text('profile').optional() }).optional(),
  oidcExchangeToken: z.strictObject({ ...oidcExchangeShape, awsRoleArn: text('awsRoleArn', { min: 1 }) }).optional(),
});

export const azureCredentialsSchema = z
  .strictObject({
    clientID: text('clientID', { min: 1 }),
    tenantID: text('tenantID', { min: 1 }),
    clientSecretRef: secretObjectReferenceSchema.optional(),
    oidcExchangeToken: z.strictObject(oidcExchangeShape).optional(),
  })
  .superRefine((a, ctx) => {
    if ((a.clientSecretRef === undefined) === (a.oidcExchangeToken === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['clientSecretRef'], message: 'exactly one of clientSecretRef or oidcExchangeToken must be specified' });
    }
  });

export const gcpCredentialsSchema = z
  .strictObject({
    projectName: text('projectName', { min: 1 }),
    region: text('region', { min: 1 }),
    credentialsFile: secretRefHolder.optional(),
    workloadIdentityFederationConfig: z
      .strictObject({
        projectID: text('projectID', { min: 1 }),
        workloadIdentityProviderName: text('workloadIdentityProviderName', { min: 1 }),
        workloadIdentityPoolName: text('workloadIdentityPoolName', { min: 1 }),
        oidcExchangeToken: z.strictObject(oidcExchangeShape),
        serviceAccountImpersonation: z.strictObject({ serviceAccountName: text('serviceAccountName', { min: 1 }) }).optional(),
      })
      .optional(),
  })
  .superRefine((g, ctx) => {
    if (g.credentialsFile !== undefined && g.workloadIdentityFederationConfig !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['workloadIdentityFederationConfig'], message: 'at most one of credentialsFile or workloadIdentityFederationConfig may be specified' });
    }
  });

export const credentialOverrideSchema = z
  .strictObject({
    fromRequestHeaders: z
      .strictObject({
        /** Defaults per type, e.g. x-aigw-api-key. */
        header: headerName('header').optional(),
        /** Defaults to true. */
        fallbackToConfigured: bool('fallbackToConfigured').optional(),
      })
      .optional(),
    fromDynamicMetadata: z
      .strictObject({
        namespace: text('namespace', { min: 1 }),
        key: text('key').optional(),
        fallbackToConfigured: bool('fallbackToConfigured').optional(),
      })
      .optional(),
  })
  .superRefine((o, ctx) => {
    if ((o.fromRequestHeaders === undefined) === (o.fromDynamicMetadata === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'exactly one of fromRequestHeaders or fromDynamicMetadata must be specified' });
    }
  });

export const BACKEND_SECURITY_POLICY_TYPES = ['APIKey', 'AWSCredentials', 'AzureAPIKey', 'AzureCredentials', 'GCPCredentials', 'AnthropicAPIKey'] as const;

/** Which spec field holds the credentials of each policy type. */
const CREDENTIAL_FIELD = {
  APIKey: 'apiKey',
  AWSCredentials: 'awsCredentials',
  AzureAPIKey: 'azureAPIKey',
  AzureCredentials: 'azureCredentials',
  GCPCredentials: 'gcpCredentials',
  AnthropicAPIKey: 'anthropicAPIKey',
} as const satisfies Record<(typeof BACKEND_SECURITY_POLICY_TYPES)[number], string>;

/**
 * BackendSecurityPolicy spec. `credentialOverride` is a v1beta1 (AI Gateway 1.1) field; it is also
 * accepted under v1alpha1 so both versions share one shape.
 */
export const backendSecurityPolicySpecSchema = z
  .strictObject({
    targetRefs: list('targetRefs', localPolicyTargetReferenceSchema, { max: 16 })
      .superRefine((refs, ctx) => {
        refs.forEach((r, i) => {
          const ok = (r.group === 'aigateway.envoyproxy.io' && r.kind === 'AIServiceBackend') || (r.group === INFERENCE_POOL_GROUP && r.kind === 'InferencePool');
          if (!ok) {
            ctx.addIssue({
              code: 'custom',
              path: [i],
              message: 'targetRefs must reference an AIServiceBackend (group aigateway.envoyproxy.io) or an InferencePool (group inference.networking.k8s.io)',
            });
          }
        });
      })
      .optional(),
    type: oneOf('type', BACKEND_SECURITY_POLICY_TYPES),
    apiKey: secretRefHolder.optional(),
    awsCredentials: awsCredentialsSchema.optional(),
    azureAPIKey: secretRefHolder.optional(),
    azureCredentials: azureCredentialsSchema.optional(),
    gcpCredentials: gcpCredentialsSchema.optional(),
    anthropicAPIKey: secretRefHolder.optional(),
    credentialOverride: credentialOverrideSchema.optional(),
  })
  .superRefine((spec, ctx) => {
    // Upstream CEL: exactly the field matching `type` is set. (AWSCredentials needs the block for its region.)
    const wanted = CREDENTIAL_FIELD[spec.type];
    for (const field of Object.values(CREDENTIAL_FIELD)) {
      const present = spec[field] !== undefined;
      if (field === wanted && !present) ctx.addIssue({ code: 'custom', path: [field], message: `is required when type is ${spec.type}` });
      if (field !== wanted && present) ctx.addIssue({ code: 'custom', path: [field], message: `${field} must not be set when type is ${spec.type} (only ${wanted})` });
    }
  });

export const backendSecurityPolicySchema = strictResource([AI_GATEWAY_V1BETA1, AI_GATEWAY_V1ALPHA1], 'BackendSecurityPolicy', backendSecurityPolicySpecSchema);

// ---------------------------------------------------------------------------------------------------
// GatewayConfig

export const gatewayConfigSpecSchema = z.strictObject({
  /**
   * Settings of the ext_proc sidecar container (Envoy Gateway KubernetesContainerSpec: env,
   * resources, image, securityContext, volumeMounts). Sluice runs no sidecar; accepted unvalidated.
   */
  extProc: z.strictObject({ kubernetes: z.looseObject({}).optional() }).optional(),
  /** Keyed by metadataKey; route-level llmRequestCosts override per key. */
  globalLLMRequestCosts: list('globalLLMRequestCosts', llmRequestCostSchema)
    .superRefine((costs, ctx) => uniqueBy(costs, (c) => c.metadataKey, 'metadataKey', 'metadataKey', ctx))
    .optional(),
  /** HTTP CONNECT egress proxy, host:port. */
  forwardProxy: z.strictObject({ address: text('address', { min: 1 }) }).optional(),
});

export const gatewayConfigSchema = strictResource([AI_GATEWAY_V1BETA1, AI_GATEWAY_V1ALPHA1], 'GatewayConfig', gatewayConfigSpecSchema);
