// Governance shared through Redis, end to end: two Sluice gateway processes (`sluice run --redis-url`,
// separate child processes) in front of one simulated model server, sharing one real redis-server
// (test/support/redis.ts), driven by the official openai client.
//
// 1. A shared token Budget that 50 concurrent streaming clients, split across both gateways, exhaust:
//    the budget's spent never passes its limit by more than one request's max_tokens, /api/usage
//    equals the usage the clients were told about (stream usage chunks), every refused client got a
//    429 in OpenAI's shape, and no request hangs.
// 2. Redis killed mid-run, then restarted: routes whose policies fail open keep serving, routes whose
//    policies fail closed answer 503 at once; every request answers within a bound; counting resumes
//    after the restart.
// 3. Redis paused (SIGSTOP): requests still answer within a bound (the command timeout), and once it
//    resumes the operations it receives late leave no phantom reservation or count behind.
//
// What a fail-closed refusal looks like (errors.ts `overloaded`): 503, OpenAI shape
// {"error":{"type":"service_unavailable","code":"overloaded",…}}, `retry-after: 1`. On the
// `fail-closed` route it is the Budget (failureMode: FailClose) that refuses: a BackendTrafficPolicy
// rate limit always fails open (the compiler reads no failure mode for it; the annotation below is
// not read), so its counter is consumed late or refunded, never trusted to refuse.
//
// Bounds, not timings: each request gets a generous limit (a hang fails the test); nothing asserts a
// duration or waits for luck.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { request } from 'undici';
import { parseSimulatorArgs } from '../../simulator/options.ts';
import { startSimulator } from '../../simulator/server.ts';
import { repoRoot } from '../support/paths.ts';
import { startRedisServer } from '../support/redis.ts';
import type { RedisServerHandle } from '../support/redis.ts';
import { TEST_GATEWAY_YAML, backendYaml } from '../support/gateway.ts';

type Sim = Awaited<ReturnType<typeof startSimulator>>;

/** The shared budget: small enough that 50 streams exhaust it. */
const BUDGET_TOKENS = 600;
const MAX_TOKENS = 16;
const CLIENTS = 50;
/** A fixed window far longer than the test (aligned to the epoch: it will not roll over mid-run). */
const LONG_WINDOW_DAYS = 3650;
/** Every request must answer within this (a hang fails the test; no duration is asserted). */
const ANSWER_BOUND_MS = 20_000;
/** The gateways' Redis command timeout (SLUICE_REDIS_COMMAND_TIMEOUT_MS). */
const COMMAND_TIMEOUT_MS = 1000;

function manifests(simPort: number): string {
  const route = (name: string, model: string) => `apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: ${name}}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${model}}]}]
      backendRefs: [{name: sim, modelNameOverride: m}]
---
`;
  const budget = (name: string, target: string, limit: number, failureMode: string) => `apiVersion: gateway.sluice.dev/v1alpha1
kind: Budget
metadata: {name: ${name}}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: ${target}}]
  unit: Tokens
  limit: ${limit}
  window: ${LONG_WINDOW_DAYS}d
  per: Shared
  failureMode: ${failureMode}
---
`;
  const limit = (name: string, target: string, annotations: string) => `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: ${name}${annotations}}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: ${target}}]
  rateLimit:
    type: Global
    global:
      rules:
        - limit: {requests: 100000, unit: Hour}
---
`;
  return `${TEST_GATEWAY_YAML}${backendYaml('sim', simPort)}apiVersion: v1
kind: Secret
metadata: {name: client-keys}
stringData: {team-a: sk-team-a, team-b: sk-team-b}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: keys}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
  apiKeyAuth:
    credentialRefs: [{name: client-keys}]
---
${route('budgeted', 'm')}${budget('shared-tokens', 'budgeted', BUDGET_TOKENS, 'FailOpen')}${route('fail-open', 'open')}${budget('open-tokens', 'fail-open', 1_000_000_000, 'FailOpen')}${limit('open-limit', 'fail-open', '')}${route('fail-closed', 'closed')}${budget('closed-tokens', 'fail-closed', 1_000_000_000, 'FailClose')}${limit('closed-limit', 'fail-closed', ', annotations: {gateway.sluice.dev/failure-mode: FailClose}')}`;
}

interface GatewayProcess {
  readonly name: string;
  readonly base: string;
  readonly admin: string;
  /** stderr so far (logs), for messages. */
  log(): string;
  stop(): Promise<void>;
}

/** `sluice run` as a child process; resolves once its banner names the listener and admin ports. */
async function startGatewayProcess(name: string, dir: string, redisUrl: string): Promise<GatewayProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'cli', 'main.ts'), 'run', '-f', dir, '--port', '0', '--admin-port', '0', '--redis-url', redisUrl, '--no-watch', '--access-log', 'off'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    // A loaded test machine can keep Redis from answering within the default 200 ms, and a timed-out
    // operation fails open (the request runs uncounted): part 1's exact counts would then miss it.
    // Parts 2 and 3 still see every bound, one command timeout per operation.
    env: { ...process.env, SLUICE_REDIS_URL: '', SLUICE_REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS) },
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-20_000)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const ports = await new Promise<{ listener: number; admin: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not print its banner within 60 s:\n${out}\n${err}`)), 60_000);
      child.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        const listener = /listener \S+ \(HTTP\): http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
        const admin = /admin: http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
        if (listener && admin) {
          clearTimeout(timer);
          resolve({ listener: Number(listener), admin: Number(admin) });
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${out}\n${err}`));
      });
    });
    return { name, base: `http://127.0.0.1:${ports.listener}`, admin: `http://127.0.0.1:${ports.admin}`, log: () => err, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Settles with `p`, or rejects when it has not settled within `ms`: a hang is a failure, not a wait. */
function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

async function eventually(cond: () => Promise<boolean>, what: string, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (await cond().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

interface Usage {
  prompt: number;
  completion: number;
  total: number;
}

type Outcome = { kind: 'completed'; usage: Usage } | { kind: 'refused'; status: number; code: string | undefined; type: string | undefined; retryAfter: string | null } | { kind: 'cut'; code: string | undefined; type: string | undefined };

const client = (base: string, apiKey: string) => new OpenAI({ baseURL: `${base}/v1`, apiKey, maxRetries: 0, timeout: ANSWER_BOUND_MS, defaultHeaders: { 'x-api-key': apiKey } });

/** One streaming chat completion; what the client saw. */
async function stream(base: string, apiKey: string, model: string, content: string): Promise<Outcome> {
  let s;
  try {
    s = await client(base, apiKey).chat.completions.create({ model, messages: [{ role: 'user', content }], max_tokens: MAX_TOKENS, stream: true, stream_options: { include_usage: true } });
  } catch (e) {
    if (e instanceof OpenAI.APIError && e.status !== undefined) {
      const body = e.error as { code?: string; type?: string } | undefined;
      return { kind: 'refused', status: e.status, code: body?.code ?? undefined, type: body?.type ?? undefined, retryAfter: e.headers?.get('retry-after') ?? null };
    }
    throw e;
  }
  let usage: Usage | undefined;
  try {
    for await (const chunk of s) {
      if (chunk.usage) usage = { prompt: chunk.usage.prompt_tokens, completion: chunk.usage.completion_tokens, total: chunk.usage.total_tokens };
    }
  } catch (e) {
    if (e instanceof OpenAI.APIError && e.status === undefined) {
      const body = e.error as { code?: string; type?: string } | undefined;
      return { kind: 'cut', code: body?.code ?? undefined, type: body?.type ?? undefined };
    }
    throw e;
  }
  assert.ok(usage, 'a completed stream carries a usage chunk');
  return { kind: 'completed', usage };
}

/** One non-streamed chat completion; what the client saw. */
async function chat(base: string, apiKey: string, model: string, content: string): Promise<Outcome> {
  try {
    const r = await client(base, apiKey).chat.completions.create({ model, messages: [{ role: 'user', content }], max_tokens: MAX_TOKENS });
    assert.ok(r.usage, 'a completion carries usage');
    return { kind: 'completed', usage: { prompt: r.usage.prompt_tokens, completion: r.usage.completion_tokens, total: r.usage.total_tokens } };
  } catch (e) {
    if (e instanceof OpenAI.APIError && e.status !== undefined) {
      const body = e.error as { code?: string; type?: string } | undefined;
      return { kind: 'refused', status: e.status, code: body?.code ?? undefined, type: body?.type ?? undefined, retryAfter: e.headers?.get('retry-after') ?? null };
    }
    throw e;
  }
}

/** `n` requests to `model`, spread over both gateways, each bounded; in order of issue. */
function burst(gateways: readonly GatewayProcess[], model: string, n: number, what: string): Promise<Outcome[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => bounded(chat(gateways[i % gateways.length]!.base, 'sk-team-a', model, `${what} request ${i}`), ANSWER_BOUND_MS + 5000, `${what} request ${i} to ${model}`)));
}

const completedUsage = (outcomes: readonly Outcome[]): Usage[] => outcomes.flatMap((o) => (o.kind === 'completed' ? [o.usage] : []));

/** A fail-closed refusal: 503 overloaded (service_unavailable) with retry-after: 1. */
function assertFailedClosed(o: Outcome): void {
  assert.equal(o.kind, 'refused', JSON.stringify(o));
  if (o.kind !== 'refused') return;
  assert.deepEqual([o.status, o.code, o.type, o.retryAfter], [503, 'overloaded', 'service_unavailable', '1'], JSON.stringify(o));
}

interface UsageRow {
  key: { identity?: string; model?: string };
  totals: { requests: number; inputTokens: number; outputTokens: number; totalTokens: number };
}

async function usageReport(admin: string, model: string): Promise<UsageRow['totals']> {
  const res = await request(`${admin}/api/usage?window=24h&groupBy=model&model=${model}`, { headersTimeout: 5000, bodyTimeout: 5000 });
  assert.equal(res.statusCode, 200);
  const report = (await res.body.json()) as { rows: UsageRow[] };
  return report.rows[0]?.totals ?? { requests: 0, inputTokens: 0, outputTokens: 0, totalTokens: 0 };
}

/** spent and held of a Shared token budget (the Redis BudgetStore's hash for the current window). */
async function budgetState(redis: Redis, name: string): Promise<{ spent: number; held: number }> {
  const windowMs = LONG_WINDOW_DAYS * 86_400_000;
  const start = Math.floor(Date.now() / windowMs) * windowMs;
  const [spent, held] = await redis.hmget(`sluice:bg:default/${name}|*:${start}`, 'spent', 'held');
  return { spent: Number(spent ?? 0), held: Number(held ?? 0) };
}

/** Sum of the request counters of a rate-limit policy (every window key). */
async function limitCount(redis: Redis, policy: string): Promise<number> {
  const keys = await redis.keys(`sluice:rl:default/${policy}|*`);
  let n = 0;
  for (const k of keys) n += Number((await redis.get(k)) ?? 0);
  return n;
}

describe('two Sluice processes sharing one Redis', () => {
  let redis: RedisServerHandle | undefined;
  let sim: Sim | undefined;
  let dir: string | undefined;
  let inspect: Redis | undefined;
  const gateways: GatewayProcess[] = [];
  /** Set while part 2 has killed the server, so part 3 can start from a live one whatever happened. */
  let redisDown = false;

  before(async () => {
    redis = await startRedisServer();
    const { options } = parseSimulatorArgs(['--model', 'm', '--time-to-first-token', '0', '--inter-token-latency', '2ms', '--max-num-seqs', '128'], { host: '127.0.0.1' });
    sim = await startSimulator({ ...options, port: 0 });
    dir = mkdtempSync(join(tmpdir(), 'sluice-redis-e2e-'));
    writeFileSync(join(dir, 'manifests.yaml'), manifests(Number(new URL(sim.url).port)));
    const started = await Promise.allSettled([startGatewayProcess('gateway A', dir, redis.url), startGatewayProcess('gateway B', dir, redis.url)]);
    for (const s of started) if (s.status === 'fulfilled') gateways.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    inspect = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: (n) => Math.min(n * 50, 500) });
    inspect.on('error', () => undefined);
    await inspect.connect();
  });

  after(async () => {
    redis?.resume();
    inspect?.disconnect();
    await Promise.all(gateways.map((g) => g.stop()));
    await sim?.close();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('50 concurrent streams across both gateways exhaust a shared token budget exactly', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: CLIENTS }, (_, i) => {
        const g = gateways[i % 2]!;
        const key = i % 4 < 2 ? 'sk-team-a' : 'sk-team-b';
        return bounded(stream(g.base, key, 'm', `Say hello to client number ${i} of the budget test.`), ANSWER_BOUND_MS + 5000, `client ${i}`);
      }),
    );
    const completed = outcomes.filter((o) => o.kind === 'completed');
    const refused = outcomes.filter((o) => o.kind === 'refused');
    const cut = outcomes.filter((o) => o.kind === 'cut');
    assert.equal(completed.length + refused.length + cut.length, CLIENTS);
    // The budget cannot hold 50 requests: some were refused; it holds at least one: some completed.
    assert.ok(completed.length > 0, 'some streams completed');
    assert.ok(refused.length + cut.length > 0, 'the budget ran out');
    for (const r of refused) {
      assert.deepEqual([r.status, r.code, r.type], [429, 'budget_exhausted', 'insufficient_quota'], JSON.stringify(r));
      assert.ok(Number(r.retryAfter) > 0, 'retry-after');
    }
    for (const c of cut) assert.equal(c.code, 'budget_exhausted', JSON.stringify(c));

    // Exact counts need Redis to have answered every operation in time.
    for (const g of gateways) assert.doesNotMatch(g.log(), /Redis is unreachable/, `${g.name} lost Redis during the run (a timed-out operation fails open, uncounted):\n${g.log().slice(-2000)}`);
    const sum = (f: (u: Usage) => number) => completed.reduce((n, o) => n + f(o.usage), 0);
    // Every request is settled in the gateway after its response ended: wait (bounded) for the
    // budget's holds to be released, then compare.
    await eventually(async () => (await budgetState(inspect!, 'shared-tokens')).held === 0, 'every reservation to be settled');
    const state = await budgetState(inspect!, 'shared-tokens');
    assert.ok(state.spent <= BUDGET_TOKENS + MAX_TOKENS, `spent ${state.spent} of ${BUDGET_TOKENS}`);
    // Both gateways read the same ledger.
    for (const g of gateways) {
      const totals = await usageReport(g.admin, 'm');
      if (cut.length === 0) {
        assert.deepEqual(
          { requests: totals.requests, input: totals.inputTokens, output: totals.outputTokens, total: totals.totalTokens },
          { requests: completed.length, input: sum((u) => u.prompt), output: sum((u) => u.completion), total: sum((u) => u.total) },
          `${g.name}: /api/usage equals what the clients were told`,
        );
      }
      assert.equal(totals.totalTokens, state.spent, 'the budget charged exactly the recorded usage');
    }
  });
  /** Polls until `read()` satisfies `ok`; the failure names the last value seen. */
  async function settlesTo<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, limitMs = 20_000): Promise<T> {
    const deadline = Date.now() + limitMs;
    let last: T | undefined;
    let lastError: unknown;
    while (Date.now() < deadline) {
      try {
        last = await read();
        if (ok(last)) return last;
      } catch (e) {
        lastError = e;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return assert.fail(`timed out waiting for ${what}; last seen ${JSON.stringify(last)}${lastError ? ` (${String(lastError)})` : ''}`);
  }

  /** Each gateway serves a `closed` request (its Budget fails closed: a 200 proves that gateway reaches Redis again). */
  async function untilEachGatewayCounts(what: string): Promise<Usage[]> {
    const served: Usage[] = [];
    for (const g of gateways) {
      let i = 0;
      const o = await settlesTo(() => bounded(chat(g.base, 'sk-team-a', 'closed', `${what} probe ${i++}`), ANSWER_BOUND_MS, `${g.name} probe`), (x) => x.kind === 'completed', `${g.name} to serve a fail-closed route (${what})`);
      if (o.kind === 'completed') served.push(o.usage);
    }
    return served;
  }

  interface Counts {
    openLimit: number;
    closedLimit: number;
    open: { spent: number; held: number };
    closed: { spent: number; held: number };
  }
  const counts = async (): Promise<Counts> => ({ openLimit: await limitCount(inspect!, 'open-limit'), closedLimit: await limitCount(inspect!, 'closed-limit'), open: await budgetState(inspect!, 'open-tokens'), closed: await budgetState(inspect!, 'closed-tokens') });
  const total = (us: readonly Usage[]) => us.reduce((n, u) => n + u.total, 0);

  it('Redis killed mid-run: fail-open routes keep serving, fail-closed routes answer 503, nothing hangs; counting resumes after a restart', async () => {
    // Counting works before the outage.
    const before = await counts();
    const warm = await burst(gateways, 'open', 4, 'warm-up');
    assert.equal(completedUsage(warm).length, 4, JSON.stringify(warm));
    await settlesTo(counts, (c) => c.open.held === 0 && c.openLimit === before.openLimit + 4 && c.open.spent === before.open.spent + total(completedUsage(warm)), 'the warm-up to be counted');

    // Killed while streams are in flight on both routes: each of them finishes or is refused the
    // fail-closed way; none hangs.
    const inFlight = Promise.all([
      ...Array.from({ length: 6 }, (_, i) => bounded(stream(gateways[i % 2]!.base, 'sk-team-a', 'open', `in-flight open ${i}`), ANSWER_BOUND_MS + 5000, `in-flight open ${i}`)),
      ...Array.from({ length: 6 }, (_, i) => bounded(stream(gateways[i % 2]!.base, 'sk-team-a', 'closed', `in-flight closed ${i}`), ANSWER_BOUND_MS + 5000, `in-flight closed ${i}`)),
    ]);
    redisDown = true;
    await redis!.kill();
    const flown = await inFlight;
    for (const o of flown.slice(0, 6)) assert.equal(o.kind, 'completed', `fail-open stream: ${JSON.stringify(o)}`);
    for (const o of flown.slice(6)) if (o.kind !== 'completed') assertFailedClosed(o);

    // While Redis is gone: every request answers; fail open serves, fail closed refuses.
    const open = await burst(gateways, 'open', 10, 'outage');
    for (const o of open) assert.equal(o.kind, 'completed', `fail-open during the outage: ${JSON.stringify(o)}`);
    const closed = await burst(gateways, 'closed', 10, 'outage');
    for (const o of closed) assertFailedClosed(o);

    // A fresh, empty Redis on the same port: both gateways reconnect by themselves.
    await redis!.restart();
    redisDown = false;
    await untilEachGatewayCounts('after the restart');

    // Counting is exact again: rate-limit counters and budget spend follow the requests one for one.
    const base = await settlesTo(counts, (c) => c.open.held === 0 && c.closed.held === 0, 'the probes to settle');
    const openAfter = completedUsage(await burst(gateways, 'open', 6, 'resumed'));
    const closedAfter = completedUsage(await burst(gateways, 'closed', 6, 'resumed'));
    assert.deepEqual([openAfter.length, closedAfter.length], [6, 6]);
    await settlesTo(
      counts,
      (c) =>
        c.openLimit === base.openLimit + 6 &&
        c.closedLimit === base.closedLimit + 6 &&
        c.open.held === 0 &&
        c.closed.held === 0 &&
        c.open.spent === base.open.spent + total(openAfter) &&
        c.closed.spent === base.closed.spent + total(closedAfter),
      `counting to resume exactly (from ${JSON.stringify(base)}: +6 requests each, +${total(openAfter)} open and +${total(closedAfter)} closed tokens)`,
    );
  });

  it('Redis paused: requests answer within the command timeout, and after resume no phantom reservation or count remains', async () => {
    if (redisDown) {
      await redis!.restart();
      redisDown = false;
    }
    await untilEachGatewayCounts('before the pause');
    const base = await settlesTo(counts, (c) => c.open.held === 0 && c.closed.held === 0, 'no reservation to be held before the pause');

    redis!.pause();
    let open: Outcome[];
    let closed: Outcome[];
    try {
      // Both routes at once: Redis answers nothing, every command times out (200 ms).
      [open, closed] = await Promise.all([burst(gateways, 'open', 10, 'paused'), burst(gateways, 'closed', 10, 'paused')]);
    } finally {
      redis!.resume();
    }
    for (const o of open) assert.equal(o.kind, 'completed', `fail-open while paused: ${JSON.stringify(o)}`);
    for (const o of closed) assertFailedClosed(o);

    // Redis now runs the commands that timed out. Each gateway's later commands queue behind them on
    // its connection: once both serve again, what remains must be what was really served.
    const probes = await untilEachGatewayCounts('after the resume');
    await settlesTo(
      counts,
      (c) =>
        // A request admitted while Redis did not answer runs uncounted (fail open) or is refused
        // (fail closed): either way the counts Redis applied late are given back, and only the
        // probes count.
        c.openLimit === base.openLimit &&
        c.closedLimit === base.closedLimit + probes.length &&
        // No reservation outlives its request; the budgets charged only what was charged in time.
        c.open.held === 0 &&
        c.closed.held === 0 &&
        c.open.spent === base.open.spent &&
        c.closed.spent === base.closed.spent + total(probes),
      `no phantom reservation or count after the resume (from ${JSON.stringify(base)}: 10 open requests served uncounted, +${probes.length} closed probes of ${total(probes)} tokens)`,
    );
  });
});
