import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './main.ts';
import { seedManifests, seedSkip } from '../test/support/paths.ts';

async function run(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  process.exitCode = 0;
  await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, err, code };
}

describe('sluice validate', () => {
  afterEach(() => (process.exitCode = 0));

  it('accepts the seed manifests and lists ignored kinds', { skip: seedSkip }, async () => {
    const r = await run(['validate', '-f', seedManifests]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /\d+ resources, \d+ ignored, 0 error\(s\)/);
  });

  it('exits non-zero naming file, line, resource, field and the fix for an unknown field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      `apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata:
  name: pool
  namespace: team-a
spec:
  selector:
    matchLabels: {app: x}
  targetPort:
    - number: 8000
`,
    );
    const r = await run(['validate', '-f', file]);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`${file.replace(/[/.]/g, '\\$&')}:9 \\(document 1\\): error: InferencePool team-a/pool: spec\\.targetPort: unknown field "targetPort" \\(did you mean "targetPorts"\\?\\)`));
  });

  it('reports YAML syntax errors with their line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
    const file = join(dir, 'syntax.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: [unclosed\n');
    const r = await run(['validate', '-f', file]);
    assert.equal(r.code, 1);
    assert.match(r.err, /syntax\.yaml:\d+ \(document 1\): error: YAML syntax/);
  });
});

describe('sluice status -f', () => {
  it('shows resources and conditions like kubectl get', { skip: seedSkip }, async () => {
    const r = await run(['status', '-f', seedManifests]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^KIND +NAMESPACE +NAME +ACCEPTED +RESOLVEDREFS +PROGRAMMED +MESSAGE/m);
    assert.match(r.out, /^AIGatewayRoute +default +inference-pool-with-aigwroute +True +True/m);
    assert.match(r.out, /^InferencePool +default +vllm-llama3-8b-instruct +True +True/m);
    assert.match(r.out, /└ listener\/http +True +True +True/);
    assert.match(r.out, /Ignored \(not used by Sluice\): .*ServiceAccount default\/vllm-llama3-8b-instruct-epp/);
  });
});

describe('CLI conventions', () => {
  afterEach(() => (process.exitCode = 0));

  it('every subcommand has --help (exit 0), sim included', async () => {
    for (const cmd of ['run', 'validate', 'status', 'observe', 'sim', 'controller', 'epp']) {
      const r = await run([cmd, '--help']);
      assert.equal(r.code, 0, `${cmd} --help: ${r.err}`);
      assert.match(r.out, /usage|Usage/, cmd);
    }
  });

  it('usage errors exit 2: an unknown flag, a bad output format, validate without -f', async () => {
    assert.equal((await run(['run', '--no-such-flag'])).code, 2);
    assert.equal((await run(['status', '-f', 'x', '-o', 'xml'])).code, 2);
    assert.equal((await run(['validate'])).code, 2);
    assert.equal((await run(['no-such-command'])).code, 2);
  });

  it('status -o yaml and -o json print data', async () => {
    const y = await run(['status', '-f', join(process.cwd(), 'examples', 'quickstart'), '-o', 'yaml']);
    assert.equal(y.code, 0, y.err);
    assert.match(y.out, /^generation: 0$/m);
    assert.match(y.out, /kind: InferencePool/);
    const j = await run(['status', '-f', join(process.cwd(), 'examples', 'quickstart'), '-o', 'json']);
    assert.equal((JSON.parse(j.out) as { resources: unknown[] }).resources.length > 0, true);
  });

  it('validate -o json gives the problems as data', async () => {
    const r = await run(['validate', '-f', join(process.cwd(), 'examples', 'quickstart'), '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    assert.equal((JSON.parse(r.out) as { errors: number }).errors, 0);
  });
});
