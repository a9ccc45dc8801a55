// Scenario `scheduling`: does the endpoint picker's profile pay off? N simulated vLLM replicas with KV
// caches small enough that prefixes compete, behind the real gateway over HTTP; the shared-prefix
// workload (groups of requests sharing a long system prompt, Poisson arrivals stepping up in rate);
// four ways of choosing the replica, one gateway run each, same requests at the same times:
//
//   random       InferencePool, EndpointPickerConfig: random-picker
//   round-robin  no picker: the route names a Service selecting the same pods, and Sluice spreads a
//                Service's requests round robin over its endpoints (a stand-in for a plain
//                Kubernetes Service; the pool stays defined and scraped, unused)
//   queue-only   InferencePool: queue-scorer + max-score-picker
//   default      InferencePool: the upstream default (queue-scorer 2, kv-cache-utilization-scorer 2,
//                prefix-cache-scorer 3, max-score-picker)
//
// Per profile and stage it prints TTFT p50/p90, output tokens/s, the prefix-cache hit rate (usage,
// cross-checked against the simulators' counters), shed (429) and error counts; then the issue's
// targets at the highest stage (default vs round-robin: TTFT p90 ≥ 3x lower, hit rate ≥ 2x), and
// writes bench/results/scheduling.json. Definitions of every column: bench/scheduling/analyze.ts.
//
// The simulators run in-process inside the gateway (Sluice's cluster emulation realizes the
// llm-d-inference-sim Deployment), so the gateway process's CPU is printed per stage: near one core,
// the figures measure a CPU-bound process, not the picker's choices.
import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import { armDeadline } from '../lib/children.ts';
import { cpuTimeMs } from '../lib/procstat.ts';
import { describeMachine, fmt, machine, markdownTable, ratio, table, writeResults } from '../lib/report.ts';
import { startSluice } from '../lib/targets.ts';
import { summarizeStage } from '../scheduling/analyze.ts';
import type { StageSummary, StageWindow } from '../scheduling/analyze.ts';
import { sluiceCommand } from '../scheduling/build.ts';
import { StreamClient } from '../scheduling/client.ts';
import type { Outcome } from '../scheduling/client.ts';
import { poolReplicas, prefixCounters } from '../scheduling/gateway-probe.ts';
import type { PrefixCounters, Replica } from '../scheduling/gateway-probe.ts';
import { MODEL, POOL, PROFILES, schedulingManifests, simArgs } from '../scheduling/manifests.ts';
import type { ProfileName, SimSettings } from '../scheduling/manifests.ts';
import { planRequests } from '../scheduling/workload.ts';
import type { PlannedRequest, WorkloadOptions } from '../scheduling/workload.ts';
import type { Scenario } from './types.ts';

const SHEDDABLE_OBJECTIVE = 'batch';

// Defaults and their reasons (docs/scheduling.md, "Measured"):
// - 32 groups × a 6,000-character (1,500-token) system prompt = 94 blocks of 16 tokens each; a
//   replica's 512-block cache holds 5 of them, the 8 replicas 40: caching every prefix once takes
//   73 % of the fleet's KV, the proportion of llm-d's published b2b-saas run. Round-robin spreads each
//   group over all 8 replicas, so a replica would need all 32 prefixes; prefix affinity needs 4.
// - Latencies follow the reference's "32B-class on H100 TP2" recipe (prefill 0.4 ms/token, 50 ms
//   overhead, ITL 20 ms, load factor 2), doubled so that the rates stay in the tens of requests per
//   second a 2-core machine serves without CPU limits: a miss costs 100 + 1,550 × 0.8 ≈ 1.34 s of
//   prefill, a hit ≈ 0.15 s; 32 output tokens take another 1.2 s.
const DEFAULTS = {
  replicas: 8,
  groups: 32,
  systemChars: 6000,
  questionChars: 160,
  maxTokens: 32,
  rates: '4,7,10,13,16',
  stageSec: 18,
  drainSec: 30,
  maxNumSeqs: 16,
  kvCacheSize: 512,
  blockSize: 16,
  prefillOverheadMs: 100,
  prefillPerTokenMs: 0.8,
  interTokenMs: 40,
  timeFactor: 2,
  seed: 1,
} as const;
const QUICK = { rates: '4,10', stageSec: 6, drainSec: 6 } as const;

const USAGE = `  --quick               a ~1-minute smoke run (stages ${QUICK.rates} req/s × ${QUICK.stageSec} s, drain ${QUICK.drainSec} s)
  --profiles LIST       ${PROFILES.join(',')} (default all, in that order)
  --rates LIST          requests/s of each stage (default ${DEFAULTS.rates})
  --stage SEC           length of each stage (default ${DEFAULTS.stageSec})
  --drain SEC           after the last stage, wait this long for requests in flight (default ${DEFAULTS.drainSec})
  --replicas N          simulated replicas (default ${DEFAULTS.replicas})
  --groups N            prompt groups (default ${DEFAULTS.groups})
  --system-chars N      characters of each group's system prompt, ~4 per token (default ${DEFAULTS.systemChars})
  --question-chars N    characters of each request's question (default ${DEFAULTS.questionChars})
  --max-tokens N        output tokens per request, ignore_eos (default ${DEFAULTS.maxTokens})
  --kv-cache-size N     simulator KV blocks per replica (default ${DEFAULTS.kvCacheSize})
  --block-size N        tokens per KV block (default ${DEFAULTS.blockSize})
  --max-num-seqs N      running sequences per replica (default ${DEFAULTS.maxNumSeqs})
  --prefill-overhead MS (default ${DEFAULTS.prefillOverheadMs})
  --prefill-per-token MS (default ${DEFAULTS.prefillPerTokenMs})
  --itl MS              inter-token latency (default ${DEFAULTS.interTokenMs})
  --time-factor F       simulator time-factor-under-load (default ${DEFAULTS.timeFactor})
  --sheddable FRACTION  share of requests sent with a priority −1 InferenceObjective (default 0)
  --seed N              workload and simulator seed (default ${DEFAULTS.seed})
  --sluice HOW          build: compile into .tmp/bench-scheduling-dist (default); source: tsx
  --out NAME            results file bench/results/NAME.json (default scheduling)
  --verbose             echo the gateway's output`;

interface ProfileRun {
  readonly profile: ProfileName;
  readonly stages: readonly StageSummary[];
  readonly drainMs: number;
  readonly requests: number;
  readonly outcomes: { readonly ok: number; readonly shed: number; readonly errors: number; readonly unfinished: number };
  readonly podsUsed: number;
}

function positive(name: string, v: string, integer = false, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > max || (integer && !Number.isInteger(n))) throw new Error(`--${name}: expected a positive ${integer ? 'integer' : 'number'}${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''} (got ${v})`);
  return n;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function runScheduling(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      profiles: { type: 'string', default: PROFILES.join(',') },
      rates: { type: 'string' },
      stage: { type: 'string' },
      drain: { type: 'string' },
      replicas: { type: 'string', default: String(DEFAULTS.replicas) },
      groups: { type: 'string', default: String(DEFAULTS.groups) },
      'system-chars': { type: 'string', default: String(DEFAULTS.systemChars) },
      'question-chars': { type: 'string', default: String(DEFAULTS.questionChars) },
      'max-tokens': { type: 'string', default: String(DEFAULTS.maxTokens) },
      'kv-cache-size': { type: 'string', default: String(DEFAULTS.kvCacheSize) },
      'block-size': { type: 'string', default: String(DEFAULTS.blockSize) },
      'max-num-seqs': { type: 'string', default: String(DEFAULTS.maxNumSeqs) },
      'prefill-overhead': { type: 'string', default: String(DEFAULTS.prefillOverheadMs) },
      'prefill-per-token': { type: 'string', default: String(DEFAULTS.prefillPerTokenMs) },
      itl: { type: 'string', default: String(DEFAULTS.interTokenMs) },
      'time-factor': { type: 'string', default: String(DEFAULTS.timeFactor) },
      sheddable: { type: 'string', default: '0' },
      seed: { type: 'string', default: String(DEFAULTS.seed) },
      sluice: { type: 'string', default: 'build' },
      out: { type: 'string', default: 'scheduling' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const quick = values.quick;
  const profiles = values.profiles.split(',').map((s) => s.trim()).filter((s) => s.length > 0) as ProfileName[];
  for (const p of profiles) if (!PROFILES.includes(p)) throw new Error(`--profiles: unknown profile "${p}" (${PROFILES.join(', ')})`);
  const rates = (values.rates ?? (quick ? QUICK.rates : DEFAULTS.rates)).split(',').map((r) => positive('rates', r.trim(), false, 500));
  const stageMs = positive('stage', values.stage ?? String(quick ? QUICK.stageSec : DEFAULTS.stageSec), false, 600) * 1000;
  const drainMs = positive('drain', values.drain ?? String(quick ? QUICK.drainSec : DEFAULTS.drainSec), false, 600) * 1000;
  const sheddable = Number(values.sheddable);
  if (!(sheddable >= 0 && sheddable <= 1)) throw new Error(`--sheddable: a fraction from 0 to 1 (got ${values.sheddable})`);
  const how = values.sluice;
  if (how !== 'build' && how !== 'source') throw new Error('--sluice: build or source');
  const sim: SimSettings = {
    replicas: positive('replicas', values.replicas, true, 64),
    maxNumSeqs: positive('max-num-seqs', values['max-num-seqs'], true, 1024),
    kvCacheSize: positive('kv-cache-size', values['kv-cache-size'], true, 1 << 20),
    blockSize: positive('block-size', values['block-size'], true, 128),
    maxModelLen: 0,
    prefillOverheadMs: Number(values['prefill-overhead']),
    prefillPerTokenMs: Number(values['prefill-per-token']),
    interTokenMs: Number(values.itl),
    timeFactorUnderLoad: positive('time-factor', values['time-factor'], false, 100),
    seed: positive('seed', values.seed, true),
  };
  for (const [k, v] of [['prefill-overhead', sim.prefillOverheadMs], ['prefill-per-token', sim.prefillPerTokenMs], ['itl', sim.interTokenMs]] as const) {
    if (!(v >= 0 && v <= 60_000)) throw new Error(`--${k}: milliseconds from 0 to 60000`);
  }
  const workload: WorkloadOptions = {
    groups: positive('groups', values.groups, true, 10_000),
    systemChars: positive('system-chars', values['system-chars'], true, 1_000_000),
    questionChars: positive('question-chars', values['question-chars'], true, 100_000),
    maxTokens: positive('max-tokens', values['max-tokens'], true, 100_000),
    rates,
    stageMs,
    sheddable,
    seed: sim.seed,
  };
  // The context must hold the whole prompt (chat template included) and the output.
  const promptTokens = Math.ceil((workload.systemChars + workload.questionChars + 40) / 4);
  const settings: SimSettings = { ...sim, maxModelLen: Math.max(1024, 2 ** Math.ceil(Math.log2(promptTokens + workload.maxTokens + 64))) };

  const plan = planRequests(workload, MODEL);
  const runMs = rates.length * stageMs;
  const perProfileMs = runMs + drainMs + 15_000;
  armDeadline(profiles.length * perProfileMs * 1.5 + 240_000, 'the scheduling benchmark');

  const m = machine();
  const log = (s: string) => process.stdout.write(s + '\n');
  log(`bench scheduling: ${describeMachine(m)}`);
  log(`  ${settings.replicas} replicas (KV ${settings.kvCacheSize} blocks × ${settings.blockSize} tokens, ${settings.maxNumSeqs} seqs; prefill ${settings.prefillOverheadMs} ms + ${settings.prefillPerTokenMs} ms/token, ITL ${settings.interTokenMs} ms, load factor ${settings.timeFactorUnderLoad})`);
  log(`  ${workload.groups} groups × ${workload.systemChars}-char system prompt (~${Math.round(workload.systemChars / 4)} tokens), ${workload.questionChars}-char questions, ${workload.maxTokens} output tokens`);
  log(`  stages ${rates.join(', ')} req/s × ${stageMs / 1000} s (${plan.length} requests), drain ≤ ${drainMs / 1000} s; profiles ${profiles.join(', ')}; about ${Math.round((profiles.length * (runMs + 8000)) / 1000)}–${Math.round((profiles.length * perProfileMs) / 1000)} s`);

  const started = performance.now();
  const command = await sluiceCommand(how, log);
  const runs: ProfileRun[] = [];
  for (const profile of profiles) {
    runs.push(await runProfile(profile, { command, settings, plan, rates, stageMs, drainMs, verbose: values.verbose, log }));
  }

  // Tables.
  const rows: string[][] = [['profile', 'stage', 'req/s', 'sent', 'TTFT p50 ms', 'TTFT p90 ms', 'out tok/s', 'hit rate', 'sim hit rate', 'replicas/group', 'busiest', 'shed', 'errors', 'unfinished', 'gw CPU']];
  for (const r of runs) {
    for (const s of r.stages) {
      rows.push([r.profile, String(s.stage + 1), fmt(s.rate, 1), String(s.sent), fmt(s.ttftP50Ms, 0), fmt(s.ttftP90Ms, 0) + (s.censored > 0 ? '*' : ''), fmt(s.outputTokensPerSec, 0), pct(s.hitRate), pct(s.simHitRate), fmt(s.replicasPerGroup, 1), pct(s.busiestReplicaShare), String(s.shed), String(s.errors), String(s.unfinished), fmt(s.gatewayCores, 2)]);
    }
  }
  log('');
  log(table(rows));
  if (runs.some((r) => r.stages.some((s) => s.censored > 0))) log('  * includes requests still waiting for their first token at the deadline, counted with the time they had waited (a lower bound)');

  // Targets: the highest stage, default vs round-robin (and the others for context).
  const top = rates.length - 1;
  const at = (p: ProfileName) => runs.find((r) => r.profile === p)?.stages[top];
  const def = at('default');
  const ratioRows: string[][] = [['highest stage', 'TTFT p90 ms', 'TTFT p90 / default', 'hit rate', 'default / hit rate', 'out tok/s', 'default / tok/s']];
  for (const r of runs) {
    const s = r.stages[top];
    if (!s) continue;
    ratioRows.push([r.profile, fmt(s.ttftP90Ms, 0), def ? ratio(s.ttftP90Ms / def.ttftP90Ms) : 'n/a', pct(s.hitRate), def ? ratio(def.hitRate / s.hitRate) : 'n/a', fmt(s.outputTokensPerSec, 0), def ? ratio(def.outputTokensPerSec / s.outputTokensPerSec) : 'n/a']);
  }
  log('');
  log(table(ratioRows));
  const rr = at('round-robin');
  const goals: { goal: string; value: string; met: boolean | undefined }[] = [];
  if (def && rr) {
    const ttftRatio = rr.ttftP90Ms / def.ttftP90Ms;
    const hitRatio = def.hitRate / rr.hitRate;
    goals.push({ goal: `stage ${top + 1} (${fmt(rates[top]!, 1)} req/s): default TTFT p90 ≥ 3x lower than round-robin`, value: ratio(ttftRatio), met: Number.isFinite(ttftRatio) ? ttftRatio >= 3 : undefined });
    goals.push({ goal: `stage ${top + 1} (${fmt(rates[top]!, 1)} req/s): default prefix-cache hit rate ≥ 2x round-robin's`, value: `${ratio(hitRatio)} (${pct(def.hitRate)} vs ${pct(rr.hitRate)})`, met: Number.isFinite(hitRatio) ? hitRatio >= 2 : undefined });
  }
  log('');
  for (const g of goals) log(`  ${g.met === undefined ? '    ' : g.met ? 'met ' : 'MISS'}  ${g.goal}: ${g.value}`);
  if (quick) log('  note: --quick is a smoke run: its stages are too short to warm every group\'s prefix (each group\'s first request is a miss whatever the profile), so it does not judge the targets; run without --quick');
  const hot = runs.flatMap((r) => r.stages.filter((s) => s.gatewayCores > 0.85).map((s) => `${r.profile} stage ${s.stage + 1}`));
  if (hot.length > 0) log(`  warning: the gateway process (which also runs the simulators) used more than 0.85 of a core in ${hot.join(', ')}: figures there may show CPU limits, not scheduling`);
  for (const r of runs) {
    const bad = r.stages.find((s) => s.firstError !== undefined);
    if (bad) log(`  ${r.profile}: first failure: ${bad.firstError}`);
  }

  const elapsedSec = (performance.now() - started) / 1000;
  log(`  ran in ${fmt(elapsedSec, 0)} s`);
  const file = writeResults(values.out, {
    scenario: 'scheduling',
    date: new Date().toISOString(),
    machine: m,
    command: `npm run bench -- scheduling ${argv.join(' ')}`.trim(),
    options: { quick, profiles, rates, stageMs, drainMs, sluice: how },
    elapsedSec,
    simulator: { ...settings, args: simArgs(settings) },
    workload: { ...workload, requests: plan.length, model: MODEL },
    runs,
    goals,
    table: markdownTable(rows),
    ratioTable: markdownTable(ratioRows),
  });
  log(`  results: ${file}`);
}

function pct(v: number): string {
  return Number.isFinite(v) ? `${fmt(v * 100, 1)}%` : 'n/a';
}

interface RunContext {
  readonly command: readonly string[];
  readonly settings: SimSettings;
  readonly plan: readonly PlannedRequest[];
  readonly rates: readonly number[];
  readonly stageMs: number;
  readonly drainMs: number;
  readonly verbose: boolean;
  readonly log: (s: string) => void;
}

/** One gateway run: start Sluice with the profile's manifests, send the plan, drain, stop, summarize. */
async function runProfile(profile: ProfileName, c: RunContext): Promise<ProfileRun> {
  const { settings, plan, rates, stageMs, drainMs, log } = c;
  const gw = await startSluice({ upstreamPort: 0, command: c.command, manifests: schedulingManifests(profile, settings, SHEDDABLE_OBJECTIVE), name: `sluice (${profile})`, echo: c.verbose, readyTimeoutMs: 60_000 });
  try {
    const admin = `http://127.0.0.1:${gw.adminPort}`;
    // Every replica listening and in the pool, and scraped at least once (the picker's metrics).
    let replicas: Replica[] = [];
    const readyBy = Date.now() + 20_000;
    while (Date.now() < readyBy) {
      replicas = await poolReplicas(admin, POOL);
      if (replicas.length === settings.replicas) break;
      await sleep(200);
    }
    if (replicas.length !== settings.replicas) throw new Error(`the pool has ${replicas.length} ready replicas, not ${settings.replicas}:\n${gw.child.tail()}`);
    await sleep(500);

    const origin = performance.now();
    const client = new StreamClient(gw.origin, origin, 120_000);
    const abort = new AbortController();
    // One signal for every request of the run (undici adds a listener per request in flight).
    setMaxListeners(0, abort.signal);
    const pending: Promise<Outcome>[] = [];
    const windows: StageWindow[] = [];
    const gwPid = gw.child.pid;
    let counters: PrefixCounters = await prefixCounters(replicas);
    let cpuGw = cpuTimeMs(gwPid);
    let cpuSelf = process.cpuUsage();
    let windowStart = 0;
    // Closes the window [windowStart, now): simulator counters and CPU since the previous close.
    const closeWindow = async (stage: number, endMs: number, tokenEndMs: number) => {
      const wall = performance.now() - origin - windowStart;
      const [next, gwNow, selfNow] = [await prefixCounters(replicas), cpuTimeMs(gwPid), process.cpuUsage()];
      const selfMs = (selfNow.user - cpuSelf.user + selfNow.system - cpuSelf.system) / 1000;
      windows.push({
        stage,
        rate: rates[stage]!,
        startMs: windowStart,
        endMs: tokenEndMs,
        simHits: next.hits - counters.hits,
        simQueries: next.queries - counters.queries,
        gatewayCores: (gwNow - cpuGw) / wall,
        clientCores: selfMs / wall,
      });
      counters = next;
      cpuGw = gwNow;
      cpuSelf = selfNow;
      windowStart = endMs;
    };

    let windowsClosed = Promise.resolve();
    // Dispatch on schedule; stage windows close as the clock passes their ends. Bounded: the plan
    // ends at rates.length × stageMs.
    let i = 0;
    let stage = 0;
    while (stage < rates.length - 1 || i < plan.length) {
      const now = performance.now() - origin;
      if (stage < rates.length - 1 && now >= (stage + 1) * stageMs) {
        const s = stage++;
        // Not awaited: scraping the simulators must not hold back the next arrivals.
        windowsClosed = windowsClosed.then(() => closeWindow(s, (s + 1) * stageMs, (s + 1) * stageMs));
        continue;
      }
      const next = plan[i];
      if (next && next.atMs <= now) {
        pending.push(client.send(next, SHEDDABLE_OBJECTIVE, abort.signal));
        i++;
        continue;
      }
      const wake = Math.min(next?.atMs ?? Infinity, (stage + 1) * stageMs);
      await sleep(Math.max(0, Math.min(wake - now, 50)));
    }
    // The last stage: wait out its window, then drain (bounded), then abort what is left.
    const lastEnd = rates.length * stageMs;
    const tillEnd = lastEnd - (performance.now() - origin);
    if (tillEnd > 0) await sleep(tillEnd);
    const drainStart = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([Promise.all(pending).then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), drainMs)))]);
    clearTimeout(timer);
    if (!drained) abort.abort();
    const outcomes = await Promise.all(pending);
    const drainTook = performance.now() - drainStart;
    await windowsClosed;
    await closeWindow(rates.length - 1, performance.now() - origin, lastEnd);
    await client.close();
    const stages = windows.map((w) => summarizeStage(w, outcomes, client.tokenTimes));
    for (const s of stages) log(`  ${profile}: stage ${s.stage + 1}: TTFT p90 ${fmt(s.ttftP90Ms, 0)} ms, hit rate ${pct(s.hitRate)}, ${fmt(s.outputTokensPerSec, 0)} tok/s, gateway CPU ${fmt(s.gatewayCores, 2)}`);
    log(`  ${profile}: drained in ${fmt(drainTook / 1000, 1)} s${drained ? '' : ' (deadline: the rest were aborted)'}`);
    return {
      profile,
      stages,
      drainMs: drainTook,
      requests: outcomes.length,
      outcomes: {
        ok: outcomes.filter((o) => o.kind === 'ok').length,
        shed: outcomes.filter((o) => o.kind === 'shed').length,
        errors: outcomes.filter((o) => o.kind === 'error').length,
        unfinished: outcomes.filter((o) => o.kind === 'unfinished').length,
      },
      podsUsed: new Set(outcomes.map((o) => o.pod).filter((p) => p !== '')).size,
    };
  } finally {
    await gw.child.stop();
  }
}

export const scheduling: Scenario = {
  description: 'shared-prefix workload on simulated replicas: random, round-robin, queue-only and default picker profiles',
  usage: USAGE,
  run: runScheduling,
};
