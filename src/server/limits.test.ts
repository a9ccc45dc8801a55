// The body memory budget: accounting alone, and what it buys in a process. The RSS check runs the
// scenario in a child process (this file, started again with SLUICE_RSS_CHILD set), so that nothing
// else the test runner holds moves the figures: a ListenerSet whose data plane reads each body with
// readBody and holds it until every body has arrived; the parent sends 20 bodies of 30 MiB at once;
// the child reports its RSS before (after a GC) and its peak while the bodies arrive and are held.
// The bound is generous on purpose (1.2x the bytes held, where the old chunk-and-concatenate reader
// measured about 2x-3x): it tells "one Buffer per body" from "chunks plus a copy", not a few MB.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'undici';
import { JSON_COPIES, parseAIBody, readBody } from '../http/body.ts';
import { sendError } from '../http/respond.ts';
import { toGatewayError } from '../errors.ts';
import type { DataPlane } from './data-plane.ts';
import { BodyMemoryBudget, DEFAULT_BODY_MEMORY_BYTES } from './limits.ts';
import { ListenerSet } from './listeners.ts';

const MiB = 1024 * 1024;

interface ChildConfig {
  readonly bodies: number;
  readonly budgetBytes: number;
  /**
   * 'prealloc': readBody as it is; 'chunks': the old reader (chunks, then Buffer.concat), for
   * comparison; 'ai': readBody({json: true}) then parseAIBody, holding the bytes and the parsed body,
   * as the route stage does for AI requests.
   */
  readonly reader: 'prealloc' | 'chunks' | 'ai';
}

interface ChildReport {
  readonly baselineRss: number;
  readonly peakRss: number;
  readonly heldBytes: number;
  readonly admitted: number;
  readonly refused: number;
}

function chunksReader(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      size += c.length;
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

/** The child: serves until `bodies` requests were admitted or refused, holding the admitted bodies. */
async function child(config: ChildConfig): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const held: Buffer[] = [];
  const parsed: unknown[] = [];
  const answers: (() => void)[] = [];
  let refused = 0;
  let peak = 0;
  let baseline = 0;
  const sample = () => {
    const rss = process.memoryUsage.rss();
    if (rss > peak) peak = rss;
  };
  const sampler = setInterval(sample, 2);
  let settle: () => void = () => undefined;
  const allIn = new Promise<void>((r) => (settle = r));
  const check = () => {
    sample();
    if (held.length + refused >= config.bodies) settle();
  };
  const plane = {
    handle(req: IncomingMessage, res: ServerResponse) {
      const reading = config.reader === 'chunks' ? chunksReader(req) : readBody(req, 64 * MiB, { json: config.reader === 'ai' });
      reading.then(
        (body) => {
          if (config.reader === 'ai') parsed.push(parseAIBody(body).json);
          if (req.url === '/warmup') return res.end('warm');
          held.push(body);
          answers.push(() => res.end(String(body.length)));
          check();
        },
        (err: unknown) => {
          refused++;
          sendError(res, toGatewayError(err));
          check();
        },
      );
    },
  } as unknown as DataPlane;
  const set = new ListenerSet(plane, '127.0.0.1', { bodyBudget: new BodyMemoryBudget(config.budgetBytes) });
  await set.apply(new Map([[0, { port: 0, protocol: 'HTTP', listeners: [], certificates: [] }]]));
  process.send!({ port: set.actualPort(0) });
  await new Promise<void>((r) => process.once('message', () => r()));
  gc();
  gc();
  baseline = process.memoryUsage.rss();
  peak = baseline;
  process.send!({ measuring: true });
  await allIn;
  sample();
  clearInterval(sampler);
  const report: ChildReport = { baselineRss: baseline, peakRss: peak, heldBytes: held.reduce((n, b) => n + b.length, 0), admitted: held.length, refused };
  process.send!({ report });
  for (const a of answers) a();
  await set.close(1000);
  process.disconnect();
}

/** Runs the scenario in a child process and returns its report. */
async function runScenario(config: ChildConfig, bodyBytes: number): Promise<ChildReport> {
  const chat = (bytes: number) => {
    const envelope = '{"model":"m","messages":[{"role":"user","content":""}]}';
    return Buffer.from(envelope.replace('""', JSON.stringify('a'.repeat(bytes - envelope.length))));
  };
  const proc = fork(new URL(import.meta.url).pathname, [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: { ...process.env, SLUICE_RSS_CHILD: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: unknown[] = [];
  const waiters: (() => void)[] = [];
  proc.on('message', (m) => {
    messages.push(m);
    for (const w of waiters.splice(0)) w();
  });
  const next = async <T>(key: string): Promise<T> => {
    for (;;) {
      const found = messages.find((m) => typeof m === 'object' && m !== null && key in m) as Record<string, T> | undefined;
      if (found) return found[key]!;
      if (proc.exitCode !== null) throw new Error(`the child exited (${proc.exitCode}) before sending ${key}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        proc.once('exit', () => r());
      });
    }
  };
  const killer = setTimeout(() => proc.kill('SIGKILL'), 110_000);
  try {
    const port = await next<number>('port');
    const base = `http://127.0.0.1:${port}`;
    // Warm up the paths, then let the child take its baseline.
    for (let i = 0; i < 3; i++) await (await request(`${base}/warmup`, { method: 'POST', body: config.reader === 'ai' ? chat(64 * 1024) : Buffer.alloc(64 * 1024) })).body.text();
    proc.send('go');
    await next('measuring');
    const body = config.reader === 'ai' ? chat(bodyBytes) : Buffer.alloc(bodyBytes, 0x61);
    const sent = Array.from({ length: config.bodies }, () =>
      request(`${base}/`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' }, headersTimeout: 100_000, bodyTimeout: 100_000 }).then((r) => r.body.text().then(() => r.statusCode)),
    );
    const report = await next<ChildReport>('report');
    const codes = await Promise.all(sent);
    assert.equal(codes.filter((c) => c === 200).length, report.admitted);
    assert.equal(codes.filter((c) => c === 503).length, report.refused);
    return report;
  } finally {
    clearTimeout(killer);
    if (proc.exitCode === null) proc.kill();
  }
}

function describeReport(r: ChildReport): string {
  const delta = r.peakRss - r.baselineRss;
  return `admitted ${r.admitted}, refused ${r.refused}, held ${(r.heldBytes / MiB).toFixed(0)} MiB, RSS +${(delta / MiB).toFixed(0)} MiB (${(delta / Math.max(1, r.heldBytes)).toFixed(2)}x)`;
}

const childConfig = process.env['SLUICE_RSS_CHILD'];
if (childConfig !== undefined) {
  await child(JSON.parse(childConfig) as ChildConfig);
} else {
  describe('BodyMemoryBudget', () => {
    it('grants while the budget lasts, refuses beyond it, and gets everything back on close', () => {
      const budget = new BodyMemoryBudget(100);
      const a = budget.open();
      const b = budget.open();
      assert.equal(a.allowance.take(60), true);
      assert.equal(b.allowance.take(50), false);
      assert.equal(b.allowance.take(40), true);
      assert.equal(budget.held, 100);
      assert.equal(budget.refused, 1);
      a.close();
      a.close();
      assert.equal(budget.held, 40);
      // A closed allowance takes nothing more: nothing would give it back.
      assert.equal(a.allowance.take(1), false);
      assert.equal(b.allowance.take(60), true);
      b.close();
      assert.equal(budget.held, 0);
      assert.equal(budget.peak, 100);
      assert.equal(new BodyMemoryBudget().limit, DEFAULT_BODY_MEMORY_BYTES);
      budget.setLimit(10);
      assert.equal(budget.open().allowance.budgetBytes, 10);
      assert.throws(() => new BodyMemoryBudget(-1), RangeError);
    });

    it('20 concurrent 30 MiB bodies raise the RSS of a process by at most 1.2x the bytes held (child process)', { timeout: 120_000 }, async (t) => {
      const r = await runScenario({ bodies: 20, budgetBytes: 1024 * MiB, reader: 'prealloc' }, 30 * MiB);
      t.diagnostic(describeReport(r));
      assert.equal(r.admitted, 20, describeReport(r));
      assert.ok(r.peakRss - r.baselineRss <= 1.2 * r.heldBytes, describeReport(r));
    });

    it('past the default budget (256 MiB) the rest get 503, and RSS stays within 1.2x the budget (child process)', { timeout: 120_000 }, async (t) => {
      const r = await runScenario({ bodies: 20, budgetBytes: DEFAULT_BODY_MEMORY_BYTES, reader: 'prealloc' }, 30 * MiB);
      t.diagnostic(describeReport(r));
      assert.equal(r.admitted, 8, describeReport(r));
      assert.equal(r.refused, 12, describeReport(r));
      assert.ok(r.peakRss - r.baselineRss <= 1.2 * DEFAULT_BODY_MEMORY_BYTES, describeReport(r));
    });

    it('AI bodies (read, then parsed) are charged three times their size: RSS stays within 1.2x what the budget granted (child process)', { timeout: 120_000 }, async (t) => {
      const r = await runScenario({ bodies: 20, budgetBytes: 1024 * MiB, reader: 'ai' }, 30 * MiB);
      t.diagnostic(describeReport(r));
      const granted = r.heldBytes * (1 + JSON_COPIES);
      assert.equal(r.admitted, Math.floor((1024 * MiB) / (30 * MiB * (1 + JSON_COPIES))), describeReport(r));
      assert.ok(r.peakRss - r.baselineRss <= 1.2 * granted, `${describeReport(r)}; granted ${(granted / MiB).toFixed(0)} MiB`);
    });

    if (process.env['SLUICE_RSS_COMPARE']) {
      it('for comparison: the chunk-and-concatenate reader', { timeout: 120_000 }, async (t) => {
        const r = await runScenario({ bodies: 20, budgetBytes: 1024 * MiB, reader: 'chunks' }, 30 * MiB);
        t.diagnostic(`chunks reader: ${describeReport(r)}`);
      });
    }
  });
}

export { describeReport, runScenario };
