// Stress check of one simulator replica: is it still responsive with a large prefix cache and many
// concurrent streams? Not a test (it measures wall time); run by hand:
//
//   node --import tsx simulator/stress.ts [--streams 256] [--cached-blocks 10000] [--prompt-tokens 1000]
//       [--max-tokens 200] [--itl 10ms] [--kv-cache-size 40000] [--probe-every 50]
//       [--server-cpu-prof <dir>]   (writes a V8 CPU profile of the simulator process)
//
// The simulator runs in a child process, so the load generator does not share its event loop. Phases:
// 1. fill the prefix cache with distinct prompts until it holds --cached-blocks hashed blocks;
// 2. run --streams concurrent streaming completions (each prompt shares half of a cached prompt, so
//    they hit the cache), while probing GET /metrics and GET /health every --probe-every ms, as the
//    endpoint picker scrapes.
// It prints the probe latencies, the server's event-loop delay and CPU time, and how closely the
// streams kept the modelled pace (measured vs computed TTFT and duration).

import { spawn } from 'node:child_process';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { parseDurationMs } from './duration.ts';
import { startSimulator } from './server.ts';
import type { SimulatorState } from './server.ts';

interface ServerStats {
  eventLoopMs: { p50: number; p99: number; max: number; mean: number };
  cpuMs: { user: number; system: number };
  rssMb: number;
}

async function serve(optionsJson: string): Promise<void> {
  const sim = await startSimulator({ ...(JSON.parse(optionsJson) as { model: string }), port: 0 });
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  let cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ url: sim.url }) + '\n');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'stats') {
      const used = process.cpuUsage(cpu);
      const stats: ServerStats = {
        eventLoopMs: {
          p50: loop.percentile(50) / 1e6,
          p99: loop.percentile(99) / 1e6,
          max: loop.max / 1e6,
          mean: loop.mean / 1e6,
        },
        cpuMs: { user: used.user / 1000, system: used.system / 1000 },
        rssMb: process.memoryUsage().rss / 2 ** 20,
      };
      process.stdout.write(JSON.stringify(stats) + '\n');
      loop.reset();
      cpu = process.cpuUsage();
    } else if (line === 'exit') {
      break;
    }
  }
  await sim.close();
  process.exit(0);
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : fallback;
}

function text(tokens: number, seed: string): string {
  let s = '';
  for (let i = 0; s.length < tokens * 4; i++) s += `${seed}:${i} `;
  return s.slice(0, tokens * 4);
}

function pct(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const f = (x: number): string => x.toFixed(2);

/** Cumulative [le, count] pairs of vllm:time_to_first_token_seconds. */
function ttftHistogram(metrics: string): [number, number][] {
  const out: [number, number][] = [];
  for (const m of metrics.matchAll(/^vllm:time_to_first_token_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\d+)/gm)) {
    out.push([m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[2])]);
  }
  return out;
}

/** Upper bucket bound below which p % of a cumulative histogram's observations fall. */
function histPct(h: [number, number][], p: number): number {
  const total = h.at(-1)?.[1] ?? 0;
  for (const [le, n] of h) if (n >= (p / 100) * total) return le;
  return Number.NaN;
}

async function main(): Promise<void> {
  const streams = Number(arg('streams', '256'));
  const cachedBlocks = Number(arg('cached-blocks', '10000'));
  const promptTokens = Number(arg('prompt-tokens', '1000'));
  const maxTokens = Number(arg('max-tokens', '200'));
  const itl = parseDurationMs(arg('itl', '10ms')) ?? 10;
  const kvCacheSize = Number(arg('kv-cache-size', '40000'));
  const probeEvery = Number(arg('probe-every', '50'));
  const options = {
    model: 'stress-model',
    maxNumSeqs: streams,
    maxWaitingQueueLength: 4 * streams,
    maxModelLen: promptTokens + maxTokens + 64,
    kvCacheSize,
    blockSize: 16,
    latencyCalculator: 'per-token',
    prefillOverheadMs: 5,
    prefillTimePerTokenMs: 0.004,
    interTokenLatencyMs: itl,
    seed: 1,
  };

  const profile = process.argv.includes('--server-cpu-prof') ? ['--cpu-prof', '--cpu-prof-dir', arg('server-cpu-prof', '.')] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', fileURLToPath(import.meta.url), '--serve', JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async <T>(): Promise<T> => JSON.parse(String((await lines.next()).value)) as T;
  const serverStats = async (): Promise<ServerStats> => {
    child.stdin.write('stats\n');
    return next<ServerStats>();
  };
  const { url } = await next<{ url: string }>();
  const state = async (): Promise<SimulatorState> => (await request(url + '/admin/state')).body.json() as Promise<SimulatorState>;

  // Phase 1: fill the prefix cache.
  const fillStart = performance.now();
  const prompts: string[] = [];
  let cached = 0;
  while (cached < cachedBlocks) {
    const batch = Array.from({ length: 32 }, () => {
      const p = text(promptTokens, `fill-${prompts.length}`);
      prompts.push(p);
      return request(url + '/v1/completions', { method: 'POST', body: JSON.stringify({ prompt: p, max_tokens: 1 }) }).then((r) => r.body.dump());
    });
    await Promise.all(batch);
    cached = (await state()).cachedBlocks;
  }
  const fillMs = performance.now() - fillStart;
  const fillStats = await serverStats();
  console.log(`fill: ${prompts.length} prompts of ${promptTokens} tokens → ${cached} cached blocks in ${f(fillMs)} ms`);
  console.log(`      server event loop p99 ${f(fillStats.eventLoopMs.p99)} ms, max ${f(fillStats.eventLoopMs.max)} ms`);

  // Phase 2: concurrent streams with probes.
  const ttftBefore = ttftHistogram(await (await request(url + '/metrics')).body.text());
  const clientCpu = process.cpuUsage();
  let probing = true;
  let allStartedAt = Number.POSITIVE_INFINITY;
  const probeLatency: Record<'metrics' | 'health', { burst: number[]; steady: number[] }> = {
    metrics: { burst: [], steady: [] },
    health: { burst: [], steady: [] },
  };
  const probe = async (path: '/metrics' | '/health', into: { burst: number[]; steady: number[] }): Promise<void> => {
    while (probing) {
      const t0 = performance.now();
      const r = await request(url + path);
      await r.body.text();
      (t0 > allStartedAt ? into.steady : into.burst).push(performance.now() - t0);
      await new Promise((res) => setTimeout(res, probeEvery));
    }
  };
  const probes = [probe('/metrics', probeLatency.metrics), probe('/health', probeLatency.health)];
  let peak: SimulatorState | undefined;
  const watcher = (async () => {
    while (probing) {
      const s = await state();
      if (!peak || s.running > peak.running) peak = s;
      await new Promise((res) => setTimeout(res, 100));
    }
  })();

  interface StreamResult {
    ttftMs: number;
    simTtftMs: number;
    simQueueMs: number;
    e2eMs: number;
    tokens: number;
    maxGapMs: number;
    cachedTokens: number;
  }
  const runStream = async (i: number): Promise<StreamResult> => {
    const base = prompts[i % prompts.length] as string;
    const prompt = base.slice(0, (promptTokens / 2) * 4) + text(promptTokens / 2, `stream-${i}`);
    const t0 = performance.now();
    const res = await request(url + '/v1/completions', {
      method: 'POST',
      body: JSON.stringify({ prompt, max_tokens: maxTokens, ignore_eos: true, stream: true }),
    });
    started++;
    if (started === streams) {
      allStartedAt = performance.now();
      burstStats = serverStats();
    }
    let first = 0;
    let last = 0;
    let maxGap = 0;
    let tokens = 0;
    for await (const chunk of res.body) {
      const now = performance.now();
      if (first === 0) first = now;
      else maxGap = Math.max(maxGap, now - last);
      last = now;
      const s = String(chunk);
      for (let at = s.indexOf('"text":'); at >= 0; at = s.indexOf('"text":', at + 1)) tokens++;
    }
    return {
      ttftMs: first - t0,
      simTtftMs: Number(res.headers['x-sim-ttft-ms']),
      simQueueMs: Number(res.headers['x-sim-queue-ms']),
      e2eMs: last - t0,
      tokens,
      maxGapMs: maxGap,
      cachedTokens: Number(res.headers['x-sim-cached-tokens']),
    };
  };
  let started = 0;
  let burstStats: Promise<ServerStats> | undefined;
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: streams }, (_, i) => runStream(i)));
  const wallMs = performance.now() - t0;
  probing = false;
  const clientUsed = process.cpuUsage(clientCpu);
  await Promise.all([...probes, watcher]);
  const streamStats = await serverStats();
  const ttftAfter = ttftHistogram(await (await request(url + '/metrics')).body.text());
  const serverTtft = ttftAfter.map(([le, n], i) => [le, n - (ttftBefore[i]?.[1] ?? 0)] as [number, number]);
  const after = await state();
  child.stdin.write('exit\n');

  const totalTokens = results.reduce((s, r) => s + r.tokens, 0);
  const expectedE2e = results.map((r) => r.simQueueMs + r.simTtftMs + (maxTokens - 1) * itl);
  const lag = results.map((r, i) => r.e2eMs - (expectedE2e[i] as number));
  console.log(`streams: ${streams} × ${maxTokens} tokens (ITL ${itl} ms), ${totalTokens} tokens in ${f(wallMs)} ms = ${f(totalTokens / (wallMs / 1000))} tokens/s`);
  console.log(`         peak running ${peak?.running}, KV usage ${f((peak?.kvCacheUsage ?? 0) * 100)} %, cached blocks ${peak?.cachedBlocks} (after: ${after.cachedBlocks})`);
  console.log(`         prefix hits ${f(results.reduce((s, r) => s + r.cachedTokens, 0) / streams)} cached tokens per stream`);
  console.log(`         TTFT computed by the model p50 ${f(pct(results.map((r) => r.simTtftMs), 50))} ms; measured by the server (its histogram, bucket bounds) p50 ≤ ${histPct(serverTtft, 50) * 1000} ms, p99 ≤ ${histPct(serverTtft, 99) * 1000} ms`);
  console.log(`         TTFT measured by the client p50 ${f(pct(results.map((r) => r.ttftMs), 50))} ms / p99 ${f(pct(results.map((r) => r.ttftMs), 99))} ms (includes connecting and the client's own load)`);
  console.log(`         e2e lag behind the model p50 ${f(pct(lag, 50))} ms / p99 ${f(pct(lag, 99))} ms; max gap between chunks p99 ${f(pct(results.map((r) => r.maxGapMs), 99))} ms`);
  for (const [name, { burst, steady }] of Object.entries(probeLatency)) {
    const line = (v: number[]): string => `${v.length} probes, p50 ${f(pct(v, 50))} ms, p99 ${f(pct(v, 99))} ms, max ${f(Math.max(...v))} ms`;
    console.log(`probe GET /${name}: while the streams arrive: ${line(burst)}; once all run: ${line(steady)}`);
  }
  console.log(`client (load generator): CPU ${f((clientUsed.user + clientUsed.system) / 1000)} ms over ${f(wallMs)} ms`);
  const cpu = streamStats.cpuMs.user + streamStats.cpuMs.system;
  const burst = await (burstStats as Promise<ServerStats>);
  const burstCpu = burst.cpuMs.user + burst.cpuMs.system;
  const steadyMs = performance.now() - allStartedAt;
  console.log(`server while the streams arrive (${f(allStartedAt - t0)} ms): event loop delay p50 ${f(burst.eventLoopMs.p50)} ms, p99 ${f(burst.eventLoopMs.p99)} ms, max ${f(burst.eventLoopMs.max)} ms; CPU ${f(burstCpu)} ms`);
  console.log(`server once all run (${f(steadyMs)} ms): event loop delay p50 ${f(streamStats.eventLoopMs.p50)} ms, p99 ${f(streamStats.eventLoopMs.p99)} ms, max ${f(streamStats.eventLoopMs.max)} ms; CPU ${f(cpu)} ms (${f((100 * cpu) / steadyMs)} %); RSS ${f(streamStats.rssMb)} MB`);
}

if (process.argv[2] === '--serve') await serve(process.argv[3] ?? '{}');
else await main();
