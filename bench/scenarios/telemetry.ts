// Scenario `telemetry`: what telemetry costs on the request path. The same Sluice (same build, same
// manifests, same upstream) runs three times side by side and is measured in the same run:
//   off     request metrics off (--no-request-metrics), no access log (--access-log off), no flow log
//           (--flow-log-size 0), no tracing (OTEL_* unset, OTEL_SDK_DISABLED=true);
//   logs    Prometheus request metrics + the JSON access log to a file (or --access-log-dest) + the
//           in-memory flow log (10,000 records), the defaults of `sluice run` apart from the file;
//   traced  logs + OpenTelemetry tracing sampled at 100% (OTEL_TRACES_SAMPLER=always_on), exported
//           over OTLP/HTTP to a local receiver (bench/lib/otlp-sink.ts: counts spans, parses nothing).
// Chat completions, JSON and SSE streams, at 50 connections (throughput) and 1 (added latency).
// Runs are interleaved (run 1 of every case and variant, then run 2, …; the variant order rotates
// from run to run) and medians reported; every figure is a ratio against `off` of the same run.
// At the end, what each variant really did is checked: its request count on /metrics, its flow log,
// its access-log lines and the spans the receiver got.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { armDeadline, onCleanup } from '../lib/children.ts';
import type { LoadConfig } from '../lib/load-types.ts';
import { measureOnce, Remeasure } from '../lib/measure.ts';
import type { RunRecord } from '../lib/measure.ts';
import { startOtlpSink } from '../lib/otlp-sink.ts';
import { pinToCpus } from '../lib/procstat.ts';
import { describeMachine, fmt, machine, markdownTable, ratio, signed, table, writeResults } from '../lib/report.ts';
import { median } from '../lib/stats.ts';
import { BENCH_MODEL, LoadGenerator, prepareRuntime, startSluice, startUpstream } from '../lib/targets.ts';
import type { Running } from '../lib/targets.ts';
import type { Scenario } from './types.ts';

type VariantName = 'off' | 'logs' | 'traced';
type Mode = 'json' | 'stream';
const VARIANTS: readonly VariantName[] = ['off', 'logs', 'traced'];
const VARIANT_LABEL: Record<VariantName, string> = { off: 'off', logs: 'metrics+logs', traced: 'metrics+logs+traces' };

interface Variant {
  readonly name: VariantName;
  readonly running: Running & { readonly adminPort: number };
  readonly pid: number;
  /** The access-log file, when it writes one. */
  readonly accessLog: string | undefined;
}

interface Case {
  readonly mode: Mode;
  readonly connections: number;
}
const caseKey = (c: Case) => `${c.mode} c=${c.connections}`;

interface Summary {
  readonly case: string;
  readonly variant: VariantName;
  readonly runs: number;
  readonly cleanRuns: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly ttfbP50: number;
  readonly cpuMsPerRequest: number;
  readonly rssMiB: number;
  readonly errors: number;
  readonly foreignCores: number;
  readonly firstError?: string;
}

const USAGE = `  --duration SEC        measured time per run (default 1.5)
  --warmup SEC          warm-up before each run (default 0.5)
  --runs N              repetitions; medians are reported (default 3)
  --connections LIST    connection counts (default 1,50)
  --modes LIST          json,stream (default both)
  --variants LIST       off,logs,traced (default all; off is the reference)
  --access-log-dest D   where the logs and traced variants write the access log: file (a file in a
                        temporary folder, default), or any --access-log value (/dev/null, stdout …)
  --chunks N            content chunks per stream (default 20)
  --timeout-ms MS       per-request limit (default 10000)
  --pin                 pin the gateways to the last CPU, the upstream and load generator to the others
  --max-foreign CORES   measure a run again when other processes used more CPU than this (default 0.2)
  --retries N           at most this many times (default 2)
  --sluice HOW          build (default), dist or source, as for the proxy scenario
  --out NAME            results file bench/results/NAME.json (default telemetry)
  --verbose             echo the children's output`;

function list(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

/** This process's environment without any OTEL_* variable (a variant sets its own). */
function envWithoutOtel(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL_')) env[k] = v;
  return env;
}

async function getText(url: string): Promise<{ status: number; body: string }> {
  const res = await request(url, { headersTimeout: 5000, bodyTimeout: 5000 });
  return { status: res.statusCode, body: await res.body.text() };
}

/** Sum of a counter's samples in a Prometheus text exposition. */
function counterSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(name + '{') || line.startsWith(name + ' ')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function runTelemetry(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '1.5' },
      warmup: { type: 'string', default: '0.5' },
      runs: { type: 'string', default: '3' },
      connections: { type: 'string', default: '1,50' },
      modes: { type: 'string', default: 'json,stream' },
      variants: { type: 'string', default: VARIANTS.join(',') },
      'access-log-dest': { type: 'string', default: 'file' },
      chunks: { type: 'string', default: '20' },
      'timeout-ms': { type: 'string', default: '10000' },
      'max-foreign': { type: 'string', default: '0.2' },
      pin: { type: 'boolean', default: false },
      retries: { type: 'string', default: '2' },
      sluice: { type: 'string', default: 'build' },
      out: { type: 'string', default: 'telemetry' },
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
  for (const m of modes) if (m !== 'json' && m !== 'stream') throw new Error(`--modes: unknown mode "${m}" (json, stream)`);
  if (!connections.every((c) => Number.isInteger(c) && c > 0 && c <= 1000)) throw new Error('--connections: integers from 1 to 1000');
  if (!(durationMs > 0 && durationMs <= 600_000) || !(warmupMs >= 0 && warmupMs <= 60_000)) throw new Error('--duration up to 600 s, --warmup up to 60 s');
  const wanted = list(values.variants) as VariantName[];
  for (const v of wanted) if (!VARIANTS.includes(v)) throw new Error(`--variants: unknown variant "${v}" (${VARIANTS.join(', ')})`);
  if (!wanted.includes('off')) wanted.unshift('off');
  const entry = values.sluice;
  if (entry !== 'build' && entry !== 'dist' && entry !== 'source') throw new Error('--sluice: build, dist or source');

  const cases: Case[] = modes.flatMap((mode) => connections.map((c) => ({ mode, connections: c })));
  const primingMs = 1000;
  const estimateMs = runs * cases.length * wanted.length * (durationMs + warmupMs + 150) + wanted.length * modes.length * primingMs + 30_000;
  const retryBudget = Math.max(4, Math.ceil((runs * cases.length * wanted.length) / 3));
  armDeadline(estimateMs * 2 + 300_000, 'the telemetry benchmark');

  const m = machine();
  const log = (s: string) => process.stdout.write(s + '\n');
  log(`bench telemetry: ${describeMachine(m)}`);
  log(`  ${runs} run(s) × ${cases.length} case(s) × ${wanted.length} variant(s), ${durationMs / 1000} s each after ${warmupMs / 1000} s warm-up; about ${Math.round(estimateMs / 1000)} s`);

  const rt = await prepareRuntime(entry, log);
  const upstream = await startUpstream(rt, { chunks: Number(values.chunks), chunkDelayMs: 0, echo });
  const loadgen = await LoadGenerator.start(rt, echo);
  const sink = wanted.includes('traced') ? await startOtlpSink() : undefined;
  onCleanup(() => void sink?.close());
  const logDir = mkdtempSync(join(tmpdir(), 'sluice-bench-telemetry-'));
  onCleanup(() => rmSync(logDir, { recursive: true, force: true }));
  const dest = values['access-log-dest'];
  const base = envWithoutOtel();

  const variants: Variant[] = [];
  for (const name of wanted) {
    const accessLog = name === 'off' ? undefined : dest === 'file' ? join(logDir, `${name}.log`) : dest;
    const args = name === 'off' ? ['--access-log', 'off', '--flow-log-size', '0', '--no-request-metrics'] : ['--access-log', accessLog!];
    const env: NodeJS.ProcessEnv =
      name === 'traced'
        ? { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: sink!.url, OTEL_TRACES_SAMPLER: 'always_on', OTEL_SERVICE_NAME: 'sluice-bench' }
        : { ...base, OTEL_SDK_DISABLED: 'true' };
    const r = await startSluice({ upstreamPort: upstream.port, command: rt.sluice, echo, name: `sluice (${VARIANT_LABEL[name]})`, args, env });
    variants.push({ name, running: r, pid: r.child.pid, accessLog: accessLog !== undefined && dest === 'file' ? accessLog : undefined });
  }
  log(`  access log (${wanted.filter((v) => v !== 'off').join(', ')}): ${dest === 'file' ? `a file in ${logDir}` : dest}; tracing: ${sink ? `always_on, OTLP/HTTP JSON to ${sink.url}/v1/traces` : 'not measured'}`);

  if (values.pin) {
    const n = m.cpus;
    if (n < 2) throw new Error('--pin needs at least 2 CPUs');
    const gatewayCpu = String(n - 1);
    const rest = n === 2 ? '0' : `0-${n - 2}`;
    const ok = [pinToCpus(upstream.child.pid, rest), pinToCpus(loadgen.child.pid, rest), pinToCpus(process.pid, rest), ...variants.map((v) => pinToCpus(v.pid, gatewayCpu))];
    if (ok.some((x) => !x)) throw new Error('--pin: taskset failed (is util-linux installed?)');
    log(`  pinned: gateways on CPU ${gatewayCpu}; upstream, load generator and OTLP receiver on CPU ${rest}`);
  }

  const bodyFor = (mode: Mode) =>
    JSON.stringify({
      model: BENCH_MODEL,
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'Say this is a benchmark, in twenty tokens or so.' },
      ],
      max_tokens: 64,
      ...(mode === 'stream' ? { stream: true, stream_options: { include_usage: true } } : {}),
    });
  const config = (v: Variant, c: Case, warm: number, duration: number): LoadConfig => ({
    origin: v.running.origin,
    path: '/v1/chat/completions',
    headers: {},
    body: bodyFor(c.mode),
    connections: c.connections,
    warmupMs: warm,
    rampMs: Math.min(warm / 2, 250),
    durationMs: duration,
    timeoutMs,
  });

  // Prime every variant once (JIT, connection pools) and check that it answers.
  for (const v of variants) {
    for (const mode of modes) {
      const r = await loadgen.run(config(v, { mode, connections: Math.max(...connections) }, 0, primingMs));
      if (r.requests === 0) throw new Error(`${VARIANT_LABEL[v.name]} answered no ${mode} request successfully while priming (${r.firstError ?? 'no error recorded'})`);
      if (r.errors > 0) log(`  warning: ${VARIANT_LABEL[v.name]} failed ${r.errors} ${mode} request(s) while priming: ${r.firstError ?? ''}`);
    }
  }

  const remeasure = new Remeasure(maxForeign, maxRetries, retryBudget);
  const records = new Map<string, RunRecord[]>();
  const started = Date.now();
  for (let run = 1; run <= runs; run++) {
    // The variant order rotates from run to run, so that none is always measured right after another.
    const order = variants.map((_, i) => variants[(i + run - 1) % variants.length]!);
    for (const c of cases) {
      for (const v of order) {
        const rec = await remeasure.run(() => measureOnce(loadgen, config(v, c, warmupMs, durationMs), { gateway: v.pid, upstream: upstream.child.pid }));
        const key = `${caseKey(c)}|${v.name}`;
        records.set(key, [...(records.get(key) ?? []), rec]);
        if (process.stdout.isTTY) process.stdout.write(`\r  run ${run}/${runs}  ${caseKey(c).padEnd(12)} ${VARIANT_LABEL[v.name].padEnd(20)} ${fmt(rec.load.rps, 0).padStart(7)} req/s  p50 ${fmt(rec.load.latencyMs.p50, 3)} ms  foreign CPU ${fmt(rec.foreignCores, 2)}   `);
      }
    }
  }
  if (process.stdout.isTTY) process.stdout.write(`\r${' '.repeat(110)}\r`);
  const elapsedS = (Date.now() - started) / 1000;

  // What each variant really did: requests counted on /metrics, flows kept, access-log lines, spans.
  const spans = sink ? await sink.settle(6000, 15_000) : 0;
  const checks: Record<string, Record<string, number | string | null>> = {};
  for (const v of variants) {
    const admin = `http://127.0.0.1:${v.running.adminPort}`;
    const metrics = await getText(`${admin}/metrics`);
    const summary = await getText(`${admin}/api/summary`);
    const flowLog = (JSON.parse(summary.body) as { flowLog?: { lastSeq?: number } }).flowLog;
    let accessLines: number | null = null;
    if (v.accessLog !== undefined && existsSync(v.accessLog)) {
      // The access log flushes within a second.
      await new Promise((r) => setTimeout(r, 1200));
      accessLines = statSync(v.accessLog).size > 0 ? readFileSync(v.accessLog, 'utf8').split('\n').filter((l) => l.length > 0).length : 0;
    }
    checks[v.name] = {
      requestsOnMetrics: counterSum(metrics.body, 'sluice_requests_total'),
      flowRecords: flowLog?.lastSeq ?? null,
      accessLogLines: accessLines,
      spansReceived: v.name === 'traced' ? spans : null,
    };
  }

  const summaries: Summary[] = [];
  for (const c of cases) {
    for (const v of variants) {
      const all = records.get(`${caseKey(c)}|${v.name}`) ?? [];
      const rs = remeasure.clean(all);
      const med = (f: (r: RunRecord) => number) => median(rs.map(f));
      const firstError = rs.find((r) => r.load.firstError !== undefined)?.load.firstError;
      summaries.push({
        case: caseKey(c),
        variant: v.name,
        runs: all.length,
        cleanRuns: all.filter((r) => !(r.foreignCores > maxForeign)).length,
        rps: med((r) => r.load.rps),
        p50: med((r) => r.load.latencyMs.p50),
        p99: med((r) => r.load.latencyMs.p99),
        ttfbP50: med((r) => r.load.ttfbMs.p50),
        cpuMsPerRequest: med((r) => r.gatewayCpuMsPerRequest),
        rssMiB: Math.max(...rs.map((r) => r.rssMiB)),
        errors: rs.reduce((n, r) => n + r.load.errors, 0),
        foreignCores: med((r) => r.foreignCores),
        ...(firstError !== undefined ? { firstError } : {}),
      });
    }
  }
  const get = (k: string, v: VariantName) => summaries.find((s) => s.case === k && s.variant === v);

  const rows: string[][] = [['case', 'variant', 'req/s', 'p50 ms', 'p99 ms', 'TTFB p50', 'CPU ms/req', 'RSS MiB', 'errors']];
  for (const s of summaries) rows.push([s.case, VARIANT_LABEL[s.variant], fmt(s.rps, 0), fmt(s.p50, 3), fmt(s.p99, 3), s.case.startsWith('stream') ? fmt(s.ttfbP50, 3) : '—', fmt(s.cpuMsPerRequest, 4), fmt(s.rssMiB, 0), String(s.errors)]);

  const others = variants.filter((v) => v.name !== 'off');
  const ratioRows: string[][] = [['case', ...others.flatMap((v) => [`${VARIANT_LABEL[v.name]}/off req/s`, `+p50 ms`, `CPU/req ratio`])]];
  const ratios: Record<string, Record<string, number>> = {};
  for (const c of cases) {
    const k = caseKey(c);
    const off = get(k, 'off');
    const r: Record<string, number> = {};
    const row = [k];
    for (const v of others) {
      const s = get(k, v.name);
      const rps = s && off ? s.rps / off.rps : Number.NaN;
      const addedP50 = s && off ? s.p50 - off.p50 : Number.NaN;
      const cpu = s && off ? s.cpuMsPerRequest / off.cpuMsPerRequest : Number.NaN;
      r[`${v.name}OverOffRps`] = rps;
      r[`${v.name}AddedP50Ms`] = addedP50;
      r[`${v.name}OverOffCpu`] = cpu;
      row.push(ratio(rps), signed(addedP50, 3), ratio(cpu));
    }
    ratios[k] = r;
    ratioRows.push(row);
  }

  const goals: { goal: string; value: string; met: boolean | undefined }[] = [];
  for (const c of cases) {
    if (c.connections !== 50) continue;
    const k = caseKey(c);
    const mode = c.mode === 'json' ? 'JSON' : 'SSE streams';
    const logs = ratios[k]?.['logsOverOffRps'];
    const traced = ratios[k]?.['tracedOverOffRps'];
    if (logs !== undefined) goals.push({ goal: `${mode} at 50 connections: metrics + access log + flow log ≥ 0.9x the req/s with them off`, value: ratio(logs), met: Number.isFinite(logs) ? logs >= 0.9 : undefined });
    if (traced !== undefined) goals.push({ goal: `${mode} at 50 connections: + tracing at 100% ≥ 0.8x the req/s with telemetry off`, value: ratio(traced), met: Number.isFinite(traced) ? traced >= 0.8 : undefined });
  }

  log('');
  log(table(rows));
  log('');
  log(table(ratioRows));
  log('');
  for (const g of goals) log(`  ${g.met === undefined ? '    ' : g.met ? 'met ' : 'MISS'}  ${g.goal}: ${g.value}`);
  for (const v of variants) {
    const ch = checks[v.name]!;
    log(`  ${VARIANT_LABEL[v.name]}: sluice_requests_total ${ch['requestsOnMetrics']}, flow records ${ch['flowRecords'] ?? 'n/a'}, access-log lines ${ch['accessLogLines'] ?? 'n/a'}${v.name === 'traced' ? `, spans received ${ch['spansReceived']} (${fmt(Number(ch['spansReceived']) / Number(ch['requestsOnMetrics']), 2)} per request counted)` : ''}`);
  }
  if (sink && sink.refused > 0) log(`  warning: the OTLP receiver refused ${sink.refused} export(s)`);
  for (const s of summaries.filter((x) => x.errors > 0)) log(`  errors: ${VARIANT_LABEL[s.variant]} ${s.case}: ${s.errors} (${s.firstError ?? ''})`);
  const foreign = median(summaries.map((s) => s.foreignCores));
  log(`  measured in ${fmt(elapsedS, 0)} s; other processes used ${fmt(foreign, 2)} cores (median per run)${remeasure.count > 0 ? `; ${remeasure.count} run(s) measured again because of that load` : ''}`);

  const file = writeResults(values.out, {
    scenario: 'telemetry',
    date: new Date().toISOString(),
    machine: m,
    options: { pin: values.pin, durationMs, warmupMs, runs, connections, modes, variants: wanted, accessLogDest: dest, chunks: Number(values.chunks), sluice: entry },
    variants: Object.fromEntries(variants.map((v) => [v.name, VARIANT_LABEL[v.name]])),
    summaries,
    ratios,
    goals,
    checks,
    table: markdownTable(rows),
    ratioTable: markdownTable(ratioRows),
    runs: Object.fromEntries(records),
  });
  log(`  results: ${file}`);
}

export const telemetry: Scenario = {
  description: 'what telemetry costs: Sluice with metrics, access log and flow log off, on, and with tracing at 100% (JSON, SSE; 1 and 50 connections)',
  usage: USAGE,
  run: runTelemetry,
};
