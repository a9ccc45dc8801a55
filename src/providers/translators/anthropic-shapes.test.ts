import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GatewayError } from '../../errors.ts';
import { AnthropicEventReader, AwsEventStreamDecoder, anthropicBackendBody, anthropicTarget } from './anthropic-backend.ts';
import { anthropicErrorForClient, openAIErrorFromAnthropic, readUpstreamError } from './anthropic-errors.ts';
import { bedrockChunkFrame, bedrockEventStream, bedrockExceptionFrame, fixture } from './anthropic-fixtures.ts';
import { anthropicStopToOpenAI, anthropicToolChoiceToOpenAI, anthropicUsageOf, emptyAnthropicCounters, mergeAnthropicUsage, openAIFinishToAnthropic, openAIToolChoiceToAnthropic, usageFromAnthropic } from './anthropic-shapes.ts';

describe('stop reasons', () => {
  it('Anthropic stop_reason → OpenAI finish_reason', () => {
    const table: [unknown, string][] = [
      ['end_turn', 'stop'],
      ['stop_sequence', 'stop'],
      ['pause_turn', 'stop'],
      ['max_tokens', 'length'],
      ['model_context_window_exceeded', 'length'],
      ['tool_use', 'tool_calls'],
      ['refusal', 'content_filter'],
      [null, 'stop'],
      ['something_new', 'stop'],
    ];
    for (const [reason, finish] of table) assert.equal(anthropicStopToOpenAI(reason), finish, String(reason));
  });

  it('OpenAI finish_reason → Anthropic stop_reason and stop_sequence', () => {
    assert.deepEqual(openAIFinishToAnthropic('stop'), { stop_reason: 'end_turn', stop_sequence: null });
    assert.deepEqual(openAIFinishToAnthropic('stop', 'END'), { stop_reason: 'stop_sequence', stop_sequence: 'END' });
    assert.deepEqual(openAIFinishToAnthropic('stop', 128009), { stop_reason: 'end_turn', stop_sequence: null }, 'a stop token id is not a stop sequence');
    assert.deepEqual(openAIFinishToAnthropic('length'), { stop_reason: 'max_tokens', stop_sequence: null });
    assert.deepEqual(openAIFinishToAnthropic('tool_calls'), { stop_reason: 'tool_use', stop_sequence: null });
    assert.deepEqual(openAIFinishToAnthropic('function_call'), { stop_reason: 'tool_use', stop_sequence: null });
    assert.deepEqual(openAIFinishToAnthropic('content_filter'), { stop_reason: 'refusal', stop_sequence: null });
    assert.deepEqual(openAIFinishToAnthropic(undefined), { stop_reason: 'end_turn', stop_sequence: null });
  });
});

describe('tool_choice', () => {
  it('OpenAI → Anthropic', () => {
    assert.equal(openAIToolChoiceToAnthropic(undefined, undefined), undefined);
    assert.deepEqual(openAIToolChoiceToAnthropic('auto', undefined), { type: 'auto' });
    assert.deepEqual(openAIToolChoiceToAnthropic('required', true), { type: 'any' });
    assert.deepEqual(openAIToolChoiceToAnthropic('none', false), { type: 'none' }, 'none takes no parallel flag');
    assert.deepEqual(openAIToolChoiceToAnthropic({ type: 'function', function: { name: 'get_weather' } }, false), { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true });
    assert.deepEqual(openAIToolChoiceToAnthropic(undefined, false), { type: 'auto', disable_parallel_tool_use: true });
    assert.throws(() => openAIToolChoiceToAnthropic({ type: 'allowed_tools', allowed_tools: {} }, undefined), (e: unknown) => e instanceof GatewayError && e.status === 422);
  });

  it('Anthropic → OpenAI', () => {
    assert.deepEqual(anthropicToolChoiceToOpenAI(undefined), {});
    assert.deepEqual(anthropicToolChoiceToOpenAI({ type: 'auto' }), { tool_choice: 'auto' });
    assert.deepEqual(anthropicToolChoiceToOpenAI({ type: 'any', disable_parallel_tool_use: true }), { tool_choice: 'required', parallel_tool_calls: false });
    assert.deepEqual(anthropicToolChoiceToOpenAI({ type: 'none' }), { tool_choice: 'none' });
    assert.deepEqual(anthropicToolChoiceToOpenAI({ type: 'tool', name: 'f' }), { tool_choice: { type: 'function', function: { name: 'f' } } });
    assert.throws(() => anthropicToolChoiceToOpenAI({ type: 'tool' }), (e: unknown) => e instanceof GatewayError && e.status === 400);
    assert.throws(() => anthropicToolChoiceToOpenAI('auto'), (e: unknown) => e instanceof GatewayError && e.status === 400);
  });

  it('round-trips every Anthropic choice', () => {
    for (const choice of [{ type: 'auto' }, { type: 'any' }, { type: 'none' }, { type: 'tool', name: 'f' }, { type: 'auto', disable_parallel_tool_use: true }, { type: 'tool', name: 'g', disable_parallel_tool_use: true }]) {
      const o = anthropicToolChoiceToOpenAI(choice);
      assert.deepEqual(openAIToolChoiceToAnthropic(o.tool_choice, o.parallel_tool_calls), choice);
    }
  });
});

describe('usage', () => {
  it('normalises Anthropic counters: input includes cache reads and writes (reference §6)', () => {
    const c = emptyAnthropicCounters();
    mergeAnthropicUsage(c, { input_tokens: 25, cache_read_input_tokens: 100, cache_creation_input_tokens: 7, output_tokens: 1 });
    // message_delta: cumulative output, input counters omitted → kept.
    mergeAnthropicUsage(c, { output_tokens: 15, output_tokens_details: { thinking_tokens: 4 } });
    assert.deepEqual(usageFromAnthropic(c), { inputTokens: 132, outputTokens: 15, totalTokens: 147, cachedInputTokens: 100, cacheCreationInputTokens: 7, reasoningTokens: 4 });
    assert.equal(mergeAnthropicUsage(c, null), false);
  });

  it('writes Anthropic usage back without double-counting cached tokens', () => {
    assert.deepEqual(anthropicUsageOf({ inputTokens: 82, outputTokens: 17, totalTokens: 99, cachedInputTokens: 64, cacheCreationInputTokens: 0, reasoningTokens: 0 }), { input_tokens: 18, output_tokens: 17, cache_read_input_tokens: 64, cache_creation_input_tokens: 0 });
  });
});

describe('backend addressing', () => {
  it('paths per backend and operation', () => {
    assert.equal(anthropicTarget({ name: 'Anthropic', prefix: '/v1' }, 'messages', 'm', true, 'beta=true').path, '/v1/messages?beta=true');
    assert.equal(anthropicTarget({ name: 'Anthropic', prefix: '/anthropic/v1' }, 'count_tokens', 'm', false, '').path, '/anthropic/v1/messages/count_tokens');
    assert.equal(anthropicTarget({ name: 'GCPAnthropic', prefix: '' }, 'messages', 'claude-opus-4-1@20250805', false, 'x=1').path, 'publishers/anthropic/models/claude-opus-4-1@20250805:rawPredict');
    assert.equal(anthropicTarget({ name: 'GCPAnthropic', prefix: '' }, 'messages', 'claude-opus-4-1@20250805', true, '').path, 'publishers/anthropic/models/claude-opus-4-1@20250805:streamRawPredict');
    assert.equal(anthropicTarget({ name: 'AWSAnthropic', prefix: '' }, 'messages', 'arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic.claude-3-7', true, '').path, '/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123%3Ainference-profile%2Fus.anthropic.claude-3-7/invoke-with-response-stream');
  });

  it('body fields per backend', () => {
    const b = { model: 'x', max_tokens: 5, stream: true, messages: [] };
    assert.deepEqual(anthropicBackendBody({ name: 'Anthropic', prefix: '/v1' }, 'messages', b, 'y'), { model: 'y', max_tokens: 5, stream: true, messages: [] });
    assert.deepEqual(anthropicBackendBody({ name: 'GCPAnthropic', prefix: '' }, 'messages', b, 'y'), { anthropic_version: 'vertex-2023-10-16', max_tokens: 5, messages: [], stream: true });
    assert.deepEqual(anthropicBackendBody({ name: 'AWSAnthropic', prefix: '', version: 'bedrock-2099' }, 'messages', b, 'y'), { anthropic_version: 'bedrock-2099', max_tokens: 5, messages: [] });
    assert.deepEqual(b, { model: 'x', max_tokens: 5, stream: true, messages: [] }, 'input untouched');
  });
});

describe('AWS event-stream decoding', () => {
  const wire = Buffer.concat([bedrockEventStream(fixture('stream-bedrock.sse')), bedrockExceptionFrame('throttlingException', 'slow down')]);
  const read = (chunks: Buffer[]) => {
    const r = new AnthropicEventReader(true);
    return [...chunks.flatMap((c) => r.push(c)), ...r.end()];
  };

  it('gives the same events for any split of the frames', () => {
    const whole = read([wire]);
    assert.equal(whole.length, 8);
    assert.deepEqual(
      whole.map((e) => e.type),
      ['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop', 'error'],
    );
    assert.deepEqual(JSON.parse(whole[7]!.data), { type: 'error', error: { type: 'rate_limit_error', message: 'throttlingException: slow down' } });
    fc.assert(
      fc.property(fc.array(fc.nat({ max: wire.length }), { maxLength: 20 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let last = 0;
        for (const p of points) {
          chunks.push(wire.subarray(last, p));
          last = p;
        }
        chunks.push(wire.subarray(last));
        assert.deepEqual(read(chunks), whole);
      }),
      { numRuns: 100 },
    );
  });

  it('stops at a corrupt frame and reports it once', () => {
    const d = new AwsEventStreamDecoder();
    const good = bedrockChunkFrame('{"type":"ping"}');
    const bad = Buffer.from(good);
    bad.writeUInt8(bad.readUInt8(20) ^ 0x01, 20);
    const first = d.push(Buffer.concat([good, bad, good]));
    assert.equal(first.messages.length, 1);
    assert.match(first.error ?? '', /checksum/);
    assert.deepEqual(d.push(good), { messages: [] });
    const tooShort = new AwsEventStreamDecoder().push(Buffer.from([0, 0, 0, 3, 0, 0, 0, 0]));
    assert.match(tooShort.error ?? '', /invalid event-stream frame length 3/);
  });
});

describe('error mapping', () => {
  it('reads the message and type out of every upstream shape', () => {
    assert.deepEqual(readUpstreamError({}, Buffer.from(fixture('error-overloaded.json'))), { message: 'Overloaded', type: 'overloaded_error', anthropicShaped: true });
    assert.deepEqual(readUpstreamError({ 'x-amzn-errortype': 'ThrottlingException:http://x' }, Buffer.from('{"message":"Too many tokens"}')), { message: 'Too many tokens', type: 'ThrottlingException', anthropicShaped: false });
    assert.deepEqual(readUpstreamError({}, Buffer.from('{"error":{"code":403,"message":"denied","status":"PERMISSION_DENIED"}}')), { message: 'denied', type: 'PERMISSION_DENIED', anthropicShaped: false });
    assert.deepEqual(readUpstreamError({}, Buffer.from(fixture('error-vllm.json'))), { message: 'The model `llama-4` does not exist.', type: 'NotFoundError', anthropicShaped: false });
    assert.deepEqual(readUpstreamError({}, Buffer.from('')), { message: '(empty body)', type: undefined, anthropicShaped: false });
  });

  it('OpenAI clients: Anthropic type kept on 4xx, gateway type and upstream code on 5xx', () => {
    const body = (r: { body: string }) => JSON.parse(r.body) as { error: { type: string; code: unknown; message: string } };
    assert.deepEqual(body(openAIErrorFromAnthropic(401, {}, Buffer.from('{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}'))).error, { message: 'invalid x-api-key', type: 'authentication_error', param: null, code: null });
    const overloaded = openAIErrorFromAnthropic(529, {}, Buffer.from(fixture('error-overloaded.json')));
    assert.equal(overloaded.status, 503);
    assert.deepEqual(body(overloaded).error, { message: 'the backend answered 529: Overloaded', type: 'service_unavailable', param: null, code: 'overloaded_error' });
  });

  it('forwards retry-after on the client answer', () => {
    const r = openAIErrorFromAnthropic(429, { 'retry-after': '17' }, Buffer.from(fixture('error-rate-limit.json')));
    assert.deepEqual(r.headers, { 'retry-after': '17' });
    const a = anthropicErrorForClient(529, { 'retry-after': '3' }, Buffer.from(fixture('error-overloaded.json')), true);
    assert.deepEqual(a.headers, { 'retry-after': '3' });
    assert.equal(anthropicErrorForClient(400, {}, Buffer.from('{}'), true).headers, undefined);
  });
});
