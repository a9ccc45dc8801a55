// End to end: the seed 001 manifests served unmodified, checked with the official openai client.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import OpenAI from 'openai';
import { request } from 'undici';
import { Gateway } from './gateway.ts';
import { seedManifests, seedSkip } from '../test/support/paths.ts';

const LLAMA = 'meta-llama/Llama-3.1-8B-Instruct';

describe('seed 001 manifests, served unmodified', { skip: seedSkip }, () => {
  let gw: Gateway;
  let base: string;
  let client: OpenAI;

  before(async () => {
    gw = await Gateway.start({ files: [seedManifests], port: 0, adminPort: 0, watch: false, debugHeaders: true, log: () => undefined });
    base = `http://127.0.0.1:${gw.listenerPort(0)}`;
    client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(() => gw?.close());

  for (const [model, expect] of [
    [LLAMA, 'simulator'],
    ['mistral:latest', 'testupstream'],
    ['some-cool-self-hosted-model', 'testupstream'],
  ] as const) {
    it(`serves ${model} (non-streaming) from its ${expect}`, async () => {
      const { data, response } = await client.chat.completions
        .create({ model, messages: [{ role: 'user', content: 'Hi. Say this is a test' }] })
        .withResponse();
      assert.equal(response.status, 200);
      assert.equal(data.object, 'chat.completion');
      assert.equal(typeof data.choices[0]?.message.content, 'string');
      assert.ok((data.choices[0]?.message.content ?? '').length > 0);
      if (expect === 'simulator') assert.match(response.headers.get('x-inference-pod') ?? '', /^vllm-llama3-8b-instruct-/);
      else assert.equal(response.headers.get('testupstream-id'), 'test');
    });

    it(`streams ${model} with the final usage chunk`, async () => {
      const stream = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Hi. Say this is a test' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | undefined | null;
      let chunks = 0;
      for await (const chunk of stream) {
        chunks++;
        assert.equal(chunk.object, 'chat.completion.chunk');
        text += chunk.choices[0]?.delta.content ?? '';
        if (chunk.usage) usage = chunk.usage;
      }
      assert.ok(chunks >= 2, `expected several chunks, got ${chunks}`);
      assert.ok(text.length > 0);
      assert.ok(usage && usage.completion_tokens > 0, 'final usage chunk');
    });
  }

  it('spreads Llama requests over the three simulated replicas', async () => {
    const pods = new Set<string>();
    for (let i = 0; i < 24 && pods.size < 3; i++) {
      const { response } = await client.chat.completions.create({ model: LLAMA, messages: [{ role: 'user', content: `hello ${i}` }], max_tokens: 3 }).withResponse();
      pods.add(response.headers.get('x-inference-pod') ?? '');
    }
    assert.equal(pods.size, 3);
  });

  it("picks with the seed's plugins-config profile as written (unweighted scorers)", async () => {
    const { response } = await client.chat.completions.create({ model: LLAMA, messages: [{ role: 'user', content: 'which replica?' }], max_tokens: 2 }).withResponse();
    const pick = response.headers.get('x-sluice-pick') ?? '';
    assert.match(pick, /profile=default/);
    assert.match(pick, /queue-scorer=[\d.]+\*1; kv-cache-utilization-scorer=[\d.]+\*1; prefix-cache-scorer=[\d.]+\*1/);
    assert.match(pick, new RegExp(`endpoint=127\\.0\\.0\\.1:\\d+`));
  });

  it('lists the routed models', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.deepEqual(ids.sort(), [LLAMA, 'mistral:latest', 'some-cool-self-hosted-model'].sort());
  });

  it('answers an unknown model with a typed NotFoundError', async () => {
    await assert.rejects(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.NotFoundError);
      assert.match(err.message, /No matching route found for model "no-such-model"/);
      return true;
    });
  });

  it('answers a request without a model with a typed BadRequestError', async () => {
    await assert.rejects(client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming), (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError);
      assert.equal((err.error as { param?: string }).param, 'model');
      return true;
    });
  });

  it('answers malformed JSON with 400 in the OpenAI error shape', async () => {
    const res = await request(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model": "x", ' });
    assert.equal(res.statusCode, 400);
    const body = (await res.body.json()) as { error: { message: string; type: string; code: string; param: unknown } };
    assert.equal(body.error.code, 'invalid_json');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(body.error.message, /not valid JSON/);
  });

  it('overwrites a client-sent x-ai-eg-model with the body model', async () => {
    const res = await request(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ai-eg-model': 'mistral:latest' },
      body: JSON.stringify({ model: LLAMA, messages: [{ role: 'user', content: 'x' }], max_tokens: 2 }),
    });
    assert.equal(res.statusCode, 200);
    assert.ok(res.headers['x-inference-pod'], 'served by the Llama pool, not Mistral');
    await res.body.dump();
  });

  it('reports resource status with upstream reasons', () => {
    const statuses = gw.snapshot!.statuses;
    const route = statuses.find((s) => s.kind === 'AIGatewayRoute');
    assert.ok(route);
    assert.equal(route.conditions.find((c) => c.type === 'Accepted')?.status, 'True');
    const refs = route.conditions.find((c) => c.type === 'ResolvedRefs');
    assert.equal(refs?.status, 'True');
    assert.match(refs?.message ?? '', /no AIServiceBackend of that name, so Backend default\/envoy-ai-gateway-basic-testupstream is used with the OpenAI schema/);
    const pool = statuses.find((s) => s.kind === 'InferencePool' && s.name === 'vllm-llama3-8b-instruct');
    assert.match(pool?.conditions.find((c) => c.type === 'Programmed')?.message ?? '', /3 ready endpoint/);
    assert.match(gw.snapshot!.pools.get('default/vllm-llama3-8b-instruct')?.pickerConfigSource ?? '', /ConfigMap default\/plugins-config key default-plugins.yaml/);
    const gc = statuses.find((s) => s.kind === 'GatewayClass');
    assert.match(gc?.conditions[0]?.message ?? '', /EnvoyProxy nodeport-config is ignored/);
  });

  it('serves admin health, readiness, metrics and status', async () => {
    const admin = `http://127.0.0.1:${gw.adminPort}`;
    assert.equal((await request(`${admin}/healthz`)).statusCode, 200);
    assert.equal((await request(`${admin}/readyz`)).statusCode, 200);
    const metrics = await (await request(`${admin}/metrics`)).body.text();
    assert.match(metrics, /sluice_requests_total\{route="default\/inference-pool-with-aigwroute",code="200"\} \d+/);
    assert.match(metrics, /inference_pool_ready_pods\{name="vllm-llama3-8b-instruct"\} 3/);
    assert.match(metrics, /inference_objective_request_total\{model_name="meta-llama\/Llama-3.1-8B-Instruct",target_model_name="meta-llama\/Llama-3.1-8B-Instruct"\} \d+/);
    assert.match(metrics, /inference_extension_scheduler_attempts_total\{status="success"\} \d+/);
    assert.match(metrics, /inference_pool_average_queue_size\{name="mistral"\} 0/);
    const status = (await (await request(`${admin}/api/status`)).body.json()) as { generation: number; ignored: { kind: string }[] };
    assert.equal(status.generation, 1);
    assert.ok(status.ignored.some((i) => i.kind === 'ServiceAccount'));
  });
});


