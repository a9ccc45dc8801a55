// Scenario `chaos`: does the gateway hold under faults and attack? One Sluice process in front of
//   - an InferencePool of three simulated replicas (emulated in the gateway process, as standalone
//     mode runs them) and a Backend of three `sluice sim` processes; in each group one replica fails
//     20 % of requests (503), one is killed at 30 % of the run (the Backend's process gets SIGKILL;
//     the pool's replica starts resetting every connection and failing readiness, as a crashed pod's
//     address behaves until it is removed), one hangs every request;
// while, all at once for --duration seconds:
//   - well-formed chat requests (half streamed, read to the end) to both, at a fixed rate (open loop);
//   - fuzz cases from fast-check (bench/lib/fuzz-requests.ts) on raw sockets, split across writes;
//   - slow clients trickle header blocks and bodies at 1 byte/s;
//   - the manifest is touched every second (a reload each time).
// It reports the success rate of the well-formed requests (overall, and for those started after the
// kill), requests without any answer (must be 0), streams cut without an error event, latency
// percentiles, the gateway's peak RSS, internal_error answers and log lines (must be 0), the slow
// clients' fate, and the cost of the JSON shape check per KB beside JSON.parse's. Nothing here knows
// about retries, ejection or path normalisation: the figures are whatever the gateway does today.
//
// Retries exist only where a policy asks for them (as in Envoy Gateway), so by default the route gets
// the BackendTrafficPolicy a platform team would write for model servers (--policy health): retry on
// connect failure, reset and 503 with a per-try timeout and a short backoff, plus active readiness
// checks (GET /health/ready every second: in standalone mode nothing else notices a pod turning
// unready, where Kubernetes would drop it from the EndpointSlice) and a panic threshold of 30 %, so
// that with two of three replicas broken the one left is not panicked back into sending to all three.
// Passive detection keeps Sluice's defaults. --policy retry has the retries alone, --policy none no
// policy at all. The gateway's ejection log lines give the hanging replicas' cost: how long each was
// back in rotation before it was ejected again (about one per-try timeout is the goal, not one per
// request).
import { utimesSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { Agent, request } from 'undici';
import { BACKEND_MODEL, CHAOS_MODELS, POOL_MODEL, ROLES, breakReplica, chaosManifests, gatewayStatus, poolReplicas, startChaosGateway, startSimProcess } from '../lib/chaos-setup.ts';
import type { SimProcess } from '../lib/chaos-setup.ts';
import { armDeadline } from '../lib/children.ts';
import { exchange, fuzzCaseArb } from '../lib/fuzz-requests.ts';
import type { FuzzCase } from '../lib/fuzz-requests.ts';
import { measureScanCost } from '../lib/json-scan-cost.ts';
import { machineBusyMs, memory } from '../lib/procstat.ts';
import { describeMachine, fmt, machine, table, writeResults } from '../lib/report.ts';
import { runSlowClients } from '../lib/slow-clients.ts';
import type { SlowOutcome } from '../lib/slow-clients.ts';
import { percentile } from '../lib/stats.ts';
import { prepareRuntime } from '../lib/targets.ts';
import { wellFormed } from '../lib/well-formed.ts';
import type { WellFormedResult } from '../lib/well-formed.ts';
import type { Scenario } from './types.ts';

const USAGE = `  --duration S          seconds of chaos (default 60)
  --rate N              well-formed requests started per second (open loop; default 30)
  --fuzz-rate N         fuzz cases started per second (open loop; default 15)
  --slow N              slow clients at once (default 6)
  --slow-limit S        the gateway's header/body timeout they must be cut within (default 60)
  --kill-at F           fraction of the run at which replicas are killed (default 0.3)
  --request-timeout S   the routes' timeouts.request (default 10s)
  --policy P            health (default): a BackendTrafficPolicy with retries, a per-try timeout,
                        active readiness checks and a 30 % panic threshold; retry: the retries
                        alone; none: no policy
  --retries N           the policy's numRetries (default 5)
  --per-try-timeout S   the policy's perRetry.timeout (default 2s)
  --seed N              fuzz seed (default: time-based, printed)
  --sluice HOW          build (default), dist or source
  --out NAME            results file (default chaos)
  --verbose             echo the children's output`;

interface FuzzTally {
  sent: number;
  /** Closed by the gateway without a status line. */
  noAnswer: number;
  /** Nothing within the client's 30 s. */
  noAnswerInTime: number;
  internalErrors: number;
  statuses: Record<string, number>;
  examples: string[];
}

interface Ejection {
  readonly origin: string;
  /** performance.now() when the line was read. */
  readonly at: number;
  /** Ejected for this long; 0 for a return to rotation. */
  readonly seconds: number;
  /** The ejection's reason, or `returned: <cause>` (ejection over, or a passing active check). */
  readonly reason: string;
}

/** The policy a platform team would give model servers: retries on failures that sent nothing useful, a per-try timeout (and readiness checks). */
function retryPolicy(retries: number, perTry: string, health: boolean): string {
  return `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: chaos-retries}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: chaos}]
  retry:
    numRetries: ${retries}
    retryOn:
      triggers: [connect-failure, reset, retriable-status-codes]
      httpStatusCodes: [503]
    perRetry:
      timeout: ${perTry}
      backOff: {baseInterval: 10ms, maxInterval: 100ms}
${
  health
    ? `  healthCheck:
    active:
      type: HTTP
      http: {path: /health/ready, expectedStatuses: [200]}
      interval: 1s
      timeout: 500ms
      unhealthyThreshold: 2
      healthyThreshold: 1
    panicThreshold: 30
`
    : ''
}`;
}

/**
 * What a hanging replica cost: its ejections during the run, and for each return to rotation the time
 * until it was ejected again (the time requests could be sent to it and wait out a per-try timeout).
 */
function hangCost(list: readonly Ejection[], runStart: number, endedAt: number) {
  const own = list.filter((e) => e.at >= runStart).sort((a, b) => a.at - b.at);
  const inRotation: number[] = [];
  const returns: Record<string, number> = {};
  // Back in service since: a logged return, else the end of the last ejection (ends are noticed lazily).
  let backAt = Number.NaN;
  let ejections = 0;
  for (const e of own) {
    if (e.seconds === 0) {
      backAt = e.at;
      returns[e.reason] = (returns[e.reason] ?? 0) + 1;
      continue;
    }
    if (Number.isFinite(backAt)) inRotation.push(Math.max(0, e.at - backAt));
    ejections++;
    backAt = e.at + e.seconds * 1000;
  }
  // Back in rotation at the end without having been ejected again: that time counts too.
  const tail = Number.isFinite(backAt) ? runStart + endedAt - backAt : Number.NaN;
  return { ejections, returns, inRotationMs: inRotation.sort((a, b) => a - b), openAtEndMs: tail > 0 ? tail : 0 };
}

function count<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}

function pct(part: number, whole: number): string {
  return whole === 0 ? 'n/a' : `${fmt((100 * part) / whole, 1)}%`;
}

async function runChaos(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '60' },
      rate: { type: 'string', default: '30' },
      'fuzz-rate': { type: 'string', default: '15' },
      slow: { type: 'string', default: '6' },
      'slow-limit': { type: 'string', default: '60' },
      'kill-at': { type: 'string', default: '0.3' },
      'request-timeout': { type: 'string', default: '10s' },
      policy: { type: 'string', default: 'health' },
      retries: { type: 'string', default: '5' },
      'per-try-timeout': { type: 'string', default: '2s' },
      seed: { type: 'string' },
      sluice: { type: 'string', default: 'build' },
      out: { type: 'string', default: 'chaos' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const durationMs = Number(values.duration) * 1000;
  const rate = Number(values.rate);
  const fuzzRate = Number(values['fuzz-rate']);
  const slow = Number(values.slow);
  const killAt = Number(values['kill-at']);
  const slowLimitMs = Number(values['slow-limit']) * 1000;
  const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 2 ** 31;
  if (!(durationMs >= 5000 && durationMs <= 3_600_000)) throw new Error('--duration: 5 to 3600 seconds');
  if (!(rate > 0 && rate <= 2000) || !(fuzzRate >= 0 && fuzzRate <= 2000) || !(Number.isInteger(slow) && slow >= 0 && slow <= 1000)) throw new Error('--rate 1..2000, --fuzz-rate 0..2000, --slow 0..1000');
  if (!(killAt > 0 && killAt < 1)) throw new Error('--kill-at: a fraction between 0 and 1');
  if (!/^\d+(ms|s)$/.test(values['request-timeout'])) throw new Error('--request-timeout: a duration such as 10s or 500ms');
  const policy = values.policy;
  if (policy !== 'health' && policy !== 'retry' && policy !== 'none') throw new Error('--policy: health, retry or none');
  const retries = Number(values.retries);
  if (!(Number.isInteger(retries) && retries >= 0 && retries <= 20)) throw new Error('--retries: 0 to 20');
  const perTry = values['per-try-timeout'];
  if (!/^\d+(ms|s)$/.test(perTry)) throw new Error('--per-try-timeout: a duration such as 2s or 500ms');
  const perTryMs = perTry.endsWith('ms') ? Number(perTry.slice(0, -2)) : Number(perTry.slice(0, -1)) * 1000;
  const entry = values.sluice;
  if (entry !== 'build' && entry !== 'dist' && entry !== 'source') throw new Error('--sluice: build, dist or source');
  const echo = values.verbose;
  const clientTimeoutMs = 30_000;
  armDeadline(durationMs + clientTimeoutMs + 300_000, 'the chaos benchmark');

  const m = machine();
  const log = (s: string) => process.stdout.write(s + '\n');
  const loadBefore = loadavg();
  log(`bench chaos: ${describeMachine(m)}; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  log(`  ${durationMs / 1000} s: ${rate} well-formed requests/s, ${fuzzRate} fuzz cases/s (seed ${seed}), ${slow} slow clients, a reload every second, kills at ${Math.round(killAt * 100)} %`);
  log(`  route: timeouts.request ${values['request-timeout']}; ${policy === 'none' ? 'no BackendTrafficPolicy' : `BackendTrafficPolicy: ${retries} retries on connect-failure, reset, 503; perRetry.timeout ${perTry}${policy === 'health' ? '; active checks GET /health/ready every 1 s; panicThreshold 30' : ''}`}`);

  log('  JSON shape check (every AI request) against JSON.parse of the same body:');
  const scanCost = measureScanCost();
  log(
    table([
      ['body', 'bytes', 'scan ns/KB', 'JSON.parse ns/KB', 'scan/parse'],
      ...scanCost.map((s) => [s.body, fmt(s.bytes, 0), fmt(s.scanNsPerKB, 0), fmt(s.parseNsPerKB, 0), `${fmt(100 * s.ratio, 1)}%`]),
    ])
      .split('\n')
      .map((l) => '    ' + l)
      .join('\n'),
  );

  const rt = await prepareRuntime(entry, log);
  const sims = new Map<string, SimProcess>();
  for (const role of ROLES) sims.set(role, await startSimProcess(rt, role, echo));
  const manifests = chaosManifests(ROLES.map((r) => sims.get(r)!.port), values['request-timeout']) + (policy === 'none' ? '' : retryPolicy(retries, perTry, policy === 'health'));
  const gw = await startChaosGateway(rt, manifests, echo);
  // Ejections as the gateway logs them (`<backend>: endpoint <origin> ejected for N s (<reason>)`).
  const ejections: Ejection[] = [];
  let logTail = '';
  const scanEjections = (chunk: Buffer) => {
    const lines = (logTail + chunk.toString()).split('\n');
    logTail = lines.pop() ?? '';
    for (const l of lines) {
      const m = /endpoint (\S+) ejected for (\d+) s \(([^)]+)\)/.exec(l);
      if (m) ejections.push({ origin: m[1]!, at: performance.now(), seconds: Number(m[2]), reason: m[3]! });
      const back = /endpoint (\S+) back in rotation \(([^)]+)\)/.exec(l);
      if (back) ejections.push({ origin: back[1]!, at: performance.now(), seconds: 0, reason: `returned: ${back[2]!}` });
    }
  };
  gw.child.proc.stdout?.on('data', scanEjections);
  gw.child.proc.stderr?.on('data', scanEjections);
  const replicas = await poolReplicas(gw.adminPort, 60_000);
  const roleOf = new Map<string, string>();
  for (const r of ROLES) {
    roleOf.set(`http://127.0.0.1:${sims.get(r)!.port}`, `Backend ${r}`);
    roleOf.set(`http://${replicas.get(r)!}`, `pool ${r}`);
  }
  const origin = `http://127.0.0.1:${gw.port}`;
  log(`  gateway on ${origin} (pid ${gw.child.pid}); backend processes ${ROLES.map((r) => `${r} :${sims.get(r)!.port}`).join(', ')}; pool replicas ${[...replicas].map(([r, a]) => `${r} ${a}`).join(', ')}`);

  const dispatcher = new Agent({ keepAliveTimeout: 10_000 });
  // Warm up: JIT, connection pools, the picker's first scrape.
  for (let i = 0; i < 6; i++) await wellFormed(dispatcher, origin, CHAOS_MODELS[i % 2]!, i % 4 < 2, performance.now(), clientTimeoutMs);
  const generationBefore = (await gatewayStatus(gw.adminPort)).generation;
  const idleRss = memory(gw.child.pid).rssMiB;
  const busyBefore = machineBusyMs();

  const runStart = performance.now();
  const deadline = runStart + durationMs;
  let peakRss = idleRss;
  const rssSampler = setInterval(() => {
    const r = memory(gw.child.pid).rssMiB;
    if (r > peakRss) peakRss = r;
  }, 200);
  let reloads = 0;
  const reloader = setInterval(() => {
    const now = new Date();
    utimesSync(gw.manifest, now, now);
    reloads++;
  }, 1000);

  let killedAt = Number.NaN;
  const killer = setTimeout(() => {
    killedAt = performance.now() - runStart;
    sims.get('kill')!.child.proc.kill('SIGKILL');
    void breakReplica(replicas.get('kill')!).catch((err: unknown) => log(`  could not break the pool replica: ${(err as Error).message}`));
    log(`  ${fmt(killedAt / 1000, 1)} s: killed the backend's sim-kill process and broke the pool's kill replica`);
  }, killAt * durationMs);

  // Open loop: requests start on a schedule whatever happened to the earlier ones (a hanging replica
  // must not slow the load down, nor hide latency behind fewer requests).
  const openLoop = (perSecond: number, send: (i: number) => Promise<void>): Promise<void> =>
    new Promise<void>((resolve) => {
      if (perSecond <= 0) return resolve();
      const inFlight = new Set<Promise<void>>();
      let i = 0;
      const tick = () => {
        const now = performance.now();
        if (now >= deadline) {
          void Promise.all(inFlight).then(() => resolve());
          return;
        }
        // Every start that is due, so that a late timer does not lower the rate.
        const due = Math.floor(((now - runStart) / 1000) * perSecond) + 1;
        while (i < due) {
          const p = send(i++).finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
        setTimeout(tick, Math.max(1, Math.min(50, 1000 / perSecond)));
      };
      tick();
    });

  const results: WellFormedResult[] = [];
  const wellFormedLoad = openLoop(rate, async (i) => {
    const model = i % 2 === 0 ? POOL_MODEL : BACKEND_MODEL;
    results.push(await wellFormed(dispatcher, origin, model, (i >> 1) % 2 === 0, runStart, clientTimeoutMs));
  });

  const fuzz: FuzzTally = { sent: 0, noAnswer: 0, noAnswerInTime: 0, internalErrors: 0, statuses: {}, examples: [] };
  const arb = fuzzCaseArb({ models: CHAOS_MODELS });
  let batch: FuzzCase[] = [];
  let batchNo = 0;
  const nextCase = (): FuzzCase => {
    if (batch.length === 0) batch = fc.sample(arb, { seed: seed + batchNo++, numRuns: 500 });
    return batch.pop()!;
  };
  const fuzzLoad = openLoop(fuzzRate, async () => {
    const c = nextCase();
    const r = await exchange(gw.port, c, clientTimeoutMs);
    fuzz.sent++;
    fuzz.statuses[String(r.status)] = (fuzz.statuses[String(r.status)] ?? 0) + 1;
    if (r.status === 0 && r.timedOut) fuzz.noAnswerInTime++;
    else if (r.status === 0) fuzz.noAnswer++;
    if (r.internalError) fuzz.internalErrors++;
    if ((r.status === 0 || r.internalError) && fuzz.examples.length < 5) fuzz.examples.push(`${r.internalError ? 'internal_error' : r.timedOut ? 'no answer in time' : 'closed unanswered'}: ${c.label}`);
  });
  const slowClients = runSlowClients(gw.port, slow);

  await Promise.all([wellFormedLoad, fuzzLoad]);
  const endedAt = performance.now() - runStart;
  clearTimeout(killer);
  clearInterval(reloader);
  const slowOutcomes: SlowOutcome[] = await slowClients.stop();
  clearInterval(rssSampler);
  const busyMs = machineBusyMs() - busyBefore;
  const loadAfter = loadavg();
  const finalRss = memory(gw.child.pid);
  const generationAfter = await gatewayStatus(gw.adminPort)
    .then((s) => s.generation)
    .catch(() => Number.NaN);
  const alive = await request(`http://127.0.0.1:${gw.adminPort}/readyz`, { headersTimeout: 5000 })
    .then(async (r) => (await r.body.dump(), r.statusCode === 200))
    .catch(() => false);
  await dispatcher.close();

  // ---- figures
  const ok = (r: WellFormedResult) => r.outcome === 'ok';
  const after = results.filter((r) => Number.isFinite(killedAt) && r.at >= killedAt);
  const before = results.filter((r) => !Number.isFinite(killedAt) || r.at < killedAt);
  const durations = results.map((r) => r.ms).sort((a, b) => a - b);
  const okDurations = results.filter(ok).map((r) => r.ms).sort((a, b) => a - b);
  const ejectionsByRole = count(ejections.filter((e) => e.at >= runStart), (e) => `${roleOf.get(e.origin) ?? e.origin} ${e.reason}`);
  const hang = Object.fromEntries(
    ['pool hang', 'Backend hang'].map((role) => [role, hangCost(ejections.filter((e) => roleOf.get(e.origin) === role), runStart, endedAt)]),
  );
  // Requests that waited out at least one per-try timeout (a hung attempt) before their answer.
  const waitedPerTry = policy !== 'none' ? results.filter((r) => r.ms >= perTryMs).length : Number.NaN;
  const streams = results.filter((r) => r.stream && r.status === 200);
  const wfInternal = results.filter((r) => r.code === 'internal_error').length;
  const logInternal = gw.internalErrorLines();
  const byModel = (model: string, rs: readonly WellFormedResult[]) => rs.filter((r) => r.model === model);
  const failures = count(
    results.filter((r) => !ok(r)),
    (r) => `${r.model} ${r.outcome}${r.status ? ' ' + r.status : ''}${r.code ? ' ' + r.code : ''}`,
  );
  // The messages behind the failures, with numbers and addresses folded so that alike ones group.
  const failureMessages = count(
    results.filter((r) => !ok(r) && r.message !== undefined),
    (r) => `${r.model} ${r.status}: ${r.message!.replace(/\d+/g, 'N')}`,
  );
  // Success rate per second of the run, to see the kill and the recovery.
  const timeline = Array.from({ length: Math.ceil(durationMs / 1000) }, (_, s) => {
    const inSecond = results.filter((r) => r.at >= s * 1000 && r.at < (s + 1) * 1000);
    return { second: s, requests: inSecond.length, ok: inSecond.filter(ok).length };
  });
  const slowByOutcome = count(slowOutcomes, (o) => `${o.kind} ${o.outcome}`);
  // Cut later than the gateway's timeout allows (a little slack for its checking interval), or still open past it.
  const slowOverdue = slowOutcomes.filter((o) => o.ms > slowLimitMs + 2000).length;
  const slowCutMs = slowOutcomes.filter((o) => o.outcome === 'cut-408' || o.outcome === 'closed').map((o) => o.ms).sort((a, b) => a - b);

  const rows: string[][] = [
    ['figure', 'value'],
    ['well-formed requests', fmt(results.length, 0)],
    ['  success rate, overall', pct(results.filter(ok).length, results.length)],
    [`  success rate, before the kill`, pct(before.filter(ok).length, before.length)],
    [`  success rate, after the kill`, pct(after.filter(ok).length, after.length)],
    [`  success rate, ${POOL_MODEL} (pool)`, pct(byModel(POOL_MODEL, results).filter(ok).length, byModel(POOL_MODEL, results).length)],
    [`  success rate, ${BACKEND_MODEL} (Backend)`, pct(byModel(BACKEND_MODEL, results).filter(ok).length, byModel(BACKEND_MODEL, results).length)],
    ['  without any response (must be 0)', fmt(results.filter((r) => r.outcome === 'no-response').length, 0)],
    ['  streams cut without an error event', `${fmt(streams.filter((r) => r.outcome === 'stream-cut').length, 0)} of ${fmt(streams.length, 0)}`],
    ['  streams ended by an error event', fmt(streams.filter((r) => r.outcome === 'stream-error-event').length, 0)],
    ['  latency p50 / p99, all (ms)', `${fmt(percentile(durations, 50), 0)} / ${fmt(percentile(durations, 99), 0)}`],
    ['  latency p50 / p99, successes (ms)', `${fmt(percentile(okDurations, 50), 0)} / ${fmt(percentile(okDurations, 99), 0)}`],
    [`requests that waited ≥ one per-try timeout (${perTry})`, policy !== 'none' ? fmt(waitedPerTry, 0) : 'n/a (no policy)'],
    ...Object.entries(hang).flatMap(([role, h]) => [
      [`${role}: ejections during the run`, `${fmt(h.ejections, 0)} (returns: ${Object.entries(h.returns).map(([k, v]) => `${v} ${k.replace('returned: ', '')}`).join(', ') || 'none'})`],
      [`  back in rotation before re-ejection, median / max (s)`, h.inRotationMs.length === 0 ? 'n/a' : `${fmt(percentile(h.inRotationMs, 50) / 1000, 1)} / ${fmt(h.inRotationMs.at(-1)! / 1000, 1)}`],
      [`  in rotation at the end, not ejected again (s)`, fmt(h.openAtEndMs / 1000, 1)],
    ]),
    ['fuzz cases', fmt(fuzz.sent, 0)],
    ['  closed without any response (must be 0)', fmt(fuzz.noAnswer, 0)],
    ['  no response within 30 s (must be 0)', fmt(fuzz.noAnswerInTime, 0)],
    ['internal_error answers (must be 0)', fmt(wfInternal + fuzz.internalErrors, 0)],
    ['internal error log lines (must be 0)', fmt(logInternal.length, 0)],
    ['slow clients', fmt(slowOutcomes.length, 0)],
    ...Object.entries(slowByOutcome).map(([k, v]) => [`  ${k}`, fmt(v, 0)]),
    [`  cut after (s): median / max`, `${fmt(percentile(slowCutMs, 50) / 1000, 1)} / ${fmt((slowCutMs.at(-1) ?? Number.NaN) / 1000, 1)}`],
    [`  open past ${slowLimitMs / 1000} s (must be 0)`, fmt(slowOverdue, 0)],
    ['reloads (touches / generations)', `${reloads} / ${fmt(generationAfter - generationBefore, 0)}`],
    ['gateway RSS idle / peak / end (MiB)', `${fmt(idleRss, 0)} / ${fmt(Math.max(peakRss, finalRss.rssMiB), 0)} / ${fmt(finalRss.rssMiB, 0)}`],
    ['gateway alive at the end', alive ? 'yes' : 'NO'],
    ['machine: busy CPU / load average before → after', `${fmt(busyMs / endedAt / m.cpus * 100, 0)}% / ${loadBefore[0]!.toFixed(2)} → ${loadAfter[0]!.toFixed(2)}`],
  ];
  log('');
  log(table(rows));
  log('');
  log('  well-formed failures by kind:');
  for (const [k, v] of Object.entries(failures).sort((a, b) => b[1] - a[1])) log(`    ${String(v).padStart(6)}  ${k}`);
  log('  ejections and returns by replica:');
  for (const [k, v] of Object.entries(ejectionsByRole).sort()) log(`    ${String(v).padStart(6)}  ${k}`);
  log('  failure messages:');
  for (const [k, v] of Object.entries(failureMessages).sort((a, b) => b[1] - a[1]).slice(0, 12)) log(`    ${String(v).padStart(6)}  ${k}`);
  log(`  success per second: ${timeline.map((t) => (t.requests === 0 ? '-' : Math.round((100 * t.ok) / t.requests))).join(' ')}`);
  log(`  fuzz statuses: ${Object.entries(fuzz.statuses).sort().map(([s, n]) => `${s}: ${n}`).join(', ')}`);
  for (const e of fuzz.examples) log(`    ${e}`);
  for (const l of logInternal.slice(0, 5)) log(`    log: ${l.slice(0, 300)}`);

  const file = writeResults(values.out, {
    scenario: 'chaos',
    machine: m,
    loadAverage: { before: loadBefore, after: loadAfter },
    machineBusyPercent: (busyMs / endedAt / m.cpus) * 100,
    settings: { durationMs, rate, fuzzRate, slowClients: slow, killAt, requestTimeout: values['request-timeout'], policy, retries, perTryTimeout: perTry, seed, entry },
    killedAtMs: killedAt,
    wellFormed: {
      requests: results.length,
      successRate: results.filter(ok).length / Math.max(1, results.length),
      successRateBeforeKill: before.filter(ok).length / Math.max(1, before.length),
      successRateAfterKill: after.filter(ok).length / Math.max(1, after.length),
      successRateByModel: Object.fromEntries(CHAOS_MODELS.map((mo) => [mo, byModel(mo, results).filter(ok).length / Math.max(1, byModel(mo, results).length)])),
      withoutResponse: results.filter((r) => r.outcome === 'no-response').length,
      streams: streams.length,
      streamsCutWithoutErrorEvent: streams.filter((r) => r.outcome === 'stream-cut').length,
      streamsEndedByErrorEvent: streams.filter((r) => r.outcome === 'stream-error-event').length,
      latencyMs: { p50: percentile(durations, 50), p90: percentile(durations, 90), p99: percentile(durations, 99), max: durations.at(-1) ?? Number.NaN },
      successLatencyMs: { p50: percentile(okDurations, 50), p99: percentile(okDurations, 99) },
      outcomes: count(results, (r) => r.outcome),
      failures,
      failureMessages,
      timeline,
    },
    hangingReplicas: { waitedPerTryTimeout: waitedPerTry, byRole: hang, ejectionsByRole },
    fuzz,
    internalErrorAnswers: wfInternal + fuzz.internalErrors,
    internalErrorLogLines: logInternal.length,
    slowClients: { total: slowOutcomes.length, byOutcome: slowByOutcome, cutMs: { median: percentile(slowCutMs, 50), max: slowCutMs.at(-1) ?? Number.NaN }, limitMs: slowLimitMs, overdue: slowOverdue },
    reloads: { touches: reloads, generations: generationAfter - generationBefore },
    gatewayRssMiB: { idle: idleRss, peak: Math.max(peakRss, finalRss.rssMiB), end: finalRss.rssMiB, highWaterMark: finalRss.peakMiB },
    gatewayAlive: alive,
    jsonScanCost: scanCost,
  });
  log(`\n  wrote ${file}`);
  for (const s of sims.values()) if (!s.child.hasExited) await s.child.stop();
  await gw.child.stop(5000);
}

export const chaos: Scenario = {
  description: 'faults and attack at once: failing, killed and hanging replicas, reloads, fuzzed requests, slow clients (success rate, unanswered requests, cut streams, p99, peak RSS, internal errors)',
  usage: USAGE,
  run: runChaos,
};
