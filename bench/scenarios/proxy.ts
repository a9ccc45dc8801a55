// Scenario `proxy`: chat completions through each target — direct to the upstream, the bare node:http
// proxy, Sluice, Portkey — measured in the same run: JSON and SSE streams (chunks as fast as the upstream
// can write them) at 1 and 50 connections, and paced streams (a delay between chunks, as a model server
// produces tokens) at 50 connections, where time to first byte is the gateway's latency, not queueing.
// Repeated runs, interleaved (run 1 of every case and target, then run 2, …), medians reported.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { armDeadline } from '../lib/children.ts';
import type { LoadConfig } from '../lib/load-types.ts';
import { installPortkey, PORTKEY_VERSION, portkeyHeaders, startPortkey } from '../lib/portkey.ts';
import { measureOnce, Remeasure } from '../lib/measure.ts';
import type { RunRecord } from '../lib/measure.ts';
import { pinToCpus } from '../lib/procstat.ts';
import { describeMachine, fmt, machine, markdownTable, ratio, signed, table, writeResults } from '../lib/report.ts';
import { median } from '../lib/stats.ts';
import { BENCH_MODEL, buildOtherSluice, LoadGenerator, PACED_MODEL, prepareRuntime, startBareProxy, startSluice, startUpstream } from '../lib/targets.ts';
import type { Running } from '../lib/targets.ts';
import type { Scenario } from './types.ts';

type TargetName = 'direct' | 'bare' | 'sluice' | 'sluiceB' | 'portkey';
type Mode = 'json' | 'stream' | 'paced';
const TARGET_LABEL: Record<TargetName, string> = { direct: 'direct', bare: 'bare proxy', sluice: 'Sluice', sluiceB: 'Sluice B', portkey: 'Portkey' };

interface Target {
  readonly name: TargetName;
  readonly running: Running;
  /** The process whose CPU and memory count as the gateway's (none for direct). */
  readonly gatewayPid: number | undefined;
  readonly headers: Record<string, string>;
}

interface Case {
  readonly mode: Mode;
  readonly connections: number;
}
const caseKey = (c: Case) => `${c.mode} c=${c.connections}`;

export interface Summary {
  readonly case: string;
  readonly target: TargetName;
  readonly runs: number;
  /** Runs with no more foreign load than --max-foreign; the medians use only these when there are any. */
  readonly cleanRuns: number;
  readonly rps: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly ttfbP50: number;
  readonly ttfbP99: number;
  readonly addedP50: number;
  readonly addedP99: number;
  readonly addedTtfbP50: number;
  readonly gatewayCpuMsPerRequest: number;
  readonly upstreamCpuMsPerRequest: number;
  readonly loadgenCpuMsPerRequest: number;
  readonly rssMiB: number;
  readonly errors: number;
  readonly foreignCores: number;
  readonly firstError?: string;
}

const USAGE = `  --duration SEC        measured time per run (default 1.5)
  --warmup SEC          warm-up before each run (default 0.5)
  --runs N              repetitions; medians are reported (default 3)
  --connections LIST    connection counts (default 1,50)
  --modes LIST          json,stream,paced (default all)
  --paced-connections L connection counts for paced streams (default 50)
  --paced-delay-ms MS   delay between chunks of paced streams (default 10)
  --targets LIST        direct,bare,sluice,portkey (default all)
  --no-portkey          skip the peer (no npm install)
  --portkey-version V   @portkey-ai/gateway version (default ${PORTKEY_VERSION})
  --chunks N            content chunks per stream (default 20)
  --chunk-delay-ms MS   delay between stream chunks (default 0: next event loop turn)
  --timeout-ms MS       per-request limit (default 10000)
  --pin                 pin each gateway to the last CPU and the upstream and load generator to the
                        others (taskset), so a gateway's figures are what one core of its own carries
  --max-foreign CORES   measure a run again when other processes used more CPU than this (default 0.2)
  --retries N           at most this many times (default 2)
  --sluice HOW          build: compile the checkout into .tmp/bench-dist and run that (default);
                        dist: bin/sluice.js (needs npm run build); source: cli/main.ts through tsx
  --root DIR            measure the Sluice of another checkout (e.g. a \`git archive\` of a commit)
  --b-root DIR          also measure "Sluice B", built from another checkout (an A/B comparison)
  --out NAME            results file bench/results/NAME.json (default proxy)
  --verbose             echo the children's output`;

function list(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

async function runProxy(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '1.5' },
      warmup: { type: 'string', default: '0.5' },
      runs: { type: 'string', default: '3' },
      connections: { type: 'string', default: '1,50' },
      modes: { type: 'string', default: 'json,stream,paced' },
      'paced-connections': { type: 'string', default: '50' },
      'paced-delay-ms': { type: 'string', default: '10' },
      targets: { type: 'string', default: 'direct,bare,sluice,portkey' },
      'no-portkey': { type: 'boolean', default: false },
      'portkey-version': { type: 'string', default: PORTKEY_VERSION },
      chunks: { type: 'string', default: '20' },
      'chunk-delay-ms': { type: 'string', default: '0' },
      'timeout-ms': { type: 'string', default: '10000' },
      'max-foreign': { type: 'string', default: '0.2' },
      pin: { type: 'boolean', default: false },
      retries: { type: 'string', default: '2' },
      sluice: { type: 'string', default: 'build' },
      'b-root': { type: 'string' },
      root: { type: 'string' },
      out: { type: 'string', default: 'proxy' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const durationMs = Math.round(Number(values.duration) * 1000);
  const warmupMs = Math.round(Number(values.warmup) * 1000);
  const runs = Math.max(1, Math.floor(Number(values.runs)));
  const connections = list(values.connections).map(Number);
  const modes = list(values.modes) as Mode[];
  const timeoutMs = Number(values['timeout-ms']);
  const maxForeign = Number(values['max-foreign']);
  const maxRetries = Math.max(0, Math.floor(Number(values.retries)));
  const echo = values.verbose;
  const pacedConnections = list(values['paced-connections']).map(Number);
  for (const m of modes) if (m !== 'json' && m !== 'stream' && m !== 'paced') throw new Error(`--modes: unknown mode "${m}" (json, stream, paced)`);
  if (![...connections, ...pacedConnections].every((c) => Number.isInteger(c) && c > 0 && c <= 1000)) throw new Error('--connections: integers from 1 to 1000');
  if (!(durationMs > 0 && durationMs <= 600_000) || !(warmupMs >= 0 && warmupMs <= 60_000)) throw new Error('--duration up to 600 s, --warmup up to 60 s');
  let wanted = list(values.targets) as TargetName[];
  for (const t of wanted) if (!(t in TARGET_LABEL)) throw new Error(`--targets: unknown target "${t}" (direct, bare, sluice, portkey)`);
  if (values['no-portkey']) wanted = wanted.filter((t) => t !== 'portkey');
  const bRoot = values['b-root'];
  if (bRoot !== undefined && !wanted.includes('sluiceB')) wanted.splice(wanted.includes('sluice') ? wanted.indexOf('sluice') + 1 : wanted.length, 0, 'sluiceB');
  if (bRoot === undefined) wanted = wanted.filter((t) => t !== 'sluiceB');
  const entry = values.sluice;
  if (entry !== 'build' && entry !== 'dist' && entry !== 'source') throw new Error('--sluice: build, dist or source');

  const cases: Case[] = modes.flatMap((mode) => (mode === 'paced' ? pacedConnections : connections).map((c) => ({ mode, connections: c })));
  const primingMs = 1000;
  const estimateMs = runs * cases.length * wanted.length * (durationMs + warmupMs + 150) + wanted.length * modes.length * primingMs + 20_000;
  // Re-measuring under foreign load is bounded too: at most a third of the runs again.
  const retryBudget = Math.max(4, Math.ceil((runs * cases.length * wanted.length) / 3));
  armDeadline(estimateMs * 2 + 300_000, 'the proxy benchmark');

  const m = machine();
  const log = (s: string) => process.stdout.write(s + '\n');
  log(`bench proxy: ${describeMachine(m)}`);
  log(`  ${runs} run(s) × ${cases.length} case(s) × ${wanted.length} target(s), ${durationMs / 1000} s each after ${warmupMs / 1000} s warm-up; about ${Math.round(estimateMs / 1000)} s`);

  const rt = await prepareRuntime(entry, log);
  const upstream = await startUpstream(rt, { chunks: Number(values.chunks), chunkDelayMs: Number(values['chunk-delay-ms']), pacedDelayMs: Number(values['paced-delay-ms']), echo });
  const loadgen = await LoadGenerator.start(rt, echo);
  const targets: Target[] = [];
  let portkeySkipped: string | undefined;
  for (const name of wanted) {
    if (name === 'direct') targets.push({ name, running: upstream, gatewayPid: undefined, headers: {} });
    else if (name === 'bare') {
      const r = await startBareProxy(rt, upstream.origin, echo);
      targets.push({ name, running: r, gatewayPid: r.child.pid, headers: {} });
    } else if (name === 'sluice') {
      const root = values.root !== undefined ? resolve(values.root) : undefined;
      const command = root !== undefined ? await buildOtherSluice(root, log) : rt.sluice;
      const r = await startSluice({ upstreamPort: upstream.port, command, ...(root !== undefined ? { root } : {}), echo });
      targets.push({ name, running: r, gatewayPid: r.child.pid, headers: {} });
    } else if (name === 'sluiceB') {
      const root = resolve(bRoot ?? '.');
      const r = await startSluice({ upstreamPort: upstream.port, command: await buildOtherSluice(root, log), root, echo, name: 'sluice B' });
      targets.push({ name, running: r, gatewayPid: r.child.pid, headers: {} });
    } else {
      try {
        const install = await installPortkey(values['portkey-version'], log);
        const r = await startPortkey(install, echo);
        targets.push({ name, running: r, gatewayPid: r.child.pid, headers: portkeyHeaders(upstream.origin) });
      } catch (err) {
        portkeySkipped = (err as Error).message.split('\n')[0] ?? 'unknown error';
        log(`  Portkey skipped: it could not be installed or started (${portkeySkipped})`);
      }
    }
  }

  const bodyFor = (mode: Mode) =>
    JSON.stringify({
      model: mode === 'paced' ? PACED_MODEL : BENCH_MODEL,
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'Say this is a benchmark, in twenty tokens or so.' },
      ],
      max_tokens: 64,
      ...(mode !== 'json' ? { stream: true, stream_options: { include_usage: true } } : {}),
    });
  const config = (t: Target, c: Case, warm: number, duration: number): LoadConfig => ({
    origin: t.running.origin,
    path: '/v1/chat/completions',
    headers: { ...t.headers },
    body: bodyFor(c.mode),
    connections: c.connections,
    warmupMs: warm,
    rampMs: Math.min(warm / 2, 250),
    durationMs: duration,
    timeoutMs,
  });

  if (values.pin) {
    const n = m.cpus;
    if (n < 2) throw new Error('--pin needs at least 2 CPUs');
    const gatewayCpu = String(n - 1);
    const rest = n === 2 ? '0' : `0-${n - 2}`;
    const ok = [pinToCpus(upstream.child.pid, rest), pinToCpus(loadgen.child.pid, rest), ...targets.filter((t) => t.gatewayPid !== undefined).map((t) => pinToCpus(t.gatewayPid!, gatewayCpu))];
    if (ok.some((x) => !x)) throw new Error('--pin: taskset failed (is util-linux installed?)');
    log(`  pinned: gateways on CPU ${gatewayCpu}, upstream and load generator on CPU ${rest}`);
  }

  // Prime every target once (JIT, connection pools) and check that it answers correctly.
  for (const t of targets) {
    for (const mode of modes) {
      const r = await loadgen.run(config(t, { mode, connections: Math.max(...(mode === 'paced' ? pacedConnections : connections)) }, 0, primingMs));
      if (r.requests === 0) throw new Error(`${TARGET_LABEL[t.name]} answered no ${mode} request successfully while priming (${r.firstError ?? 'no error recorded'})`);
      if (r.errors > 0) log(`  warning: ${TARGET_LABEL[t.name]} failed ${r.errors} ${mode} request(s) while priming: ${r.firstError ?? ''}`);
    }
  }

  // Runs disturbed by other processes are measured again, at most a third of the runs in all.
  const remeasure = new Remeasure(maxForeign, maxRetries, retryBudget);
  const measure = (t: Target, c: Case) => () => measureOnce(loadgen, config(t, c, warmupMs, durationMs), { gateway: t.gatewayPid, upstream: upstream.child.pid });

  const records = new Map<string, RunRecord[]>();
  const started = Date.now();
  for (let run = 1; run <= runs; run++) {
    for (const c of cases) {
      for (const t of targets) {
        const rec = await remeasure.run(measure(t, c));
        const key = `${caseKey(c)}|${t.name}`;
        records.set(key, [...(records.get(key) ?? []), rec]);
        if (process.stdout.isTTY) process.stdout.write(`\r  run ${run}/${runs}  ${caseKey(c).padEnd(12)} ${TARGET_LABEL[t.name].padEnd(10)} ${fmt(rec.load.rps, 0).padStart(7)} req/s  p50 ${fmt(rec.load.latencyMs.p50, 3)} ms  foreign CPU ${fmt(rec.foreignCores, 2)}   `);
      }
    }
  }
  if (process.stdout.isTTY) process.stdout.write(`\r${' '.repeat(110)}\r`);
  const elapsedS = (Date.now() - started) / 1000;

  // Medians per case and target, then the figures relative to direct.
  const summaries: Summary[] = [];
  for (const c of cases) {
    const directAll = records.get(`${caseKey(c)}|direct`);
    const directClean = directAll?.filter((r) => !(r.foreignCores > maxForeign));
    const direct = directClean && directClean.length > 0 ? directClean : directAll;
    const directP50 = direct ? median(direct.map((r) => r.load.latencyMs.p50)) : Number.NaN;
    const directP99 = direct ? median(direct.map((r) => r.load.latencyMs.p99)) : Number.NaN;
    const directTtfb = direct ? median(direct.map((r) => r.load.ttfbMs.p50)) : Number.NaN;
    for (const t of targets) {
      const all = records.get(`${caseKey(c)}|${t.name}`) ?? [];
      // Runs disturbed by other processes are left out when there are undisturbed ones.
      const clean = all.filter((r) => !(r.foreignCores > maxForeign));
      const rs = clean.length > 0 ? clean : all;
      const med = (f: (r: RunRecord) => number) => median(rs.map(f));
      const p50 = med((r) => r.load.latencyMs.p50);
      const p99 = med((r) => r.load.latencyMs.p99);
      const ttfbP50 = med((r) => r.load.ttfbMs.p50);
      const firstError = rs.find((r) => r.load.firstError !== undefined)?.load.firstError;
      summaries.push({
        case: caseKey(c),
        target: t.name,
        runs: all.length,
        cleanRuns: clean.length,
        rps: med((r) => r.load.rps),
        p50,
        p90: med((r) => r.load.latencyMs.p90),
        p99,
        ttfbP50,
        ttfbP99: med((r) => r.load.ttfbMs.p99),
        addedP50: p50 - directP50,
        addedP99: p99 - directP99,
        addedTtfbP50: ttfbP50 - directTtfb,
        gatewayCpuMsPerRequest: med((r) => r.gatewayCpuMsPerRequest),
        upstreamCpuMsPerRequest: med((r) => r.upstreamCpuMsPerRequest),
        loadgenCpuMsPerRequest: med((r) => r.load.loadgenCpuMsPerRequest),
        rssMiB: Math.max(...rs.map((r) => r.rssMiB)),
        errors: rs.reduce((n, r) => n + r.load.errors, 0),
        foreignCores: med((r) => r.foreignCores),
        ...(firstError !== undefined ? { firstError } : {}),
      });
    }
  }
  const get = (cs: string, t: TargetName) => summaries.find((s) => s.case === cs && s.target === t);

  const rows: string[][] = [['case', 'target', 'req/s', 'p50 ms', 'p99 ms', '+p50 ms', '+p99 ms', 'TTFB p50', '+TTFB p50', 'CPU ms/req', 'RSS MiB', 'errors']];
  for (const s of summaries) {
    const isDirect = s.target === 'direct';
    const stream = !s.case.startsWith('json');
    rows.push([
      s.case,
      TARGET_LABEL[s.target],
      fmt(s.rps, 0),
      fmt(s.p50, 3),
      fmt(s.p99, 3),
      isDirect ? '—' : signed(s.addedP50, 3),
      isDirect ? '—' : signed(s.addedP99, 3),
      stream ? fmt(s.ttfbP50, 3) : '—',
      stream && !isDirect ? signed(s.addedTtfbP50, 3) : '—',
      isDirect ? '—' : fmt(s.gatewayCpuMsPerRequest, 3),
      isDirect ? '—' : fmt(s.rssMiB, 0),
      String(s.errors),
    ]);
  }

  const ratioRows: string[][] = [['case', 'Sluice/bare req/s', 'Sluice/Portkey req/s', 'Sluice +p50 ms', 'bare +p50 ms', 'Sluice +p99 ms', 'Sluice +TTFB ms', 'bare +TTFB ms', 'Sluice/bare CPU', ...(bRoot !== undefined ? ['B/Sluice req/s', 'B/Sluice CPU'] : [])]];
  const ratios: Record<string, Record<string, number>> = {};
  for (const c of cases) {
    const k = caseKey(c);
    const sl = get(k, 'sluice');
    const bare = get(k, 'bare');
    const pk = get(k, 'portkey');
    const slB = get(k, 'sluiceB');
    const r = {
      sluiceOverBareRps: sl && bare ? sl.rps / bare.rps : Number.NaN,
      sluiceOverPortkeyRps: sl && pk ? sl.rps / pk.rps : Number.NaN,
      sluiceAddedP50Ms: sl?.addedP50 ?? Number.NaN,
      bareAddedP50Ms: bare?.addedP50 ?? Number.NaN,
      sluiceAddedP99Ms: sl?.addedP99 ?? Number.NaN,
      sluiceAddedTtfbP50Ms: sl && c.mode !== 'json' ? sl.addedTtfbP50 : Number.NaN,
      bareAddedTtfbP50Ms: bare && c.mode !== 'json' ? bare.addedTtfbP50 : Number.NaN,
      sluiceOverBareCpu: sl && bare ? sl.gatewayCpuMsPerRequest / bare.gatewayCpuMsPerRequest : Number.NaN,
      sluiceBOverSluiceRps: sl && slB ? slB.rps / sl.rps : Number.NaN,
      sluiceBOverSluiceCpu: sl && slB ? slB.gatewayCpuMsPerRequest / sl.gatewayCpuMsPerRequest : Number.NaN,
    };
    ratios[k] = r;
    ratioRows.push([k, ratio(r.sluiceOverBareRps), ratio(r.sluiceOverPortkeyRps), signed(r.sluiceAddedP50Ms, 3), signed(r.bareAddedP50Ms, 3), signed(r.sluiceAddedP99Ms, 3), c.mode !== 'json' ? signed(r.sluiceAddedTtfbP50Ms, 3) : '—', c.mode !== 'json' ? signed(r.bareAddedTtfbP50Ms, 3) : '—', ratio(r.sluiceOverBareCpu), ...(bRoot !== undefined ? [ratio(r.sluiceBOverSluiceRps), ratio(r.sluiceBOverSluiceCpu)] : [])]);
  }

  // The issue's targets, judged on this run.
  const goals: { goal: string; value: string; met: boolean | undefined }[] = [];
  const top = Math.max(...connections);
  const j50 = ratios[`json c=${top}`];
  if (j50 && top === 50) {
    goals.push({ goal: 'JSON at 50 connections: Sluice ≥ 0.8x bare proxy req/s', value: ratio(j50['sluiceOverBareRps'] ?? Number.NaN), met: cmp(j50['sluiceOverBareRps'], (v) => v >= 0.8) });
    goals.push({ goal: 'JSON at 50 connections: Sluice ≥ 10x Portkey req/s', value: ratio(j50['sluiceOverPortkeyRps'] ?? Number.NaN), met: cmp(j50['sluiceOverPortkeyRps'], (v) => v >= 10) });
  }
  const j1 = ratios['json c=1'];
  if (j1) goals.push({ goal: 'JSON at 1 connection: Sluice adds ≤ 0.3 ms at p50', value: `${signed(j1['sluiceAddedP50Ms'] ?? Number.NaN, 3)} ms`, met: cmp(j1['sluiceAddedP50Ms'], (v) => v <= 0.3) });
  // Time to first byte is judged where it measures the gateway, not a saturated machine's queue: one
  // stream at a time, and paced streams. Saturated streams at 50 connections are reported beside the
  // bare proxy's figure, which shows what queueing alone costs there.
  const s1 = ratios['stream c=1'];
  if (s1) goals.push({ goal: 'Stream at 1 connection: TTFB ≤ 1 ms above direct (p50)', value: `${signed(s1['sluiceAddedTtfbP50Ms'] ?? Number.NaN, 3)} ms`, met: cmp(s1['sluiceAddedTtfbP50Ms'], (v) => v <= 1) });
  for (const c of pacedConnections) {
    const s = ratios[`paced c=${c}`];
    if (s) goals.push({ goal: `Paced streams at ${c} connections: TTFB ≤ 1 ms above direct (p50)`, value: `${signed(s['sluiceAddedTtfbP50Ms'] ?? Number.NaN, 3)} ms`, met: cmp(s['sluiceAddedTtfbP50Ms'], (v) => v <= 1) });
  }
  for (const c of connections) {
    const s = ratios[`stream c=${c}`];
    if (s && c > 1) goals.push({ goal: `(info) saturated streams at ${c} connections: Sluice TTFB above direct, bare proxy ${signed(s['bareAddedTtfbP50Ms'] ?? Number.NaN, 3)} ms`, value: `${signed(s['sluiceAddedTtfbP50Ms'] ?? Number.NaN, 3)} ms`, met: undefined });
  }

  log('');
  log(table(rows));
  log('');
  log(table(ratioRows));
  log('');
  for (const g of goals) log(`  ${g.met === undefined ? '    ' : g.met ? 'met ' : 'MISS'}  ${g.goal}: ${g.value}`);
  const directTop = get(`json c=${top}`, 'direct');
  if (directTop) {
    const lgCeiling = 1000 / directTop.loadgenCpuMsPerRequest;
    log(`  load generator: ${fmt(directTop.loadgenCpuMsPerRequest * 1000, 1)} µs CPU per JSON request at ${top} connections (≈ ${fmt(lgCeiling, 0)} req/s per core); direct reached ${fmt(directTop.rps, 0)} req/s`);
  }
  const errored = summaries.filter((s) => s.errors > 0);
  for (const s of errored) log(`  errors: ${TARGET_LABEL[s.target]} ${s.case}: ${s.errors} (${s.firstError ?? ''})`);
  const foreign = median(summaries.map((s) => s.foreignCores));
  const disturbed = summaries.filter((s) => s.cleanRuns < s.runs);
  log(`  measured in ${fmt(elapsedS, 0)} s; other processes used ${fmt(foreign, 2)} cores (median per run)${remeasure.count > 0 ? `; ${remeasure.count} run(s) measured again because of that load` : ''}`);
  if (disturbed.length > 0) log(`  ${disturbed.length} of ${summaries.length} figures come from fewer than ${runs} runs: runs with more than ${maxForeign} cores of other load were left out (${disturbed.filter((s) => s.cleanRuns === 0).length} had no undisturbed run)`);

  const file = writeResults(values.out, {
    scenario: 'proxy',
    date: new Date().toISOString(),
    machine: m,
    options: { pin: values.pin, durationMs, warmupMs, runs, connections, modes, targets: targets.map((t) => t.name), chunks: Number(values.chunks), chunkDelayMs: Number(values['chunk-delay-ms']), pacedConnections, pacedDelayMs: Number(values['paced-delay-ms']), sluice: entry, root: values.root ?? null, bRoot: bRoot ?? null, portkeyVersion: wanted.includes('portkey') ? values['portkey-version'] : null },
    portkeySkipped: portkeySkipped ?? null,
    summaries,
    ratios,
    goals,
    table: markdownTable(rows),
    ratioTable: markdownTable(ratioRows),
    runs: Object.fromEntries(records),
  });
  log(`  results: ${file}`);
}

function cmp(v: number | undefined, ok: (v: number) => boolean): boolean | undefined {
  return v === undefined || !Number.isFinite(v) ? undefined : ok(v);
}

export const proxy: Scenario = {
  description: 'chat completions (JSON, SSE) at 1 and 50 connections: direct, bare proxy, Sluice, Portkey',
  usage: USAGE,
  run: runProxy,
};
