// Building blocks shared by every resource schema: field helpers with readable error messages,
// Kubernetes ObjectMeta, the Gateway API reference types reused by the other API groups, GEP-2257
// durations, and the resource envelope `{apiVersion, kind, metadata, spec, status?}`.
//
// Contracts:
// - Schemas validate shape only. They never apply defaults and never transform values: the output of a
//   parse is the input object, so the compiler sees exactly what the user wrote and applies the CRD
//   defaults itself (a field the CRD defaults is optional here).
// - Messages are read as "file:line: Kind ns/name: <field path>: <message>", so each message starts
//   with the short field name and says what is allowed, plus the offending value when it is short.
// - A missing required field yields "is required (...)" so it reads well after the field path.
// - Objects are plain z.object/z.strictObject/z.looseObject (refinements are checks on the same
//   object), never intersections or transforms: the validator walks `.shape` to suggest field names.
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------------
// Error-message helpers

/** A short, human description of a value for "(got ...)" suffixes. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return `the date ${v.toISOString()}`;
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}

/** Joins alternatives as "A, B or C". */
export function alternatives(values: readonly (string | number)[]): string {
  const parts = values.map(String);
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}`;
}

interface RawIssue {
  readonly input?: unknown;
}

/**
 * An error function for a leaf schema: a missing value reads "is required (<what>)", anything else
 * "<label> must be <what> (got <value>)".
 */
function leafError(label: string, what: string): (iss: RawIssue) => string {
  return (iss) => (iss.input === undefined ? `is required (${what})` : `${label} must be ${what} (got ${describeValue(iss.input)})`);
}

/** A string. `label` names the field in messages. */
export function text(label: string, opts: { min?: number; max?: number } = {}) {
  let s = z.string({ error: leafError(label, 'a string') });
  if (opts.min !== undefined) {
    const min = opts.min;
    s = s.min(min, { error: min === 1 ? `${label} must not be empty` : `${label} must be at least ${min} characters long` });
  }
  if (opts.max !== undefined) {
    const max = opts.max;
    s = s.max(max, { error: (iss) => `${label} must be at most ${max} characters long (got ${String((iss.input as string).length)})` });
  }
  return s;
}

/**
 * A string matching `re`. `rule` completes the sentence "<label> must ..." and should say what is
 * allowed, e.g. "be a lowercase RFC 1123 label: a-z, 0-9 and '-'".
 */
export function matching(label: string, re: RegExp, rule: string, opts: { min?: number; max?: number } = {}) {
  return text(label, opts).regex(re, { error: (iss) => `${label} must ${rule} (got ${describeValue(iss.input)})` });
}

/** One of a fixed set of strings (a CRD enum). */
export function oneOf<const T extends readonly [string, ...string[]]>(label: string, values: T) {
  const allowed = alternatives(values);
  return z.enum(values, {
    error: (iss) => {
      if (iss.input === undefined) return `is required (one of ${allowed})`;
      // YAML reads `1.2` or `true` as a number/boolean; the CRD wants the string.
      if ((typeof iss.input === 'number' || typeof iss.input === 'boolean') && (values as readonly string[]).includes(String(iss.input))) {
        return `${label} must be the string "${String(iss.input)}": quote it in YAML (got the ${typeof iss.input} ${String(iss.input)})`;
      }
      return `${label} must be one of ${allowed} (got ${describeValue(iss.input)})`;
    },
  });
}

/** One of a fixed set of numbers (e.g. redirect status codes). */
export function oneOfNumbers<const T extends readonly [number, ...number[]]>(label: string, values: T) {
  const allowed = alternatives(values);
  const literals = values.map((v) => z.literal(v)) as unknown as [z.ZodLiteral<T[number]>, ...z.ZodLiteral<T[number]>[]];
  return z.union(literals, {
    error: (iss) =>
      iss.input === undefined ? `is required (one of ${allowed})` : `${label} must be one of ${allowed} (got ${describeValue(iss.input)})`,
  });
}

/** An integer in [min, max] (max omitted: no upper bound). */
export function integer(label: string, min?: number, max?: number) {
  const what =
    min !== undefined && max !== undefined
      ? `an integer from ${min} to ${max}`
      : min !== undefined
        ? `an integer of at least ${min}`
        : max !== undefined
          ? `an integer of at most ${max}`
          : 'an integer';
  let n = z.int({ error: leafError(label, what) });
  if (min !== undefined) n = n.min(min, { error: (iss) => `${label} must be ${what} (got ${describeValue(iss.input)})` });
  if (max !== undefined) n = n.max(max, { error: (iss) => `${label} must be ${what} (got ${describeValue(iss.input)})` });
  return n;
}

/** Any finite number (integer or fraction) in [min, max]. */
export function decimal(label: string, min?: number, max?: number) {
  const what =
    min !== undefined && max !== undefined
      ? `a number from ${min} to ${max}`
      : min !== undefined
        ? `a number of at least ${min}`
        : 'a number';
  let n = z.number({ error: leafError(label, what) });
  if (min !== undefined) n = n.min(min, { error: (iss) => `${label} must be ${what} (got ${describeValue(iss.input)})` });
  if (max !== undefined) n = n.max(max, { error: (iss) => `${label} must be ${what} (got ${describeValue(iss.input)})` });
  return n;
}

/** true or false (YAML `yes`/`no` are strings in YAML 1.2 and are rejected). */
export function bool(label: string) {
  return z.boolean({ error: leafError(label, 'true or false') });
}

/** A list with optional size bounds; `label` names the list in messages. */
export function list<T extends z.ZodType>(label: string, item: T, opts: { min?: number; max?: number } = {}) {
  let a = z.array(item, { error: leafError(label, 'a list') });
  if (opts.min !== undefined) {
    const min = opts.min;
    a = a.min(min, { error: min === 1 ? `${label} must have at least one entry` : `${label} must have at least ${min} entries` });
  }
  if (opts.max !== undefined) {
    const max = opts.max;
    a = a.max(max, { error: (iss) => `${label} must have at most ${max} entries (got ${String((iss.input as unknown[]).length)})` });
  }
  return a;
}

/** A string → string map (labels, annotations, ConfigMap data...). Values must be YAML strings. */
export function stringMap(label: string, opts: { maxEntries?: number } = {}) {
  const value = z.string({
    error: (iss) => `${label} values must be strings; quote numbers and booleans in YAML (got ${describeValue(iss.input)})`,
  });
  const m = z.record(z.string(), value, { error: leafError(label, 'a mapping of names to strings') });
  if (opts.maxEntries === undefined) return m;
  const max = opts.maxEntries;
  return m.refine((o) => Object.keys(o).length <= max, { error: `${label} must have at most ${max} entries` });
}

/** Free-form JSON (plugin parameters and other fields the upstream type leaves open). */
export const anyJson = z.json();

/**
 * A timestamp as Kubernetes writes it (RFC 3339 string). YAML parsers using the 1.1 schema turn such
 * values into Date objects, so both are accepted; the compiler reads them with `new Date(value)`.
 */
export const timestamp = z.union([z.string(), z.date()], { error: (iss) => `must be an RFC 3339 timestamp such as 2025-01-02T15:04:05Z (got ${describeValue(iss.input)})` });

// ---------------------------------------------------------------------------------------------------
// Names

const RFC1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const RFC1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** RFC 1123 subdomain: most object names (≤ 253 characters). */
export function dnsSubdomain(label: string) {
  return matching(
    label,
    RFC1123_SUBDOMAIN,
    "be a lowercase RFC 1123 subdomain: a-z, 0-9, '-' and '.', starting and ending with a letter or digit",
    { min: 1, max: 253 },
  );
}

/** RFC 1123 label: namespaces (≤ 63 characters, no dots). */
export function dnsLabel(label: string) {
  return matching(label, RFC1123_LABEL, "be a lowercase RFC 1123 label: a-z, 0-9 and '-', starting and ending with a letter or digit, no dots", {
    min: 1,
    max: 63,
  });
}

/** RFC 1035 label: Service names, which become DNS labels (≤ 63 characters, starts with a letter). */
export function dns1035Label(label: string) {
  return matching(label, DNS1035_LABEL, "be a lowercase RFC 1035 label: a-z, 0-9 and '-', starting with a letter and ending with a letter or digit, no dots", {
    min: 1,
    max: 63,
  });
}

const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Kubernetes label map: qualified-name keys, values ≤ 63 characters of [A-Za-z0-9-_.]. */
export function labelMap(label: string, opts: { maxEntries?: number } = {}) {
  const key = z.string().regex(QUALIFIED_NAME, {
    error: (iss) =>
      `${label} keys must be an optional DNS-subdomain prefix and '/', then a name of at most 63 characters from A-Z, a-z, 0-9, '-', '_' and '.' (got ${describeValue(iss.input)})`,
  });
  const value = z
    .string({ error: (iss) => `${label} values must be strings; quote numbers and booleans in YAML (got ${describeValue(iss.input)})` })
    .max(63, { error: `${label} values must be at most 63 characters long` })
    .regex(LABEL_VALUE, {
      error: (iss) => `${label} values must be empty or use A-Z, a-z, 0-9, '-', '_' and '.', starting and ending with a letter or digit (got ${describeValue(iss.input)})`,
    });
  const m = z.record(key, value, { error: leafError(label, 'a mapping of label names to strings') });
  if (opts.maxEntries === undefined) return m;
  const max = opts.maxEntries;
  return m.refine((o) => Object.keys(o).length <= max, { error: `${label} must have at most ${max} entries` });
}

// ---------------------------------------------------------------------------------------------------
// ObjectMeta

function metaShape<N extends z.ZodType>(name: N) {
  return {
    name,
    namespace: dnsLabel('namespace').optional(),
    // An empty `labels:` (common in rendered Helm output) is null; Kubernetes treats it as absent.
    labels: labelMap('labels').nullable().optional(),
    annotations: stringMap('annotations').nullable().optional(),
    // `kubectl create --dry-run -o yaml` writes `creationTimestamp: null`.
    creationTimestamp: timestamp.nullable().optional(),
    generation: integer('generation', 0).optional(),
    uid: z.string().optional(),
    resourceVersion: z.string().optional(),
  };
}

/**
 * ObjectMeta. `name` is required; `namespace` is optional (the loader defaults it to "default" for
 * namespaced kinds). Every other field `kubectl get -o yaml` produces (managedFields, ownerReferences,
 * finalizers, generateName, deletionTimestamp...) passes untouched: metadata is a loose object.
 */
export const objectMetaSchema = z.looseObject(metaShape(dnsSubdomain('name')));

/** ObjectMeta for kinds whose name becomes a DNS label (Service): RFC 1035 label, ≤ 63 characters. */
export const dnsLabelObjectMetaSchema = z.looseObject(metaShape(dns1035Label('name')));

/** ObjectMeta where even the name is optional (EndpointPickerConfig, which usually has no metadata). */
export const optionalNameObjectMetaSchema = z.looseObject(metaShape(dnsSubdomain('name').optional()));

// ---------------------------------------------------------------------------------------------------
// Gateway API scalar types (apis/v1/shared_types.go), reused by every API group

/** Group: "" (the core group) or a DNS subdomain. */
export const groupSchema = matching('group', /^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'be "" (the core API group) or a lowercase DNS subdomain such as gateway.networking.k8s.io', {
  max: 253,
});
/** Kind: a CamelCase identifier. */
export const kindSchema = matching('kind', /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/, 'be a kind name such as Service: a letter followed by letters, digits or \'-\'', {
  min: 1,
  max: 63,
});
/** ObjectName: any non-empty string up to 253 characters (the referent validates its own name). */
export const objectNameSchema = text('name', { min: 1, max: 253 });
export const namespaceSchema = dnsLabel('namespace');
/** SectionName: a listener or rule name, an RFC 1123 subdomain. */
export const sectionNameSchema = dnsSubdomain('sectionName');
export function portNumber(label = 'port') {
  return integer(label, 1, 65535);
}

const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PRECISE_HOSTNAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Hostname: a lowercase DNS name with an optional leading "*." label; no IP addresses, no port. */
export function hostname(label = 'hostname') {
  return matching(label, HOSTNAME, "be a lowercase DNS name, optionally starting with '*.' (e.g. *.example.com); no IP address, port or trailing dot", {
    min: 1,
    max: 253,
  });
}
/** PreciseHostname: like Hostname without wildcards. */
export function preciseHostname(label = 'hostname') {
  return matching(label, PRECISE_HOSTNAME, 'be a lowercase DNS name without wildcards (e.g. api.example.com)', { min: 1, max: 253 });
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
/** An HTTP header name (RFC 7230 token). */
export function headerName(label = 'name') {
  return matching(label, HEADER_NAME, "be an HTTP header name: letters, digits and !#$%&'*+-.^_`|~, no spaces or ':'", { min: 1, max: 256 });
}

/** GatewayController / ControllerName: a domain-prefixed path such as example.com/gateway-controller. */
export function controllerName(label = 'controllerName') {
  return matching(
    label,
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/,
    'be a domain-prefixed path such as example.com/gateway-controller',
    { min: 1, max: 253 },
  );
}

// ---------------------------------------------------------------------------------------------------
// Duration (GEP-2257)

export const DURATION_PATTERN = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;

/** A GEP-2257 duration such as 500ms, 10s or 1h30m. */
export function duration(label: string) {
  return matching(label, DURATION_PATTERN, 'be a duration such as 500ms, 10s or 1h30m: up to 4 groups of 1-5 digits followed by h, m, s or ms', {
    max: 128,
  });
}
export const durationSchema = duration('duration');

const DURATION_UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/**
 * Milliseconds of a GEP-2257 duration, or undefined when the text does not match the pattern.
 * Exported for the compiler, which turns `timeouts.request` and friends into numbers.
 */
export function parseDurationMs(value: string): number | undefined {
  if (!DURATION_PATTERN.test(value)) return undefined;
  let total = 0;
  for (const m of value.matchAll(/([0-9]{1,5})(ms|h|m|s)/g)) {
    total += Number(m[1]) * (DURATION_UNIT_MS[m[2] ?? ''] ?? 0);
  }
  return total;
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration (`200ms`, `1m30s`, `1.5s`, `0`) in milliseconds, as the Inference Extension's configs write them; undefined when malformed. */
export function parseGoDurationMs(text: string): number | undefined {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * DURATION_UNITS_MS[m[2]!]!;
    pos = re.lastIndex;
  }
  return pos === text.length && pos > 0 ? total : undefined;
}

// ---------------------------------------------------------------------------------------------------
// References (apis/v1/object_reference_types.go, shared_types.go)

/** ParentReference: a route's attachment to a Gateway (or a Service in mesh mode). */
export const parentReferenceSchema = z.strictObject({
  group: groupSchema.optional(),
  kind: kindSchema.optional(),
  namespace: namespaceSchema.optional(),
  name: objectNameSchema,
  sectionName: sectionNameSchema.optional(),
  port: portNumber().optional(),
});

/**
 * A list of ParentReferences with the Gateway API CEL rule: when the same parent is referenced more
 * than once, every such reference must carry a sectionName or port, and the (sectionName, port)
 * pairs must differ.
 */
export function parentRefsList(max: number) {
  return list('parentRefs', parentReferenceSchema, { max }).superRefine((refs, ctx) => {
    const byParent = new Map<string, number[]>();
    refs.forEach((r, i) => {
      const id = `${r.group ?? 'gateway.networking.k8s.io'}/${r.kind ?? 'Gateway'}/${r.namespace ?? ''}/${r.name}`;
      const seen = byParent.get(id);
      if (seen) seen.push(i);
      else byParent.set(id, [i]);
    });
    for (const indexes of byParent.values()) {
      if (indexes.length < 2) continue;
      const keys = new Set<string>();
      for (const i of indexes) {
        const r = refs[i];
        if (!r) continue;
        const key = `${r.sectionName ?? ''}:${r.port ?? 0}`;
        if (key === ':0') {
          ctx.addIssue({ code: 'custom', path: [i], message: 'sectionName or port must be specified when parentRefs includes 2 or more references to the same parent' });
        } else if (keys.has(key)) {
          ctx.addIssue({ code: 'custom', path: [i], message: 'sectionName or port must be unique when parentRefs includes 2 or more references to the same parent' });
        }
        keys.add(key);
      }
    }
  });
}

/**
 * BackendObjectReference fields. Exported as a shape (not only a schema) because HTTPBackendRef and
 * friends extend it; apply `requirePortForService` to every object built from it.
 */
export const backendObjectReferenceShape = {
  group: groupSchema.optional(),
  kind: kindSchema.optional(),
  name: objectNameSchema,
  namespace: namespaceSchema.optional(),
  port: portNumber().optional(),
};

/** CEL rule of BackendObjectReference: a core Service (the default kind) needs a port. */
export function requirePortForService(ref: { group?: string | undefined; kind?: string | undefined; port?: number | undefined }, ctx: z.RefinementCtx): void {
  if ((ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service' && ref.port === undefined) {
    ctx.addIssue({ code: 'custom', path: ['port'], message: 'is required when the backend is a Service (group "" and kind Service, the defaults)' });
  }
}

export const backendObjectReferenceSchema = z.strictObject(backendObjectReferenceShape).superRefine(requirePortForService);

/** LocalObjectReference: group (may be ""), kind and name are all required; same namespace. */
export const localObjectReferenceSchema = z.strictObject({
  group: groupSchema,
  kind: kindSchema,
  name: objectNameSchema,
});

/** SecretObjectReference: group defaults to "" and kind to Secret. */
export const secretObjectReferenceSchema = z.strictObject({
  group: groupSchema.optional(),
  kind: kindSchema.optional(),
  name: objectNameSchema,
  namespace: namespaceSchema.optional(),
});

/** LocalPolicyTargetReference (gateway-api apis/v1alpha2 policy types): what a policy attaches to. */
export const localPolicyTargetReferenceSchema = z.strictObject({
  group: groupSchema,
  kind: kindSchema,
  name: objectNameSchema,
});

/** LocalPolicyTargetReferenceWithSectionName. */
export const localPolicyTargetReferenceWithSectionNameSchema = z.strictObject({
  group: groupSchema,
  kind: kindSchema,
  name: objectNameSchema,
  sectionName: sectionNameSchema.optional(),
});

// ---------------------------------------------------------------------------------------------------
// HTTP matching and header types shared by HTTPRoute, GRPCRoute and AIGatewayRoute

export const headerMatchTypeSchema = oneOf('type', ['Exact', 'RegularExpression']);

/** HTTPHeaderMatch: `type` defaults to Exact (applied by the compiler). */
export const httpHeaderMatchSchema = z.strictObject({
  type: headerMatchTypeSchema.optional(),
  name: headerName(),
  value: text('value', { min: 1, max: 4096 }),
});

/** HTTPHeader: a name and value for header modifiers. */
export const httpHeaderSchema = z.strictObject({
  name: headerName(),
  value: text('value', { min: 1, max: 4096 }),
});

/**
 * HTTPRouteTimeouts, with the CEL rule: backendRequest must not exceed request unless request is 0s
 * (which disables the request timeout).
 */
export const httpRouteTimeoutsSchema = z
  .strictObject({
    request: duration('request').optional(),
    backendRequest: duration('backendRequest').optional(),
  })
  .superRefine((t, ctx) => {
    if (t.request === undefined || t.backendRequest === undefined) return;
    const request = parseDurationMs(t.request);
    const backend = parseDurationMs(t.backendRequest);
    if (request === undefined || backend === undefined || request === 0) return;
    if (backend > request) {
      ctx.addIssue({ code: 'custom', path: ['backendRequest'], message: `backendRequest timeout (${t.backendRequest}) cannot be longer than the request timeout (${t.request})` });
    }
  });

/** metav1.LabelSelector, strict (used inside Sluice's own kinds). */
export const labelSelectorSchema = z.strictObject({
  matchLabels: labelMap('matchLabels').optional(),
  matchExpressions: list(
    'matchExpressions',
    z.strictObject({
      key: text('key', { min: 1 }),
      operator: oneOf('operator', ['In', 'NotIn', 'Exists', 'DoesNotExist']),
      values: list('values', text('value')).optional(),
    }),
  ).optional(),
});

// ---------------------------------------------------------------------------------------------------
// Resource envelope

/** `status` is written by controllers; on input it is accepted and ignored, whatever it holds. */
export const ignoredStatus = z.unknown().optional();

function apiVersionSchema<const V extends readonly [string, ...string[]]>(apiVersions: V) {
  return z.enum(apiVersions, {
    error: (iss) =>
      iss.input === undefined ? `is required (${alternatives(apiVersions)})` : `apiVersion must be ${alternatives(apiVersions)} (got ${describeValue(iss.input)})`,
  });
}

/**
 * A strict resource `{apiVersion, kind, metadata, spec, status?}` for one kind served under one or
 * more apiVersions (all versions share the same spec shape and therefore the same TypeScript type).
 * Any other top-level field is an error; `status` is tolerated and ignored.
 */
export function strictResource<const V extends readonly [string, ...string[]], const K extends string, S extends z.ZodType>(
  apiVersions: V,
  kind: K,
  spec: S,
) {
  return z.strictObject({
    apiVersion: apiVersionSchema(apiVersions),
    kind: z.literal(kind),
    metadata: objectMetaSchema,
    spec,
    status: ignoredStatus,
  });
}

/**
 * A loose resource for kinds Sluice only reads a little of (core Kubernetes kinds and, for now, some
 * Envoy Gateway policies): the given top-level fields are typed, every other field passes.
 */
export function looseResource<const V extends readonly [string, ...string[]], const K extends string, Sh extends z.core.$ZodLooseShape>(
  apiVersions: V,
  kind: K,
  shape: Sh,
  metadata: typeof objectMetaSchema | typeof dnsLabelObjectMetaSchema = objectMetaSchema,
) {
  return z.looseObject({
    apiVersion: apiVersionSchema(apiVersions),
    kind: z.literal(kind),
    metadata,
    ...shape,
    status: ignoredStatus,
  });
}

/**
 * Adds a "names must be unique" check over a list of objects keyed by `key` (listener names, rule
 * names...). The issue is reported on the later duplicate.
 */
export function uniqueBy<T>(items: readonly T[], key: (item: T) => string | undefined, field: string, what: string, ctx: z.RefinementCtx, basePath: PropertyKey[] = []): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    if (k === undefined) return;
    const first = seen.get(k);
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', path: [...basePath, i, field], message: `${what} must be unique: "${k}" is also used by entry ${first}` });
    } else {
      seen.set(k, i);
    }
  });
}
