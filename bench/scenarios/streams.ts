// Scenario `streams`: memory with many concurrent open streams. Every target carries N paced SSE streams
// at once (default 1,000; each lasts a few seconds); the gateway's RSS is sampled throughout, and RSS per
// open stream is (peak − idle) / N. The upstream counts the streams open at once on its side, which shows
// whether the gateway really holds them all open upstream or queues them (a connection cap per origin).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { armDeadline } from '../lib/children.ts';
import type { LoadResult } from '../lib/load-types.ts';
import { installPortkey, PORTKEY_VERSION, portkeyHeaders, startPortkey } from '../lib/portkey.ts';
import { memory } from '../lib/procstat.ts';
import { describeMachine, fmt, machine, markdownTable, ratio, signed, table, writeResults } from '../lib/report.ts';
import { buildOtherSluice, LoadGenerator, PACED_MODEL, prepareRuntime, startBareProxy, startSluice, startUpstream } from '../lib/targets.ts';
import type { Running } from '../lib/targets.ts';
import type { Scenario } from './types.ts';

type TargetName = 'direct' | 'bare' | 'sluice' | 'portkey';
const LABEL: Record<TargetName, string> = { direct: 'direct', bare: 'bare proxy', sluice: 'Sluice', portkey: 'Portkey' };

const USAGE = `  --streams N           concurrent streams (default 1000)
  --hold-ms MS          how long each stream stays open (default 4000)
  --ramp-ms MS          streams start spread over this time (default 1000)
  --targets LIST        direct,bare,sluice,portkey (default all)
  --no-portkey          skip the peer
  --sluice HOW          build (default), dist or source
  --root DIR            measure the Sluice of another checkout
  --out NAME            results file (default streams)
  --verbose             echo the children's output`;

interface StreamsSummary {
  readonly target: TargetName;
  readonly streams: number;
  readonly upstreamMaxOpen: number;
  readonly idleRssMiB: number;
  readonly peakRssMiB: number;
  readonly afterRssMiB: number;
  readonly kibPerStream: number;
  readonly load: LoadResult;
}

async function upstreamStats(origin: string, reset: boolean): Promise<{ openStreams: number; maxOpenStreams: number }> {
  const res = await request(`${origin}${reset ? '/stats/reset' : '/stats'}`, { method: reset ? 'POST' : 'GET', headersTimeout: 5000, bodyTimeout: 5000 });
  return (await res.body.json()) as { openStreams: number; maxOpenStreams: number };
}

async function runStreams(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      streams: { type: 'string', default: '1000' },
      'hold-ms': { type: 'string', default: '4000' },
      'ramp-ms': { type: 'string', default: '1000' },
      targets: { type: 'string', default: 'direct,bare,sluice,portkey' },
      'no-portkey': { type: 'boolean', default: false },
      sluice: { type: 'string', default: 'build' },
      root: { type: 'string' },
      out: { type: 'string', default: 'streams' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const n = Number(values.streams);
  const holdMs = Number(values['hold-ms']);
  const rampMs = Number(values['ramp-ms']);
  if (!(Number.isInteger(n) && n > 0 && n <= 10_000)) throw new Error('--streams: 1 to 10000');
  if (!(holdMs >= 500 && holdMs <= 60_000) || !(rampMs >= 0 && rampMs <= 30_000)) throw new Error('--hold-ms 500..60000, --ramp-ms 0..30000');
  const entry = values.sluice;
  if (entry !== 'build' && entry !== 'dist' && entry !== 'source') throw new Error('--sluice: build, dist or source');
  let wanted = values.targets.split(',').map((t) => t.trim()) as TargetName[];
  for (const t of wanted) if (!(t in LABEL)) throw new Error(`--targets: unknown target "${t}"`);
  if (values['no-portkey']) wanted = wanted.filter((t) => t !== 'portkey');
  const echo = values.verbose;
  const durationMs = rampMs + holdMs + 1000;
  armDeadline(wanted.length * (durationMs + 45_000) + 120_000, 'the streams benchmark');

  const m = machine();
  const log = (s: string) => process.stdout.write(s + '\n');
  log(`bench streams: ${describeMachine(m)}`);
  log(`  ${n} concurrent SSE streams per target, each open about ${holdMs / 1000} s, started over ${rampMs / 1000} s`);

  const rt = await prepareRuntime(entry, log);
  // 20 content chunks + 4 framing events: 23 gaps make up the hold time.
  const upstream = await startUpstream(rt, { chunks: 20, chunkDelayMs: 0, pacedDelayMs: Math.round(holdMs / 23), echo });
  const loadgen = await LoadGenerator.start(rt, echo);
  const targets: { name: TargetName; running: Running; pid: number | undefined; headers: Record<string, string> }[] = [];
  for (const name of wanted) {
    if (name === 'direct') targets.push({ name, running: upstream, pid: undefined, headers: {} });
    else if (name === 'bare') {
      const r = await startBareProxy(rt, upstream.origin, echo);
      targets.push({ name, running: r, pid: r.child.pid, headers: {} });
    } else if (name === 'sluice') {
      const root = values.root !== undefined ? resolve(values.root) : undefined;
      const command = root !== undefined ? await buildOtherSluice(root, log) : rt.sluice;
      const r = await startSluice({ upstreamPort: upstream.port, command, ...(root !== undefined ? { root } : {}), echo });
      targets.push({ name, running: r, pid: r.child.pid, headers: {} });
    } else {
      try {
        const r = await startPortkey(await installPortkey(PORTKEY_VERSION, log), echo);
        targets.push({ name, running: r, pid: r.child.pid, headers: portkeyHeaders(upstream.origin) });
      } catch (err) {
        log(`  Portkey skipped: it could not be installed or started (${(err as Error).message.split('\n')[0] ?? ''})`);
      }
    }
  }

  const body = JSON.stringify({ model: PACED_MODEL, messages: [{ role: 'user', content: 'Stream for a while.' }], stream: true, stream_options: { include_usage: true } });
  const results: StreamsSummary[] = [];
  for (const t of targets) {
    // Prime (JIT, pools) with a little ordinary load, then let the process settle.
    const prime = { origin: t.running.origin, path: '/v1/chat/completions', headers: t.headers, connections: 10, warmupMs: 0, durationMs: 1000, timeoutMs: 10_000 };
    await loadgen.run({ ...prime, body: JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: 'Hi' }] }) });
    await new Promise((r) => setTimeout(r, 500));
    const idle = t.pid !== undefined ? memory(t.pid).rssMiB : Number.NaN;
    await upstreamStats(upstream.origin, true);
    let peak = idle;
    const sampler = setInterval(() => {
      if (t.pid !== undefined) peak = Math.max(peak, memory(t.pid).rssMiB);
    }, 100);
    let load: LoadResult;
    try {
      load = await loadgen.run({ origin: t.running.origin, path: '/v1/chat/completions', headers: t.headers, body, connections: n, warmupMs: 0, rampMs, durationMs, timeoutMs: 30_000 });
    } finally {
      clearInterval(sampler);
    }
    const stats = await upstreamStats(upstream.origin, false);
    await new Promise((r) => setTimeout(r, 500));
    const after = t.pid !== undefined ? memory(t.pid).rssMiB : Number.NaN;
    results.push({ target: t.name, streams: n, upstreamMaxOpen: stats.maxOpenStreams, idleRssMiB: idle, peakRssMiB: peak, afterRssMiB: after, kibPerStream: ((peak - idle) * 1024) / n, load });
    log(`  ${LABEL[t.name]}: ${stats.maxOpenStreams} streams open at once upstream, RSS ${fmt(idle, 0)} → ${fmt(peak, 0)} MiB`);
  }

  const direct = results.find((r) => r.target === 'direct');
  const rows = [['target', 'streams', 'open upstream', 'RSS idle MiB', 'RSS peak MiB', 'KiB/stream', 'TTFB p50 ms', 'TTFB p99 ms', '+TTFB p50', 'completed', 'no byte yet', 'errors']];
  for (const r of results) {
    const isDirect = r.target === 'direct';
    rows.push([
      LABEL[r.target],
      String(r.streams),
      String(r.upstreamMaxOpen),
      isDirect ? '—' : fmt(r.idleRssMiB, 0),
      isDirect ? '—' : fmt(r.peakRssMiB, 0),
      isDirect ? '—' : fmt(r.kibPerStream, 1),
      fmt(r.load.ttfbMs.p50, 2),
      fmt(r.load.ttfbMs.p99, 2),
      isDirect || !direct ? '—' : signed(r.load.ttfbMs.p50 - direct.load.ttfbMs.p50, 2),
      String(r.load.requests),
      String(r.load.awaitingFirstByteAtEnd),
      String(r.load.errors),
    ]);
  }
  const sl = results.find((r) => r.target === 'sluice');
  const bare = results.find((r) => r.target === 'bare');
  const pk = results.find((r) => r.target === 'portkey');
  log('');
  log(table(rows));
  log('');
  if (sl && bare) log(`  Sluice/bare memory per open stream: ${ratio(sl.kibPerStream / bare.kibPerStream)}`);
  if (sl && pk) log(`  Sluice/Portkey memory per open stream: ${ratio(sl.kibPerStream / pk.kibPerStream)}`);
  for (const r of results) {
    if (r.upstreamMaxOpen < n) log(`  note: through ${LABEL[r.target]} the upstream saw at most ${r.upstreamMaxOpen} of ${n} streams at once (the rest waited for a connection); its memory per stream is for ${n} client connections but only ${r.upstreamMaxOpen} upstream streams`);
  }
  const file = writeResults(values.out, { scenario: 'streams', date: new Date().toISOString(), machine: m, options: { streams: n, holdMs, rampMs, sluice: entry, root: values.root ?? null }, results, table: markdownTable(rows) });
  log(`  results: ${file}`);
}

export const streams: Scenario = {
  description: 'memory with many concurrent open streams (RSS per open stream), direct, bare proxy, Sluice, Portkey',
  usage: USAGE,
  run: runStreams,
};
