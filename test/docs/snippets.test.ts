// The docs cannot drift: every snippet marked `<!-- runnable -->` in README.md, docs/*.md and
// examples/**/README.md runs here (test/docs/snippets.ts says how blocks are marked).
//
// - yaml: loaded, validated and compiled as `sluice validate -f` does (with the marker's `with=` files);
//   no errors, and no warnings unless the marker says `warnings-ok`.
// - sh / bash / shell: run by bash (-e -o pipefail) from the repository root against the quickstart,
//   served in-process on free ports (the snippet's http://127.0.0.1:8080 and :9901 are rewritten to them,
//   SLUICE_ADMIN names the admin URL, `npx sluice` runs cli/main.ts from source); exit status 0.
// - ts / typescript: written under .tmp/ in the checkout (so its imports resolve from node_modules) and
//   run with tsx against the same gateway; exit status 0.
// Anything else marked runnable fails: a marker must mean something.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { Gateway } from '../../src/gateway.ts';
import { allProblems, dryCompile, loadConfig } from '../../src/controlplane/pipeline.ts';
import { formatProblem } from '../../src/config/problems.ts';
import { hasErrors } from '../../src/config/problems.ts';
import { quickstart, repoRoot } from '../support/paths.ts';
import { retarget, runnableSnippets } from './snippets.ts';
import type { Snippet } from './snippets.ts';

/** Each snippet must finish within this (a hang fails it). */
const SNIPPET_TIMEOUT_MS = 60_000;

function markdownFiles(): string[] {
  const docs = readdirSync(join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f));
  const examples = readdirSync(join(repoRoot, 'examples'), { recursive: true, withFileTypes: false })
    .map(String)
    .filter((f) => f.endsWith('README.md'))
    .map((f) => join('examples', f));
  return ['README.md', ...docs.sort(), ...examples.sort()];
}

const documents = markdownFiles().map((file) => ({ file, snippets: runnableSnippets(readFileSync(join(repoRoot, file), 'utf8')) }));
const needsGateway = documents.some((d) => d.snippets.some((s) => !isYaml(s)));

function isYaml(s: Snippet): boolean {
  return s.lang === 'yaml' || s.lang === 'yml';
}

function run(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: repoRoot, env: { ...process.env, ...env }, timeout: SNIPPET_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, out: `${stdout}${stderr}${err && code === null ? `\n(${err.message})` : ''}` });
    });
  });
}

describe('runnableSnippets (the marker reader)', () => {
  it('reads marked blocks with their options, skips unmarked ones and fences inside blocks', () => {
    const md = [
      '# Title',
      '<!-- runnable -->',
      '```sh',
      'echo one',
      '```',
      '```sh',
      'echo unmarked',
      '```',
      '<!-- runnable with=a.yaml,b.yaml warnings-ok -->',
      '',
      '````yaml',
      'a: 1',
      '```',
      'b: 2',
      '````',
      '<!-- runnable -->',
      'A paragraph breaks the marker.',
      '```sh',
      'echo not run',
      '```',
    ].join('\n');
    assert.deepEqual(runnableSnippets(md), [
      { lang: 'sh', code: 'echo one\n', line: 3, with: [], warningsOk: false, closed: true },
      { lang: 'yaml', code: 'a: 1\n```\nb: 2\n', line: 11, with: ['a.yaml', 'b.yaml'], warningsOk: true, closed: true },
    ]);
  });

  it('property: from a document of random paragraphs and blocks, exactly the marked blocks come back, in order, with their code', () => {
    const text = fc.array(fc.constantFrom('alpha', 'beta `x`', '- item', '# Heading', '> quote', '<!-- note -->'), { maxLength: 3 }).map((ls) => ls.join('\n'));
    const block = fc.record({
      marked: fc.boolean(),
      lang: fc.constantFrom('sh', 'yaml', 'ts', ''),
      fence: fc.constantFrom('```', '````', '~~~'),
      code: fc.array(fc.constantFrom('echo hi', 'a: 1', '```', '  indented', ''), { maxLength: 4 }),
      before: text,
    });
    fc.assert(
      fc.property(fc.array(block, { maxLength: 6 }), (blocks) => {
        // An inner line that would close the block is not generated: the fence is longer or different.
        const usable = blocks.map((b) => ({ ...b, code: b.code.filter((l) => !(l.startsWith(b.fence[0]!) && l.length >= b.fence.length)) }));
        const lines: string[] = [];
        for (const b of usable) {
          lines.push(b.before, '');
          if (b.marked) lines.push('<!-- runnable -->');
          lines.push(`${b.fence}${b.lang}`, ...b.code, b.fence, '');
        }
        const got = runnableSnippets(lines.join('\n'));
        const want = usable.filter((b) => b.marked);
        assert.deepEqual(
          got.map((s) => [s.lang, s.code]),
          want.map((b) => [b.lang, b.code.length > 0 ? b.code.join('\n') + '\n' : '']),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('retarget rewrites the quickstart origins and npx sluice, and nothing else', () => {
    const code = 'curl -s http://127.0.0.1:8080/v1/models http://localhost:9901/metrics http://127.0.0.1:80801/x\nnpx sluice status\nnpx sluicer';
    assert.equal(
      retarget(code, { listener: 'http://127.0.0.1:4000', admin: 'http://127.0.0.1:5000' }, 'SL'),
      'curl -s http://127.0.0.1:4000/v1/models http://127.0.0.1:5000/metrics http://127.0.0.1:40001/x\nSL status\nnpx sluicer',
    );
  });
});

describe('runnable snippets in the docs', () => {
  let gw: Gateway | undefined;
  let listener = '';
  let admin = '';
  const scratch = join(repoRoot, '.tmp', 'snippets');
  let yamlDir = '';

  before(async () => {
    yamlDir = mkdtempSync(join(tmpdir(), 'sluice-snippets-'));
    mkdirSync(scratch, { recursive: true });
    if (!needsGateway) return;
    gw = await Gateway.start({ files: [quickstart], port: 0, adminPort: 0, watch: false, log: () => undefined });
    listener = `http://127.0.0.1:${gw.listenerPort(0)}`;
    admin = `http://127.0.0.1:${gw.adminPort}`;
  });
  after(async () => {
    await gw?.close();
    if (yamlDir) rmSync(yamlDir, { recursive: true, force: true });
  });

  it('the README and the docs have runnable snippets (the test cannot pass on nothing)', () => {
    const readme = documents.find((d) => d.file === 'README.md')!;
    assert.ok(readme.snippets.some((s) => s.lang === 'sh'), 'README.md has a runnable shell snippet');
    assert.ok(readme.snippets.some((s) => s.lang === 'ts'), 'README.md has a runnable TypeScript snippet');
    assert.ok(documents.filter((d) => d.file.startsWith('docs/') && d.snippets.length > 0).length >= 2, 'at least two docs have runnable snippets');
  });

  for (const { file, snippets } of documents) {
    for (const [n, s] of snippets.entries()) {
      it(`${file}:${s.line} (${s.lang || 'no language'})`, async () => {
        assert.ok(s.closed, `${file}:${s.line}: the block is not closed`);
        if (isYaml(s)) {
          const path = join(yamlDir, `${file.replace(/[/\\]/g, '_')}-${n}.yaml`);
          writeFileSync(path, s.code);
          const config = loadConfig([path, ...s.with.map((w) => join(repoRoot, w))]);
          const snapshot = hasErrors(config.problems) ? undefined : dryCompile(config);
          const problems = allProblems(config, snapshot).filter((p) => p.severity === 'error' || !s.warningsOk);
          assert.deepEqual(problems.map(formatProblem), [], `${file}:${s.line} validates`);
          assert.ok(config.resources.length > 0, `${file}:${s.line} defines resources`);
          return;
        }
        const env = { SLUICE_ADMIN: admin, NO_COLOR: '1' };
        const code = retarget(s.code, { listener, admin }, `node --import tsx ${join(repoRoot, 'cli', 'main.ts')}`);
        let result;
        if (s.lang === 'sh' || s.lang === 'bash' || s.lang === 'shell') {
          result = await run('bash', ['-e', '-o', 'pipefail', '-c', code], env);
        } else if (s.lang === 'ts' || s.lang === 'typescript') {
          const path = join(scratch, `${file.replace(/[/\\]/g, '_')}-${s.line}.ts`);
          writeFileSync(path, code);
          result = await run(process.execPath, ['--import', 'tsx', relative(repoRoot, path)], env);
        } else {
          assert.fail(`${file}:${s.line}: a runnable block must be sh, bash, shell, yaml or ts, not "${s.lang}"`);
        }
        assert.equal(result.code, 0, `${file}:${s.line} exited ${result.code}:\n${code}\n--- output ---\n${result.out.slice(-4000)}`);
      });
    }
  }
});
