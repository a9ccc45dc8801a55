// Scenario `routes`: route matching at scale. One Sluice per route count (default 10, 1,000 and
// 10,000 AIGatewayRoutes, one model each), all alive at once and measured interleaved; requests name
// the first model (matched by the first route) or the last (matched only after every other route was
// tried, the worst case for a linear table). Figures are ratios to the smallest table in the same run.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { armDeadline } from '../lib/children.ts';
import { measureOnce, Remeasure } from '../lib/measure.ts';
import type { RunRecord } from '../lib/measure.ts';
import { memory } from '../lib/procstat.ts';
import { describeMachine, fmt, machine, markdownTable, ratio, table, writeResults } from '../lib/report.ts';
import { median } from '../lib/stats.ts';
import { buildOtherSluice, LoadGenerator, prepareRuntime, startSluice, startUpstream } from '../lib/targets.ts';
import type { Running } from '../lib/targets.ts';
import type { Scenario } from './types.ts';

const USAGE = `  --routes LIST         route counts (default 10,1000,10000)
  --connections LIST    (default 1,50)
  --duration SEC        per run (default 2)
  --warmup SEC          (default 0.5)
  --runs N              (default 3)
  --max-foreign CORES   measure a run again when other processes used more CPU than this (default 0.2)
  --retries N           at most this many times (default 2)
  --sluice HOW          build (default), dist or source
  --root DIR            measure the Sluice of another checkout
  --out NAME            results file (default routes)
  --verbose             echo the children's output`;

const model = (i: number) => `model-${String(i).padStart(5, '0')}`;

/** N AIGatewayRoutes, one rule each, matching one model each, all to the same backend. */
export function manyRoutes(n: number, upstreamPort: number): string {
  const docs = [
    `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bench}
spec:
  gatewayClassName: sluice
  listeners: [{name: http, protocol: HTTP, port: 8080}]`,
    `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: upstream}
spec:
  endpoints: [{ip: {address: 127.0.0.1, port: ${upstreamPort}}}]`,
    `apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: upstream}
spec:
  schema: {name: OpenAI}
  backendRef: {name: upstream, kind: Backend, group: gateway.envoyproxy.io}`,
  ];
  for (let i = 0; i < n; i++) {
    docs.push(`apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: r-${String(i).padStart(5, '0')}}
spec:
  parentRefs: [{name: bench}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${model(i)}}]}]
      backendRefs: [{name: upstream}]`);
  }
  return docs.join('\n---\n') + '\n';
}

interface Row {
  readonly routes: number;
  readonly which: 'first' | 'last';
  readonly connections: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuMsPerRequest: number;
  readonly errors: number;
}

async function runRoutes(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      routes: { type: 'string', default: '10,1000,10000' },
      connections: { type: 'string', default: '1,50' },
      duration: { type: 'string', default: '2' },
      warmup: { type: 'string', default: '0.5' },
      runs: { type: 'string', default: '3' },
      'max-foreign': { type: 'string', default: '0.2' },
      retries: { type: 'string', default: '2' },
      sluice: { type: 'string', default: 'build' },
      root: { type: 'string' },
      out: { type: 'string', default: 'routes' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const counts = values.routes.split(',').map(Number);
  const connections = values.connections.split(',').map(Number);
  const durationMs = Math.round(Number(values.duration) * 1000);
  const warmupMs = Math.round(Number(values.warmup) * 1000);
  const runs = Math.max(1, Math.floor(Number(values.runs)));
  if (!counts.every((c) => Number.isInteger(c) && c >= 1 && c <= 50_000)) throw new Error('--routes: integers from 1 to 50000');
  if (!connections.every((c) => Number.isInteger(c) && c >= 1 && c <= 1000)) throw new Error('--connections: integers from 1 to 1000');
  if (!(durationMs > 0 && durationMs <= 120_000)) throw new Error('--duration up to 120 s');
  const entry = values.sluice;
  if (entry !== 'build' && entry !== 'dist' && entry !== 'source') throw new Error('--sluice: build, dist or source');
  const cases = (['first', 'last'] as const).flatMap((which) => connections.map((c) => ({ which, connections: c })));
  const estimateMs = runs * cases.length * counts.length * (durationMs + warmupMs + 200) + counts.length * 20_000;
  armDeadline(estimateMs * 2 + 180_000, 'the routes benchmark');

  const m = machine();
  const log = (s: string) => process.stdout.write(s + '\n');
  log(`bench routes: ${describeMachine(m)}`);
  log(`  route tables of ${counts.join(', ')} routes; ${runs} run(s) × ${cases.length} case(s), ${durationMs / 1000} s each; about ${Math.round(estimateMs / 1000)} s`);
  const rt = await prepareRuntime(entry, log);
  const upstream = await startUpstream(rt, { chunks: 20, chunkDelayMs: 0, echo: values.verbose });
  const loadgen = await LoadGenerator.start(rt, values.verbose);
  const root = values.root !== undefined ? resolve(values.root) : undefined;
  const command = root !== undefined ? await buildOtherSluice(root, log) : rt.sluice;

  const gateways: { routes: number; running: Running; pid: number; startMs: number; idleRssMiB: number }[] = [];
  for (const n of counts) {
    const t0 = performance.now();
    const r = await startSluice({ upstreamPort: upstream.port, command, ...(root !== undefined ? { root } : {}), echo: values.verbose, manifests: manyRoutes(n, upstream.port), name: `sluice (${n} routes)`, readyTimeoutMs: 180_000 });
    const startMs = performance.now() - t0;
    gateways.push({ routes: n, running: r, pid: r.child.pid, startMs, idleRssMiB: memory(r.child.pid).rssMiB });
    log(`  ${n} routes: ready in ${fmt(startMs / 1000, 2)} s, RSS ${fmt(memory(r.child.pid).rssMiB, 0)} MiB`);
  }

  const body = (n: number, which: 'first' | 'last') => JSON.stringify({ model: model(which === 'first' ? 0 : n - 1), messages: [{ role: 'user', content: 'Hi' }], max_tokens: 16 });
  for (const g of gateways) {
    for (const which of ['first', 'last'] as const) {
      const r = await loadgen.run({ origin: g.running.origin, path: '/v1/chat/completions', headers: {}, body: body(g.routes, which), connections: Math.max(...connections), warmupMs: 0, durationMs: 1000, timeoutMs: 10_000 });
      if (r.requests === 0) throw new Error(`Sluice with ${g.routes} routes answered no request for the ${which} model (${r.firstError ?? 'no error recorded'})`);
    }
  }

  const remeasure = new Remeasure(Number(values['max-foreign']), Math.max(0, Math.floor(Number(values.retries))), Math.max(4, Math.ceil((runs * cases.length * counts.length) / 3)));
  const records = new Map<string, RunRecord[]>();
  for (let run = 1; run <= runs; run++) {
    for (const c of cases) {
      for (const g of gateways) {
        const config = { origin: g.running.origin, path: '/v1/chat/completions', headers: {}, body: body(g.routes, c.which), connections: c.connections, warmupMs, rampMs: Math.min(warmupMs / 2, 250), durationMs, timeoutMs: 10_000 };
        const rec = await remeasure.run(() => measureOnce(loadgen, config, { gateway: g.pid, upstream: upstream.child.pid }));
        const key = `${g.routes}|${c.which}|${c.connections}`;
        records.set(key, [...(records.get(key) ?? []), rec]);
      }
    }
  }

  const rowsData: Row[] = [];
  for (const c of cases) {
    for (const g of gateways) {
      const rs = remeasure.clean(records.get(`${g.routes}|${c.which}|${c.connections}`) ?? []);
      rowsData.push({
        routes: g.routes,
        which: c.which,
        connections: c.connections,
        rps: median(rs.map((r) => r.load.rps)),
        p50: median(rs.map((r) => r.load.latencyMs.p50)),
        p99: median(rs.map((r) => r.load.latencyMs.p99)),
        cpuMsPerRequest: median(rs.map((r) => r.gatewayCpuMsPerRequest)),
        errors: rs.reduce((n, r) => n + r.load.errors, 0),
      });
    }
  }
  const smallest = Math.min(...counts);
  const base = (r: Row) => rowsData.find((x) => x.routes === smallest && x.which === r.which && x.connections === r.connections);
  const rows = [['model', 'conns', 'routes', 'req/s', 'vs smallest', 'p50 ms', 'p99 ms', 'CPU ms/req', 'CPU vs smallest', 'errors']];
  for (const r of rowsData) {
    const b = base(r);
    rows.push([r.which, String(r.connections), String(r.routes), fmt(r.rps, 0), b ? ratio(r.rps / b.rps) : 'n/a', fmt(r.p50, 3), fmt(r.p99, 3), fmt(r.cpuMsPerRequest, 4), b ? ratio(r.cpuMsPerRequest / b.cpuMsPerRequest) : 'n/a', String(r.errors)]);
  }
  const setupRows = [['routes', 'ready in s', 'RSS idle MiB']];
  for (const g of gateways) setupRows.push([String(g.routes), fmt(g.startMs / 1000, 2), fmt(g.idleRssMiB, 0)]);

  log('');
  log(table(setupRows));
  log('');
  log(table(rows));
  log('');
  const largest = Math.max(...counts);
  const worst = rowsData.find((r) => r.routes === largest && r.which === 'last' && r.connections === Math.max(...connections));
  const worstBase = worst && base(worst);
  if (worst && worstBase && largest !== smallest) {
    const slowdown = worstBase.rps / worst.rps;
    log(`  ${slowdown <= 2 ? 'met ' : 'MISS'}  route matching at ${largest} routes within 2x of ${smallest} (last model, ${worst.connections} connections): ${ratio(slowdown)} slower`);
  }
  if (remeasure.count > 0) log(`  ${remeasure.count} run(s) measured again because other processes were busy`);
  const file = writeResults(values.out, {
    scenario: 'routes',
    date: new Date().toISOString(),
    machine: m,
    options: { counts, connections, durationMs, warmupMs, runs, sluice: entry, root: values.root ?? null },
    setup: gateways.map((g) => ({ routes: g.routes, readyMs: g.startMs, idleRssMiB: g.idleRssMiB })),
    rows: rowsData,
    table: markdownTable(rows),
    setupTable: markdownTable(setupRows),
  });
  log(`  results: ${file}`);
}

export const routes: Scenario = {
  description: 'route matching with 10, 1,000 and 10,000 routes (first and last model), ratios to the smallest table',
  usage: USAGE,
  run: runRoutes,
};
