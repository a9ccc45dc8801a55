// Azure OpenAI paths through the official openai client's AzureOpenAI class, and raw requests for the
// Azure-specific refusals (no api-version, unknown deployment).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AzureOpenAI } from 'openai';
import { request } from 'undici';
import { startSimulator } from './server.ts';
import type { RunningSimulator } from './server.ts';

const BASE = 'meta-llama/Llama-3.1-8B-Instruct';
const DEPLOYMENT = 'gpt-4o-prod';

describe('Azure OpenAI paths', () => {
  let sim: RunningSimulator;
  let client: AzureOpenAI;

  before(async () => {
    sim = await startSimulator({
      model: BASE,
      servedModelNames: [DEPLOYMENT],
      mode: 'echo',
      port: 0,
      latencyCalculator: 'constant',
      timeToFirstTokenMs: 1,
      interTokenLatencyMs: 0.1,
    });
    client = new AzureOpenAI({ endpoint: sim.url, apiKey: 'k', apiVersion: '2024-10-21', deployment: DEPLOYMENT, maxRetries: 0 });
  });
  after(() => sim?.close());

  it('answers chat completions for the deployment, reporting its model and ignoring the body model', async () => {
    const r = await client.chat.completions.create({ model: 'ignored-by-azure', messages: [{ role: 'user', content: 'Azure echo' }] });
    assert.equal(r.choices[0]?.message.content, 'Azure echo');
    assert.equal(r.model, BASE);
    assert.ok((r.usage?.completion_tokens ?? 0) > 0);
  });

  it('streams chat completions and answers completions and embeddings', async () => {
    const stream = await client.chat.completions.create({ model: DEPLOYMENT, messages: [{ role: 'user', content: 'streamed on azure' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'streamed on azure');

    const completion = await client.completions.create({ model: DEPLOYMENT, prompt: 'complete me', max_tokens: 2 });
    assert.equal(completion.choices[0]?.text, 'complete');
    assert.equal(completion.model, BASE);

    const emb = await client.embeddings.create({ model: DEPLOYMENT, input: ['a', 'b'] });
    assert.equal(emb.data.length, 2);
    assert.equal(emb.model, BASE);
  });

  it('calls tools through the Azure path as through /v1', async () => {
    const r = await client.chat.completions.create({
      model: DEPLOYMENT,
      messages: [{ role: 'user', content: 'lookup' }],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } } }],
    });
    assert.equal(r.choices[0]?.finish_reason, 'tool_calls');
    const call = r.choices[0]?.message.tool_calls?.[0];
    assert.ok(call && call.type === 'function');
    assert.equal(typeof (JSON.parse(call.function.arguments) as { q: unknown }).q, 'string');
  });

  it('answers 404 Resource not found without api-version, and DeploymentNotFound for an unknown deployment', async () => {
    const noVersion = await request(`${sim.url}/openai/deployments/${DEPLOYMENT}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }),
    });
    assert.equal(noVersion.statusCode, 404);
    assert.deepEqual(await noVersion.body.json(), { error: { code: '404', message: 'Resource not found' } });

    const unknown = new AzureOpenAI({ endpoint: sim.url, apiKey: 'k', apiVersion: '2024-10-21', maxRetries: 0 });
    await assert.rejects(unknown.chat.completions.create({ model: 'no-such-deployment', messages: [{ role: 'user', content: 'x' }] }), (err: Error & { status?: number; code?: string }) => {
      assert.equal(err.status, 404);
      assert.equal(err.code, 'DeploymentNotFound');
      return true;
    });
  });
});
