// The Dockerfile, checked by reading it: no Docker engine runs on the machines these tests run on, so
// the image is never built here. What can be checked without one: the stages, the user, the entry point,
// the health check, the ports, and that every path the build copies exists and is not ignored.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { ROOT } from './support.ts';

interface Instruction {
  readonly op: string;
  readonly args: string;
  readonly line: number;
}

interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

/** Instructions with line continuations joined and comments dropped, grouped by stage. */
function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const lines = text.split('\n');
  const instructions: Instruction[] = [];
  let buf = '';
  let start = 0;
  lines.forEach((raw, i) => {
    const line = raw.trimEnd();
    if (buf === '' && (line.trim() === '' || line.trim().startsWith('#'))) return;
    if (buf !== '' && line.trim().startsWith('#')) return;
    if (buf === '') start = i + 1;
    if (line.endsWith('\\')) {
      buf += line.slice(0, -1) + ' ';
      return;
    }
    buf += line;
    const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(buf);
    assert.ok(m, `line ${start}: cannot read ${buf}`);
    instructions.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start });
    buf = '';
  });
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.op === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      assert.ok(m, `line ${ins.line}: FROM ${ins.args}`);
      stages.push({ from: m[1]!.replace(/\$\{(\w+)\}/g, (_s, k: string) => args.get(k) ?? ''), name: m[2], instructions: [] });
    } else if (stages.length === 0) {
      assert.equal(ins.op, 'ARG', `line ${ins.line}: only ARG may come before the first FROM`);
      const [k, v] = ins.args.split('=');
      args.set(k!, v ?? '');
    } else {
      stages[stages.length - 1]!.instructions.push(ins);
    }
  }
  return { args, stages };
}

/** COPY sources (without --from) and destination. */
function copySources(ins: Instruction): { from: string | undefined; sources: string[]; dest: string } {
  const words = ins.args.split(/\s+/);
  let from: string | undefined;
  const rest: string[] = [];
  for (const w of words) {
    if (w.startsWith('--from=')) from = w.slice('--from='.length);
    else if (!w.startsWith('--')) rest.push(w);
  }
  return { from, sources: rest.slice(0, -1), dest: rest[rest.length - 1]! };
}

/** A .dockerignore pattern → a test on context paths (enough for the patterns this repo uses). */
function ignoreMatcher(patterns: string[]): (path: string) => boolean {
  const res = patterns.map((p) => {
    const body = p
      .replace(/^\//, '')
      .split('**/')
      .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
      .join('(?:.*/)?');
    return new RegExp(`^${body}(?:/.*)?$`);
  });
  return (path) => res.some((r) => r.test(path.replace(/^\.\//, '').replace(/\/$/, '')));
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const { stages } = parseDockerfile(dockerfile);
const ignorePatterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const ignored = ignoreMatcher(ignorePatterns);
const ops = (s: Stage, op: string) => s.instructions.filter((i) => i.op === op);

describe('Dockerfile', () => {
  test('two stages: a build stage and a slim runtime stage that is the final image', () => {
    assert.deepEqual(stages.map((s) => s.name), ['build', 'runtime']);
    for (const s of stages) assert.match(s.from, /^node:20[-.\w]*-slim$/, `${s.name}: a slim Node 20 base image`);
  });

  test('the build stage installs with npm ci, builds with npm run build, then keeps production dependencies only', () => {
    const runs = ops(stages[0]!, 'RUN').map((r) => r.args);
    const ci = runs.findIndex((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r));
    const build = runs.findIndex((r) => /\bnpm run build\b/.test(r));
    const prod = runs.findIndex((r) => /\bnpm ci\b.*--omit=dev/.test(r));
    assert.ok(ci >= 0 && build > ci && prod > build, `npm ci, then npm run build, then npm ci --omit=dev: ${JSON.stringify(runs)}`);
  });

  test('the runtime stage copies only the prepared tree from the build stage and installs nothing', () => {
    const runtime = stages[1]!;
    assert.equal(ops(runtime, 'RUN').length, 0, 'no RUN in the runtime stage');
    const copies = ops(runtime, 'COPY').map(copySources);
    assert.ok(copies.length > 0);
    for (const c of copies) assert.equal(c.from, 'build', 'runtime files come from the build stage');
    const layout = ops(stages[0]!, 'RUN').map((r) => r.args).join('\n');
    for (const c of copies) for (const src of c.sources) assert.ok(layout.includes(src.replace(/\/$/, '')), `${src} is prepared by the build stage`);
    // What `node /app/bin/sluice.js` reads at run time: the entry point, the compiled code, package.json
    // (version) and examples/ (the quickstart, and how the CLI finds its root).
    const cp = /cp -r ([^&\n]+) \/out\//.exec(layout);
    assert.ok(cp, 'the build stage copies the runtime tree into /out/');
    for (const need of ['package.json', 'bin', 'dist', 'examples', 'node_modules']) assert.ok(cp[1]!.split(/\s+/).includes(need), `runtime tree has ${need}`);
  });

  test('files read from the source tree at run time are in the runtime tree: the Envoy protos (sluice epp), the dashboard', () => {
    const layout = ops(stages[0]!, 'RUN').map((r) => r.args).join('\n');
    for (const dir of ['src/extproc/proto', 'src/admin/dashboard']) {
      assert.ok(existsSync(join(ROOT, dir)), `${dir} exists`);
      assert.match(layout, new RegExp(`cp -r ${dir} /out/${dirname(dir)}/`), `${dir} is copied to /out/${dirname(dir)}/`);
      assert.ok(!ignored(`${dir}/x`), `${dir} is not excluded by .dockerignore`);
    }
  });

  test('runs as a numeric non-root user; no USER root anywhere', () => {
    for (const s of stages) for (const u of ops(s, 'USER')) assert.doesNotMatch(u.args, /^(root|0)(:|$)/, `line ${u.line}`);
    const users = ops(stages[1]!, 'USER');
    assert.equal(users.length, 1);
    const m = /^(\d+)(?::(\d+))?$/.exec(users[0]!.args);
    assert.ok(m && Number(m[1]) > 0, 'a numeric uid other than 0, so runAsNonRoot can verify it');
    const chart = parse(readFileSync(join(ROOT, 'deploy', 'helm', 'sluice', 'values.yaml'), 'utf8')) as { podSecurityContext: { runAsUser: number } };
    assert.equal(Number(m[1]), chart.podSecurityContext.runAsUser, 'the chart runs as the image user');
  });

  test('nothing is written outside /tmp at run time (HOME=/tmp, no VOLUME, no writable app tree)', () => {
    const env = ops(stages[1]!, 'ENV').map((e) => e.args).join(' ');
    assert.match(env, /HOME=\/tmp\b/);
    assert.equal(ops(stages[1]!, 'VOLUME').length, 0);
    for (const c of ops(stages[1]!, 'COPY')) assert.doesNotMatch(c.args, /--chown|--chmod/, 'files stay owned by root, read-only for the process');
  });

  test('ENTRYPOINT runs the CLI with node; CMD serves the quickstart on all interfaces', () => {
    const entry = ops(stages[1]!, 'ENTRYPOINT');
    assert.equal(entry.length, 1);
    assert.deepEqual(JSON.parse(entry[0]!.args), ['node', '/app/bin/sluice.js']);
    const cmd = JSON.parse(ops(stages[1]!, 'CMD')[0]!.args) as string[];
    assert.equal(cmd[0], 'run');
    assert.ok(cmd.includes('--host') && cmd.includes('--admin-host'), 'listens beyond loopback inside the container');
  });

  test('EXPOSE the quickstart and admin ports (as the CLI and the quickstart define them)', () => {
    const exposed = ops(stages[1]!, 'EXPOSE').flatMap((e) => e.args.split(/\s+/)).map((p) => Number(p.replace(/\/tcp$/, '')));
    const cli = readFileSync(join(ROOT, 'cli', 'main.ts'), 'utf8');
    const admin = /'--admin-port <port>'[^\n]*?port, (\d+)\)/.exec(cli);
    assert.ok(admin, 'the admin port default is found in cli/main.ts');
    const quickstart = parse(readFileSync(join(ROOT, 'examples', 'quickstart', 'gateway.yaml'), 'utf8').split(/^---$/m)[1]!) as { spec: { listeners: { port: number }[] } };
    assert.deepEqual(exposed.sort(), [quickstart.spec.listeners[0]!.port, Number(admin[1])].sort());
  });

  test('HEALTHCHECK calls the admin /healthz with node (no curl or wget in the image)', () => {
    const hc = ops(stages[1]!, 'HEALTHCHECK');
    assert.equal(hc.length, 1);
    const cmd = /\bCMD\s+(\[.*\])\s*$/.exec(hc[0]!.args);
    assert.ok(cmd, 'exec form');
    const argv = JSON.parse(cmd[1]!) as string[];
    assert.equal(argv[0], 'node');
    assert.match(argv.join(' '), /127\.0\.0\.1:9901\/healthz/);
    assert.doesNotMatch(dockerfile, /\b(curl|wget)\b/);
    assert.doesNotMatch(dockerfile, /^\s*ADD\s/m, 'COPY, never ADD');
  });

  test('every path the build copies from the context exists and is not excluded by .dockerignore', () => {
    const copies = stages.flatMap((s) => ops(s, 'COPY').map(copySources)).filter((c) => c.from === undefined);
    assert.ok(copies.length >= 5);
    for (const c of copies) {
      for (const src of c.sources) {
        assert.ok(existsSync(join(ROOT, src)), `${src} exists in the repository`);
        assert.ok(!ignored(src), `${src} is not excluded by .dockerignore`);
      }
    }
    // The files tsc needs are all in the context.
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    const copied = copies.flatMap((c) => c.sources.map((s) => s.replace(/\/$/, '')));
    for (const dir of build.include) assert.ok(copied.includes(dir), `tsconfig.build.json includes ${dir}, which is copied`);
    assert.ok(copied.includes('bin') && copied.includes('examples'));
  });

  test('.dockerignore keeps local state and build output out of the context', () => {
    for (const p of ['.git', 'node_modules', 'dist', 'node_modules/x/y.js', 'src/a.test.ts', 'deploy/helm/sluice/values.yaml']) assert.ok(ignored(p), `${p} is ignored`);
    for (const p of ['src/gateway.ts', 'package.json', 'examples/quickstart/gateway.yaml', 'bin/sluice.js']) assert.ok(!ignored(p), `${p} is kept`);
  });
});
