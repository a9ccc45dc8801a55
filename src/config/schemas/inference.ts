// Gateway API Inference Extension kinds and the endpoint-picker configuration:
// - InferencePool, inference.networking.k8s.io/v1 (GIE api/v1/inferencepool_types.go), the current API;
// - the older InferencePool, inference.networking.x-k8s.io/v1alpha2 (GIE ≤ v1.3), read for old manifests;
// - InferenceObjective and InferenceModelRewrite v1alpha2, under inference.networking.x-k8s.io (GIE
//   ≤ v1.5) and llm-d.ai (llm-d-router), which share one shape;
// - the legacy InferenceModel, inference.networking.x-k8s.io/v1alpha2 (GIE v0.5, deprecated at v1.0);
// - EndpointPickerConfig, inference.networking.x-k8s.io/v1alpha1 and llm-d.ai/v1alpha1.
//
// All are strict. The only free-form part is a plugin's `parameters`, which each picker plugin
// validates itself when it is built.
import { z } from 'zod';
import {
  anyJson,
  bool,
  decimal,
  groupSchema,
  integer,
  kindSchema,
  labelMap,
  list,
  matching,
  objectNameSchema,
  oneOf,
  optionalNameObjectMetaSchema,
  portNumber,
  strictResource,
  text,
  uniqueBy,
  alternatives,
  describeValue,
  ignoredStatus,
} from './meta.ts';

// ---------------------------------------------------------------------------------------------------
// InferencePool v1

const portSchema = z.strictObject({ number: portNumber('number') });

export const endpointPickerRefSchema = z
  .strictObject({
    /** Defaults to "" (core). */
    group: groupSchema.optional(),
    /** Defaults to Service. */
    kind: kindSchema.optional(),
    name: objectNameSchema,
    /** The Service port of the picker, not a targetPort; required when kind is Service. */
    port: portSchema.optional(),
    /** Defaults to FailClose (the GIE Helm chart sets FailOpen). */
    failureMode: oneOf('failureMode', ['FailOpen', 'FailClose']).optional(),
  })
  .superRefine((ref, ctx) => {
    if ((ref.kind ?? 'Service') === 'Service' && ref.port === undefined) {
      ctx.addIssue({ code: 'custom', path: ['port'], message: "is required when kind is 'Service' or unspecified (defaults to 'Service'); give the picker's Service port, e.g. port: {number: 9002}" });
    }
  });

export const inferencePoolSpecSchema = z.strictObject({
  /** Only matchLabels (1–64 entries, ANDed); selects pods in the pool's own namespace. */
  selector: z.strictObject({
    matchLabels: labelMap('matchLabels', { maxEntries: 64 }).refine((m) => Object.keys(m).length >= 1, { error: 'matchLabels must have at least one label' }),
  }),
  /** 1–8 ports, unique; each is a separate endpoint podIP:port. */
  targetPorts: list('targetPorts', portSchema, { min: 1, max: 8 }).superRefine((ports, ctx) =>
    uniqueBy(ports, (p) => String(p.number), 'number', 'targetPorts port number', ctx),
  ),
  /** Defaults to http (HTTP/1.1). */
  appProtocol: oneOf('appProtocol', ['http', 'kubernetes.io/h2c']).optional(),
  /** Optional since GIE v1.5 (required in v1.0–v1.4). */
  endpointPickerRef: endpointPickerRefSchema.optional(),
});

export const inferencePoolSchema = strictResource(['inference.networking.k8s.io/v1'], 'InferencePool', inferencePoolSpecSchema);

// ---------------------------------------------------------------------------------------------------
// InferencePool v1alpha2 (legacy group inference.networking.x-k8s.io)

export const inferencePoolV1Alpha2SpecSchema = z.strictObject({
  /** A plain label map (not a LabelSelector). */
  selector: labelMap('selector'),
  targetPortNumber: portNumber('targetPortNumber'),
  extensionRef: z.strictObject({
    group: groupSchema.optional(),
    kind: kindSchema.optional(),
    name: objectNameSchema,
    /** Defaults to 9002. */
    portNumber: portNumber('portNumber').optional(),
    failureMode: oneOf('failureMode', ['FailOpen', 'FailClose']).optional(),
  }),
});

export const inferencePoolV1Alpha2Schema = strictResource(['inference.networking.x-k8s.io/v1alpha2'], 'InferencePool', inferencePoolV1Alpha2SpecSchema);

// ---------------------------------------------------------------------------------------------------
// InferenceObjective, InferenceModelRewrite (v1alpha2, GIE and llm-d groups)

export const INFERENCE_ALPHA_VERSIONS = ['inference.networking.x-k8s.io/v1alpha2', 'llm-d.ai/v1alpha2'] as const;

/** PoolObjectReference: group defaults to inference.networking.k8s.io, kind to InferencePool. */
export const poolObjectReferenceSchema = z.strictObject({
  group: groupSchema.optional(),
  kind: kindSchema.optional(),
  name: objectNameSchema,
});

export const inferenceObjectiveSpecSchema = z.strictObject({
  /** Unset means 0; negative is allowed and means sheddable; higher is more important. */
  priority: integer('priority', -2147483648, 2147483647).optional(),
  poolRef: poolObjectReferenceSchema,
});

export const inferenceObjectiveSchema = strictResource(INFERENCE_ALPHA_VERSIONS, 'InferenceObjective', inferenceObjectiveSpecSchema);

export const inferenceModelRewriteSpecSchema = z.strictObject({
  poolRef: poolObjectReferenceSchema,
  /** Ordered; the first matching rule wins (see the reference for cross-resource precedence). */
  rules: list(
    'rules',
    z.strictObject({
      /** Empty or absent: matches every model (catch-all). */
      matches: list(
        'matches',
        z.strictObject({
          model: z.strictObject({
            /** Defaults to Exact (the only value). */
            type: oneOf('type', ['Exact']).optional(),
            value: text('value', { min: 1 }),
          }),
        }),
      ).optional(),
      targets: list(
        'targets',
        z.strictObject({
          weight: integer('weight', 1, 1_000_000).optional(),
          modelRewrite: text('modelRewrite', { min: 1 }),
        }),
        { min: 1 },
      ).optional(),
    }),
  ),
});

export const inferenceModelRewriteSchema = strictResource(INFERENCE_ALPHA_VERSIONS, 'InferenceModelRewrite', inferenceModelRewriteSpecSchema);

// ---------------------------------------------------------------------------------------------------
// Legacy InferenceModel (GIE v0.5)

export const inferenceModelSpecSchema = z.strictObject({
  modelName: text('modelName', { min: 1, max: 256 }),
  /** Unset means Standard. */
  criticality: oneOf('criticality', ['Critical', 'Standard', 'Sheddable']).optional(),
  targetModels: list(
    'targetModels',
    z.strictObject({
      name: text('name', { min: 1, max: 253 }),
      weight: integer('weight', 1, 1_000_000).optional(),
    }),
    { max: 10 },
  )
    .superRefine((models, ctx) => {
      const withWeight = models.filter((m) => m.weight !== undefined).length;
      if (withWeight !== 0 && withWeight !== models.length) {
        ctx.addIssue({ code: 'custom', path: [], message: 'weights should be set for all targetModels or for none of them' });
      }
    })
    .optional(),
  /** Group defaults to inference.networking.x-k8s.io here. */
  poolRef: poolObjectReferenceSchema,
});

export const inferenceModelSchema = strictResource(['inference.networking.x-k8s.io/v1alpha2'], 'InferenceModel', inferenceModelSpecSchema);

// ---------------------------------------------------------------------------------------------------
// EndpointPickerConfig

export const ENDPOINT_PICKER_CONFIG_VERSIONS = ['inference.networking.x-k8s.io/v1alpha1', 'llm-d.ai/v1alpha1'] as const;

const QUANTITY = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

/** A Kubernetes resource.Quantity: a number or a string such as 512Mi or 10k. */
function quantity(label: string) {
  return z.union([z.number(), matching(label, QUANTITY, 'be a quantity such as 1000, 512Mi or 10k')], {
    error: (iss) => `${label} must be a quantity such as 1000, 512Mi or 10k (got ${describeValue(iss.input)})`,
  });
}

/** A Go duration string (metav1.Duration) such as 200ms, 1m30s or 1.5s. */
function goDuration(label: string) {
  return matching(label, /^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$/, 'be a Go duration such as 200ms, 30s or 1m30s');
}

const pluginRefSchema = text('pluginRef', { min: 1 });
const pluginRefObject = z.strictObject({ pluginRef: pluginRefSchema });

export const endpointPickerPluginSchema = z.strictObject({
  /** The registered plugin type, e.g. queue-scorer. */
  type: text('type', { min: 1 }),
  /** Instance name; defaults to `type`. */
  name: text('name', { min: 1 }).optional(),
  /** Raw JSON handed to the plugin factory; each plugin validates its own parameters. */
  parameters: anyJson.optional(),
});

export const schedulingProfileSchema = z.strictObject({
  name: text('name', { min: 1 }),
  plugins: list(
    'plugins',
    z.strictObject({
      pluginRef: pluginRefSchema,
      /** Scorers only; an integer in GIE v1.x, a float in llm-d; defaults to 1. */
      weight: decimal('weight').optional(),
    }),
  ),
});

const priorityBandSchema = z.strictObject({
  priority: integer('priority'),
  maxBytes: quantity('maxBytes').optional(),
  maxRequests: quantity('maxRequests').optional(),
  fairnessPolicyRef: text('fairnessPolicyRef').optional(),
  orderingPolicyRef: text('orderingPolicyRef').optional(),
});

/**
 * The sections below differ between GIE releases and llm-d; each object accepts the union of the
 * fields those releases define (the upstream loaders are strict too, so anything else is a typo).
 */
export const saturationDetectorConfigSchema = z.strictObject({
  /** GIE v1.3 utilization detector. */
  queueDepthThreshold: integer('queueDepthThreshold', 0).optional(),
  kvCacheUtilThreshold: decimal('kvCacheUtilThreshold', 0, 1).optional(),
  metricsStalenessThreshold: goDuration('metricsStalenessThreshold').optional(),
  /** GIE v1.5 / llm-d: a saturation-detector plugin. */
  pluginRef: pluginRefSchema.optional(),
});

const dataLayerSourceSchema = z.strictObject({
  pluginRef: pluginRefSchema,
  extractors: list('extractors', pluginRefObject).optional(),
});

/** `data` (GIE v1.3). */
export const dataConfigSchema = z.strictObject({
  sources: list('sources', dataLayerSourceSchema).optional(),
});

/** `dataLayer` (GIE v1.5, llm-d). */
export const dataLayerConfigSchema = z.strictObject({
  injectDefaults: bool('injectDefaults').optional(),
  sources: list('sources', dataLayerSourceSchema).optional(),
  discovery: pluginRefObject.optional(),
  peerDiscovery: pluginRefObject.optional(),
  crossReplicaSyncerPluginRef: pluginRefSchema.optional(),
  crossReplicaSyncInterval: goDuration('crossReplicaSyncInterval').optional(),
});

export const flowControlConfigSchema = z.strictObject({
  maxBytes: quantity('maxBytes').optional(),
  maxRequests: quantity('maxRequests').optional(),
  defaultRequestTTL: goDuration('defaultRequestTTL').optional(),
  noEndpointRequestTTL: goDuration('noEndpointRequestTTL').optional(),
  defaultPriorityBand: priorityBandSchema.partial({ priority: true }).optional(),
  defaultNegativePriorityBand: priorityBandSchema.partial({ priority: true }).optional(),
  priorityBands: list('priorityBands', priorityBandSchema).optional(),
  usageLimitPolicyPluginRef: pluginRefSchema.optional(),
  saturationDetector: saturationDetectorConfigSchema.optional(),
  enableEviction: bool('enableEviction').optional(),
});

export const requestHandlerConfigSchema = z.strictObject({
  parsers: list('parsers', pluginRefObject).optional(),
});

/**
 * EndpointPickerConfig. It normally lives in a ConfigMap data key (or a file given to the picker),
 * so it has no metadata; a `metadata` block is tolerated for standalone files. Cross-checks done
 * here: plugin instance names (name, else type) are unique, profile names are unique, and every
 * profile pluginRef names a declared plugin.
 */
export const endpointPickerConfigSchema = z
  .strictObject({
    apiVersion: z.enum(ENDPOINT_PICKER_CONFIG_VERSIONS, {
      error: (iss) => `apiVersion must be ${alternatives(ENDPOINT_PICKER_CONFIG_VERSIONS)} (got ${describeValue(iss.input)})`,
    }),
    kind: z.literal('EndpointPickerConfig'),
    metadata: optionalNameObjectMetaSchema.optional(),
    featureGates: list('featureGates', text('featureGates', { min: 1 })).optional(),
    plugins: list('plugins', endpointPickerPluginSchema).optional(),
    schedulingProfiles: list('schedulingProfiles', schedulingProfileSchema).optional(),
    saturationDetector: saturationDetectorConfigSchema.optional(),
    data: dataConfigSchema.optional(),
    dataLayer: dataLayerConfigSchema.optional(),
    flowControl: flowControlConfigSchema.optional(),
    requestHandler: requestHandlerConfigSchema.optional(),
    parser: pluginRefObject.optional(),
    status: ignoredStatus,
  })
  .superRefine((cfg, ctx) => {
    const plugins = cfg.plugins ?? [];
    uniqueBy(plugins, (p) => p.name ?? p.type, 'name', 'plugin name (name, or type when name is unset)', ctx, ['plugins']);
    const profiles = cfg.schedulingProfiles ?? [];
    uniqueBy(profiles, (p) => p.name, 'name', 'scheduling profile name', ctx, ['schedulingProfiles']);
    const declared = new Set(plugins.map((p) => p.name ?? p.type));
    profiles.forEach((profile, pi) => {
      profile.plugins.forEach((ref, ri) => {
        if (!declared.has(ref.pluginRef)) {
          const known = declared.size > 0 ? `; declared plugins: ${[...declared].join(', ')}` : '; no plugins are declared';
          ctx.addIssue({
            code: 'custom',
            path: ['schedulingProfiles', pi, 'plugins', ri, 'pluginRef'],
            message: `pluginRef "${ref.pluginRef}" does not name a plugin in plugins${known}`,
          });
        }
      });
    });
  });
