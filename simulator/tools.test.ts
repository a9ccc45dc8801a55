// Tool calls round trip in the OpenAI (official openai client), Anthropic (official SDK) and Bedrock
// Converse dialects: a tool call, then the tool's result, then a text answer; whole bodies and
// streams, whose argument pieces join to valid JSON. Gemini tool calls are in gemini.test.ts.

import Anthropic from '@anthropic-ai/sdk';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { request } from 'undici';
import { EventStreamDecoder } from './eventstream.ts';
import { startSimulator } from './server.ts';
import type { RunningSimulator } from './server.ts';

const fast = { port: 0, latencyCalculator: 'constant' as const, timeToFirstTokenMs: 1, interTokenLatencyMs: 0.1 };

const weatherParams = {
  type: 'object',
  properties: {
    city: { type: 'string' },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    days: { type: 'integer', minimum: 1, maximum: 7 },
    detailed: { type: 'boolean' },
  },
  required: ['city', 'unit', 'days', 'detailed'],
};

function checkWeatherArgs(args: Record<string, unknown>): void {
  assert.equal(typeof args['city'], 'string');
  assert.ok(args['unit'] === 'celsius' || args['unit'] === 'fahrenheit');
  assert.ok(Number.isInteger(args['days']) && (args['days'] as number) >= 1 && (args['days'] as number) <= 7);
  assert.equal(typeof args['detailed'], 'boolean');
}

describe('tool calls: OpenAI chat', () => {
  let sim: RunningSimulator;
  let client: OpenAI;
  const MODEL = 'tool-model';
  const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
    { type: 'function', function: { name: 'get_time', description: 'Current time', parameters: { type: 'object', properties: {} } } },
    { type: 'function', function: { name: 'get_weather', description: 'Weather forecast', parameters: weatherParams } },
  ];

  before(async () => {
    sim = await startSimulator({ ...fast, model: MODEL, seed: 11 });
    client = new OpenAI({ baseURL: sim.url + '/v1', apiKey: 'x', maxRetries: 0 });
  });
  after(() => sim?.close());

  it('calls the tool named in the user message, then answers the tool result with text', async () => {
    const question: OpenAI.Chat.Completions.ChatCompletionMessageParam = { role: 'user', content: 'Use get_weather for Paris please.' };
    const first = await client.chat.completions.create({ model: MODEL, messages: [question], tools, max_tokens: 200 });
    const choice = first.choices[0];
    assert.ok(choice);
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    const call = choice.message.tool_calls?.[0];
    assert.ok(call && call.type === 'function');
    assert.match(call.id, /^call_/);
    assert.equal(call.function.name, 'get_weather');
    checkWeatherArgs(JSON.parse(call.function.arguments) as Record<string, unknown>);
    assert.ok((first.usage?.completion_tokens ?? 0) >= Math.ceil(call.function.arguments.length / 4), 'tool-call tokens count as output');

    const second = await client.chat.completions.create({
      model: MODEL,
      tools,
      max_tokens: 20,
      messages: [question, choice.message, { role: 'tool', tool_call_id: call.id, content: '{"temperature": 21}' }],
    });
    assert.ok(second.choices[0]?.finish_reason === 'stop' || second.choices[0]?.finish_reason === 'length');
    assert.equal(typeof second.choices[0]?.message.content, 'string');
    assert.equal(second.choices[0]?.message.tool_calls, undefined);
    assert.ok((second.usage?.prompt_tokens ?? 0) > (first.usage?.prompt_tokens ?? 0), 'the tool call and its result count in the prompt');
  });

  it('streams the call: id and name first, then argument pieces with the same index', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'What will the weather be?' }],
      tools,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        deltas.push(...(c.delta.tool_calls ?? []));
        if (c.finish_reason) finish = c.finish_reason;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(finish, 'tool_calls');
    const [head, ...rest] = deltas;
    assert.ok(head);
    assert.match(head.id ?? '', /^call_/);
    assert.equal(head.type, 'function');
    assert.equal(head.function?.name, 'get_weather');
    assert.equal(head.function?.arguments, '');
    assert.ok(rest.length > 1);
    assert.ok(rest.every((d) => d.index === 0 && d.id === undefined && d.function?.name === undefined));
    const args = rest.map((d) => d.function?.arguments ?? '').join('');
    checkWeatherArgs(JSON.parse(args) as Record<string, unknown>);
    assert.ok((usage?.completion_tokens ?? 0) > rest.length);

    // The tool's result, streamed back as text.
    const answer = await client.chat.completions.create({
      model: MODEL,
      tools,
      stream: true,
      max_tokens: 8,
      messages: [
        { role: 'user', content: 'What will the weather be?' },
        { role: 'assistant', content: null, tool_calls: [{ id: head.id ?? '', type: 'function', function: { name: 'get_weather', arguments: args } }] },
        { role: 'tool', tool_call_id: head.id ?? '', content: 'rain' },
      ],
    });
    let text = '';
    let calls = 0;
    for await (const chunk of answer) {
      text += chunk.choices[0]?.delta.content ?? '';
      calls += chunk.choices[0]?.delta.tool_calls?.length ?? 0;
    }
    assert.ok(text.length > 0);
    assert.equal(calls, 0);
  });

  it('the stream helper assembles the call; required calls even after a tool result; none never calls', async () => {
    const runner = client.chat.completions.stream({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], tools, tool_choice: 'required' });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    assert.ok(call && call.type === 'function');
    assert.equal(call.function.name, 'get_time', 'no tool named in the message: the first one');
    assert.deepEqual(JSON.parse(call.function.arguments), {});

    const afterResult = await client.chat.completions.create({
      model: MODEL,
      tools,
      tool_choice: 'required',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: { name: 'get_time', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: call.id, content: '12:00' },
      ],
    });
    assert.equal(afterResult.choices[0]?.finish_reason, 'tool_calls');

    const none = await client.chat.completions.create({ model: MODEL, tools, tool_choice: 'none', messages: [{ role: 'user', content: 'get_weather' }], max_tokens: 5 });
    assert.equal(none.choices[0]?.message.tool_calls, undefined);
    assert.equal(typeof none.choices[0]?.message.content, 'string');
  });

  it('refuses bad tool fields as vLLM does', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], tools, tool_choice: { type: 'function', function: { name: 'nope' } } }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && /nope/.test(err.message),
    );
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], tool_choice: 'required' }),
      (err: unknown) => err instanceof OpenAI.BadRequestError,
    );
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages: [{ role: 'tool', content: 'x' } as never] }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && /tool_call_id/.test(err.message),
    );
  });
});

describe('tool calls: Anthropic Messages', () => {
  let sim: RunningSimulator;
  let client: Anthropic;
  const MODEL = 'claude-tools';
  const tools: Anthropic.Tool[] = [{ name: 'get_weather', description: 'Weather', input_schema: weatherParams as Anthropic.Tool.InputSchema }];

  before(async () => {
    sim = await startSimulator({ ...fast, model: MODEL, seed: 5 });
    client = new Anthropic({ baseURL: sim.url, apiKey: 'x', maxRetries: 0 });
  });
  after(() => sim?.close());

  it('answers with a tool_use block, then text after the tool_result', async () => {
    const question: Anthropic.MessageParam = { role: 'user', content: 'Weather in Oslo?' };
    const first = await client.messages.create({ model: MODEL, max_tokens: 200, tools, messages: [question] });
    assert.equal(first.stop_reason, 'tool_use');
    const block = first.content[0];
    assert.ok(block && block.type === 'tool_use');
    assert.match(block.id, /^toolu_01/);
    assert.equal(block.name, 'get_weather');
    checkWeatherArgs(block.input as Record<string, unknown>);
    assert.ok(first.usage.output_tokens >= Math.ceil(JSON.stringify(block.input).length / 4));

    const second = await client.messages.create({
      model: MODEL,
      max_tokens: 20,
      tools,
      messages: [question, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: block.id, content: 'sunny' }] }],
    });
    assert.notEqual(second.stop_reason, 'tool_use');
    assert.equal(second.content[0]?.type, 'text');
  });

  it('streams content_block_start tool_use, then input_json_delta pieces', async () => {
    const stream = client.messages.stream({ model: MODEL, max_tokens: 200, tools, tool_choice: { type: 'tool', name: 'get_weather' }, messages: [{ role: 'user', content: 'go' }] });
    const events: Anthropic.RawMessageStreamEvent[] = [];
    for await (const e of stream) events.push(e);
    const final = await stream.finalMessage();
    assert.deepEqual(
      events.map((e) => e.type).filter((t, i, all) => t !== 'content_block_delta' || all[i - 1] !== 'content_block_delta'),
      ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'],
    );
    const start = events.find((e) => e.type === 'content_block_start');
    assert.ok(start && start.type === 'content_block_start' && start.content_block.type === 'tool_use');
    const json = events
      .map((e) => (e.type === 'content_block_delta' && e.delta.type === 'input_json_delta' ? e.delta.partial_json : ''))
      .join('');
    checkWeatherArgs(JSON.parse(json) as Record<string, unknown>);
    const block = final.content[0];
    assert.ok(block && block.type === 'tool_use');
    assert.deepEqual(block.input, JSON.parse(json));
    assert.equal(final.stop_reason, 'tool_use');

    const answer = client.messages.stream({
      model: MODEL,
      max_tokens: 8,
      tools,
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: final.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: block.id, content: [{ type: 'text', text: 'cloudy' }] }] },
      ],
    });
    const text = await answer.finalMessage();
    assert.equal(text.content[0]?.type, 'text');
    assert.notEqual(text.stop_reason, 'tool_use');
  });

  it('any forces a call; none and an assistant prefill do not call; an unknown named tool is a 400', async () => {
    const any = await client.messages.create({ model: MODEL, max_tokens: 200, tools, tool_choice: { type: 'any' }, messages: [{ role: 'user', content: 'x' }] });
    assert.equal(any.stop_reason, 'tool_use');
    const none = await client.messages.create({ model: MODEL, max_tokens: 5, tools, tool_choice: { type: 'none' }, messages: [{ role: 'user', content: 'x' }] });
    assert.equal(none.content[0]?.type, 'text');
    const prefill = await client.messages.create({
      model: MODEL,
      max_tokens: 5,
      tools,
      messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: 'Sure' }],
    });
    assert.equal(prefill.content[0]?.type, 'text');
    await assert.rejects(
      client.messages.create({ model: MODEL, max_tokens: 5, tools, tool_choice: { type: 'tool', name: 'nope' }, messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => err instanceof Anthropic.BadRequestError,
    );
  });
});

describe('tool calls: Bedrock Converse', () => {
  let sim: RunningSimulator;
  const MODEL_ID = 'anthropic.claude-3-haiku-20240307-v1:0';
  const toolConfig = { tools: [{ toolSpec: { name: 'get_weather', description: 'Weather', inputSchema: { json: weatherParams } } }] };
  const post = (suffix: string, body: unknown): ReturnType<typeof request> =>
    request(`${sim.url}/model/${encodeURIComponent(MODEL_ID)}/${suffix}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    sim = await startSimulator({ ...fast, model: MODEL_ID, seed: 9 });
  });
  after(() => sim?.close());

  it('answers Converse with a toolUse block, then text after the toolResult', async () => {
    const question = { role: 'user', content: [{ text: 'Weather in Lima?' }] };
    const res = await post('converse', { messages: [question], toolConfig, inferenceConfig: { maxTokens: 200 } });
    assert.equal(res.statusCode, 200);
    const body = (await res.body.json()) as {
      output: { message: { role: string; content: { toolUse: { toolUseId: string; name: string; input: Record<string, unknown> } }[] } };
      stopReason: string;
      usage: { outputTokens: number };
    };
    assert.equal(body.stopReason, 'tool_use');
    const use = body.output.message.content[0]?.toolUse;
    assert.ok(use);
    assert.match(use.toolUseId, /^tooluse_/);
    assert.equal(use.name, 'get_weather');
    checkWeatherArgs(use.input);

    const next = await post('converse', {
      toolConfig,
      messages: [
        question,
        body.output.message,
        { role: 'user', content: [{ toolResult: { toolUseId: use.toolUseId, content: [{ json: { temperature: 20 } }], status: 'success' } }] },
      ],
      inferenceConfig: { maxTokens: 10 },
    });
    const text = (await next.body.json()) as { output: { message: { content: { text?: string }[] } }; stopReason: string };
    assert.notEqual(text.stopReason, 'tool_use');
    assert.equal(typeof text.output.message.content[0]?.text, 'string');
  });

  it('streams contentBlockStart toolUse, then contentBlockDelta toolUse.input pieces', async () => {
    const res = await post('converse-stream', { messages: [{ role: 'user', content: [{ text: 'go' }] }], toolConfig: { ...toolConfig, toolChoice: { any: {} } } });
    const decoder = new EventStreamDecoder();
    const events: { type: string; body: Record<string, unknown> }[] = [];
    for await (const chunk of res.body) {
      for (const m of decoder.push(chunk as Buffer)) {
        events.push({ type: String(m.headers[':event-type']), body: JSON.parse(m.payload.toString('utf8')) as Record<string, unknown> });
      }
    }
    const types = events.map((e) => e.type).filter((t, i, all) => t !== 'contentBlockDelta' || all[i - 1] !== 'contentBlockDelta');
    assert.deepEqual(types, ['messageStart', 'contentBlockStart', 'contentBlockDelta', 'contentBlockStop', 'messageStop', 'metadata']);
    assert.deepEqual(Object.keys((events[1]?.body['start'] as { toolUse: object }).toolUse), ['toolUseId', 'name']);
    const input = events
      .filter((e) => e.type === 'contentBlockDelta')
      .map((e) => (e.body['delta'] as { toolUse: { input: string } }).toolUse.input)
      .join('');
    checkWeatherArgs(JSON.parse(input) as Record<string, unknown>);
    assert.deepEqual(events.at(-2)?.body, { stopReason: 'tool_use' });

    const toolUseId = ((events[1]?.body['start'] as { toolUse: { toolUseId: string } }).toolUse).toolUseId;
    const answer = await post('converse-stream', {
      toolConfig,
      inferenceConfig: { maxTokens: 8 },
      messages: [
        { role: 'user', content: [{ text: 'go' }] },
        { role: 'assistant', content: [{ toolUse: { toolUseId, name: 'get_weather', input: JSON.parse(input) as object } }] },
        { role: 'user', content: [{ toolResult: { toolUseId, content: [{ text: 'windy' }] } }] },
      ],
    });
    const types2 = new EventStreamDecoder().push(Buffer.from(await answer.body.arrayBuffer())).map((m) => m.headers[':event-type']);
    assert.ok(types2.includes('contentBlockDelta'));
    assert.ok(!types2.includes('contentBlockStart'), 'text blocks are not announced');
  });

  it('refuses toolUse blocks without a toolConfig', async () => {
    const res = await post('converse', {
      messages: [{ role: 'assistant', content: [{ toolUse: { toolUseId: 't', name: 'get_weather', input: {} } }] }, { role: 'user', content: [{ text: 'x' }] }],
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.headers['x-amzn-errortype'], 'ValidationException');
    assert.match(((await res.body.json()) as { message: string }).message, /toolConfig/);
  });
});
