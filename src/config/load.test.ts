import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFiles, parseYamlText } from './load.ts';
import { formatProblem } from './problems.ts';

describe('loadFiles', () => {
  it('reads multi-document YAML from stdin (-f -), skipping empty documents', () => {
    const r = loadFiles(['-'], () => '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n');
    assert.deepEqual(r.problems, []);
    assert.equal(r.documents.length, 2);
    assert.equal(r.documents[0]?.file, '<stdin>');
    assert.equal(r.documents[1]?.line, 7);
    assert.deepEqual(r.files, []);
  });

  it('expands a directory to its YAML files in name order and reports field lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-load-'));
    writeFileSync(join(dir, 'b.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n    - port: 80\n');
    writeFileSync(join(dir, 'a.yml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n');
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const r = loadFiles([dir]);
    assert.deepEqual(r.files.map((f) => f.slice(dir.length + 1)), ['a.yml', 'b.yaml']);
    const svc = r.documents[1]!;
    assert.equal(svc.lineOf(['spec', 'ports', 0, 'port']), 7);
    assert.equal(svc.lineOf(['spec', 'ports', 0, 'missing']), 7, 'a missing field points at its parent');
    assert.equal(svc.lineOf(['metadata', 'name']), 4);
  });

  it('reports a missing path and a YAML syntax error with its line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-load-'));
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: "unterminated\n');
    const r = loadFiles([join(dir, 'bad.yaml'), join(dir, 'nope.yaml')]);
    const messages = r.problems.map((p) => `${p.location?.line ?? '-'} ${p.message}`);
    assert.ok(messages.some((m) => /^[45] YAML syntax: Missing closing/.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => /cannot read .*nope\.yaml: no such file/.test(m)), messages.join('\n'));
  });
});

describe('environment variables in values', () => {
  it('expands ${NAME} in string values, keeps $${NAME} literal, and reports unset variables with the file and line', () => {
    const yaml = 'apiVersion: v1\nkind: Secret\nmetadata: {name: k}\nstringData:\n  apiKey: "${TEST_KEY}"\n  literal: "$${TEST_KEY}"\n  mixed: "Bearer ${TEST_KEY}!"\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: m}\nstringData: {x: "${NOT_SET_ANYWHERE}"}\n';
    const r = parseYamlText('s.yaml', yaml, { TEST_KEY: 'sk-123' });
    const data = (r.documents[0]!.value as { stringData: Record<string, string> }).stringData;
    assert.deepEqual(data, { apiKey: 'sk-123', literal: '${TEST_KEY}', mixed: 'Bearer sk-123!' });
    assert.equal(r.problems.length, 1);
    assert.match(formatProblem(r.problems[0]!), /^s\.yaml:9 \(document 2\): error: environment variable NOT_SET_ANYWHERE is not set/);
  });
});
