// The KV cache and prefix caching seen over HTTP, asserted on the simulator's reported timings and
// metrics (never on wall time): cached prefixes shorten the computed TTFT in proportion to their
// blocks, usage follows the running sequences, and requests wait for KV blocks.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import OpenAI from 'openai';
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { startSimulator } from './server.ts';
import type { RunningSimulator } from './server.ts';
import { metricValue, scrape, waitFor } from './testing.ts';

/** Text of exactly `tokens` tokens (4 characters each) that differs for each `seed`. */
function text(tokens: number, seed: string): string {
  let s = '';
  for (let i = 0; s.length < tokens * 4; i++) s += `${seed}-${i} `;
  return s.slice(0, tokens * 4);
}

function complete(sim: RunningSimulator, body: Record<string, unknown>, signal?: AbortSignal): Promise<Dispatcher.ResponseData> {
  return request(sim.url + '/v1/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: sim.options.model, max_tokens: 1, ...body }),
    ...(signal ? { signal } : {}),
  });
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

describe('prefix caching', () => {
  const sims: RunningSimulator[] = [];
  after(async () => {
    await Promise.all(sims.map((s) => s.close()));
  });

  const OVERHEAD = 2;
  const PER_TOKEN = 0.01;
  async function perTokenSim(extra: Parameters<typeof startSimulator>[0]): Promise<RunningSimulator> {
    const s = await startSimulator({
      port: 0,
      latencyCalculator: 'per-token',
      prefillOverheadMs: OVERHEAD,
      prefillTimePerTokenMs: PER_TOKEN,
      interTokenLatencyMs: 0.1,
      maxModelLen: 4096,
      ...extra,
    });
    sims.push(s);
    return s;
  }

  async function timings(res: Dispatcher.ResponseData): Promise<{ ttft: number; prompt: number; cached: number; usageCached: number }> {
    assert.equal(res.statusCode, 200);
    const body = (await res.body.json()) as { usage: { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } } };
    const cached = Number(res.headers['x-sim-cached-tokens']);
    return {
      ttft: Number(res.headers['x-sim-ttft-ms']),
      prompt: body.usage.prompt_tokens,
      cached,
      usageCached: body.usage.prompt_tokens_details.cached_tokens,
    };
  }

  it('serves a repeated long prompt with a lower TTFT, in proportion to its cached blocks', async () => {
    const s = await perTokenSim({ model: 'm', kvCacheSize: 1024, blockSize: 16 });
    const long = text(1000, 'doc');

    const fresh = await timings(await complete(s, { prompt: long }));
    assert.equal(fresh.prompt, 1000);
    assert.equal(fresh.cached, 0);
    assert.equal(fresh.ttft, round3(OVERHEAD + 1000 * PER_TOKEN));

    const repeat = await timings(await complete(s, { prompt: long }));
    // 62 full blocks lie within the first 999 tokens (the last token is always computed).
    assert.equal(repeat.cached, 62 * 16);
    assert.equal(repeat.usageCached, repeat.cached, 'usage.prompt_tokens_details.cached_tokens reports the hit');
    assert.equal(repeat.ttft, round3(OVERHEAD + (1000 - 992) * PER_TOKEN));
    assert.ok(repeat.ttft < fresh.ttft);

    // A fresh prompt of equal length pays the full prefill again.
    const other = await timings(await complete(s, { prompt: text(1000, 'other') }));
    assert.equal(other.cached, 0);
    assert.equal(other.ttft, fresh.ttft);

    // Half the prompt shared: half the blocks cached, the saving proportional to them.
    const half = await timings(await complete(s, { prompt: long.slice(0, 512 * 4) + text(488, 'tail') }));
    assert.equal(half.cached, 32 * 16);
    assert.equal(round3(fresh.ttft - half.ttft), round3(half.cached * PER_TOKEN));

    const metrics = await scrape(s.url);
    assert.equal(metricValue(metrics, 'vllm:prefix_cache_queries_total'), 4000);
    assert.equal(metricValue(metrics, 'vllm:prefix_cache_hits_total'), 992 + 512);
  });

  it('keys the cache by model: an adapter does not reuse the base model blocks', async () => {
    const s = await perTokenSim({ model: 'm', loraModules: [{ name: 'lora-a' }], maxLoras: 1, loraLoadTimeMs: 0 });
    const long = text(400, 'shared');
    await (await complete(s, { prompt: long })).body.dump();
    const viaAdapter = await timings(await complete(s, { prompt: long, model: 'lora-a' }));
    assert.equal(viaAdapter.cached, 0);
    const again = await timings(await complete(s, { prompt: long, model: 'lora-a' }));
    assert.equal(again.cached, 384);
  });

  it('caches chat conversations by their rendered prefix', async () => {
    const s = await perTokenSim({ model: 'm' });
    const client = new OpenAI({ baseURL: s.url + '/v1', apiKey: 'x', maxRetries: 0 });
    const system = { role: 'system' as const, content: text(300, 'system prompt') };
    const first = await client.chat.completions.create({ model: 'm', messages: [system, { role: 'user', content: 'first question' }], max_tokens: 2 });
    assert.equal(first.usage?.prompt_tokens_details?.cached_tokens, 0);
    const second = await client.chat.completions.create({ model: 'm', messages: [system, { role: 'user', content: 'second question' }], max_tokens: 2 });
    // "<|system|>\n" + 1200 characters + "\n<|user|>\n" = 1221 shared characters: 19 full blocks of 64.
    assert.equal(second.usage?.prompt_tokens_details?.cached_tokens, 19 * 16);
  });

  it('with --enable-kvcache=false nothing is cached and usage stays 0', async () => {
    const s = await perTokenSim({ model: 'm', enableKvCache: false });
    const long = text(500, 'x');
    await (await complete(s, { prompt: long })).body.dump();
    const again = await timings(await complete(s, { prompt: long }));
    assert.equal(again.cached, 0);
    assert.equal(metricValue(await scrape(s.url), 'vllm:kv_cache_usage_perc'), 0);
  });
});

describe('KV-cache usage and admission', () => {
  const sims: RunningSimulator[] = [];
  after(async () => {
    await Promise.all(sims.map((s) => s.close()));
  });

  it('vllm:kv_cache_usage_perc rises with concurrent long prompts and falls after', async () => {
    const s = await startSimulator({
      model: 'm',
      port: 0,
      kvCacheSize: 200,
      maxModelLen: 1024,
      latencyCalculator: 'constant',
      timeToFirstTokenMs: 1,
      interTokenLatencyMs: 20,
    });
    sims.push(s);
    const usage = async (): Promise<number> => metricValue(await scrape(s.url), 'vllm:kv_cache_usage_perc') ?? Number.NaN;
    assert.equal(await usage(), 0);

    // Three 400-token prompts: 25 blocks each at start; 16 output tokens each add one block.
    const responses = ['a', 'b', 'c'].map((seed) => complete(s, { prompt: text(400, seed), max_tokens: 16, ignore_eos: true }));
    const during = await waitFor(usage, (u) => u >= 75 / 200);
    assert.ok(during >= 75 / 200 && during <= 78 / 200, `usage ${during}`);
    assert.equal(metricValue(await scrape(s.url), 'vllm:gpu_cache_usage_perc'), metricValue(await scrape(s.url), 'vllm:kv_cache_usage_perc'));
    const peak = await waitFor(usage, (u) => u === 78 / 200 || s.state().running < 3);
    assert.equal(peak, 78 / 200, 'the output blocks are taken as tokens are generated');

    for (const r of await Promise.all(responses)) {
      assert.equal(r.statusCode, 200);
      await r.body.dump();
    }
    assert.equal(await usage(), 0, 'finished sequences hold no blocks (their cached blocks are free to evict)');
    assert.equal(s.state().cachedBlocks, 75);
  });

  it('makes a request wait for KV blocks even with free slots, and num_requests_waiting says so', async () => {
    const s = await startSimulator({
      model: 'm',
      port: 0,
      maxNumSeqs: 8,
      kvCacheSize: 40, // 640 tokens: smaller than the context, so some requests can never fit
      maxModelLen: 1024,
      latencyCalculator: 'constant',
      timeToFirstTokenMs: 1,
      interTokenLatencyMs: 50, // the first runs ≈ 450 ms: time enough to see the second wait on a loaded machine
    });
    sims.push(s);
    // Each needs 25 prompt blocks + 1 output block; two do not fit in 40.
    const first = complete(s, { prompt: text(400, 'first'), max_tokens: 10, ignore_eos: true });
    await waitFor(async () => s.state().running, (r) => r === 1);
    const second = complete(s, { prompt: text(400, 'second'), max_tokens: 10, ignore_eos: true });
    const text1 = await waitFor(() => scrape(s.url), (t) => metricValue(t, 'vllm:num_requests_waiting') === 1);
    assert.equal(metricValue(text1, 'vllm:num_requests_running'), 1);

    const [r1, r2] = await Promise.all([first, second]);
    await r1.body.dump();
    await r2.body.dump();
    assert.equal(Number(r1.headers['x-sim-queue-ms']), 0);
    assert.ok(Number(r2.headers['x-sim-queue-ms']) > 0, 'the second waited for blocks');

    // A request that could never fit is refused.
    const tooBig = await complete(s, { prompt: text(700, 'huge'), max_tokens: 5 });
    assert.equal(tooBig.statusCode, 400);
    const body = (await tooBig.body.json()) as { error: { message: string } };
    assert.match(body.error.message, /KV-cache blocks/);
  });
});
