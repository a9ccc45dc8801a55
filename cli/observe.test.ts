// `sluice observe`: query building and usage errors, the compact/table/json outputs, and against a
// gateway started here (the quickstart, with a flow log and an admin server): --follow --model X -o
// json shows a request made after it started, in-process and as a child process (`node --import tsx
// cli/main.ts observe …`); --last, -o table; exit codes 0 (interrupted follow), 1 (no gateway), 2 (usage).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import OpenAI from 'openai';
import { EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE, flowQuery, formatCompact, formatLost, observe, renderTable, tableCells } from './observe.ts';
import type { ObserveOptions } from './observe.ts';
import { fakeFlow } from '../src/telemetry/flow-testing.ts';
import { startObservedGateway } from '../src/admin/testing.ts';
import type { ObservedGateway } from '../src/admin/testing.ts';
import { quickstart, repoRoot } from '../test/support/paths.ts';

const base: ObserveOptions = { admin: 'http://127.0.0.1:9901', follow: false, filters: {}, output: 'compact', color: false };

function capture(): { io: { out(s: string): void; err(s: string): void }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { io: { out: (s) => (out += s), err: (s) => (err += s) }, out: () => out, err: () => err };
}

describe('observe: query and formats', () => {
  it('asks for the last 20 flows by default, like hubble, and nothing old when following', () => {
    assert.equal(flowQuery(base).toString(), 'last=20');
    assert.equal(flowQuery({ ...base, follow: true }).toString(), 'follow=1');
    assert.equal(flowQuery({ ...base, since: '5m' }).toString(), 'since=5m');
    assert.equal(flowQuery({ ...base, follow: true, last: 5, filters: { model: ['a', 'b'], 'to-label': ['app=llama'] } }).toString(), 'follow=1&last=5&model=a&model=b&to-label=app%3Dllama');
  });

  it('refuses bad values before connecting (exit 2)', async () => {
    for (const o of [
      { ...base, output: 'yaml' as ObserveOptions['output'] },
      { ...base, follow: true, until: '1m' },
      { ...base, since: 'last tuesday' },
      { ...base, filters: { verdict: ['LOST'] } },
      { ...base, filters: { 'from-label': ['a=b,,'] } },
      { ...base, admin: 'not a url' },
      { ...base, admin: 'ftp://127.0.0.1' },
    ]) {
      const c = capture();
      assert.equal(await observe(o, c.io), EXIT_USAGE, JSON.stringify(o));
      assert.match(c.err(), /^sluice observe: /);
    }
  });

  it('writes one compact line per flow, coloured only when asked', () => {
    const ok = fakeFlow(7, { source: { identity: 'alice', team: 'ml', labels: {} }, stream: true, ttftMs: 12.5, pick: { pool: 'default/llama', endpoint: '10.0.0.1:8000', profile: 'default', priority: 0, prefix: { matched: 2, total: 4 } } });
    const line = formatCompact(ok, false);
    assert.match(line, /^\w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3}: 127\.0\.0\.1 \(alice\/ml\) -> default\/chat => InferencePool default\/llama llama-0 \(10\.0\.0\.1:8000\) chat llama FORWARDED 200 tokens 10→5 ttft 13ms prefix 2\/4 12ms$/);
    const ESC = String.fromCharCode(27);
    assert.ok(!line.includes(ESC), 'no colour codes');
    assert.ok(formatCompact(ok, true).includes(`${ESC}[32mFORWARDED${ESC}[0m`), 'the verdict in green');
    const dropped = { ...fakeFlow(8, { verdict: 'DROPPED', status: 404, dropReason: 'model-not-found', error: 'model_not_found', model: { original: 'nope' }, tokens: { total: 0, input: 0, output: 0 } }), destination: { route: '', labels: {} } };
    assert.match(formatCompact(dropped, false), /127\.0\.0\.1 -> \(no route\) => - chat nope DROPPED 404 \(model-not-found, model_not_found\) 12ms$/);
    assert.equal(formatLost({ reason: 'slow-follower', count: 3, fromSeq: 4, toSeq: 6 }, false), 'EVENTS LOST: 3 flow(s) lost (slow-follower, seq 4-6)');
  });

  it('aligns a table', () => {
    const text = renderTable([tableCells(fakeFlow(1)), tableCells(fakeFlow(2, { model: { original: 'a-much-longer-model-name' } }))]);
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /^TIME +SOURCE +ROUTE +DESTINATION +MODEL +VERDICT +STATUS +TOKENS +TTFT +DURATION$/);
    const col = lines[0]!.indexOf('VERDICT');
    assert.ok(lines.slice(1).every((l) => l.slice(col).startsWith('FORWARDED')));
  });
});

describe('observe against a running gateway', () => {
  const MODEL = 'canned-test-model';
  let o: ObservedGateway;
  let client: OpenAI;

  before(async () => {
    o = await startObservedGateway({ files: [quickstart] });
    client = new OpenAI({ baseURL: `${o.base}/v1`, apiKey: 'unused', maxRetries: 0 });
    await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'before' }] });
    await assert.rejects(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }));
    // A flow is appended when the request ends on the gateway side, which may be just after the client saw the answer.
    for (let i = 0; i < 200 && o.flows.lastSeq < 2; i++) await new Promise((r) => setTimeout(r, 10));
  });
  after(() => o?.close());

  /** Makes requests for `model` (one at a time, a bounded number) until `seen()` holds. */
  async function requestUntil(seen: () => boolean): Promise<void> {
    for (let i = 0; i < 40 && !seen(); i++) {
      await client.chat.completions.create({ model: 'meta-llama/Llama-3.1-8B-Instruct', messages: [{ role: 'user', content: 'not this one' }], max_tokens: 2 });
      await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: `after ${i}` }] });
      for (let w = 0; w < 10 && !seen(); w++) await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('--follow --model X -o json shows requests made after it started, and only that model', async () => {
    const c = capture();
    const controller = new AbortController();
    const startedAt = o.flows.lastSeq;
    const done = observe({ ...base, admin: o.adminUrl, follow: true, output: 'json', filters: { model: [MODEL] } }, c.io, controller.signal);
    await requestUntil(() => c.out().includes('\n'));
    controller.abort();
    assert.equal(await done, EXIT_OK);
    const lines = c.out().trim().split('\n').map((l) => JSON.parse(l) as { flow: { seq: number; model: { original: string }; verdict: string } });
    assert.ok(lines.length >= 1);
    for (const l of lines) {
      assert.equal(l.flow.model.original, MODEL);
      assert.equal(l.flow.verdict, 'FORWARDED');
      assert.ok(l.flow.seq > startedAt, `nothing from before it started (${l.flow.seq} <= ${startedAt}; ${c.out()})`);
    }
  });

  it('--last and -o compact|table read what the log holds and end (exit 0)', async () => {
    const c = capture();
    assert.equal(await observe({ ...base, admin: o.adminUrl, last: 1, filters: { verdict: ['DROPPED'] } }, c.io), EXIT_OK);
    assert.match(c.out(), /-> \(no route\) => - chat no-such-model DROPPED 404 \(model-not-found, model_not_found\)/);
    assert.equal(c.out().trim().split('\n').length, 1);
    const t = capture();
    assert.equal(await observe({ ...base, admin: o.adminUrl, output: 'table', filters: { model: [MODEL] } }, t.io), EXIT_OK);
    assert.match(t.out(), /^TIME +SOURCE +ROUTE/);
    assert.match(t.out(), /canned-test-model +FORWARDED +200/);
  });

  it('exits 1 when no gateway answers, 2 when the gateway refuses the query', async () => {
    const c = capture();
    assert.equal(await observe({ ...base, admin: 'http://127.0.0.1:1' }, c.io), EXIT_UNREACHABLE);
    assert.match(c.err(), /cannot reach a running gateway at http:\/\/127\.0\.0\.1:1/);
    const d = capture();
    assert.equal(await observe({ ...base, admin: o.adminUrl, cursor: 1, filters: { status: ['2xx'] }, last: 1 }, d.io), EXIT_OK);
  });

  it('as a child process: sluice observe --follow --model X -o json, stopped by SIGINT (exit 0)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'cli', 'main.ts'), 'observe', '--admin', o.adminUrl, '--follow', '--model', MODEL, '-o', 'json'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      // Bounded: the child needs a moment to start; requests continue until it shows one.
      for (let i = 0; i < 60 && !out.includes('\n'); i++) {
        await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: `child ${i}` }] });
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(out.includes('\n'), `no flow shown; stderr: ${err}`);
      const first = JSON.parse(out.split('\n')[0]!) as { flow: { model: { original: string } } };
      assert.equal(first.flow.model.original, MODEL);
      child.kill('SIGINT');
      assert.equal(await exited, 0, err);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('as a child process: usage errors exit 2, an unreachable gateway 1', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'cli', 'main.ts'), 'observe', ...args], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
        child.on('exit', (code) => resolve({ code, err }));
      });
    const [unknown, badLast, badVerdict, unreachable] = await Promise.all([run(['--bogus']), run(['--last', 'many']), run(['--verdict', 'NOPE']), run(['--admin', 'http://127.0.0.1:1'])]);
    assert.equal(unknown.code, 2, unknown.err);
    assert.match(unknown.err, /unknown option '--bogus'/);
    assert.equal(badLast.code, 2, badLast.err);
    assert.equal(badVerdict.code, 2, badVerdict.err);
    assert.match(badVerdict.err, /unknown verdict "NOPE"/);
    assert.equal(unreachable.code, 1, unreachable.err);
  });
});
