// Token usage through the whole pipeline: a streamed and a non-streamed chat completion against the
// quickstart's simulated vLLM pool each leave the usage the client received in the request context,
// and sluice_tokens_total shows it, fed only by the events.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { Gateway } from '../gateway.ts';
import type { RequestContext } from '../runtime/context.ts';
import { events } from '../runtime/events.ts';
import { quickstart } from '../../test/support/paths.ts';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

describe('token usage through the pipeline', () => {
  let gw: Gateway;
  let client: OpenAI;
  const ended: RequestContext[] = [];
  let unsubscribe: () => void;

  before(async () => {
    gw = await Gateway.start({ files: [quickstart], port: 0, adminPort: false, watch: false, log: () => undefined, simulatorDefaults: { timeToFirstTokenMs: 0, interTokenLatencyMs: 0 } });
    client = new OpenAI({ baseURL: `http://127.0.0.1:${gw.listenerPort(0) ?? gw.listenerPort(8080)}/v1`, apiKey: 'unused', maxRetries: 0 });
    unsubscribe = events.end.subscribe((ctx) => {
      if (ctx.owner === gw) ended.push(ctx);
    });
  });
  after(async () => {
    unsubscribe();
    await gw?.close();
  });

  async function tokens(type: string): Promise<number> {
    const m = await gw.metrics.tokens.get();
    return m.values.filter((v) => v.labels.model === MODEL && v.labels.type === type).reduce((s, v) => s + v.value, 0);
  }

  it('non-streamed: the context holds the usage the client got, and the metric counts it', async () => {
    const input0 = await tokens('input');
    const output0 = await tokens('output');
    const reply = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi. Say this is a test' }], max_tokens: 8 });
    const ctx = ended.at(-1)!;
    assert.ok(reply.usage && reply.usage.prompt_tokens > 0 && reply.usage.completion_tokens > 0);
    assert.equal(ctx.usage.inputTokens, reply.usage.prompt_tokens);
    assert.equal(ctx.usage.outputTokens, reply.usage.completion_tokens);
    assert.equal(ctx.usage.totalTokens, reply.usage.total_tokens);
    assert.equal(ctx.responseModel, reply.model);
    assert.equal(ctx.clientSchema, 'OpenAI');
    assert.equal(await tokens('input'), input0 + reply.usage.prompt_tokens);
    assert.equal(await tokens('output'), output0 + reply.usage.completion_tokens);
  });

  it('streamed with include_usage: the context holds the final usage chunk the client got', async () => {
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Stream, please' }], max_tokens: 8, stream: true, stream_options: { include_usage: true } });
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    const ctx = ended.at(-1)!;
    assert.ok(usage && usage.completion_tokens > 0);
    assert.equal(ctx.usage.inputTokens, usage.prompt_tokens);
    assert.equal(ctx.usage.outputTokens, usage.completion_tokens);
  });

  it('streamed without include_usage: usage is still accounted, and the client sees no usage chunk', async () => {
    const output0 = await tokens('output');
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Stream, please' }], max_tokens: 8, stream: true });
    let usageChunks = 0;
    let emptyChoiceChunks = 0;
    let text = '';
    for await (const chunk of stream) {
      if (chunk.usage) usageChunks++;
      if (chunk.choices.length === 0) emptyChoiceChunks++;
      text += chunk.choices[0]?.delta.content ?? '';
    }
    const ctx = ended.at(-1)!;
    assert.equal(usageChunks, 0);
    assert.equal(emptyChoiceChunks, 0);
    assert.ok(text.length > 0);
    assert.ok(ctx.usage.outputTokens > 0 && ctx.usage.inputTokens > 0);
    assert.equal(await tokens('output'), output0 + ctx.usage.outputTokens);
  });
});
