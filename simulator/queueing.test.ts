// Engine behaviour seen over HTTP: slots and waiting queue in /metrics, 429 on a full queue, slots freed
// by disconnecting clients, and the simulator's own timing headers. No wall-clock assertions: the
// tests wait for states, and check the simulator's reported numbers against its formulas.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { startSimulator } from './server.ts';
import type { RunningSimulator } from './server.ts';
import { metricValue, queueState, scrape, waitFor } from './testing.ts';

type ResponseData = Dispatcher.ResponseData;

function chat(sim: RunningSimulator, body: Record<string, unknown>, signal?: AbortSignal): Promise<ResponseData> {
  return request(sim.url + '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: sim.options.model, messages: [{ role: 'user', content: 'hello there' }], ...body }),
    ...(signal ? { signal } : {}),
  });
}

describe('queueing', () => {
  const sims: RunningSimulator[] = [];
  after(async () => {
    await Promise.all(sims.map((s) => s.close()));
  });
  async function sim(options: Parameters<typeof startSimulator>[0]): Promise<RunningSimulator> {
    const s = await startSimulator({ port: 0, ...options });
    sims.push(s);
    return s;
  }

  it('runs maxNumSeqs requests and queues the rest; gauges follow the engine', async () => {
    const s = await sim({ model: 'm', maxNumSeqs: 2, timeToFirstTokenMs: 300, interTokenLatencyMs: 1 });
    const responses = Array.from({ length: 5 }, () => chat(s, { max_tokens: 3, ignore_eos: true }));
    const during = await waitFor(() => queueState(s.url), (q) => q.running + q.waiting === 5);
    assert.deepEqual(during, { running: 2, waiting: 3 });

    const done = await Promise.all(responses);
    const queued: number[] = [];
    for (const r of done) {
      assert.equal(r.statusCode, 200);
      queued.push(Number(r.headers['x-sim-queue-ms']));
      const body = (await r.body.json()) as { usage: { completion_tokens: number } };
      assert.equal(body.usage.completion_tokens, 3);
    }
    // Two found a free slot; three waited for one (the simulator's own measurement says so).
    assert.equal(queued.filter((q) => q === 0).length, 2, `queue times ${queued.join(', ')}`);
    assert.equal(queued.filter((q) => q > 0).length, 3, `queue times ${queued.join(', ')}`);
    assert.deepEqual(await queueState(s.url), { running: 0, waiting: 0 });
    const text = await scrape(s.url);
    assert.match(text, /vllm:request_success_total\{model_name="m",finish_reason="length"\} 5/);
    assert.equal(metricValue(text, 'vllm:generation_tokens_total'), 15);
  });

  it('answers 429 in the OpenAI error shape when the waiting queue is full', async () => {
    const s = await sim({ model: 'm', maxNumSeqs: 1, maxWaitingQueueLength: 1, timeToFirstTokenMs: 60_000 });
    const ac = new AbortController();
    const held = [chat(s, {}, ac.signal), chat(s, {}, ac.signal)].map((p) => p.catch((err: unknown) => err));
    await waitFor(() => queueState(s.url), (q) => q.running === 1 && q.waiting === 1);

    const refused = await chat(s, {});
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.headers['retry-after'], '1');
    const body = (await refused.body.json()) as { error: { type: string; code: string; message: string } };
    assert.equal(body.error.code, 'rate_limit_exceeded');
    assert.match(body.error.message, /queue is full/);

    // Disconnecting frees the running slot and the queue entry.
    ac.abort();
    await Promise.all(held);
    assert.deepEqual(await waitFor(() => queueState(s.url), (q) => q.running === 0 && q.waiting === 0), { running: 0, waiting: 0 });
  });

  it('frees the slot of a client that disconnects mid-stream', async () => {
    const s = await sim({ model: 'm', maxNumSeqs: 1, timeToFirstTokenMs: 1, interTokenLatencyMs: 50 });
    const ac = new AbortController();
    const res = await chat(s, { stream: true, max_tokens: 200, ignore_eos: true }, ac.signal);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/event-stream');
    const reader = res.body[Symbol.asyncIterator]();
    const first = String((await reader.next()).value);
    assert.match(first, /^data: \{.*"role":"assistant"/);
    assert.equal((await queueState(s.url)).running, 1);

    ac.abort();
    await reader.return?.().catch(() => undefined);
    await waitFor(() => queueState(s.url), (q) => q.running === 0);

    // The slot is usable again.
    const next = await chat(s, { max_tokens: 2, ignore_eos: true });
    assert.equal(next.statusCode, 200);
    await next.body.dump();
    const text = await scrape(s.url);
    assert.match(text, /finish_reason="length"\} 1/);
    assert.ok((metricValue(text, 'vllm:generation_tokens_total') ?? 0) < 200 + 2, 'aborted stream counted only the tokens it produced');
  });
});

describe('timing headers', () => {
  const sims: RunningSimulator[] = [];
  after(async () => {
    await Promise.all(sims.map((s) => s.close()));
  });

  it('per-token: x-sim-ttft-ms = prefill-overhead + prompt tokens × prefill-time-per-token', async () => {
    const s = await startSimulator({
      model: 'm',
      port: 0,
      latencyCalculator: 'per-token',
      prefillOverheadMs: 7,
      prefillTimePerTokenMs: 0.5,
      prefillTimeStdDevMs: 0,
      interTokenLatencyMs: 0.25,
      interTokenLatencyStdDevMs: 0,
    });
    sims.push(s);
    for (const content of ['short', 'a somewhat longer prompt '.repeat(20)]) {
      const res = await chat(s, { messages: [{ role: 'user', content }], max_tokens: 20 });
      assert.equal(res.statusCode, 200);
      const body = (await res.body.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
      const prompt = body.usage.prompt_tokens;
      assert.equal(Number(res.headers['x-sim-prompt-tokens']), prompt);
      assert.equal(Number(res.headers['x-sim-ttft-ms']), 7 + prompt * 0.5);
      assert.equal(Number(res.headers['x-sim-decode-ms']), (body.usage.completion_tokens - 1) * 0.25);
      assert.equal(res.headers['x-sim-load-factor'], '1');
      assert.equal(res.headers['x-sim-cached-tokens'], '0');
    }
  });

  it('constant: x-sim-ttft-ms = time-to-first-token, scaled by the reported load factor', async () => {
    const s = await startSimulator({
      model: 'm',
      port: 0,
      latencyCalculator: 'constant',
      timeToFirstTokenMs: 40,
      interTokenLatencyMs: 1,
      maxNumSeqs: 3,
      timeFactorUnderLoad: 3,
    });
    sims.push(s);
    const responses = await Promise.all(Array.from({ length: 3 }, () => chat(s, { max_tokens: 2 })));
    for (const r of responses) {
      await r.body.dump();
      const running = Number(r.headers['x-sim-running']);
      const factor = Number(r.headers['x-sim-load-factor']);
      assert.ok(running >= 1 && running <= 3);
      assert.equal(factor, 1 + (2 * (running - 1)) / 2);
      assert.equal(Number(r.headers['x-sim-ttft-ms']), 40 * factor);
    }
  });
});

describe('failure injection', () => {
  it('answers every request with one of the configured failures at rate 100', async () => {
    const s = await startSimulator({ model: 'm', port: 0, failureInjectionRate: 100, failureTypes: ['server_error', 'rate_limit'], seed: 3 });
    try {
      const statuses = new Set<number>();
      for (let i = 0; i < 20; i++) {
        const r = await chat(s, {});
        statuses.add(r.statusCode);
        const body = (await r.body.json()) as { error?: { code?: string } };
        assert.ok(body.error?.code === 'server_error' || body.error?.code === 'rate_limit_exceeded');
      }
      assert.deepEqual([...statuses].sort(), [429, 503]);
      assert.deepEqual(await queueState(s.url), { running: 0, waiting: 0 });
    } finally {
      await s.close();
    }
  });
});
