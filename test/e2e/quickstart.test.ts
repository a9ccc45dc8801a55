// The quickstart as a new user meets it: examples/quickstart served as `npm start` serves it (on free
// ports here), probed with what the official SDKs call first: the openai client's models.list and
// models.retrieve, a chat completion on the pool, the sql-lora adapter, and @anthropic-ai/sdk on its
// default base path (POST /v1/messages).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { Gateway } from '../../src/gateway.ts';
import { quickstart } from '../support/paths.ts';

describe('the quickstart with the official SDKs', () => {
  let gw: Gateway | undefined;
  let base = '';
  before(async () => {
    gw = await Gateway.start({ files: [quickstart], port: 0, adminPort: false, watch: false, log: () => undefined });
    base = `http://127.0.0.1:${gw.listenerPort(0)}`;
  });
  after(async () => {
    await gw?.close();
  });
  const openai = () => new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });

  it('models.list names every routed model, models.retrieve finds one and 404s an unknown one', async () => {
    const ids = [];
    for await (const m of openai().models.list()) ids.push(m.id);
    assert.deepEqual(ids.sort(), ['canned-test-model', 'meta-llama/Llama-3.1-8B-Instruct', 'sql-lora']);
    const m = await openai().models.retrieve('meta-llama/Llama-3.1-8B-Instruct');
    assert.equal(m.id, 'meta-llama/Llama-3.1-8B-Instruct');
    assert.equal(m.object, 'model');
    await assert.rejects(openai().models.retrieve('no-such-model'), (e: unknown) => e instanceof OpenAI.NotFoundError);
  });

  it('a chat completion on the pool, and one on the sql-lora adapter', async () => {
    const c = await openai().chat.completions.create({ model: 'meta-llama/Llama-3.1-8B-Instruct', messages: [{ role: 'user', content: 'Hi. Say this is a test' }], max_tokens: 8 });
    assert.equal(c.object, 'chat.completion');
    assert.ok((c.usage?.completion_tokens ?? 0) > 0);
    const lora = await openai().chat.completions.create({ model: 'sql-lora', messages: [{ role: 'user', content: 'SELECT' }], max_tokens: 4 });
    assert.equal(lora.model, 'sql-lora');
  });

  it('@anthropic-ai/sdk with its default path (/v1/messages) reaches the pool', async () => {
    const client = new Anthropic({ baseURL: base, apiKey: 'unused', maxRetries: 0 });
    const m = await client.messages.create({ model: 'meta-llama/Llama-3.1-8B-Instruct', max_tokens: 8, messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(m.type, 'message');
    assert.equal(m.content[0]?.type, 'text');
    assert.ok(m.usage.output_tokens > 0);
  });
});
