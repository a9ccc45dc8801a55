// Generates apiextensions.k8s.io/v1 CustomResourceDefinitions from Sluice's zod schemas
// (src/config/schemas/), with structural OpenAPI v3 schemas, into deploy/crds/ and the chart's crds/.
//
//   node --import tsx scripts/gen-crds.ts            write deploy/crds/ and deploy/helm/sluice/crds/
//   node --import tsx scripts/gen-crds.ts --out DIR  write into DIR only (the test regenerates there)
//   node --import tsx scripts/gen-crds.ts --check    exit 1 when the committed files are not current
//
// Which kinds: Sluice's own (gateway.sluice.dev: VirtualKey, Budget, ModelPricing), and the upstream kinds a
// Sluice user may not have installed: the Envoy Gateway kinds AI Gateway manifests use (Backend,
// BackendTrafficPolicy, SecurityPolicy), which come with Envoy Gateway and which a cluster that runs
// Sluice instead of Envoy Gateway lacks. Gateway API, Inference Extension and Envoy AI Gateway CRDs
// are installed from their own projects (docs/kubernetes.md). A kind Sluice adds under its own group
// is one more entry in CRD_SPECS.
//
// How a zod schema becomes a structural schema (zod v4's `z.toJSONSchema`, target openapi-3.0, then
// `structural()` below):
// - strict objects (`additionalProperties: false`) become plain `properties`: the API server prunes
//   unknown fields, and kubectl's strict field validation reports them;
// - loose objects and unknown values get `x-kubernetes-preserve-unknown-fields: true` (the only place
//   it is set), maps (`z.record`) keep `additionalProperties: <schema>`;
// - unions are folded: string|integer → `x-kubernetes-int-or-string`, objects → merged properties,
//   same-type scalars → one type with the union of their enums; any other union is an error;
// - `const` becomes a one-value `enum`; `$ref` cannot occur (reused schemas are inlined, a cycle is an
//   error); refinements (`superRefine`) have no JSON Schema form and stay in Sluice's validation;
// - metadata at the root is `type: object` only (the API server owns its schema), status is open.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { z } from 'zod';
import { backendSchema, backendTrafficPolicySchema, securityPolicySchema } from '../src/config/schemas/index.ts';
import { budgetSchema, modelPricingSchema, virtualKeySchema } from '../src/config/schemas/sluice.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CRD_DIR = join(ROOT, 'deploy', 'crds');
export const CHART_CRD_DIR = join(ROOT, 'deploy', 'helm', 'sluice', 'crds');

export interface CrdVersion {
  readonly name: string;
  /** The zod schema of the whole resource (apiVersion, kind, metadata, spec, status). */
  readonly schema: z.ZodType;
  readonly storage: boolean;
}

export interface CrdSpec {
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly scope: 'Namespaced' | 'Cluster';
  readonly categories: readonly string[];
  /** The file under src/config/schemas/ the schema comes from (recorded in an annotation). */
  readonly source: string;
  /** True for a kind whose API another project owns (docs/kubernetes.md explains when to use ours). */
  readonly upstream: boolean;
  readonly versions: readonly CrdVersion[];
}

export const CRD_SPECS: readonly CrdSpec[] = [
  // Sluice's own kinds (gateway.sluice.dev): virtual keys, budgets and the price table.
  ...(
    [
      ['VirtualKey', 'virtualkeys', 'virtualkey', virtualKeySchema],
      ['Budget', 'budgets', 'budget', budgetSchema],
      ['ModelPricing', 'modelpricings', 'modelpricing', modelPricingSchema],
    ] as const
  ).map(([kind, plural, singular, schema]): CrdSpec => ({
    group: 'gateway.sluice.dev',
    kind,
    plural,
    singular,
    scope: 'Namespaced',
    categories: ['sluice'],
    source: 'src/config/schemas/sluice.ts',
    upstream: false,
    versions: [{ name: 'v1alpha1', schema, storage: true }],
  })),
  {
    group: 'gateway.envoyproxy.io',
    kind: 'Backend',
    plural: 'backends',
    singular: 'backend',
    scope: 'Namespaced',
    categories: ['sluice'],
    source: 'src/config/schemas/envoy-gateway.ts',
    upstream: true,
    versions: [{ name: 'v1alpha1', schema: backendSchema, storage: true }],
  },
  {
    group: 'gateway.envoyproxy.io',
    kind: 'BackendTrafficPolicy',
    plural: 'backendtrafficpolicies',
    singular: 'backendtrafficpolicy',
    scope: 'Namespaced',
    categories: ['sluice'],
    source: 'src/config/schemas/envoy-gateway.ts',
    upstream: true,
    versions: [{ name: 'v1alpha1', schema: backendTrafficPolicySchema, storage: true }],
  },
  {
    group: 'gateway.envoyproxy.io',
    kind: 'SecurityPolicy',
    plural: 'securitypolicies',
    singular: 'securitypolicy',
    scope: 'Namespaced',
    categories: ['sluice'],
    source: 'src/config/schemas/envoy-gateway.ts',
    upstream: true,
    versions: [{ name: 'v1alpha1', schema: securityPolicySchema, storage: true }],
  },
];

type Json = Record<string, unknown>;

const PRESERVE = 'x-kubernetes-preserve-unknown-fields';
const INT_OR_STRING = 'x-kubernetes-int-or-string';

/** Value keywords copied as they are (everything else is either handled below or an error). */
const SCALAR_KEYWORDS = [
  'description',
  'format',
  'enum',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'nullable',
] as const;

/** Keywords zod may write that have no meaning for a structural schema and are dropped on purpose. */
const DROPPED = new Set(['$schema', 'propertyNames', 'id', 'title', 'examples']);

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JavaScript regular expression features that Kubernetes' Go (RE2) patterns do not have. */
function checkPattern(pattern: string, path: string): void {
  if (/\(\?<?[=!]/.test(pattern) || /\\[1-9]/.test(pattern) || /\(\?<[A-Za-z]/.test(pattern)) {
    throw new Error(`${path}: pattern ${JSON.stringify(pattern)} uses lookaround, a backreference or a JS named group, which Kubernetes (RE2) cannot evaluate`);
  }
}

function isUnknown(node: Json): boolean {
  const keys = Object.keys(node).filter((k) => k !== 'nullable' && k !== 'description');
  return keys.length === 0;
}

/** A zod JSON Schema node (openapi-3.0 target) → a structural JSONSchemaProps node. */
export function structural(node: unknown, path = ''): Json {
  if (!isObject(node)) throw new Error(`${path || '.'}: not a schema object`);
  for (const k of ['$ref', '$defs', 'definitions', 'allOf', 'not', 'if', 'then', 'else', 'patternProperties', 'dependencies', 'additionalItems']) {
    if (k in node) throw new Error(`${path || '.'}: "${k}" has no structural form (refine the zod schema instead)`);
  }
  if (isUnknown(node)) return withCommon({ [PRESERVE]: true }, node);
  if ('anyOf' in node || 'oneOf' in node) return union(node, path);
  if ('const' in node) {
    const { const: value, ...rest } = node;
    return structural({ ...rest, enum: [value], type: rest['type'] ?? typeOfValue(value) }, path);
  }
  const type = node['type'];
  if (typeof type !== 'string') throw new Error(`${path || '.'}: no type`);
  const out: Json = { type };
  for (const k of SCALAR_KEYWORDS) if (k in node) out[k] = node[k];
  if (typeof out['pattern'] === 'string') checkPattern(out['pattern'], path);
  // zod writes Number.MAX_SAFE_INTEGER bounds for z.int(); they say nothing.
  if (out['maximum'] === Number.MAX_SAFE_INTEGER) delete out['maximum'];
  if (out['minimum'] === Number.MIN_SAFE_INTEGER) delete out['minimum'];
  if (type === 'object') {
    const props = node['properties'];
    const extra = node['additionalProperties'];
    if (isObject(props) && Object.keys(props).length > 0) {
      const properties: Json = {};
      for (const [name, sub] of Object.entries(props)) properties[name] = structural(sub, `${path}.${name}`);
      out['properties'] = properties;
      if (Array.isArray(node['required']) && node['required'].length > 0) out['required'] = [...(node['required'] as string[])];
      // A loose object (or one with a catch-all) keeps the fields it does not name.
      if (extra !== undefined && extra !== false) out[PRESERVE] = true;
    } else if (isObject(extra) && !isUnknown(extra)) {
      out['additionalProperties'] = structural(extra, `${path}.*`);
    } else if (extra !== false) {
      out[PRESERVE] = true;
    }
  } else if (type === 'array') {
    const items = node['items'];
    if (!isObject(items)) throw new Error(`${path || '.'}: arrays need one items schema (tuples have no structural form)`);
    out['items'] = structural(items, `${path}[*]`);
  }
  for (const k of Object.keys(node)) {
    if (k === 'type' || k === 'properties' || k === 'additionalProperties' || k === 'required' || k === 'items') continue;
    if ((SCALAR_KEYWORDS as readonly string[]).includes(k) || DROPPED.has(k)) continue;
    if (k === 'default') throw new Error(`${path || '.'}: defaults are applied by Sluice's compiler, not the schema`);
    throw new Error(`${path || '.'}: unsupported JSON Schema keyword "${k}"`);
  }
  return out;
}

function typeOfValue(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  throw new Error(`a const of ${typeof v} has no structural form`);
}

function withCommon(out: Json, node: Json): Json {
  if (node['nullable'] === true) out['nullable'] = true;
  if (typeof node['description'] === 'string') out['description'] = node['description'];
  return out;
}

/** Folds anyOf/oneOf into one structural node (see the header for the rules). */
function union(node: Json, path: string): Json {
  const branches = ((node['anyOf'] ?? node['oneOf']) as unknown[]).filter(isObject);
  const nullable = node['nullable'] === true || branches.some((b) => b['type'] === 'null' || b['nullable'] === true);
  const typed = branches.filter((b) => b['type'] !== 'null');
  if (typed.some(isUnknown)) return withCommon({ [PRESERVE]: true, ...(nullable ? { nullable: true } : {}) }, node);
  const parts = typed.map((b, i) => structural(b, `${path}|${i}`));
  const types = new Set(parts.map((p) => p['type'] as string | undefined));
  const finish = (out: Json): Json => withCommon(nullable ? { ...out, nullable: true } : out, node);
  if (types.size === 2 && types.has('string') && (types.has('integer') || types.has('number'))) return finish({ [INT_OR_STRING]: true });
  if (types.size !== 1 || types.has(undefined)) {
    throw new Error(`${path || '.'}: a union of ${[...types].join(', ')} has no structural form`);
  }
  const type = [...types][0] as string;
  if (type === 'object') {
    const properties: Json = {};
    let preserve = false;
    let required: string[] | undefined;
    for (const p of parts) {
      Object.assign(properties, (p['properties'] as Json | undefined) ?? {});
      if (p[PRESERVE] === true) preserve = true;
      const req = (p['required'] as string[] | undefined) ?? [];
      required = required === undefined ? req : required.filter((r) => req.includes(r));
    }
    const out: Json = { type: 'object' };
    if (Object.keys(properties).length > 0) out['properties'] = properties;
    if (required && required.length > 0) out['required'] = required;
    if (preserve || Object.keys(properties).length === 0) out[PRESERVE] = true;
    return finish(out);
  }
  if (type === 'array') throw new Error(`${path || '.'}: a union of arrays has no structural form`);
  const out: Json = { type };
  if (parts.every((p) => Array.isArray(p['enum']))) out['enum'] = [...new Set(parts.flatMap((p) => p['enum'] as unknown[]))];
  return finish(out);
}

/** The CRD's top-level schema for one version. */
export function versionSchema(schema: z.ZodType, path: string): Json {
  const raw = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any', reused: 'inline', cycles: 'throw' }) as Json;
  const props = raw['properties'];
  if (!isObject(props) || !isObject(props['spec'])) throw new Error(`${path}: the resource schema has no spec`);
  const required = Array.isArray(raw['required']) && (raw['required'] as string[]).includes('spec');
  return {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: structural(props['spec'], '.spec'),
      status: { type: 'object', [PRESERVE]: true },
    },
    ...(required ? { required: ['spec'] } : {}),
  };
}

export function crdObject(spec: CrdSpec): Json {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${spec.plural}.${spec.group}`,
      annotations: {
        'sluice.dev/generated-from': spec.source,
        ...(spec.upstream ? { 'sluice.dev/upstream-api': `${spec.group} (the fields Sluice reads; install the owning project's CRD instead when you run it)` } : {}),
      },
      labels: { 'app.kubernetes.io/part-of': 'sluice' },
    },
    spec: {
      group: spec.group,
      names: {
        kind: spec.kind,
        listKind: `${spec.kind}List`,
        plural: spec.plural,
        singular: spec.singular,
        categories: [...spec.categories],
      },
      scope: spec.scope,
      versions: spec.versions.map((v) => ({
        name: v.name,
        served: true,
        storage: v.storage,
        schema: { openAPIV3Schema: versionSchema(v.schema, `${spec.kind} ${v.name}`) },
        subresources: { status: {} },
      })),
    },
  };
}

export function crdFileName(spec: CrdSpec): string {
  return `${spec.group}_${spec.plural}.yaml`;
}

const HEADER = '# Generated by scripts/gen-crds.ts from Sluice\'s zod schemas (src/config/schemas/). Do not edit:\n# change the schema and run `node --import tsx scripts/gen-crds.ts`.\n';

/** Every CRD file: name → text. */
export function generateCrds(specs: readonly CrdSpec[] = CRD_SPECS): Map<string, string> {
  const files = new Map<string, string>();
  for (const spec of specs) {
    files.set(crdFileName(spec), HEADER + stringify(crdObject(spec), { lineWidth: 0, indentSeq: true }));
  }
  return files;
}

export function writeCrds(dir: string, files: Map<string, string> = generateCrds()): void {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.yaml') && !files.has(name)) throw new Error(`${join(dir, name)} is not generated any more: delete it by hand`);
  }
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
}

/** Files in `dir` that differ from what the generator writes (missing, changed or extra). */
export function staleFiles(dir: string, files: Map<string, string> = generateCrds()): string[] {
  const stale: string[] = [];
  let present: string[] = [];
  try {
    present = readdirSync(dir).filter((n) => n.endsWith('.yaml'));
  } catch {
    return [...files.keys()];
  }
  for (const [name, text] of files) {
    let current: string | undefined;
    try {
      current = readFileSync(join(dir, name), 'utf8');
    } catch {
      current = undefined;
    }
    if (current !== text) stale.push(name);
  }
  for (const name of present) if (!files.has(name)) stale.push(name);
  return stale;
}

function main(argv: string[]): void {
  const files = generateCrds();
  const outIndex = argv.indexOf('--out');
  if (outIndex >= 0) {
    const out = argv[outIndex + 1];
    if (!out) throw new Error('--out needs a directory');
    writeCrds(resolve(out), files);
    return;
  }
  if (argv.includes('--check')) {
    const stale = [CRD_DIR, CHART_CRD_DIR].flatMap((d) => staleFiles(d, files).map((n) => join(d, n)));
    if (stale.length > 0) {
      process.stderr.write(`not current (run node --import tsx scripts/gen-crds.ts):\n${stale.map((s) => `  ${s}`).join('\n')}\n`);
      process.exitCode = 1;
    }
    return;
  }
  writeCrds(CRD_DIR, files);
  writeCrds(CHART_CRD_DIR, files);
  process.stdout.write(`wrote ${files.size} CRDs to ${CRD_DIR} and ${CHART_CRD_DIR}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
