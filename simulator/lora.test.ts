// LoRA adapters over HTTP: --max-loras slots, waiting for a slot, load time in the reported timings,
// vllm:lora_requests_info, and runtime load/unload.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import OpenAI from 'openai';
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { startSimulator } from './server.ts';
import type { RunningSimulator } from './server.ts';
import { metricValue, scrape, waitFor } from './testing.ts';

function chat(sim: RunningSimulator, model: string, body: Record<string, unknown> = {}): Promise<Dispatcher.ResponseData> {
  return request(sim.url + '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }], max_tokens: 2, ignore_eos: true, ...body }),
  });
}

function loraInfo(text: string): { running: string; waiting: string; max: string } | undefined {
  const m = /vllm:lora_requests_info\{[^}]*max_lora="(\d+)",running_lora_adapters="([^"]*)",waiting_lora_adapters="([^"]*)"\}/.exec(text);
  return m ? { max: m[1] as string, running: m[2] as string, waiting: m[3] as string } : undefined;
}

describe('LoRA adapters', () => {
  const sims: RunningSimulator[] = [];
  after(async () => {
    await Promise.all(sims.map((s) => s.close()));
  });

  it('makes a request for an adapter beyond --max-loras wait until a slot frees', async () => {
    const s = await startSimulator({
      model: 'base',
      port: 0,
      maxNumSeqs: 4,
      maxLoras: 1,
      loraModules: [{ name: 'a1' }, { name: 'a2' }],
      loraLoadTimeMs: 7,
      latencyCalculator: 'constant',
      timeToFirstTokenMs: 150,
      interTokenLatencyMs: 1,
    });
    sims.push(s);
    const a1 = chat(s, 'a1');
    await waitFor(async () => s.state().runningAdapters, (r) => r.includes('a1'));
    const a2 = chat(s, 'a2');
    // One scrape for both: a second one could come after a1 ended and a2 started (a loaded machine).
    const text = await waitFor(
      async () => scrape(s.url),
      (t) => loraInfo(t)?.waiting === 'a2',
    );
    assert.deepEqual(loraInfo(text), { max: '1', running: 'a1', waiting: 'a2' });
    assert.equal(metricValue(text, 'vllm:num_requests_waiting'), 1);

    // The base model does not need an adapter slot: it runs at once, beside a1.
    const base = await chat(s, 'base');
    assert.equal(Number(base.headers['x-sim-queue-ms']), 0);
    assert.equal(Number(base.headers['x-sim-lora-load-ms']), 0);
    await base.body.dump();

    const r1 = await a1;
    const r2 = await a2;
    await r1.body.dump();
    await r2.body.dump();
    assert.equal(Number(r1.headers['x-sim-queue-ms']), 0);
    assert.equal(Number(r1.headers['x-sim-lora-load-ms']), 7, 'a1 was loaded for the first request');
    assert.equal(Number(r1.headers['x-sim-ttft-ms']), 157, 'TTFT = adapter load + prefill');
    assert.ok(Number(r2.headers['x-sim-queue-ms']) > 0, 'a2 waited for the slot');
    assert.equal(Number(r2.headers['x-sim-lora-load-ms']), 7, 'a2 replaced a1 in the only slot');
    assert.deepEqual(s.state().loadedAdapters, ['a2']);

    // An adapter already in its slot loads no more.
    const again = await chat(s, 'a2');
    await again.body.dump();
    assert.equal(Number(again.headers['x-sim-lora-load-ms']), 0);
    assert.deepEqual(loraInfo(await scrape(s.url)), { max: '1', running: '', waiting: '' });
  });

  it('loads and unloads adapters at runtime', async () => {
    const s = await startSimulator({ model: 'base', port: 0, timeToFirstTokenMs: 1, interTokenLatencyMs: 0.1 });
    sims.push(s);
    const client = new OpenAI({ baseURL: s.url + '/v1', apiKey: 'x', maxRetries: 0 });
    const post = (path: string, body: unknown): Promise<Dispatcher.ResponseData> =>
      request(s.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    await assert.rejects(client.chat.completions.create({ model: 'sql', messages: [{ role: 'user', content: 'x' }] }), OpenAI.NotFoundError);
    const load = await post('/v1/load_lora_adapter', { lora_name: 'sql', lora_path: '/adapters/sql' });
    assert.equal(load.statusCode, 200);
    assert.match(await load.body.text(), /added successfully/);
    const dup = await post('/v1/load_lora_adapter', { lora_name: 'sql', lora_path: '/adapters/sql' });
    assert.equal(dup.statusCode, 400);
    await dup.body.dump();

    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.deepEqual(ids, ['base', 'sql']);
    const res = await client.chat.completions.create({ model: 'sql', messages: [{ role: 'user', content: 'x' }], max_tokens: 2 });
    assert.equal(res.model, 'sql');

    const unload = await post('/v1/unload_lora_adapter', { lora_name: 'sql' });
    assert.equal(unload.statusCode, 200);
    await unload.body.dump();
    await assert.rejects(client.chat.completions.create({ model: 'sql', messages: [{ role: 'user', content: 'x' }] }), OpenAI.NotFoundError);
    const missing = await post('/v1/unload_lora_adapter', { lora_name: 'sql' });
    assert.equal(missing.statusCode, 404);
    await missing.body.dump();
  });
});
