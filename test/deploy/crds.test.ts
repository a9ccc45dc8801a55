// The generated CRDs (scripts/gen-crds.ts → deploy/crds/ and the chart's crds/): current, valid
// apiextensions.k8s.io/v1 objects, structural schemas, and schemas that accept what Sluice accepts.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { backendSchema, knownKinds } from '../../src/config/schemas/index.ts';
import { CHART_CRD_DIR, CRD_DIR, CRD_SPECS, crdFileName, generateCrds, structural, versionSchema } from '../../scripts/gen-crds.ts';
import { ROOT, validateModel } from './support.ts';
import type { Obj } from './support.ts';
import { seedManifests, seedSkip } from '../support/paths.ts';

const PRESERVE = 'x-kubernetes-preserve-unknown-fields';
const INT_OR_STRING = 'x-kubernetes-int-or-string';

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function committed(dir: string): Map<string, Obj> {
  const out = new Map<string, Obj>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort()) {
    const docs = parseAllDocuments(readFileSync(join(dir, f), 'utf8'));
    assert.equal(docs.length, 1, `${f}: one CRD per file`);
    out.set(f, docs[0]!.toJS() as Obj);
  }
  return out;
}

/** Every schema node with its path (".spec.endpoints[*].fqdn"). */
function* nodes(schema: unknown, path = ''): Generator<[string, Obj]> {
  if (!isObj(schema)) return;
  yield [path, schema];
  if (isObj(schema['properties'])) for (const [k, v] of Object.entries(schema['properties'])) yield* nodes(v, `${path}.${k}`);
  if (isObj(schema['items'])) yield* nodes(schema['items'], `${path}[*]`);
  if (isObj(schema['additionalProperties'])) yield* nodes(schema['additionalProperties'], `${path}.*`);
  for (const j of ['allOf', 'anyOf', 'oneOf']) if (Array.isArray(schema[j])) for (const [i, s] of (schema[j] as unknown[]).entries()) yield* nodes(s, `${path}|${j}${i}`);
  if (isObj(schema['not'])) yield* nodes(schema['not'], `${path}|not`);
}

/** Keywords a v1 CRD schema may not hold (or that the generator must never write). */
const FORBIDDEN = ['$ref', '$schema', 'definitions', '$defs', 'dependencies', 'patternProperties', 'additionalItems', 'id', 'const', 'allOf', 'anyOf', 'oneOf', 'not', 'default'];

/** Structural-schema violations of one version's openAPIV3Schema, as "path: problem". */
function structuralProblems(root: Obj): string[] {
  const problems: string[] = [];
  if (root['type'] !== 'object') problems.push('root: type must be object');
  const meta = (root['properties'] as Obj | undefined)?.['metadata'];
  if (!isObj(meta) || Object.keys(meta).some((k) => k !== 'type') || meta['type'] !== 'object') problems.push('.metadata: must be exactly {type: object} (the API server owns ObjectMeta)');
  for (const [path, node] of nodes(root)) {
    const at = path || 'root';
    for (const k of FORBIDDEN) if (k in node) problems.push(`${at}: ${k} is not allowed`);
    if (node['uniqueItems'] === true) problems.push(`${at}: uniqueItems: true is forbidden`);
    if (PRESERVE in node && node[PRESERVE] !== true) problems.push(`${at}: ${PRESERVE} may only be true`);
    if (!('type' in node) && node[PRESERVE] !== true && node[INT_OR_STRING] !== true) problems.push(`${at}: no type`);
    if ('additionalProperties' in node) {
      if (node['additionalProperties'] === false) problems.push(`${at}: additionalProperties: false is not structural`);
      if ('properties' in node) problems.push(`${at}: additionalProperties and properties together`);
    }
    if (('properties' in node || 'additionalProperties' in node) && node['type'] !== 'object') problems.push(`${at}: properties on a non-object`);
    if ('items' in node && node['type'] !== 'array') problems.push(`${at}: items on a non-array`);
    if (node['type'] === 'array' && !isObj(node['items'])) problems.push(`${at}: an array needs one items schema`);
    if (Array.isArray(node['required'])) {
      for (const r of node['required'] as string[]) if (!isObj(node['properties']) || !(r in node['properties'])) problems.push(`${at}: required ${r} is not a property`);
    }
    if (typeof node['pattern'] === 'string') {
      const p = node['pattern'];
      if (/\(\?<?[=!]/.test(p) || /\\[1-9]/.test(p)) problems.push(`${at}: pattern uses lookaround or backreferences (not RE2)`);
      try {
        new RegExp(p, 'u');
      } catch (err) {
        problems.push(`${at}: pattern does not compile: ${(err as Error).message}`);
      }
    }
  }
  return problems;
}

/** Paths that keep unknown fields, for the test that says they are only where Sluice's schema is open. */
function preservePaths(root: Obj): string[] {
  return [...nodes(root)].filter(([, n]) => n[PRESERVE] === true).map(([p]) => p);
}

/**
 * What the API server does with an object under a structural schema, reduced to the checks Sluice's
 * CRDs use: types, required, enum, pattern, lengths, bounds, item counts. Unknown fields are pruned
 * (not errors) unless kept.
 */
function apiServerErrors(schema: Obj, v: unknown, path = ''): string[] {
  if (v === null && schema['nullable'] === true) return [];
  if (schema[INT_OR_STRING] === true) return typeof v === 'string' || Number.isInteger(v) ? [] : [`${path}: int or string`];
  const type = schema['type'];
  const errs: string[] = [];
  const is: Record<string, (x: unknown) => boolean> = {
    object: isObj,
    array: Array.isArray,
    string: (x) => typeof x === 'string',
    integer: (x) => Number.isInteger(x),
    number: (x) => typeof x === 'number',
    boolean: (x) => typeof x === 'boolean',
  };
  if (typeof type === 'string' && !is[type]!(v)) return [`${path}: must be ${type}`];
  if (Array.isArray(schema['enum']) && !schema['enum'].includes(v)) errs.push(`${path}: not in enum`);
  if (typeof v === 'string') {
    if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'], 'u').test(v)) errs.push(`${path}: pattern`);
    if (typeof schema['minLength'] === 'number' && v.length < schema['minLength']) errs.push(`${path}: minLength`);
    if (typeof schema['maxLength'] === 'number' && v.length > schema['maxLength']) errs.push(`${path}: maxLength`);
  }
  if (typeof v === 'number') {
    if (typeof schema['minimum'] === 'number' && v < schema['minimum']) errs.push(`${path}: minimum`);
    if (typeof schema['maximum'] === 'number' && v > schema['maximum']) errs.push(`${path}: maximum`);
  }
  if (Array.isArray(v)) {
    if (typeof schema['minItems'] === 'number' && v.length < schema['minItems']) errs.push(`${path}: minItems`);
    if (typeof schema['maxItems'] === 'number' && v.length > schema['maxItems']) errs.push(`${path}: maxItems`);
    if (isObj(schema['items'])) v.forEach((x, i) => errs.push(...apiServerErrors(schema['items'] as Obj, x, `${path}[${i}]`)));
  }
  if (isObj(v)) {
    const props = isObj(schema['properties']) ? schema['properties'] : {};
    for (const r of (schema['required'] as string[] | undefined) ?? []) if (!(r in v)) errs.push(`${path}.${r}: required`);
    for (const [k, x] of Object.entries(v)) {
      if (isObj(props[k])) errs.push(...apiServerErrors(props[k] as Obj, x, `${path}.${k}`));
      else if (isObj(schema['additionalProperties'])) errs.push(...apiServerErrors(schema['additionalProperties'], x, `${path}.${k}`));
    }
  }
  return errs;
}

const crdDirs = [CRD_DIR, CHART_CRD_DIR];

describe('generated CRDs', () => {
  test('the committed files are what scripts/gen-crds.ts writes (regenerated into a temporary directory)', () => {
    const out = mkdtempSync(join(tmpdir(), 'sluice-crds-'));
    try {
      const res = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'gen-crds.ts'), '--out', out], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(res.status, 0, res.stderr);
      const fresh = readdirSync(out).sort();
      assert.deepEqual(fresh, CRD_SPECS.map(crdFileName).sort());
      for (const dir of crdDirs) {
        assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort(), fresh, `${dir} holds exactly the generated files`);
        for (const f of fresh) {
          assert.equal(readFileSync(join(dir, f), 'utf8'), readFileSync(join(out, f), 'utf8'), `${join(dir, f)} is stale: run node --import tsx scripts/gen-crds.ts`);
        }
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  test('--check passes on the committed files', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'gen-crds.ts'), '--check'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
  });

  for (const [file, crd] of committed(CRD_DIR)) {
    describe(file, () => {
      const spec = crd['spec'] as Obj;
      const names = spec['names'] as Obj;
      const versions = spec['versions'] as Obj[];

      test('is a valid apiextensions.k8s.io/v1 CustomResourceDefinition (Kubernetes API types)', () => {
        assert.equal(crd['apiVersion'], 'apiextensions.k8s.io/v1');
        assert.equal(crd['kind'], 'CustomResourceDefinition');
        assert.deepEqual(validateModel('V1CustomResourceDefinition', crd, file), []);
        assert.equal((crd['metadata'] as Obj)['name'], `${String(names['plural'])}.${String(spec['group'])}`, 'metadata.name is <plural>.<group>');
        assert.match(String(names['plural']), /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        assert.match(String(names['singular']), /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        assert.equal(names['listKind'], `${String(names['kind'])}List`);
        assert.ok(['Namespaced', 'Cluster'].includes(String(spec['scope'])));
        assert.equal(versions.filter((v) => v['storage'] === true).length, 1, 'exactly one storage version');
        for (const v of versions) {
          assert.equal(v['served'], true);
          assert.ok(isObj((v['schema'] as Obj | undefined)?.['openAPIV3Schema']), `${String(v['name'])}: has openAPIV3Schema`);
          assert.deepEqual(v['subresources'], { status: {} }, `${String(v['name'])}: status subresource`);
        }
      });

      test('every version has a structural schema', () => {
        for (const v of versions) {
          const root = (v['schema'] as Obj)['openAPIV3Schema'] as Obj;
          assert.deepEqual(structuralProblems(root), [], `${String(v['name'])}`);
          assert.deepEqual(validateModel('V1JSONSchemaProps', root, `${String(v['name'])}.openAPIV3Schema`), [], 'only JSONSchemaProps fields');
        }
      });
    });
  }

  test('x-kubernetes-preserve-unknown-fields only where Sluice reads a field loosely', () => {
    // Strict kinds (Backend, Sluice's own): only status (written by controllers) is open. Envoy Gateway
    // policies are read loosely (Sluice types the fields it reads; the rest of EG's spec passes and is
    // reported as not honoured), so their spec and its sub-objects keep unknown fields, nothing else does.
    const strict = ['gateway.envoyproxy.io_backends.yaml', 'gateway.sluice.dev_budgets.yaml', 'gateway.sluice.dev_modelpricings.yaml', 'gateway.sluice.dev_virtualkeys.yaml'];
    const loose = ['gateway.envoyproxy.io_backendtrafficpolicies.yaml', 'gateway.envoyproxy.io_securitypolicies.yaml'];
    for (const [file, crd] of committed(CRD_DIR)) {
      for (const v of (crd['spec'] as Obj)['versions'] as Obj[]) {
        const paths = preservePaths((v['schema'] as Obj)['openAPIV3Schema'] as Obj);
        if (strict.includes(file)) assert.deepEqual(paths, ['.status'], file);
        else {
          assert.ok(loose.includes(file), `${file}: a kind the test does not know`);
          assert.ok(paths.includes('.spec') && paths.includes('.status'), file);
          for (const p of paths) assert.ok(p === '.status' || p === '.spec' || p.startsWith('.spec.'), `${file}: ${p}`);
        }
      }
    }
  });

  test('the Backend schema accepts what Sluice accepts and rejects what it rejects (by shape)', () => {
    const crd = parse(readFileSync(join(CRD_DIR, 'gateway.envoyproxy.io_backends.yaml'), 'utf8')) as Obj;
    const schema = ((((crd['spec'] as Obj)['versions'] as Obj[])[0]!['schema'] as Obj)['openAPIV3Schema']) as Obj;
    const backend = (spec: unknown) => ({ apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'Backend', metadata: { name: 'b', namespace: 'default' }, spec });
    const cases: [unknown, boolean][] = [
      [{ endpoints: [{ fqdn: { hostname: 'api.openai.com', port: 443 } }] }, true],
      [{ endpoints: [{ ip: { address: '10.0.0.1', port: 8080 } }], tls: { insecureSkipVerify: true } }, true],
      [{ endpoints: [{ unix: { path: '/var/run/model.sock' } }], appProtocols: ['gateway.envoyproxy.io/h2c'] }, true],
      [{ endpoints: [{ fqdn: { hostname: 'api.openai.com', port: '443' } }] }, false],
      [{ endpoints: [{ fqdn: { hostname: 'API.example.com', port: 443 } }] }, false],
      [{ endpoints: [] }, false],
      [{ type: 'Magic' }, false],
      [{ appProtocols: ['http/1.1'] }, false],
    ];
    for (const [spec, ok] of cases) {
      const zodOk = backendSchema.safeParse(backend(spec)).success;
      const apiErrors = apiServerErrors(schema, backend(spec));
      if (ok) {
        assert.ok(zodOk, `Sluice accepts ${JSON.stringify(spec)}`);
        assert.deepEqual(apiErrors, [], `the CRD accepts ${JSON.stringify(spec)}`);
      } else {
        assert.ok(!zodOk, `Sluice rejects ${JSON.stringify(spec)}`);
        assert.notDeepEqual(apiErrors, [], `the CRD rejects ${JSON.stringify(spec)}`);
      }
    }
  });

  test('the seed walkthrough Backend is accepted by the CRD', { skip: seedSkip }, () => {
    const crd = parse(readFileSync(join(CRD_DIR, 'gateway.envoyproxy.io_backends.yaml'), 'utf8')) as Obj;
    const schema = ((((crd['spec'] as Obj)['versions'] as Obj[])[0]!['schema'] as Obj)['openAPIV3Schema']) as Obj;
    const backends = readdirSync(seedManifests)
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => parseAllDocuments(readFileSync(join(seedManifests, f), 'utf8')).map((d) => d.toJS() as Obj | null))
      .filter((o): o is Obj => o !== null && o['kind'] === 'Backend');
    assert.ok(backends.length >= 1, 'the walkthrough has a Backend');
    for (const b of backends) assert.deepEqual(apiServerErrors(schema, b), []);
  });
});

describe('zod → structural schema', () => {
  const s = (schema: z.ZodType) => structural(z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }));

  test('strict objects become plain properties; loose objects and unknown values keep unknown fields; records keep a value schema', () => {
    assert.deepEqual(s(z.strictObject({ a: z.string(), b: z.int().optional() })), {
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'integer' } },
      required: ['a'],
    });
    assert.deepEqual(s(z.looseObject({ a: z.string() })), { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], [PRESERVE]: true });
    assert.deepEqual(s(z.unknown()), { [PRESERVE]: true });
    assert.deepEqual(s(z.record(z.string(), z.string())), { type: 'object', additionalProperties: { type: 'string' } });
    assert.deepEqual(s(z.looseObject({})), { type: 'object', [PRESERVE]: true });
  });

  test('literals become enums; unions fold or are refused', () => {
    assert.deepEqual(s(z.literal('x')), { type: 'string', enum: ['x'] });
    assert.deepEqual(s(z.union([z.string(), z.int()])), { [INT_OR_STRING]: true });
    assert.deepEqual(s(z.union([z.literal('a'), z.literal('b')])), { type: 'string', enum: ['a', 'b'] });
    assert.deepEqual(s(z.union([z.strictObject({ a: z.string(), c: z.string() }), z.strictObject({ b: z.string(), c: z.string() })])), {
      type: 'object',
      properties: { a: { type: 'string' }, c: { type: 'string' }, b: { type: 'string' } },
      required: ['c'],
    });
    assert.throws(() => s(z.union([z.string(), z.array(z.string())])), /no structural form/);
  });

  test('patterns Kubernetes cannot evaluate are refused', () => {
    assert.throws(() => s(z.string().regex(/^(?!x)/)), /lookaround/);
    assert.deepEqual(s(z.string().regex(/^[a-z]+$/)), { type: 'string', pattern: '^[a-z]+$' });
  });

  test('every CRD-backed kind Sluice reads converts (the generator is ready for more kinds)', () => {
    const skipped = new Set(['EndpointPickerConfig']); // a file format inside a ConfigMap, not an API object
    const BUILT_IN = ['v1', 'apps/v1', 'discovery.k8s.io/v1'];
    const converted: string[] = [];
    for (const k of knownKinds) {
      if (BUILT_IN.some((v) => k.apiVersion === v) || skipped.has(k.kind)) continue;
      const root = versionSchema(k.schema, `${k.apiVersion} ${k.kind}`);
      assert.deepEqual(structuralProblems(root), [], `${k.apiVersion} ${k.kind}`);
      converted.push(`${k.apiVersion}/${k.kind}`);
    }
    assert.ok(converted.length >= 25, `converted ${converted.length} kinds`);
  });

  test('generateCrds is deterministic', () => {
    assert.deepEqual([...generateCrds()], [...generateCrds()]);
  });
});
