// The simulator's HTTP API through the official openai client (and raw requests where the client
// cannot send what we need).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { Pool, request } from 'undici';
import { startSimulator, startSimulators } from './server.ts';
import type { RunningSimulator } from './server.ts';
import { metricValue, scrape } from './testing.ts';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

describe('simulator HTTP API (openai client)', () => {
  let sim: RunningSimulator;
  let echo: RunningSimulator;
  let client: OpenAI;
  let echoClient: OpenAI;

  before(async () => {
    const fast = { timeToFirstTokenMs: 1, interTokenLatencyMs: 0.2, port: 0, host: '127.0.0.1' };
    sim = await startSimulator({
      ...fast,
      model: MODEL,
      servedModelNames: ['llama-8b'],
      loraModules: [{ name: 'food-review-1', path: '/adapters/food-review-1' }],
      maxLoras: 2,
      podName: 'sim-pod-0',
      namespace: 'default',
      seed: 1,
    });
    echo = await startSimulator({ ...fast, model: 'echo-model', mode: 'echo' });
    client = new OpenAI({ baseURL: sim.url + '/v1', apiKey: 'x', maxRetries: 0 });
    echoClient = new OpenAI({ baseURL: echo.url + '/v1', apiKey: 'x', maxRetries: 0 });
  });

  after(async () => {
    await Promise.all([sim.close(), echo.close()]);
  });

  it('answers a chat completion in the OpenAI shape, bounded by max_tokens', async () => {
    const { data: res, response } = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'Tell me about rivers.' }], max_tokens: 25 })
      .withResponse();
    assert.match(res.id, /^chatcmpl-/);
    assert.equal(res.object, 'chat.completion');
    assert.equal(res.model, MODEL);
    assert.equal(typeof res.created, 'number');
    const choice = res.choices[0];
    assert.ok(choice);
    assert.equal(choice.index, 0);
    assert.equal(choice.message.role, 'assistant');
    assert.ok(typeof choice.message.content === 'string' && choice.message.content.length > 0);
    assert.ok(choice.finish_reason === 'stop' || choice.finish_reason === 'length');
    const u = res.usage;
    assert.ok(u);
    assert.ok(u.prompt_tokens > 0);
    assert.ok(u.completion_tokens >= 1 && u.completion_tokens <= 25);
    assert.equal(u.total_tokens, u.prompt_tokens + u.completion_tokens);
    assert.equal(choice.finish_reason === 'length', u.completion_tokens === 25);
    assert.equal(response.headers.get('x-inference-pod'), 'sim-pod-0');
    assert.equal(response.headers.get('x-inference-namespace'), 'default');
    assert.equal(response.headers.get('x-inference-port'), String(sim.port));
    assert.equal(response.headers.get('x-sim-prompt-tokens'), String(u.prompt_tokens));
  });

  it('streams chunks with the role first and a final usage chunk', async () => {
    const stream = await echoClient.chat.completions.create({
      model: 'echo-model',
      messages: [
        { role: 'system', content: 'You repeat things.' },
        { role: 'user', content: 'Streaming works one small piece at a time.' },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.ok(chunks.length >= 3);
    const first = chunks[0];
    assert.ok(first);
    assert.equal(first.object, 'chat.completion.chunk');
    assert.equal(first.choices[0]?.delta.role, 'assistant');
    const contentChunks = chunks.filter((c) => c.choices.length > 0);
    const text = contentChunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    assert.equal(text, 'Streaming works one small piece at a time.');
    assert.equal(contentChunks.at(-1)?.choices[0]?.finish_reason, 'stop');
    assert.ok(contentChunks.slice(0, -1).every((c) => c.choices[0]?.finish_reason === null));
    const last = chunks.at(-1);
    assert.ok(last);
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage?.completion_tokens, contentChunks.length);
    assert.equal(last.usage?.total_tokens, (last.usage?.prompt_tokens ?? 0) + contentChunks.length);
    assert.ok(chunks.every((c) => c.id === first.id));
  });

  it('echo mode returns the last user message', async () => {
    const res = await echoClient.chat.completions.create({
      model: 'echo-model',
      messages: [
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'an answer' },
        { role: 'user', content: 'second question' },
      ],
    });
    assert.equal(res.choices[0]?.message.content, 'second question');
    assert.equal(res.choices[0]?.finish_reason, 'stop');
  });

  it('serves a served-model-name and a LoRA adapter, echoing the requested name', async () => {
    const alias = await client.chat.completions.create({ model: 'llama-8b', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });
    assert.equal(alias.model, 'llama-8b');
    const lora = await client.chat.completions.create({ model: 'food-review-1', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });
    assert.equal(lora.model, 'food-review-1');
  });

  it('answers text completions, whole and streamed', async () => {
    const res = await echoClient.completions.create({ model: 'echo-model', prompt: 'Once upon a time', max_tokens: 100 });
    assert.equal(res.object, 'text_completion');
    assert.equal(res.choices[0]?.text, 'Once upon a time');
    assert.equal(res.usage?.prompt_tokens, 4);
    assert.equal(res.usage?.completion_tokens, 4);

    const stream = await client.completions.create({ model: MODEL, prompt: 'Write a line', max_tokens: 8, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      text += chunk.choices[0]?.text ?? '';
    }
    assert.ok(text.length > 0);
    assert.ok(usage && usage.completion_tokens >= 1 && usage.completion_tokens <= 8);
  });

  it('returns deterministic unit-length embeddings (base64 as the SDK asks, and float)', async () => {
    const a = await client.embeddings.create({ model: MODEL, input: ['alpha', 'beta'] });
    assert.equal(a.object, 'list');
    assert.equal(a.data.length, 2);
    const [va, vb] = [a.data[0]?.embedding ?? [], a.data[1]?.embedding ?? []];
    assert.equal(va.length, 384);
    assert.ok(Math.abs(Math.hypot(...va) - 1) < 1e-4);
    assert.notDeepEqual(va, vb);
    assert.ok(a.usage.prompt_tokens > 0);

    const again = await client.embeddings.create({ model: MODEL, input: 'alpha', encoding_format: 'float', dimensions: 384 });
    const vf = again.data[0]?.embedding ?? [];
    assert.equal(vf.length, 384);
    // base64 carries float32: equal to the float answer within float32 precision.
    assert.ok(vf.every((x, i) => Math.abs(x - (va[i] as number)) < 1e-6));

    const small = await client.embeddings.create({ model: MODEL, input: 'alpha', dimensions: 8, encoding_format: 'float' });
    assert.equal(small.data[0]?.embedding.length, 8);
  });

  it('lists the base model, served names and adapters with parent and root', async () => {
    const ids = [];
    const byId = new Map<string, Record<string, unknown>>();
    for await (const m of client.models.list()) {
      ids.push(m.id);
      byId.set(m.id, m as unknown as Record<string, unknown>);
    }
    assert.deepEqual(ids, [MODEL, 'llama-8b', 'food-review-1']);
    const adapter = byId.get('food-review-1');
    assert.equal(adapter?.['parent'], 'llama-8b');
    assert.equal(adapter?.['root'], '/adapters/food-review-1');
    assert.equal(byId.get(MODEL)?.['parent'], null);
  });

  it('rejects an unknown model with 404 model_not_found', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }),
      (err: unknown) => err instanceof OpenAI.NotFoundError && err.code === 'model_not_found' && err.param === 'model',
    );
    await assert.rejects(client.embeddings.create({ model: 'no-such-model', input: 'x' }), OpenAI.NotFoundError);
  });

  it('rejects missing messages and bad max_tokens with 400', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages: [] }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.param === 'messages',
    );
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], max_tokens: 0 }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.param === 'max_tokens',
    );
    await assert.rejects(
      client.completions.create({ model: MODEL, prompt: '' }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.param === 'prompt',
    );
  });

  it('refuses a request beyond the context window with 400 context_length_exceeded', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x'.repeat(8000) }] }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.code === 'context_length_exceeded',
    );
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 5000 }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && err.code === 'context_length_exceeded',
    );
  });

  it('answers malformed JSON with an OpenAI-shaped 400 and keeps serving', async () => {
    const res = await request(sim.url + '/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": "x", "messages": [',
    });
    assert.equal(res.statusCode, 400);
    const body = (await res.body.json()) as { error: Record<string, unknown> };
    assert.equal(body.error['type'], 'invalid_request_error');
    assert.equal(body.error['code'], 'invalid_json');
    assert.equal(typeof body.error['message'], 'string');
    assert.ok('param' in body.error);

    for (const raw of ['[]', 'null', '"text"', '{"messages": "nope"}', '{"messages": [1, 2]}']) {
      const r = await request(sim.url + '/v1/chat/completions', { method: 'POST', body: raw });
      assert.equal(r.statusCode, 400, raw);
      await r.body.dump();
    }
    const ok = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'still there?' }], max_tokens: 2 });
    assert.equal(ok.object, 'chat.completion');
  });

  it('keeps one pooled connection alive across successes and errors', async () => {
    const pool = new Pool(sim.url, { connections: 1 });
    let connects = 0;
    pool.on('connect', () => connects++);
    try {
      const bodies = [
        { model: MODEL, messages: [{ role: 'user', content: 'a' }], max_tokens: 2 },
        { model: 'unknown', messages: [{ role: 'user', content: 'b' }] },
        { model: MODEL, messages: [] },
        { model: MODEL, messages: [{ role: 'user', content: 'c' }], max_tokens: 2, stream: true },
      ];
      const statuses = [];
      for (let round = 0; round < 5; round++) {
        for (const body of bodies) {
          const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', body: JSON.stringify(body) });
          statuses.push(res.statusCode);
          await res.body.text();
        }
        const m = await pool.request({ path: '/metrics', method: 'GET' });
        await m.body.text();
      }
      assert.deepEqual(statuses.slice(0, 4), [200, 404, 400, 200]);
      assert.equal(connects, 1);
    } finally {
      await pool.close();
    }
  });

  it('answers health, readiness and unknown routes', async () => {
    assert.equal((await request(sim.url + '/health')).statusCode, 200);
    const ready = await request(sim.url + '/health/ready');
    assert.equal(ready.statusCode, 200);
    await ready.body.dump();
    sim.setReady(false);
    const notReady = await request(sim.url + '/health/ready');
    assert.equal(notReady.statusCode, 503);
    await notReady.body.dump();
    sim.setReady(true);
    const missing = await request(sim.url + '/v2/nothing');
    assert.equal(missing.statusCode, 404);
    assert.ok(((await missing.body.json()) as { error?: unknown }).error);
    const wrongMethod = await request(sim.url + '/v1/chat/completions');
    assert.equal(wrongMethod.statusCode, 405);
    await wrongMethod.body.dump();
  });

  it('exposes vLLM metrics labelled with the served model name', async () => {
    const text = await scrape(sim.url);
    for (const name of [
      'vllm:num_requests_running',
      'vllm:num_requests_waiting',
      'vllm:kv_cache_usage_perc',
      'vllm:gpu_cache_usage_perc',
      'vllm:lora_requests_info',
      'vllm:cache_config_info',
      'vllm:prompt_tokens_total',
      'vllm:generation_tokens_total',
      'vllm:request_success_total',
      'vllm:time_to_first_token_seconds_bucket',
      'vllm:e2e_request_latency_seconds_count',
    ]) {
      assert.ok(metricValue(text, name) !== undefined, `missing ${name}`);
    }
    assert.match(text, /vllm:num_requests_running\{model_name="llama-8b"\} 0/);
    assert.match(text, /vllm:cache_config_info\{model_name="llama-8b",block_size="16",num_gpu_blocks="1024"\} 1/);
    assert.match(text, /vllm:lora_requests_info\{model_name="llama-8b",max_lora="2",running_lora_adapters="",waiting_lora_adapters=""\} \d+/);
    assert.ok((metricValue(text, 'vllm:generation_tokens_total') ?? 0) > 0);
    assert.ok((metricValue(text, 'vllm:prompt_tokens_total') ?? 0) > 0);
  });
});

describe('simulator startup readiness', () => {
  it('is not ready during --startup-duration', async () => {
    const sim = await startSimulator({ model: 'm', port: 0, startupDurationMs: 60_000 });
    try {
      const res = await request(sim.url + '/health/ready');
      assert.equal(res.statusCode, 503);
      await res.body.dump();
      const live = await request(sim.url + '/health');
      assert.equal(live.statusCode, 200);
      await live.body.dump();
    } finally {
      await sim.close();
    }
  });
});

describe('n, stop and replicas', () => {
  let echo: RunningSimulator;
  let client: OpenAI;
  before(async () => {
    echo = await startSimulator({ model: 'echo-model', mode: 'echo', port: 0, timeToFirstTokenMs: 1, interTokenLatencyMs: 0.2 });
    client = new OpenAI({ baseURL: echo.url + '/v1', apiKey: 'x', maxRetries: 0 });
  });
  after(() => echo?.close());

  it('answers n choices, each its own sequence; later choices find the prompt cached', async () => {
    const content = 'The same long prompt for every choice. '.repeat(20);
    const { data: res, response } = await client.chat.completions
      .create({ model: 'echo-model', messages: [{ role: 'user', content }], n: 3, max_tokens: 4 })
      .withResponse();
    assert.deepEqual(res.choices.map((c) => c.index), [0, 1, 2]);
    assert.ok(res.choices.every((c) => c.message.content === 'The same long pr' && c.finish_reason === 'length'));
    assert.equal(res.usage?.completion_tokens, 12);
    assert.equal(res.usage?.prompt_tokens_details?.cached_tokens, Number(response.headers.get('x-sim-cached-tokens')));

    const stream = await client.chat.completions.create({ model: 'echo-model', messages: [{ role: 'user', content: 'abcdefgh' }], n: 2, stream: true });
    const texts = ['', ''];
    const finishes: (string | null | undefined)[] = [];
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        texts[c.index] += c.delta.content ?? '';
        if (c.finish_reason) finishes[c.index] = c.finish_reason;
      }
    }
    assert.deepEqual(texts, ['abcdefgh', 'abcdefgh']);
    assert.deepEqual(finishes, ['stop', 'stop']);
  });

  it('ends the output before a stop string, counting the tokens generated up to it', async () => {
    const res = await client.completions.create({ model: 'echo-model', prompt: 'one two three END four five', stop: ['END', 'five'], max_tokens: 50 });
    const choice = res.choices[0];
    assert.equal(choice?.text, 'one two three ');
    assert.equal(choice?.finish_reason, 'stop');
    assert.equal((choice as unknown as { stop_reason: string }).stop_reason, 'END');
    assert.equal(res.usage?.completion_tokens, 5, 'pieces "one ", "two ", "thre", "e EN", "D fo": the 5th completes END');
  });

  it('starts N replicas on consecutive ports, each naming itself', async () => {
    const probe = await startSimulator({ model: 'x', port: 0 });
    const basePort = probe.port;
    await probe.close();
    let fleet;
    try {
      fleet = await startSimulators({ model: 'm', port: basePort, replicas: 3, timeToFirstTokenMs: 1, interTokenLatencyMs: 0.1 });
    } catch {
      return; // a neighbouring port was taken: nothing to check on this machine
    }
    try {
      assert.deepEqual(fleet.replicas.map((r) => r.port), [basePort, basePort + 1, basePort + 2]);
      const pods = [];
      for (const url of fleet.urls) {
        const r = await request(url + '/v1/chat/completions', { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }) });
        pods.push(r.headers['x-inference-pod']);
        await r.body.dump();
      }
      assert.deepEqual(pods, ['sim-0', 'sim-1', 'sim-2']);
    } finally {
      await fleet.close();
    }
  });
});
