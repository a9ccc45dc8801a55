// Scenario `profile`: Sluice under load with `node --cpu-prof`; prints the functions and areas with
// the most self time inside the measured window, writes bench/results/profile.json and keeps the
// .cpuprofile (open it in Chrome DevTools → Performance, or VS Code) beside it.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { armDeadline, onCleanup } from '../lib/children.ts';
import { summarize } from '../lib/cpuprofile.ts';
import { cpuTimeMs } from '../lib/procstat.ts';
import { describeMachine, fmt, machine, markdownTable, table, writeResults } from '../lib/report.ts';
import { BENCH_DIR, BENCH_MODEL, buildOtherSluice, LoadGenerator, PACED_MODEL, prepareRuntime, PROJECT_ROOT, startSluice, startUpstream } from '../lib/targets.ts';
import type { Scenario } from './types.ts';

const USAGE = `  --duration SEC        profiled load (default 10)
  --warmup SEC          load before the profiled window (default 2)
  --connections N       (default 50)
  --mode MODE           json, stream or paced (default json)
  --paced-delay-ms MS   delay between chunks of paced streams (default 10)
  --top N               functions listed (default 25)
  --sluice HOW          build (default), dist or source, as for the proxy scenario
  --root DIR            profile the Sluice of another checkout (compiled into DIR/.tmp/bench-dist)
  --out NAME            results file bench/results/NAME.json and NAME.cpuprofile (default profile)
  --verbose             echo the children's output`;

async function runProfile(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '50' },
      mode: { type: 'string', default: 'json' },
      'paced-delay-ms': { type: 'string', default: '10' },
      top: { type: 'string', default: '25' },
      sluice: { type: 'string', default: 'build' },
      root: { type: 'string' },
      out: { type: 'string', default: 'profile' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const durationMs = Math.round(Number(values.duration) * 1000);
  const warmupMs = Math.round(Number(values.warmup) * 1000);
  const connections = Number(values.connections);
  const mode = values.mode;
  if (mode !== 'json' && mode !== 'stream' && mode !== 'paced') throw new Error('--mode: json, stream or paced');
  if (!(durationMs > 0 && durationMs <= 300_000) || !(warmupMs >= 0 && warmupMs <= 60_000)) throw new Error('--duration up to 300 s, --warmup up to 60 s');
  if (!(Number.isInteger(connections) && connections > 0 && connections <= 1000)) throw new Error('--connections: 1 to 1000');
  armDeadline(durationMs + warmupMs + 120_000, 'the profile benchmark');

  const m = machine();
  const log = (s: string) => process.stdout.write(s + '\n');
  log(`bench profile: ${describeMachine(m)}`);
  log(`  Sluice with --cpu-prof, ${mode} at ${connections} connections, ${durationMs / 1000} s after ${warmupMs / 1000} s warm-up`);

  const resultsDir = resolve(BENCH_DIR, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const profileFile = join(resultsDir, `${values.out}.cpuprofile`);
  rmSync(profileFile, { force: true });
  // Node writes one profile per thread (the tsx loader has a thread of its own): collect them in a
  // fresh folder and keep the main thread's, the one with the most samples.
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-prof-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));

  const entry = values.sluice;
  if (entry !== 'build' && entry !== 'dist' && entry !== 'source') throw new Error('--sluice: build, dist or source');
  const rt = await prepareRuntime(entry, log);
  const upstream = await startUpstream(rt, { chunks: 20, chunkDelayMs: 0, pacedDelayMs: Number(values['paced-delay-ms']), echo: values.verbose });
  const loadgen = await LoadGenerator.start(rt, values.verbose);
  const command = values.root !== undefined ? await buildOtherSluice(resolve(values.root), log) : rt.sluice;
  // Samples are placed on the profile's timeline from the moment Sluice is spawned.
  const spawnedAt = performance.now();
  const sluice = await startSluice({ upstreamPort: upstream.port, command, ...(values.root !== undefined ? { root: resolve(values.root) } : {}), echo: values.verbose, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  let from = 0;
  let to = 0;
  let cpu0 = 0;
  let cpu1 = 0;
  const body = JSON.stringify({ model: mode === 'paced' ? PACED_MODEL : BENCH_MODEL, messages: [{ role: 'user', content: 'Say this is a benchmark.' }], max_tokens: 64, ...(mode !== 'json' ? { stream: true } : {}) });
  const result = await loadgen.run(
    { origin: sluice.origin, path: '/v1/chat/completions', headers: {}, body, connections, warmupMs, rampMs: warmupMs / 2, durationMs, timeoutMs: 30_000 },
    {
      onMeasuring: () => ((from = performance.now() - spawnedAt), (cpu0 = cpuTimeMs(sluice.child.pid))),
      onMeasured: () => ((to = performance.now() - spawnedAt), (cpu1 = cpuTimeMs(sluice.child.pid))),
    },
  );
  // A clean exit (SIGTERM → close → exit) makes Node write the profile.
  await sluice.child.stop(10_000);
  const deadline = Date.now() + 10_000;
  const written = () => readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  while (written().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const main = written()
    .map((f) => ({ f, size: statSync(join(dir, f)).size }))
    .sort((a, b) => b.size - a.size)[0];
  if (!main) throw new Error(`Sluice wrote no profile to ${dir}`);
  copyFileSync(join(dir, main.f), profileFile);
  rmSync(dir, { recursive: true, force: true });

  const top = Number(values.top);
  const summary = summarize(profileFile, values.root !== undefined ? resolve(values.root) : PROJECT_ROOT, { fromMs: from, toMs: to }, top);
  const fnRows = [['self %', 'self ms', 'total %', 'function', 'where', 'area']];
  for (const f of summary.functions) fnRows.push([fmt(f.selfPct, 1), fmt(f.selfMs, 0), fmt(f.totalPct, 1), f.function, f.where, f.area]);
  const areaRows = [['self %', 'self ms', 'area']];
  for (const a of summary.areas) areaRows.push([fmt(a.selfPct, 1), fmt(a.selfMs, 0), a.area]);

  log('');
  log(`  ${fmt(result.rps, 0)} req/s (with the profiler on), p50 ${fmt(result.latencyMs.p50, 3)} ms, ${result.errors} errors; Sluice CPU ${fmt((cpu1 - cpu0) / result.requests, 3)} ms/request`);
  log(`  ${summary.samples} samples in the window, ${fmt(summary.busyMs, 0)} ms busy, ${fmt(summary.idleMs, 0)} ms idle (percentages are of busy time)`);
  log('');
  log(table(areaRows));
  log('');
  log(table(fnRows));
  const file = writeResults(values.out, {
    scenario: 'profile',
    date: new Date().toISOString(),
    machine: m,
    options: { durationMs, warmupMs, connections, mode, sluice: entry, root: values.root ?? null },
    load: result,
    sluiceCpuMsPerRequest: (cpu1 - cpu0) / result.requests,
    profile: profileFile,
    summary,
    areaTable: markdownTable(areaRows),
    functionTable: markdownTable(fnRows),
  });
  log('');
  log(`  results: ${file}`);
  log(`  profile: ${profileFile}`);
}

export const profile: Scenario = {
  description: 'Sluice under load with --cpu-prof: top self-time functions and areas',
  usage: USAGE,
  run: runProfile,
};
