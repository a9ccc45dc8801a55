// Scenario `pick`: what one endpoint pick costs. One admission + pick (src/pipeline/schedule-pool.ts, src/picker) over 16
// endpoints with fresh metrics and the default profile (queue-scorer 2, kv-cache-utilization-scorer
// 2, prefix-cache-scorer 3, max-score-picker), for a chat body whose system prompt is 8 KB and one
// whose system prompt is 200 KB, with the prefix index cold (the prompt's blocks are in no endpoint's
// index) and warm (the prompt's prefix was scheduled before, so one endpoint matches it).
//
// A schedule() here is everything the gateway does per request to pick: admission, the prompt text
// for hashing (serialised from the parsed body, cut at the 16 KB the prefix scorer reads), hashing,
// the index lookup per endpoint, every scorer, the picker and the index update.
//
// Method: batches of picks timed with performance.now(); the per-pick figure is the median over the
// batches (after one warm-up batch per case, discarded). The cases are interleaved batch by batch, so
// a disturbance of the machine spreads over all of them. References measured in the same run, on the
// same bodies: JSON.stringify of the parsed body (the request's own serialisation cost) and JSON.parse
// of its text (what the gateway already pays to read the body); the pick is printed as a ratio to both.
// Targets (issue 4): 8 KB < 50 µs, 200 KB < 1 ms per pick.
import { parseArgs } from 'node:util';
import { armDeadline } from '../lib/children.ts';
import { describeMachine, fmt, machine, markdownTable, ratio, table, writeResults } from '../lib/report.ts';
import { median } from '../lib/stats.ts';
import { prefixBlocks, seededRandom } from '../../src/picker/index.ts';
import type { ScheduleInput } from '../../src/pipeline/schedule-pool.ts';
import { FIXTURE_NOW, chatBody, fakeEndpoint, fakePool, testScheduler } from '../../src/picker/testing.ts';
import type { Scenario } from './types.ts';

const USAGE = `  --batches N           measured batches per case (default 9); one more warm-up batch is discarded
  --batch-ms MS         target length of one batch (default 60); the pick count per batch is calibrated
  --endpoints N         endpoints in the pool (default 16)
  --out NAME            results file bench/results/NAME.json (default pick)`;

type Prefix = 'cold' | 'warm';

interface Case {
  readonly name: string;
  readonly sizeLabel: '8 KB' | '200 KB';
  readonly prefix: Prefix;
  /** Target per pick, µs. */
  readonly targetUs: number;
  /** One operation; returns something so that it cannot be optimised away. */
  readonly op: (i: number) => unknown;
  /** 'pick' or a reference. */
  readonly kind: 'pick' | 'stringify' | 'parse';
}

/** 16 endpoints with varied, fresh metrics (the scores differ, as in a busy pool). */
function endpoints(n: number) {
  return Array.from({ length: n }, (_, i) => fakeEndpoint(`10.0.${i >> 8}.${(i & 255) + 1}:8000`, { waiting: i % 5, running: 4 + (i % 3), kvCacheUsage: (i % 7) / 10 }));
}

async function runPick(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      batches: { type: 'string', default: '9' },
      'batch-ms': { type: 'string', default: '60' },
      endpoints: { type: 'string', default: '16' },
      out: { type: 'string', default: 'pick' },
    },
  });
  const batches = Number(values.batches);
  const batchMs = Number(values['batch-ms']);
  const n = Number(values.endpoints);
  if (!(Number.isInteger(batches) && batches >= 1 && batches <= 1000)) throw new Error('--batches: an integer from 1 to 1000');
  if (!(batchMs >= 5 && batchMs <= 5000)) throw new Error('--batch-ms: from 5 to 5000');
  if (!(Number.isInteger(n) && n >= 1 && n <= 4096)) throw new Error('--endpoints: an integer from 1 to 4096');
  // 6 cases per size (pick cold/warm + 2 references, some shared) × (batches + 1) × batch length, plus calibration.
  armDeadline(Math.max(60_000, 12 * (batches + 2) * batchMs * 3 + 60_000), 'the pick benchmark');

  const m = machine();
  const log = (s: string) => process.stdout.write(s + '\n');
  log(`bench pick: ${describeMachine(m)}`);

  const sizes = [
    { label: '8 KB' as const, chars: 8 * 1024, targetUs: 50 },
    { label: '200 KB' as const, chars: 200 * 1024, targetUs: 1000 },
  ];
  const cases: Case[] = [];
  const checks: string[] = [];
  for (const size of sizes) {
    // Bodies of one group: the same system prompt, distinct questions (as a real workload).
    const bodies = Array.from({ length: 64 }, (_, q) => chatBody(size.chars, 1, `question ${q}: what does the policy say about refunds?`));
    const texts = bodies.map((b) => JSON.stringify(b));
    // Warm: one scheduler whose index has seen this prefix (on the endpoint it chose first).
    const warm = testScheduler(fakePool(endpoints(n)), { now: () => FIXTURE_NOW, random: seededRandom(1) });
    const warmInput = bodies.map((body): ScheduleInput => ({ model: 'm', headers: {}, body }));
    warm.schedule(warmInput[0]!);
    // Cold: every pick hashes under a model name whose blocks no index holds (the chain is seeded by
    // the model), cycling through more names than the per-endpoint LRU can remember.
    const cold = testScheduler(fakePool(endpoints(n)), { now: () => FIXTURE_NOW, random: seededRandom(2) });
    const models = Array.from({ length: 4096 }, (_, i) => `model-${i}`);
    const coldInput = (i: number): ScheduleInput => ({ model: models[i & 4095]!, headers: {}, body: bodies[i & 63]! });
    // Check the two states are what they claim, once, outside the timed loops.
    const w = prefixBlocks(warm.schedule(warmInput[5]!));
    const c = prefixBlocks(cold.schedule(coldInput(4095)));
    if (!w || w.matched === 0) throw new Error(`warm ${size.label}: expected a prefix match, got ${JSON.stringify(w)}`);
    if (!c || c.matched !== 0) throw new Error(`cold ${size.label}: expected no prefix match, got ${JSON.stringify(c)}`);
    checks.push(`${size.label}: warm matches ${w.matched}/${w.total} blocks, cold ${c.matched}/${c.total}`);
    cases.push({ name: `pick ${size.label} cold`, sizeLabel: size.label, prefix: 'cold', targetUs: size.targetUs, kind: 'pick', op: (i) => cold.schedule(coldInput(i)).endpoint });
    cases.push({ name: `pick ${size.label} warm`, sizeLabel: size.label, prefix: 'warm', targetUs: size.targetUs, kind: 'pick', op: (i) => warm.schedule(warmInput[i & 63]!).endpoint });
    cases.push({ name: `JSON.stringify ${size.label}`, sizeLabel: size.label, prefix: 'cold', targetUs: Number.NaN, kind: 'stringify', op: (i) => JSON.stringify(bodies[i & 63]).length });
    cases.push({ name: `JSON.parse ${size.label}`, sizeLabel: size.label, prefix: 'cold', targetUs: Number.NaN, kind: 'parse', op: (i) => (JSON.parse(texts[i & 63]!) as { model: string }).model });
  }
  for (const c of checks) log(`  prefix index: ${c}`);

  // Calibrate: how many operations fill one batch of about batchMs (at least 20). Two passes: the
  // first warms up the JIT and fills the cold case's LRU to its bound, the second counts.
  const calibrate = () =>
    cases.map((c) => {
      let k = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < batchMs / 2 && k < 1_000_000) c.op(k++);
      return Math.max(20, Math.round((k * batchMs) / (performance.now() - t0)));
    });
  calibrate();
  const counts = calibrate();

  // Interleaved batches; batch 0 is a warm-up and is discarded.
  const perOpUs: number[][] = cases.map(() => []);
  let sink = 0;
  let counter = 0;
  for (let b = 0; b <= batches; b++) {
    cases.forEach((c, ci) => {
      const count = counts[ci]!;
      const t0 = performance.now();
      for (let k = 0; k < count; k++) if (c.op(counter++) === undefined) sink++;
      const us = ((performance.now() - t0) * 1000) / count;
      if (b > 0) perOpUs[ci]!.push(us);
    });
  }
  if (sink > 0) log(`  (${sink} undefined results)`);

  const med = cases.map((_, ci) => median(perOpUs[ci]!));
  const find = (kind: Case['kind'], size: Case['sizeLabel']) => med[cases.findIndex((c) => c.kind === kind && c.sizeLabel === size)] ?? Number.NaN;
  const rows: string[][] = [['case', 'µs per op (median)', 'min', 'max', 'ops per batch', 'target µs', 'of target', '× stringify', '× parse']];
  const results = cases.map((c, ci) => {
    const us = med[ci]!;
    const all = perOpUs[ci]!;
    const stringify = find('stringify', c.sizeLabel);
    const parse = find('parse', c.sizeLabel);
    const r = {
      case: c.name,
      kind: c.kind,
      size: c.sizeLabel,
      prefix: c.kind === 'pick' ? c.prefix : null,
      usPerOp: us,
      minUs: Math.min(...all),
      maxUs: Math.max(...all),
      opsPerBatch: counts[ci]!,
      targetUs: c.kind === 'pick' ? c.targetUs : null,
      ofTarget: c.kind === 'pick' ? us / c.targetUs : null,
      overStringify: c.kind === 'pick' ? us / stringify : null,
      overParse: c.kind === 'pick' ? us / parse : null,
      batchesUs: all,
    };
    rows.push([c.name, fmt(us, 2), fmt(r.minUs, 2), fmt(r.maxUs, 2), String(r.opsPerBatch), c.kind === 'pick' ? fmt(c.targetUs, 0) : '—', r.ofTarget !== null ? ratio(r.ofTarget) : '—', r.overStringify !== null ? ratio(r.overStringify) : '—', r.overParse !== null ? ratio(r.overParse) : '—']);
    return r;
  });
  log('');
  log(table(rows));
  log('');
  const goals = results
    .filter((r) => r.kind === 'pick')
    .map((r) => ({ goal: `${r.case}: one pick over ${n} endpoints < ${fmt(r.targetUs ?? Number.NaN, 0)} µs`, value: `${fmt(r.usPerOp, 2)} µs (${ratio(r.ofTarget ?? Number.NaN)} of the target)`, met: r.usPerOp < (r.targetUs ?? 0) }));
  for (const g of goals) log(`  ${g.met ? 'met ' : 'MISS'}  ${g.goal}: ${g.value}`);
  const file = writeResults(values.out, {
    scenario: 'pick',
    date: new Date().toISOString(),
    machine: m,
    options: { batches, batchMs, endpoints: n, profile: 'default (queue-scorer 2, kv-cache-utilization-scorer 2, prefix-cache-scorer 3)' },
    prefixChecks: checks,
    results,
    goals,
    table: markdownTable(rows),
  });
  log(`  results: ${file}`);
}

export const pick: Scenario = {
  description: 'one endpoint pick (default profile, 16 endpoints) for 8 KB and 200 KB prompts, cold and warm prefix index, against JSON.stringify/parse of the body',
  usage: USAGE,
  run: runPick,
};
