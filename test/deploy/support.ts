// Test support for deploy/: render the Helm chart with the Go-template subset renderer, check values
// against values.schema.json, and check Kubernetes objects against the API types shipped in
// @kubernetes/client-node (generated from the Kubernetes OpenAPI spec: every field's type from the
// models' attributeTypeMap, required fields from their .d.ts declarations).
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';
import { Renderer, mergeValues, parseTemplate } from './gotemplate.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHART_DIR = join(ROOT, 'deploy', 'helm', 'sluice');

export type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------------
// JSON Schema (the draft-07 keywords values.schema.json uses; others are refused so the subset is honest)

export const SCHEMA_KEYWORDS = new Set([
  '$schema',
  'title',
  'description',
  'type',
  'properties',
  'additionalProperties',
  'required',
  'enum',
  'items',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'pattern',
]);

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case 'object':
      return isObj(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'null':
      return v === null;
    default:
      throw new Error(`unknown JSON Schema type ${type}`);
  }
}

/** Errors of `value` against `schema` (the subset above), as "path: message". */
export function validateJsonSchema(schema: unknown, value: unknown, path = '$'): string[] {
  if (!isObj(schema)) throw new Error(`${path}: schema is not an object`);
  for (const k of Object.keys(schema)) if (!SCHEMA_KEYWORDS.has(k)) throw new Error(`${path}: keyword ${k} is outside the supported subset`);
  const errors: string[] = [];
  const types = schema['type'] === undefined ? [] : ([] as string[]).concat(schema['type'] as string | string[]);
  if (types.length > 0 && !types.some((t) => typeMatches(t, value))) return [`${path}: must be ${types.join(' or ')}`];
  if (Array.isArray(schema['enum']) && !schema['enum'].some((e) => e === value)) errors.push(`${path}: must be one of ${JSON.stringify(schema['enum'])}`);
  if (typeof value === 'number') {
    if (typeof schema['minimum'] === 'number' && value < schema['minimum']) errors.push(`${path}: must be ≥ ${schema['minimum']}`);
    if (typeof schema['maximum'] === 'number' && value > schema['maximum']) errors.push(`${path}: must be ≤ ${schema['maximum']}`);
  }
  if (typeof value === 'string') {
    if (typeof schema['minLength'] === 'number' && value.length < schema['minLength']) errors.push(`${path}: shorter than ${schema['minLength']}`);
    if (typeof schema['maxLength'] === 'number' && value.length > schema['maxLength']) errors.push(`${path}: longer than ${schema['maxLength']}`);
    if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'], 'u').test(value)) errors.push(`${path}: does not match ${schema['pattern']}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema['minItems'] === 'number' && value.length < schema['minItems']) errors.push(`${path}: fewer than ${schema['minItems']} items`);
    if (schema['items'] !== undefined) value.forEach((v, i) => errors.push(...validateJsonSchema(schema['items'], v, `${path}[${i}]`)));
  }
  if (isObj(value)) {
    const props = isObj(schema['properties']) ? schema['properties'] : {};
    for (const r of (schema['required'] as string[] | undefined) ?? []) if (!(r in value)) errors.push(`${path}: ${r} is required`);
    for (const [k, v] of Object.entries(value)) {
      if (k in props) errors.push(...validateJsonSchema(props[k], v, `${path}.${k}`));
      else if (schema['additionalProperties'] === false) errors.push(`${path}: unknown key ${k}`);
      else if (isObj(schema['additionalProperties'])) errors.push(...validateJsonSchema(schema['additionalProperties'], v, `${path}.${k}`));
    }
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------------
// Kubernetes API types from @kubernetes/client-node

interface Attribute {
  readonly baseName: string;
  readonly type: string;
  readonly format: string;
}

const MODELS_DIR = join(dirname(createRequire(import.meta.url).resolve('@kubernetes/client-node')), 'gen', 'models');
const requiredCache = new Map<string, Set<string>>();

/** Required fields of a model: the properties its .d.ts declares without `?`. */
function requiredOf(model: string): Set<string> {
  let req = requiredCache.get(model);
  if (!req) {
    const dts = readFileSync(join(MODELS_DIR, `${model}.d.ts`), 'utf8');
    req = new Set([...dts.matchAll(/^\s*'([^']+)': /gm)].map((m) => m[1]!));
    requiredCache.set(model, req);
  }
  return req;
}

function attributesOf(model: string): readonly Attribute[] | undefined {
  const cls = (k8s as unknown as Record<string, { attributeTypeMap?: Attribute[] } | undefined>)[model];
  return cls?.attributeTypeMap;
}

/** Errors of `value` as the Kubernetes type `type` (a model name, Array<…>, a map or a primitive). */
export function validateModel(type: string, value: unknown, path: string): string[] {
  if (value === null) return []; // null is "unset" for every optional field
  const arr = /^Array<(.+)>$/.exec(type);
  if (arr) return Array.isArray(value) ? value.flatMap((v, i) => validateModel(arr[1]!, v, `${path}[${i}]`)) : [`${path}: must be a list`];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return isObj(value) ? Object.entries(value).flatMap(([k, v]) => validateModel(map[1]!, v, `${path}.${k}`)) : [`${path}: must be a map`];
  switch (type) {
    case 'string':
      return typeof value === 'string' ? [] : [`${path}: must be a string (got ${JSON.stringify(value)})`];
    case 'number':
      return typeof value === 'number' ? [] : [`${path}: must be a number (got ${JSON.stringify(value)})`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: must be a boolean (got ${JSON.stringify(value)})`];
    case 'Date':
      return typeof value === 'string' ? [] : [`${path}: must be an RFC 3339 time`];
    case 'IntOrString':
      return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)) ? [] : [`${path}: must be an integer or a string`];
    case 'any':
    case 'object':
      return [];
  }
  const attrs = attributesOf(type);
  if (!attrs) throw new Error(`${path}: no Kubernetes model ${type}`);
  if (!isObj(value)) return [`${path}: must be an object (${type})`];
  const errors: string[] = [];
  const byName = new Map(attrs.map((a) => [a.baseName, a]));
  for (const [k, v] of Object.entries(value)) {
    const a = byName.get(k);
    if (!a) errors.push(`${path}: unknown field ${k} in ${type}`);
    else {
      errors.push(...validateModel(a.type, v, `${path}.${k}`));
      if (a.format === 'int32' || a.format === 'int64') {
        if (typeof v === 'number' && !Number.isInteger(v)) errors.push(`${path}.${k}: must be an integer`);
      }
    }
  }
  for (const r of requiredOf(type)) if (!(r in value)) errors.push(`${path}: ${r} is required (${type})`);
  return errors;
}

/** The client-node model of each built-in kind the chart renders. */
export const BUILTIN_MODELS: Readonly<Record<string, string>> = {
  'v1/Service': 'V1Service',
  'v1/ServiceAccount': 'V1ServiceAccount',
  'v1/ConfigMap': 'V1ConfigMap',
  'v1/Secret': 'V1Secret',
  'apps/v1/Deployment': 'V1Deployment',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'V1ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'V1ClusterRoleBinding',
  'rbac.authorization.k8s.io/v1/Role': 'V1Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'V1RoleBinding',
  'policy/v1/PodDisruptionBudget': 'V1PodDisruptionBudget',
  'autoscaling/v2/HorizontalPodAutoscaler': 'V2HorizontalPodAutoscaler',
  'apiextensions.k8s.io/v1/CustomResourceDefinition': 'V1CustomResourceDefinition',
};

// ---------------------------------------------------------------------------------------------------
// The chart

export interface Rendered {
  /** Objects in template order, each with the template it came from. */
  readonly objects: readonly (Obj & { readonly __source: string })[];
  readonly notes: string;
  readonly values: Obj;
}

export interface ReleaseOptions {
  readonly name?: string;
  readonly namespace?: string;
}

export function chartValues(): Obj {
  return parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Obj;
}

export function valuesSchema(): Obj {
  return JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as Obj;
}

/** Renders the chart as `helm template` would (values merged, schema checked, templates in name order). */
export function renderChart(overrides: Obj = {}, release: ReleaseOptions = {}): Rendered {
  const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as Obj;
  const values = mergeValues(chartValues(), overrides) as Obj;
  const problems = validateJsonSchema(valuesSchema(), values);
  if (problems.length > 0) throw new Error(`values don't meet values.schema.json:\n${problems.join('\n')}`);
  const dir = join(CHART_DIR, 'templates');
  const files = readdirSync(dir).sort();
  const renderer = new Renderer();
  const parsed = files.map((f) => ({ f, p: parseTemplate(readFileSync(join(dir, f), 'utf8'), `templates/${f}`) }));
  for (const { p } of parsed) renderer.addDefines(p.defines);
  const data = {
    Values: values,
    Release: { Name: release.name ?? 'sluice', Namespace: release.namespace ?? 'sluice-system', Service: 'Helm', IsInstall: true, IsUpgrade: false, Revision: 1 },
    Chart: { Name: chart['name'], Version: chart['version'], AppVersion: chart['appVersion'], Description: chart['description'] },
  };
  const objects: (Obj & { __source: string })[] = [];
  let notes = '';
  for (const { f, p } of parsed) {
    if (f.startsWith('_')) continue;
    const text = renderer.render(p.nodes, data);
    if (f === 'NOTES.txt') {
      notes = text;
      continue;
    }
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`templates/${f}: rendered YAML does not parse: ${doc.errors[0]!.message}\n${text}`);
      const obj = doc.toJS() as unknown;
      if (obj === null || obj === undefined) continue;
      if (!isObj(obj)) throw new Error(`templates/${f}: a document is not an object`);
      objects.push({ ...obj, __source: `templates/${f}` });
    }
  }
  return { objects, notes, values };
}

export function strip(o: Obj): Obj {
  const { __source: _source, ...rest } = o;
  return rest;
}

export function find(r: Rendered, kind: string, name?: string): Obj[] {
  return r.objects.filter((o) => o['kind'] === kind && (name === undefined || (o['metadata'] as Obj | undefined)?.['name'] === name));
}

export function one(r: Rendered, kind: string, name?: string): Obj {
  const found = find(r, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!;
}
