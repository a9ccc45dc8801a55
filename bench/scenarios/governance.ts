// Scenario `governance`: what client authentication and a token rate limit cost, and whether a budget
// shared by two gateways through Redis holds. One canned upstream (bench/upstream.ts), one route, three
// Sluice processes serving it, measured in the same run, interleaved (one round = every target once),
// medians reported; a ratio is the median of the per-round ratios:
//   plain   the route without governance (the reference);
//   memory  the same route behind a SecurityPolicy apiKeyAuth and a BackendTrafficPolicy token rate
//           limit (response cost llm_total_token from llmRequestCosts), in-memory stores;
//   redis   the same manifests with `--redis-url`: the counters live in a real redis-server.
// Then the shared-budget figure: a second gateway joins the Redis one, both serve a route with a
// Shared token Budget, and --budget-clients concurrent streaming clients (split across the two) send
// requests until the budget refuses them. Reported: what Redis charged against the budget (never more
// than the budget plus one request's max_tokens), the sum of the usage the clients were told about, and
// /api/usage of each gateway (equal to that sum).
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { armDeadline } from '../lib/children.ts';
import type { LoadConfig } from '../lib/load-types.ts';
import { measureOnce, Remeasure } from '../lib/measure.ts';
import type { RunRecord } from '../lib/measure.ts';
import { startRedis } from '../lib/redis.ts';
import { describeMachine, fmt, machine, markdownTable, ratio, table, writeResults } from '../lib/report.ts';
import { median } from '../lib/stats.ts';
import { BENCH_MODEL, LoadGenerator, prepareRuntime, startSluice, startUpstream } from '../lib/targets.ts';
import type { Scenario } from './types.ts';

type TargetName = 'plain' | 'memory' | 'redis';
const TARGETS: readonly TargetName[] = ['plain', 'memory', 'redis'];
const LABEL: Record<TargetName, string> = {
  plain: 'no governance',
  memory: 'API key + token limit, memory store',
  redis: 'API key + token limit, Redis store',
};
type Mode = 'json' | 'stream';

const API_KEY = 'sk-bench-governance';
const BUDGET_MODEL = 'bench-budget';
/** A fixed window far longer than the run, aligned to the epoch: it cannot roll over mid-run. */
const BUDGET_WINDOW_DAYS = 3650;

/** The manifests of every target: the same Gateway, backend and routes; `governed` adds the policies. */
export function governanceManifests(upstreamPort: number, governed: boolean, budgetTokens: number): string {
  const route = (name: string, model: string, costs: boolean) => `---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: ${name}}
spec:
  parentRefs: [{name: bench}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${model}}]}]
      backendRefs: [{name: upstream}]
${costs ? '  llmRequestCosts:\n    - {metadataKey: llm_total_token, type: TotalToken}\n' : ''}`;
  const base = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bench}
spec:
  gatewayClassName: sluice
  listeners: [{name: http, protocol: HTTP, port: 8080}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: upstream}
spec:
  endpoints: [{ip: {address: 127.0.0.1, port: ${upstreamPort}}}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: upstream}
spec:
  schema: {name: OpenAI}
  backendRef: {name: upstream, kind: Backend, group: gateway.envoyproxy.io}
${route('bench', BENCH_MODEL, governed)}${route('budgeted', BUDGET_MODEL, false)}`;
  if (!governed) return base;
  return `${base}---
apiVersion: v1
kind: Secret
metadata: {name: bench-keys}
stringData: {bench-client: ${API_KEY}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: bench-keys}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: bench}]
  apiKeyAuth:
    credentialRefs: [{name: bench-keys}]
    forwardClientIDHeader: x-client-id
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: bench-tokens}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: bench}]
  rateLimit:
    type: Global
    global:
      rules:
        - clientSelectors: [{headers: [{name: x-client-id, type: Distinct}]}]
          limit: {requests: 1000000000000, unit: Hour}
          cost:
            request: {from: Number, number: 0}
            response: {from: Metadata, metadata: {namespace: io.envoy.ai_gateway, key: llm_total_token}}
---
apiVersion: gateway.sluice.dev/v1alpha1
kind: Budget
metadata: {name: shared-tokens}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: budgeted}]
  unit: Tokens
  limit: ${budgetTokens}
  window: ${BUDGET_WINDOW_DAYS}d
  per: Shared
`;
}

const MESSAGES = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Say this is a benchmark, in twenty tokens or so.' },
];

function bodyFor(mode: Mode, model: string, maxTokens: number): string {
  return JSON.stringify({ model, messages: MESSAGES, max_tokens: maxTokens, ...(mode === 'stream' ? { stream: true, stream_options: { include_usage: true } } : {}) });
}

const USAGE = `  --duration SEC        measured time per run (default 1.5)
  --warmup SEC          warm-up before each run (default 0.5)
  --runs N              rounds; medians are reported (default 3)
  --connections N       concurrent connections of the req/s runs (default 50)
  --modes LIST          json,stream (default both): non-streamed completions and SSE streams
  --chunks N            content chunks per answer of the canned upstream (default 20)
  --budget-tokens N     the shared Budget of the two-gateway figure (default 5000)
  --budget-clients N    concurrent streaming clients against it (default 50; 0 skips the figure)
  --max-tokens N        max_tokens of the budget clients' requests (default 32)
  --timeout-ms MS       per-request limit (default 10000)
  --max-foreign CORES   measure a run again when other processes used more CPU than this (default 0.3)
  --retries N           at most this many times (default 1)
  --sluice HOW          build (default: compile the checkout into .tmp/bench-dist), dist or source
  --out NAME            results file bench/results/NAME.json (default governance)
  --verbose             echo the children's output`;

interface Summary {
  readonly case: string;
  readonly target: TargetName;
  readonly runs: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly gatewayCpuMsPerRequest: number;
  readonly errors: number;
  readonly foreignCores: number;
  readonly firstError?: string;
}

interface BudgetFigure {
  readonly budgetTokens: number;
  readonly maxTokens: number;
  readonly clients: number;
  readonly completed: number;
  readonly refused: number;
  /** Streams cut by the budget mid-way (an error event), or failing otherwise. */
  readonly cut: number;
  readonly other: number;
  readonly spent: number;
  readonly heldAfter: number;
  readonly overshoot: number;
  readonly clientTotalTokens: number;
  readonly clientRequests: number;
  readonly usageApi: readonly { gateway: string; requests: number; totalTokens: number }[];
  readonly holds: boolean;
  readonly firstOther?: string;
}

interface StreamOutcome {
  readonly kind: 'completed' | 'refused' | 'cut' | 'other';
  readonly totalTokens: number;
  readonly detail?: string;
}

/** One streaming request: completed with its usage chunk, refused (429 budget_exhausted), or something else. */
async function budgetStream(origin: string, body: string, timeoutMs: number): Promise<StreamOutcome> {
  const res = await request(`${origin}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` }, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const text = await res.body.text();
  if (res.statusCode === 429 && text.includes('budget_exhausted')) return { kind: 'refused', totalTokens: 0 };
  if (res.statusCode !== 200) return { kind: 'other', totalTokens: 0, detail: `${res.statusCode} ${text.slice(0, 200)}` };
  let total: number | undefined;
  let error = false;
  for (const block of text.split('\n\n')) {
    if (!block.startsWith('data: ') || block === 'data: [DONE]') continue;
    const j = JSON.parse(block.slice(6)) as { usage?: { total_tokens?: number } | null; error?: unknown };
    if (j.error !== undefined) error = true;
    if (j.usage?.total_tokens !== undefined) total = j.usage.total_tokens;
  }
  if (error) return { kind: 'cut', totalTokens: 0, detail: text.slice(-200) };
  if (total === undefined) return { kind: 'other', totalTokens: 0, detail: `no usage chunk: ${text.slice(-200)}` };
  return { kind: 'completed', totalTokens: total };
}

async function usageTotals(adminPort: number): Promise<{ requests: number; totalTokens: number }> {
  const res = await request(`http://127.0.0.1:${adminPort}/api/usage?window=24h&groupBy=model&model=${BUDGET_MODEL}`, { headersTimeout: 5000, bodyTimeout: 5000 });
  if (res.statusCode !== 200) throw new Error(`/api/usage answered ${res.statusCode}: ${await res.body.text()}`);
  const report = (await res.body.json()) as { rows: { totals: { requests: number; totalTokens: number } }[] };
  const t = report.rows[0]?.totals;
  return { requests: t?.requests ?? 0, totalTokens: t?.totalTokens ?? 0 };
}

/** The two-gateway shared-budget figure: clients loop until refused; then Redis and /api/usage are read. */
async function sharedBudget(origins: readonly string[], adminPorts: readonly number[], redisUrl: string, o: { budgetTokens: number; clients: number; maxTokens: number; timeoutMs: number }): Promise<BudgetFigure> {
  const body = bodyFor('stream', BUDGET_MODEL, o.maxTokens);
  const outcomes: StreamOutcome[] = [];
  const perClientCap = 10_000;
  await Promise.all(
    Array.from({ length: o.clients }, async (_, i) => {
      const origin = origins[i % origins.length]!;
      for (let n = 0; n < perClientCap; n++) {
        const r = await budgetStream(origin, body, o.timeoutMs);
        outcomes.push(r);
        if (r.kind !== 'completed') return;
      }
    }),
  );
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const windowMs = BUDGET_WINDOW_DAYS * 86_400_000;
    const key = `sluice:bg:default/shared-tokens|*:${Math.floor(Date.now() / windowMs) * windowMs}`;
    // Settling happens after each response ends: wait (bounded) until nothing is held.
    let state = { spent: 0, held: 0 };
    const deadline = Date.now() + 15_000;
    do {
      const [spent, held] = await redis.hmget(key, 'spent', 'held');
      state = { spent: Number(spent ?? 0), held: Number(held ?? 0) };
      if (state.held === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    } while (Date.now() < deadline);
    const completed = outcomes.filter((x) => x.kind === 'completed');
    const clientTotalTokens = completed.reduce((n, x) => n + x.totalTokens, 0);
    const usageApi = await Promise.all(adminPorts.map(async (p, i) => ({ gateway: `gateway ${i + 1}`, ...(await usageTotals(p)) })));
    const overshoot = state.spent - o.budgetTokens;
    const firstOther = outcomes.find((x) => x.kind === 'other' || x.kind === 'cut')?.detail;
    return {
      budgetTokens: o.budgetTokens,
      maxTokens: o.maxTokens,
      clients: o.clients,
      completed: completed.length,
      refused: outcomes.filter((x) => x.kind === 'refused').length,
      cut: outcomes.filter((x) => x.kind === 'cut').length,
      other: outcomes.filter((x) => x.kind === 'other').length,
      spent: state.spent,
      heldAfter: state.held,
      overshoot,
      clientTotalTokens,
      clientRequests: completed.length,
      usageApi,
      holds: overshoot <= o.maxTokens && state.held === 0 && usageApi.every((u) => u.totalTokens === clientTotalTokens && u.requests === completed.length),
      ...(firstOther !== undefined ? { firstOther } : {}),
    };
  } finally {
    redis.disconnect();
  }
}

async function runGovernance(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '1.5' },
      warmup: { type: 'string', default: '0.5' },
      runs: { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
      modes: { type: 'string', default: 'json,stream' },
      chunks: { type: 'string', default: '20' },
      'budget-tokens': { type: 'string', default: '5000' },
      'budget-clients': { type: 'string', default: '50' },
      'max-tokens': { type: 'string', default: '32' },
      'timeout-ms': { type: 'string', default: '10000' },
      'max-foreign': { type: 'string', default: '0.3' },
      retries: { type: 'string', default: '1' },
      sluice: { type: 'string', default: 'build' },
      out: { type: 'string', default: 'governance' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const durationMs = Math.round(Number(values.duration) * 1000);
  const warmupMs = Math.round(Number(values.warmup) * 1000);
  const runs = Math.max(1, Math.floor(Number(values.runs)));
  const connections = Math.floor(Number(values.connections));
  const modes = values.modes.split(',').map((x) => x.trim()) as Mode[];
  const chunks = Math.max(1, Math.floor(Number(values.chunks)));
  const budgetTokens = Math.floor(Number(values['budget-tokens']));
  const budgetClients = Math.max(0, Math.floor(Number(values['budget-clients'])));
  const maxTokens = Math.floor(Number(values['max-tokens']));
  const timeoutMs = Number(values['timeout-ms']);
  const maxForeign = Number(values['max-foreign']);
  const retries = Math.max(0, Math.floor(Number(values.retries)));
  const echo = values.verbose;
  if (!(connections > 0 && connections <= 1000)) throw new Error('--connections: an integer from 1 to 1000');
  if (!(durationMs > 0 && durationMs <= 600_000) || !(warmupMs >= 0 && warmupMs <= 60_000)) throw new Error('--duration up to 600 s, --warmup up to 60 s');
  for (const m of modes) if (m !== 'json' && m !== 'stream') throw new Error(`--modes: json or stream, not "${m}"`);
  if (!(budgetTokens > 0) || !(maxTokens > 0)) throw new Error('--budget-tokens and --max-tokens: positive integers');
  // The canned upstream answers 12 prompt + --chunks completion tokens whatever max_tokens says: the
  // budget's guarantee assumes usage within the reservation, so max_tokens must cover the answer.
  if (maxTokens < chunks) throw new Error(`--max-tokens (${maxTokens}) must be at least --chunks (${chunks}): the upstream's answers would outgrow their reservations`);
  const entry = values.sluice;
  if (entry !== 'build' && entry !== 'dist' && entry !== 'source') throw new Error('--sluice: build, dist or source');

  const estimateMs = runs * modes.length * TARGETS.length * (durationMs + warmupMs + 200) + 60_000;
  armDeadline(estimateMs * 2 + 300_000, 'the governance benchmark');
  const m = machine();
  const log = (s: string) => process.stdout.write(s + '\n');
  log(`bench governance: ${describeMachine(m)}`);
  log(`  ${runs} round(s) × ${modes.length} mode(s) × ${TARGETS.length} targets at ${connections} connections, ${durationMs / 1000} s each after ${warmupMs / 1000} s warm-up; then ${budgetClients} clients against a shared budget of ${budgetTokens} tokens`);

  const rt = await prepareRuntime(entry, log);
  const upstream = await startUpstream(rt, { chunks, chunkDelayMs: 0, echo });
  const redis = await startRedis(echo);
  const plain = await startSluice({ upstreamPort: upstream.port, command: rt.sluice, manifests: governanceManifests(upstream.port, false, budgetTokens), echo, name: 'sluice (plain)', args: ['--access-log', 'off'] });
  const memory = await startSluice({ upstreamPort: upstream.port, command: rt.sluice, manifests: governanceManifests(upstream.port, true, budgetTokens), echo, name: 'sluice (memory)', args: ['--access-log', 'off'] });
  const redisArgs = ['--access-log', 'off', '--redis-url', redis.url];
  const viaRedis = await startSluice({ upstreamPort: upstream.port, command: rt.sluice, manifests: governanceManifests(upstream.port, true, budgetTokens), echo, name: 'sluice (redis)', args: redisArgs });
  const loadgen = await LoadGenerator.start(rt, echo);
  const byTarget = { plain, memory, redis: viaRedis } as const;

  // Each target answers; the governed ones refuse a request without the key and report the token limit.
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` };
  for (const t of TARGETS) {
    const res = await request(`${byTarget[t].origin}/v1/chat/completions`, { method: 'POST', headers, body: bodyFor('json', BENCH_MODEL, 64) });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${LABEL[t]}: status ${res.statusCode}: ${text.slice(0, 300)}`);
    const governed = res.headers['x-ratelimit-limit-tokens'] !== undefined;
    if (governed !== (t !== 'plain')) throw new Error(`${LABEL[t]}: x-ratelimit-limit-tokens ${governed ? 'present' : 'missing'}`);
    if (t !== 'plain') {
      const anon = await request(`${byTarget[t].origin}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodyFor('json', BENCH_MODEL, 64) });
      await anon.body.dump();
      if (anon.statusCode !== 401) throw new Error(`${LABEL[t]}: a request without a key answered ${anon.statusCode}, not 401`);
    }
  }

  const config = (t: TargetName, mode: Mode, warm: number, duration: number): LoadConfig => ({ origin: byTarget[t].origin, path: '/v1/chat/completions', headers: { authorization: `Bearer ${API_KEY}` }, body: bodyFor(mode, BENCH_MODEL, 64), connections, warmupMs: warm, rampMs: Math.min(warm / 2, 250), durationMs: duration, timeoutMs });
  // Prime (JIT, connection pools).
  for (const mode of modes) {
    for (const t of TARGETS) {
      const r = await loadgen.run(config(t, mode, 0, 1000));
      if (r.requests === 0) throw new Error(`${LABEL[t]} answered no request successfully while priming (${r.firstError ?? 'no error recorded'})`);
    }
  }

  const remeasure = new Remeasure(maxForeign, retries, Math.max(3, Math.ceil((runs * modes.length * TARGETS.length) / 3)));
  const records = new Map<string, RunRecord[]>();
  const caseKey = (mode: Mode) => `${mode} c=${connections}`;
  const started = Date.now();
  for (let run = 1; run <= runs; run++) {
    for (const mode of modes) {
      for (const t of TARGETS) {
        const rec = await remeasure.run(() => measureOnce(loadgen, config(t, mode, warmupMs, durationMs), { gateway: byTarget[t].child.pid, upstream: upstream.child.pid }));
        const k = `${caseKey(mode)}|${t}`;
        records.set(k, [...(records.get(k) ?? []), rec]);
        if (process.stdout.isTTY) process.stdout.write(`\r  round ${run}/${runs}  ${caseKey(mode).padEnd(12)} ${LABEL[t].padEnd(38)} ${fmt(rec.load.rps, 0).padStart(7)} req/s   `);
      }
    }
  }
  if (process.stdout.isTTY) process.stdout.write(`\r${' '.repeat(100)}\r`);
  const elapsedS = (Date.now() - started) / 1000;

  const summaries: Summary[] = [];
  for (const mode of modes) {
    for (const t of TARGETS) {
      const rs = records.get(`${caseKey(mode)}|${t}`) ?? [];
      const med = (f: (r: RunRecord) => number) => median(rs.map(f));
      const firstError = rs.find((r) => r.load.firstError !== undefined)?.load.firstError;
      summaries.push({
        case: caseKey(mode),
        target: t,
        runs: rs.length,
        rps: med((r) => r.load.rps),
        p50: med((r) => r.load.latencyMs.p50),
        p99: med((r) => r.load.latencyMs.p99),
        gatewayCpuMsPerRequest: med((r) => r.gatewayCpuMsPerRequest),
        errors: rs.reduce((n, r) => n + r.load.errors, 0),
        foreignCores: med((r) => r.foreignCores),
        ...(firstError !== undefined ? { firstError } : {}),
      });
    }
  }

  // Paired: each round's governed req/s over the same round's plain req/s, then the median.
  const ratios: Record<string, Record<string, { rpsRatio: number; cpuRatio: number }>> = {};
  const ratioRows: string[][] = [['case', 'target', 'req/s vs no governance', 'gateway CPU/req vs no governance']];
  const goals: { goal: string; value: string; met: boolean }[] = [];
  for (const mode of modes) {
    const k = caseKey(mode);
    const base = records.get(`${k}|plain`) ?? [];
    ratios[k] = {};
    for (const t of ['memory', 'redis'] as const) {
      const rs = records.get(`${k}|${t}`) ?? [];
      const rpsRatio = median(rs.map((x, i) => (base[i] ? x.load.rps / base[i].load.rps : Number.NaN)));
      const cpuRatio = median(rs.map((x, i) => (base[i] ? x.gatewayCpuMsPerRequest / base[i].gatewayCpuMsPerRequest : Number.NaN)));
      ratios[k][t] = { rpsRatio, cpuRatio };
      ratioRows.push([k, LABEL[t], ratio(rpsRatio), ratio(cpuRatio)]);
      const target = t === 'memory' ? 0.9 : 0.7;
      goals.push({ goal: `${k}: ${LABEL[t]} ≥ ${target}x the req/s of no governance`, value: ratio(rpsRatio), met: rpsRatio >= target });
    }
  }

  const rows: string[][] = [['case', 'target', 'req/s', 'p50 ms', 'p99 ms', 'gw CPU ms/req', 'errors']];
  for (const s of summaries) rows.push([s.case, LABEL[s.target], fmt(s.rps, 0), fmt(s.p50, 3), fmt(s.p99, 3), fmt(s.gatewayCpuMsPerRequest, 3), String(s.errors)]);
  log('');
  log(table(rows));
  log('');
  log(table(ratioRows));

  // The shared budget through two gateways and one Redis.
  let budget: BudgetFigure | undefined;
  if (budgetClients > 0) {
    const second = await startSluice({ upstreamPort: upstream.port, command: rt.sluice, manifests: governanceManifests(upstream.port, true, budgetTokens), echo, name: 'sluice (redis, second)', args: redisArgs });
    budget = await sharedBudget([viaRedis.origin, second.origin], [viaRedis.adminPort, second.adminPort], redis.url, { budgetTokens, clients: budgetClients, maxTokens, timeoutMs });
    const b = budget;
    log('');
    log(
      table([
        ['two gateways, one Redis, one Shared token budget', 'value'],
        ['budget (tokens)', String(b.budgetTokens)],
        ['concurrent streaming clients (each until refused)', String(b.clients)],
        ['streams completed / refused (429 budget_exhausted) / cut / other', `${b.completed} / ${b.refused} / ${b.cut} / ${b.other}`],
        ['charged in Redis (spent)', `${b.spent} (held after: ${b.heldAfter})`],
        ['over the budget (allowed: one request’s max_tokens)', `${b.overshoot} (max_tokens ${b.maxTokens})`],
        ['usage the clients were told (total tokens, requests)', `${b.clientTotalTokens}, ${b.clientRequests}`],
        ...b.usageApi.map((u) => [`/api/usage of ${u.gateway} (total tokens, requests)`, `${u.totalTokens}, ${u.requests}`]),
      ]),
    );
    goals.push({ goal: 'shared budget: charged ≤ budget + one max_tokens, nothing held after, /api/usage = client sum on both gateways', value: `${b.spent}/${b.budgetTokens}, usage ${b.usageApi.map((u) => u.totalTokens).join('/')} vs ${b.clientTotalTokens}`, met: b.holds });
    if (b.firstOther !== undefined) log(`  unexpected outcome: ${b.firstOther}`);
  }

  log('');
  for (const g of goals) log(`  ${g.met ? 'met ' : 'MISS'}  ${g.goal}: ${g.value}`);
  for (const s of summaries.filter((x) => x.errors > 0)) log(`  errors: ${LABEL[s.target]} ${s.case}: ${s.errors} (${s.firstError ?? ''})`);
  const foreign = median(summaries.map((s) => s.foreignCores));
  log(`  measured in ${fmt(elapsedS, 0)} s; other processes used ${fmt(foreign, 2)} cores (median per run)${remeasure.count > 0 ? `; ${remeasure.count} run(s) measured again because of that load` : ''}`);

  const file = writeResults(values.out, {
    scenario: 'governance',
    date: new Date().toISOString(),
    machine: m,
    options: { durationMs, warmupMs, runs, connections, modes, chunks, budgetTokens, budgetClients, maxTokens, sluice: entry },
    summaries,
    ratios,
    goals,
    budget,
    table: markdownTable(rows),
    ratioTable: markdownTable(ratioRows),
    runs: Object.fromEntries(records),
  });
  log(`  results: ${file}`);
}

export const governance: Scenario = {
  description: 'governance overhead: API-key auth + a token rate limit (memory and Redis stores) vs the same route without them (req/s), and a budget shared by two gateways through Redis (charged vs budget, /api/usage vs client sum)',
  usage: USAGE,
  run: runGovernance,
};
