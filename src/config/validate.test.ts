// Secrets never leak through problems: a refused Secret (a number where a string belongs, a value
// that is not base64, data that is not a mapping) is described by kind, never quoted, in the
// problem, the log line and /api/status; a Secret's value quoted by another resource's problem is
// redacted; and the guards in formatProblem / statusReport hold for problems made elsewhere.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { request } from 'undici';
import { statusReport } from '../controlplane/status-report.ts';
import { TEST_GATEWAY_YAML, backendYaml, startTestGateway } from '../../test/support/gateway.ts';
import type { SourceDocument } from './load.ts';
import { formatProblem, withoutSecretValues } from './problems.ts';
import type { Problem } from './problems.ts';
import { validateDocuments } from './validate.ts';

function documents(yaml: string): SourceDocument[] {
  return parseAllDocuments(yaml).map(
    (d, i): SourceDocument => ({
      file: 'test.yaml',
      document: i + 1,
      line: 1,
      value: d.toJS() as unknown,
      lineOf: () => 1,
      locationOf: () => ({ file: 'test.yaml', document: i + 1, line: 1 }),
    }),
  );
}

const SECRET_NUMBER = 12345678;
const SECRET_STRING = 'sk-live-not-base64-0123456789';

const REFUSED_SECRET = `apiVersion: v1
kind: Secret
metadata: {name: keys}
stringData: {apiKey: ${SECRET_NUMBER}, ok: fine}
data: {token: ${SECRET_STRING}, flag: true}
`;

function assertNoSecret(text: string): void {
  assert.ok(!text.includes(String(SECRET_NUMBER)), `leaks ${SECRET_NUMBER}: ${text}`);
  assert.ok(!text.includes(SECRET_STRING), `leaks ${SECRET_STRING}: ${text}`);
  assert.ok(!text.includes(SECRET_STRING.slice(0, 20)), `leaks part of ${SECRET_STRING}: ${text}`);
}

describe('problems never quote Secret values', () => {
  it('describes wrong Secret values by kind, with the field, never the value', () => {
    const { problems, resources } = validateDocuments(documents(REFUSED_SECRET));
    assert.equal(resources.length, 0);
    const byField = new Map(problems.map((p) => [p.field, p]));
    assert.deepEqual([...byField.keys()].sort(), ['data.flag', 'data.token', 'stringData.apiKey']);
    assert.match(byField.get('stringData.apiKey')!.message, /must be a string, not a number; quote numbers and booleans in YAML/);
    assert.match(byField.get('data.token')!.message, /must be base64-encoded/);
    assert.match(byField.get('data.flag')!.message, /must be a string, not a boolean/);
    for (const p of problems) {
      assert.equal(p.resource, 'Secret default/keys');
      assertNoSecret(JSON.stringify(p));
      assertNoSecret(formatProblem(p));
    }
  });

  it('covers data or stringData that are not mappings', () => {
    const { problems } = validateDocuments(documents(`apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: ${SECRET_STRING}\nstringData: ${SECRET_NUMBER}\n`));
    assert.equal(problems.length, 2);
    for (const p of problems) {
      assert.match(p.message, /must be a mapping, not a (string|number)/);
      assertNoSecret(formatProblem(p));
    }
  });

  it('still names metadata problems of a Secret as for any resource', () => {
    const { problems } = validateDocuments(documents(`apiVersion: v1\nkind: Secret\nmetadata: {name: Not_A_Name}\nstringData: {k: v}\n`));
    assert.ok(problems.some((p) => p.field?.startsWith('metadata') && /Not_A_Name/.test(p.message)), JSON.stringify(problems));
  });

  it('redacts a Secret value that another resource\'s problem quotes', () => {
    const { problems } = validateDocuments(
      documents(`apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {apiKey: "${SECRET_STRING}"}\n---\n${backendYaml('b', 1)}`.replace('address: 127.0.0.1', `address: ${SECRET_STRING}`)),
    );
    const backend = problems.filter((p) => p.resource?.startsWith('Backend'));
    assert.ok(backend.length > 0, JSON.stringify(problems));
    for (const p of problems) assertNoSecret(formatProblem(p));
    assert.ok(backend.some((p) => p.message.includes('<redacted>')), JSON.stringify(backend));
  });

  it('formatProblem and statusReport take quoted values out of any Secret content problem', () => {
    const made: Problem = { severity: 'error', resource: 'Secret ns/s', field: 'stringData.apiKey', message: `stringData values must be strings (got ${SECRET_NUMBER})` };
    assertNoSecret(formatProblem(made));
    const report = statusReport({ snapshot: undefined, ignored: [], problems: [made], lastRejected: { at: 'now', problems: [made] } });
    assertNoSecret(JSON.stringify(report));
    // Other problems, and a Secret's metadata problems, keep their text.
    const other: Problem = { severity: 'error', resource: 'Backend ns/b', field: 'spec.port', message: 'must be a port (got 99999)' };
    assert.equal(withoutSecretValues(other), other);
    const meta: Problem = { ...made, field: 'metadata.name', message: 'bad name (got "x")' };
    assert.equal(withoutSecretValues(meta), meta);
  });

  it('a running gateway refusing such a Secret keeps it out of /api/status and its log', async () => {
    const logs: string[] = [];
    const t = await startTestGateway(TEST_GATEWAY_YAML + backendYaml('b', 9), { adminPort: 0, log: (l: string) => logs.push(l) });
    try {
      writeFileSync(join(t.dir, 'manifests.yaml'), TEST_GATEWAY_YAML + backendYaml('b', 9) + REFUSED_SECRET);
      await t.gw.reload();
      assert.ok(t.gw.lastRejected, 'the configuration is refused');
      const status = await (await request(`http://127.0.0.1:${t.gw.adminPort}/api/status`)).body.text();
      assert.match(status, /stringData\.apiKey/);
      assertNoSecret(status);
      assert.ok(logs.some((l) => l.includes('configuration refused')), logs.join('\n'));
      assertNoSecret(logs.join('\n'));
    } finally {
      await t.close();
    }
  });
});
