// Fault injection: each mode's client-visible effect, by header and by flag, and the runtime admin
// endpoint that changes latency and faults without a restart.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { startSimulator } from './server.ts';
import type { RunningSimulator } from './server.ts';

function chat(
  sim: RunningSimulator,
  headers: Record<string, string> = {},
  body: Record<string, unknown> = {},
  signal?: AbortSignal,
): Promise<Dispatcher.ResponseData> {
  return request(sim.url + '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: sim.options.model, messages: [{ role: 'user', content: 'hello' }], max_tokens: 8, ignore_eos: true, ...body }),
    ...(signal ? { signal } : {}),
  });
}

async function admin(sim: RunningSimulator, patch?: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await request(sim.url + '/admin/config', {
    method: patch ? 'POST' : 'GET',
    ...(patch ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch) } : {}),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

/** Reads an SSE body until it ends or breaks; returns the data payloads and whether it broke. */
async function readStream(res: Dispatcher.ResponseData): Promise<{ events: string[]; broken: boolean }> {
  let text = '';
  let broken = false;
  try {
    for await (const chunk of res.body) text += String(chunk);
  } catch {
    broken = true;
  }
  const events = text
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice(6));
  return { events, broken };
}

describe('faults by header', () => {
  let sim: RunningSimulator;
  before(async () => {
    sim = await startSimulator({ model: 'm', port: 0, latencyCalculator: 'constant', timeToFirstTokenMs: 1, interTokenLatencyMs: 1 });
  });
  after(() => sim?.close());

  it('error: answers at once with the chosen status in the OpenAI error shape', async () => {
    for (const [status, code] of [[503, 'server_error'], [500, 'internal_error'], [429, 'rate_limit_exceeded'], [401, 'invalid_api_key']] as const) {
      const res = await chat(sim, { 'x-sim-error': String(status) });
      assert.equal(res.statusCode, status);
      const body = (await res.body.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, code);
      assert.match(body.error.message, /injected/);
      if (status === 429) assert.equal(res.headers['retry-after'], '1');
    }
    const upstreamName = await chat(sim, { 'x-return-error': '503' });
    assert.equal(upstreamName.statusCode, 503);
    await upstreamName.body.dump();
    const client = new OpenAI({ baseURL: sim.url + '/v1', apiKey: 'x', maxRetries: 0, defaultHeaders: { 'x-sim-error': '429' } });
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }), OpenAI.RateLimitError);
    const bad = await chat(sim, { 'x-sim-error': 'teapot' });
    assert.equal(bad.statusCode, 400);
    await bad.body.dump();
  });

  it('delay: the answer comes after the added latency, reported in x-sim-fault-delay-ms', async () => {
    const res = await chat(sim, { 'x-sim-delay': '30ms' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-sim-fault-delay-ms'], '30');
    assert.equal(res.headers['x-sim-queue-ms'], '0', 'the delay is not queueing');
    await res.body.dump();
  });

  it('hang: no response header ever arrives; the request holds no engine slot', async () => {
    const pending = chat(sim, { 'x-sim-hang': 'true' }, {}, AbortSignal.timeout(150));
    await assert.rejects(pending, (err: Error) => err.name === 'AbortError' || err.name === 'TimeoutError');
    assert.equal(sim.state().running, 0);
    assert.equal(sim.state().waiting, 0);
  });

  it('reset: the connection is reset before any response header', async () => {
    await assert.rejects(chat(sim, { 'x-sim-reset': '1' }), (err: Error & { code?: string }) => {
      assert.match(String(err.code ?? err.message), /ECONNRESET|UND_ERR_SOCKET|other side closed|socket/i);
      return true;
    });
    // The simulator keeps serving.
    const ok = await chat(sim);
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
  });

  it('abort: a stream is cut after N content chunks, without [DONE]', async () => {
    const res = await chat(sim, { 'x-sim-abort-after': '3' }, { stream: true, max_tokens: 20 });
    assert.equal(res.statusCode, 200);
    const { events, broken } = await readStream(res);
    assert.equal(broken, true);
    assert.equal(events.length, 3);
    assert.ok(!events.includes('[DONE]'));
    // The slot is freed when the server sees its own cut, which may land just after the client does.
    for (let i = 0; i < 100 && sim.state().running !== 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(sim.state().running, 0, 'the cut frees the slot');
  });

  it('abort: a whole-body answer is cut half-way through the body', async () => {
    const res = await chat(sim, { 'x-sim-abort-after': '0' });
    assert.equal(res.statusCode, 200);
    await assert.rejects(res.body.json());
  });
});

describe('faults by flag and at runtime', () => {
  const sims: RunningSimulator[] = [];
  after(async () => {
    await Promise.all(sims.map((s) => s.close()));
  });
  async function sim(options: Partial<Parameters<typeof startSimulator>[0]>): Promise<RunningSimulator> {
    const s = await startSimulator({ model: 'm', port: 0, timeToFirstTokenMs: 1, interTokenLatencyMs: 1, ...options });
    sims.push(s);
    return s;
  }

  it('error rate with chosen statuses', async () => {
    const s = await sim({ failureInjectionRate: 100, failureStatuses: [500, 503], seed: 5 });
    const statuses = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const r = await chat(s);
      statuses.add(r.statusCode);
      await r.body.dump();
    }
    assert.deepEqual([...statuses].sort(), [500, 503]);
  });

  it('abort rate with --fault-abort-after', async () => {
    const s = await sim({ faultAbortRate: 100, faultAbortAfterChunks: 2 });
    const { events, broken } = await readStream(await chat(s, {}, { stream: true }));
    assert.equal(broken, true);
    assert.equal(events.length, 2);
  });

  it('reset and hang rates', async () => {
    const r = await sim({ faultResetRate: 100 });
    await assert.rejects(chat(r));
    const h = await sim({ faultHangRate: 100 });
    await assert.rejects(chat(h, {}, {}, AbortSignal.timeout(100)));
  });

  it('not ready: by flag, by admin endpoint and by setReady', async () => {
    const s = await sim({ faultNotReady: true });
    const ready = async (): Promise<number> => {
      const r = await request(s.url + '/health/ready');
      await r.body.dump();
      return r.statusCode;
    };
    assert.equal(await ready(), 503);
    assert.equal((await admin(s, { ready: true })).body['ready'], true);
    assert.equal(await ready(), 200);
    await admin(s, { 'fault-not-ready': true });
    assert.equal(await ready(), 503);
    s.setReady(true);
    assert.equal(await ready(), 200);
    const live = await request(s.url + '/health');
    assert.equal(live.statusCode, 200, 'liveness is unaffected');
    await live.body.dump();
  });

  it('GET/POST /admin/config changes latency and faults without a restart', async () => {
    const s = await sim({});
    const initial = await admin(s);
    assert.equal(initial.status, 200);
    assert.equal(initial.body['time-to-first-token'], 1);
    assert.equal(initial.body['ready'], true);

    const changed = await admin(s, { 'latency-calculator': 'constant', 'time-to-first-token': '30ms', 'inter-token-latency': 0.5 });
    assert.equal(changed.status, 200);
    assert.equal(changed.body['time-to-first-token'], 30);
    const res = await chat(s);
    assert.equal(res.headers['x-sim-ttft-ms'], '30');
    assert.equal(res.headers['x-sim-decode-ms'], String(7 * 0.5));
    await res.body.dump();

    await admin(s, { 'failure-injection-rate': 100, 'failure-types': [418] });
    const failed = await chat(s);
    assert.equal(failed.statusCode, 418);
    await failed.body.dump();
    await admin(s, { 'failure-injection-rate': 0 });
    const ok = await chat(s);
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();

    const refused = await admin(s, { 'max-num-seqs': 3 });
    assert.equal(refused.status, 400);
    const badValue = await admin(s, { 'time-to-first-token': 'soon' });
    assert.equal(badValue.status, 400);
    assert.equal((await admin(s)).body['time-to-first-token'], 30, 'a refused patch changes nothing');
  });
});
