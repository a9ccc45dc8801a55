// Flow records of AI requests through the quickstart (a simulated vLLM pool behind an endpoint
// picker): tokens, models, client schema and operation, the pick summary, the pod and its labels,
// streaming TTFT/TPOT, and an unknown model dropped with its reason.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { Gateway } from '../gateway.ts';
import { quickstart } from '../../test/support/paths.ts';
import { attachFlowLog } from './flow-log.ts';
import type { FlowLog } from './flow-log.ts';
import type { FlowRecord } from './flow-record.ts';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

describe('flow records of AI requests', () => {
  let gw: Gateway;
  let log: FlowLog;
  let client: OpenAI;

  before(async () => {
    gw = await Gateway.start({ files: [quickstart], port: 0, adminPort: false, watch: false, log: () => undefined });
    log = attachFlowLog(gw);
    client = new OpenAI({ baseURL: `http://127.0.0.1:${gw.listenerPort(0) ?? gw.listenerPort(8080)}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    log.detach();
    await gw?.close();
  });

  async function lastFlow(after: number): Promise<FlowRecord> {
    for (let i = 0; i < 200 && log.lastSeq <= after; i++) await new Promise((r) => setTimeout(r, 10));
    return log.get(log.lastSeq)!;
  }

  it('a chat completion: tokens, models, schema, the pick and the pod', async () => {
    const seq = log.lastSeq;
    const reply = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi. Say this is a test' }], max_tokens: 8 });
    const r = await lastFlow(seq);
    assert.equal(r.verdict, 'FORWARDED');
    assert.equal(r.status, 200);
    assert.equal(r.model.original, MODEL);
    assert.equal(r.model.request, MODEL);
    assert.equal(r.model.response, reply.model);
    assert.deepEqual(r.client, { schema: 'OpenAI', operation: 'chat' });
    assert.equal(r.tokens.input, reply.usage?.prompt_tokens);
    assert.equal(r.tokens.output, reply.usage?.completion_tokens);
    assert.equal(r.tokens.total, reply.usage?.total_tokens);
    assert.equal(r.destination.route, 'default/quickstart');
    assert.equal(r.destination.backend, 'InferencePool default/llama');
    assert.equal(r.destination.pool, 'default/llama');
    assert.ok(r.pick, 'the pick summary');
    assert.equal(r.pick.pool, 'default/llama');
    assert.equal(r.pick.endpoint, r.destination.endpoint);
    assert.equal(r.pick.profile, 'default');
    assert.ok(r.pick.prefix && r.pick.prefix.total >= 0 && r.pick.prefix.matched <= r.pick.prefix.total);
    assert.match(r.destination.pod ?? '', /^llama-/);
    assert.equal(r.destination.labels.app, 'llama');
    assert.equal(r.ttftMs, undefined, 'TTFT is a streaming figure');
  });

  it('a stream: TTFT and TPOT', async () => {
    const seq = log.lastSeq;
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Stream, please' }], max_tokens: 8, stream: true, stream_options: { include_usage: true } });
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    const r = await lastFlow(seq);
    assert.equal(r.stream, true);
    assert.equal(r.tokens.output, usage?.completion_tokens);
    assert.ok(r.ttftMs !== undefined && r.ttftMs >= 0 && r.ttftMs <= r.durationMs);
    if (r.tokens.output > 1) assert.ok(r.tpotMs !== undefined && r.tpotMs >= 0);
  });

  it('an unknown model: DROPPED with the reason and the 404', async () => {
    const seq = log.lastSeq;
    await assert.rejects(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => e instanceof OpenAI.NotFoundError);
    const r = await lastFlow(seq);
    assert.equal(r.verdict, 'DROPPED');
    assert.equal(r.status, 404);
    assert.equal(r.model.original, 'no-such-model');
    assert.match(r.dropReason ?? '', /^(model-not-found|no-route)$/);
    assert.equal(r.pick, undefined);
  });
});
