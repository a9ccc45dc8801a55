// Validates loaded documents against the schema registry and turns them into typed resources.
// Sluice's own kinds are strict (an unknown field is an error naming the field and the closest known
// one); core kinds are read for the fields Sluice uses and the rest passes; unused kinds are listed
// as ignored.
import { z } from 'zod';
import type { SourceDocument } from './load.ts';
import { formatPath, redactValues } from './problems.ts';
import type { Problem } from './problems.ts';
import { deprecationOf, fieldAdvice, legacyVersionOf, versionsOf } from './legacy-versions.ts';
import { isIgnoredKind, lookupKind } from './schemas/index.ts';

/** Kinds that have no namespace. */
const CLUSTER_SCOPED = new Set(['GatewayClass', 'ClusterRole', 'ClusterRoleBinding', 'Namespace', 'CustomResourceDefinition']);

export interface Resource<T = unknown> {
  readonly apiVersion: string;
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly name: string;
  /** Defaulted to `default` for namespaced kinds, `''` for cluster-scoped ones. */
  readonly namespace: string;
  /** The validated object (schema output). */
  readonly object: T;
  readonly source: SourceDocument;
  /** Position in load order: the standalone stand-in for creationTimestamp (oldest first). */
  readonly order: number;
}

export interface IgnoredResource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly source: SourceDocument;
}

export interface ValidationResult {
  readonly resources: Resource[];
  readonly ignored: IgnoredResource[];
  readonly problems: Problem[];
}

export function resourceLabel(kind: string, namespace: string, name: string): string {
  return namespace ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function validateDocuments(documents: readonly SourceDocument[]): ValidationResult {
  const resources: Resource[] = [];
  const ignored: IgnoredResource[] = [];
  const problems: Problem[] = [];
  const seen = new Map<string, SourceDocument>();
  /** Every value found in a Secret's data and stringData: no problem may quote one. */
  const secretValues = new Set<string>();

  documents.forEach((doc, order) => {
    const v = doc.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      problems.push({ severity: 'error', location: doc.locationOf([]), message: 'a document must be a mapping with apiVersion, kind and metadata' });
      return;
    }
    const obj = v as Record<string, unknown>;
    const apiVersion = obj['apiVersion'];
    const kind = obj['kind'];
    const meta = (typeof obj['metadata'] === 'object' && obj['metadata'] !== null ? obj['metadata'] : {}) as Record<string, unknown>;
    const rawName = typeof meta['name'] === 'string' ? meta['name'] : '';
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      problems.push({
        severity: 'error',
        location: doc.locationOf([typeof apiVersion !== 'string' ? 'apiVersion' : 'kind']),
        field: typeof apiVersion !== 'string' ? 'apiVersion' : 'kind',
        message: 'is required (a string such as apiVersion: gateway.networking.k8s.io/v1, kind: Gateway)',
      });
      return;
    }
    const namespace = CLUSTER_SCOPED.has(kind) ? '' : typeof meta['namespace'] === 'string' && meta['namespace'] !== '' ? meta['namespace'] : 'default';
    const label = resourceLabel(kind, namespace, rawName || '<unnamed>');
    if (kind === 'List' && Array.isArray(obj['items'])) {
      problems.push({ severity: 'error', location: doc.locationOf(['items']), resource: 'List', message: 'List documents are not supported: write each item as its own YAML document separated by ---' });
      return;
    }
    const legacy = legacyVersionOf(apiVersion, kind);
    const info = lookupKind(legacy?.readAs ?? apiVersion, kind);
    if (legacy && info) problems.push({ severity: 'warning', location: doc.locationOf(['apiVersion']), resource: label, field: 'apiVersion', message: `${legacy.advice} (deprecated)` });
    const deprecated = deprecationOf(apiVersion, kind);
    if (deprecated) problems.push({ severity: 'warning', location: doc.locationOf(['apiVersion']), resource: label, field: 'apiVersion', message: deprecated });
    if (!info) {
      const versions = versionsOf(kind);
      if (versions.length > 0) {
        // A kind Sluice reads, in a version it does not: the user meant this resource, so it is an error.
        problems.push({ severity: 'error', location: doc.locationOf(['apiVersion']), resource: label, field: 'apiVersion', message: `${apiVersion} is not a version of ${kind} that Sluice reads; it reads ${versions.join(', ')}` });
        return;
      }
      if (isIgnoredKind(apiVersion, kind)) {
        ignored.push({ apiVersion, kind, name: rawName, namespace, source: doc });
      } else {
        problems.push({
          severity: 'warning',
          location: doc.locationOf(['kind']),
          resource: label,
          message: `kind ${kind} (${apiVersion}) is not used by Sluice and is ignored`,
        });
        ignored.push({ apiVersion, kind, name: rawName, namespace, source: doc });
      }
      return;
    }
    if (kind === 'Secret') collectSecretValues(obj, secretValues);
    // A legacy spelling is read as the version it stands for (the schema checks apiVersion too).
    const result = info.schema.safeParse(legacy ? { ...obj, apiVersion: legacy.readAs } : v);
    if (!result.success) {
      for (const issue of result.error.issues) problems.push(kind === 'Secret' ? secretIssueToProblem(issue, doc, label, info.schema) : issueToProblem(issue, doc, label, info.schema));
      return;
    }
    // `kubectl apply` of several files applies each document in turn, so a later definition of the
    // same object replaces the earlier one (seed 001 defines ConfigMap plugins-config twice, identically).
    const identity = `${kind}/${namespace}/${rawName}`;
    const previous = seen.get(identity);
    if (previous) {
      const at = resources.findIndex((r) => r.source === previous);
      if (at >= 0) resources.splice(at, 1);
      if (JSON.stringify(previous.value) !== JSON.stringify(doc.value)) {
        problems.push({
          severity: 'warning',
          location: doc.locationOf(['metadata', 'name']),
          resource: label,
          message: `is defined again with different content (first at ${previous.file}:${previous.line}); this later definition wins, as with kubectl apply`,
        });
      }
    }
    seen.set(identity, doc);
    const readAs = legacy?.readAs ?? apiVersion;
    const { group, version } = splitApiVersion(readAs);
    resources.push({ apiVersion: readAs, group, version, kind, name: rawName, namespace, object: result.data, source: doc, order });
  });
  return { resources, ignored, problems: secretValues.size === 0 ? problems : problems.map((p) => redactValues(p, secretValues)) };
}

/** The text of every scalar under a Secret's `data` and `stringData` (whatever their types). */
function collectSecretValues(secret: Record<string, unknown>, into: Set<string>): void {
  const stack: unknown[] = [secret['data'], secret['stringData']];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || v === undefined) continue;
    if (typeof v === 'object') stack.push(...Object.values(v));
    else into.add(String(v));
  }
}

/** What a value is, never what it says. */
function kindOfValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  return typeof v;
}

function expectedKind(expected: string): string {
  switch (expected) {
    case 'string':
      return 'a string';
    case 'record':
    case 'object':
    case 'map':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'number':
    case 'int':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return expected;
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const seg of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/**
 * A schema issue on a Secret. Its metadata is reported as for any resource; what it holds is described
 * by kind only (a number, a string, a mapping), never quoted: a Secret's values must not reach
 * /api/status or a log line, even the one that is wrong.
 */
function secretIssueToProblem(issue: z.core.$ZodIssue, doc: SourceDocument, label: string, schema: z.ZodType): Problem {
  const path = issue.path;
  const top = path[0];
  if (issue.code === 'unrecognized_keys' || top === 'apiVersion' || top === 'kind' || top === 'metadata') return issueToProblem(issue, doc, label, schema);
  const fieldPath = formatPath(path) || '(document)';
  const actual = valueAt(doc.value, path);
  let message: string;
  if (issue.code === 'invalid_type') {
    const want = expectedKind(issue.expected);
    message =
      actual === undefined
        ? `is required (${want})`
        : `must be ${want}, not ${kindOfValue(actual)}${top === 'stringData' && (typeof actual === 'number' || typeof actual === 'boolean') ? '; quote numbers and booleans in YAML' : ''} (Secret values are never shown)`;
  } else if (top === 'data' && path.length === 2 && typeof actual === 'string') {
    message = 'data values must be base64-encoded; put plain text under stringData instead (Secret values are never shown)';
  } else {
    message = `is not valid (${issue.code.replace(/_/g, ' ')}; Secret values are never shown)`;
  }
  return { severity: 'error', location: doc.locationOf(path), resource: label, field: fieldPath, message };
}

function issueToProblem(issue: z.core.$ZodIssue, doc: SourceDocument, label: string, schema: z.ZodType): Problem {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(schema, path);
    const kind = typeof (doc.value as { kind?: unknown }).kind === 'string' ? (doc.value as { kind: string }).kind : '';
    const parts = issue.keys.map((k) => {
      const advice = path.length === 1 && path[0] === 'spec' ? fieldAdvice(kind, k) : undefined;
      if (advice) return `unknown field "${k}": ${advice}`;
      const hint = closest(k, known);
      return hint ? `unknown field "${k}" (did you mean "${hint}"?)` : `unknown field "${k}"`;
    });
    const fieldPath = [...path, issue.keys[0] ?? ''];
    const allowed = known.length > 0 ? `; allowed fields here: ${known.join(', ')}` : '';
    return { severity: 'error', location: doc.locationOf(fieldPath), resource: label, field: formatPath(fieldPath), message: parts.join(', ') + allowed };
  }
  const fieldPath = formatPath(path) || '(document)';
  let message = issue.message;
  if (issue.code === 'invalid_type' && /received undefined/.test(message)) message = `is required (${issue.expected})`;
  return { severity: 'error', location: doc.locationOf(path), resource: label, field: fieldPath, message };
}

/** Field names the schema accepts at `path`, used to suggest a fix for a typo. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.ZodType | undefined = schema;
  for (let i = 0; i <= path.length && node; i++) {
    node = unwrap(node);
    if (i === path.length) break;
    const seg = path[i];
    if (node instanceof z.ZodObject) node = (node.shape as Record<string, z.ZodType>)[String(seg)];
    else if (node instanceof z.ZodArray) node = node.element as z.ZodType;
    else if (node instanceof z.ZodRecord) node = node.valueType as z.ZodType;
    else return [];
  }
  if (node instanceof z.ZodObject) return Object.keys(node.shape as object);
  return [];
}

function unwrap(node: z.ZodType): z.ZodType {
  let n: z.ZodType = node;
  for (let guard = 0; guard < 10; guard++) {
    if (n instanceof z.ZodOptional || n instanceof z.ZodNullable || n instanceof z.ZodDefault) n = n.unwrap() as z.ZodType;
    else if (n instanceof z.ZodPipe) n = n.in as z.ZodType;
    else if (n instanceof z.ZodLazy) n = n.unwrap() as z.ZodType;
    else break;
  }
  // An intersection or union: use the first object-like member for suggestions.
  if (n instanceof z.ZodUnion) {
    const firstObject = (n.options as z.ZodType[]).map(unwrap).find((o) => o instanceof z.ZodObject);
    if (firstObject) return firstObject;
  }
  return n;
}

/** The known name closest to `input` by edit distance, if it is close enough to be a likely typo. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = input.toLowerCase();
  for (const c of candidates) {
    const d = c.toLowerCase() === lower ? 0 : editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(input.length / 3));
  return bestDistance <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
