// API versions people write that Sluice reads as another version, and what to say about them.
//
// Blog posts and older manifests spell the Inference Extension's kinds under the x-k8s.io group with a
// `v1` that never existed upstream (seed 003: `inference.networking.x-k8s.io/v1` InferencePool with the
// v1alpha2 fields `targetPortNumber` and `extensionRef`). Such a document is read as the version whose
// fields it carries, with a deprecation warning that shows the modern spelling. A known kind under a
// version Sluice does not read is an error that names the versions it does read.
import { knownKinds } from './schemas/index.ts';

export interface LegacyVersion {
  /** The apiVersion whose schema reads the document. */
  readonly readAs: string;
  /** Why, and how to write it today. */
  readonly advice: string;
}

const MODERN_POOL =
  'write it as apiVersion: inference.networking.k8s.io/v1 with spec.targetPorts: [{number: <targetPortNumber>}], spec.selector: {matchLabels: <selector>} and spec.endpointPickerRef: {name: <extensionRef.name>, port: {number: 9002}}';

const ALIASES: ReadonlyMap<string, LegacyVersion> = new Map([
  [
    'inference.networking.x-k8s.io/v1/InferencePool',
    { readAs: 'inference.networking.x-k8s.io/v1alpha2', advice: `inference.networking.x-k8s.io/v1 is not a published version; read as the legacy v1alpha2 InferencePool (targetPortNumber, extensionRef). ${MODERN_POOL}` },
  ],
  [
    'inference.networking.x-k8s.io/v1/InferenceObjective',
    { readAs: 'inference.networking.x-k8s.io/v1alpha2', advice: 'inference.networking.x-k8s.io/v1 is not a published version; read as inference.networking.x-k8s.io/v1alpha2, the version InferenceObjective is published under (spec.priority, spec.poolRef)' },
  ],
]);

/** The version to read an unpublished `apiVersion` of `kind` as, if Sluice knows the spelling. */
export function legacyVersionOf(apiVersion: string, kind: string): LegacyVersion | undefined {
  return ALIASES.get(`${apiVersion}/${kind}`);
}

/**
 * A deprecation warning for a document Sluice reads in its published but superseded version, or
 * undefined. (The legacy v1alpha2 InferencePool is read in full; the modern group is where new fields land.)
 */
export function deprecationOf(apiVersion: string, kind: string): string | undefined {
  if (kind === 'InferencePool' && apiVersion === 'inference.networking.x-k8s.io/v1alpha2') return `the v1alpha2 InferencePool is deprecated upstream and read with its legacy fields; ${MODERN_POOL}`;
  return undefined;
}

/** The apiVersions Sluice reads for `kind` (empty when it does not read the kind at all). */
export function versionsOf(kind: string): string[] {
  return knownKinds.filter((k) => k.kind === kind).map((k) => k.apiVersion);
}

/**
 * Fields people carry over from other versions or from prose, with the field that does the job.
 * Keyed by kind, then field name.
 */
const FIELD_ADVICE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  InferenceObjective: {
    criticality:
      'InferenceObjective has no criticality (that was the v1alpha2 InferenceModel): set spec.priority, an integer where higher is served first and a negative value is sheddable (Critical → 1, Standard → 0, Sheddable or BestEffort → -1)',
    preferredModel: 'InferenceObjective does not choose models: route by model with an HTTPRoute or AIGatewayRoute match on the x-ai-eg-model header, or rewrite it with an InferenceModelRewrite',
    fallbackModel: 'InferenceObjective does not choose models: list backends in an AIGatewayRoute rule with priority tiers for failover, or use an InferenceModelRewrite',
    modelName: 'InferenceObjective does not name a model (that was the v1alpha2 InferenceModel): the objective applies through the x-gateway-inference-objective header; route by model with an HTTPRoute or AIGatewayRoute',
  },
};

/** Advice for an unknown field of `kind`, when the name is a known carry-over. */
export function fieldAdvice(kind: string, field: string): string | undefined {
  return FIELD_ADVICE[kind]?.[field];
}
