import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TokenUsage } from '../../runtime/usage.ts';
import { LlmRequestCosts, compileCostExpression, mergeRequestCosts } from './llm-request-costs.ts';

const usage: TokenUsage = { inputTokens: 1000, outputTokens: 200, totalTokens: 1200, cachedInputTokens: 400, cacheCreationInputTokens: 50, reasoningTokens: 30 };
const ctx = { model: 'gpt-4o', backend: 'openai.default', routeName: 'chat' };

describe('llmRequestCosts (Envoy AI Gateway)', () => {
  it('takes the token types from the usage', () => {
    const costs = new LlmRequestCosts([
      { metadataKey: 'llm_input_token', type: 'InputToken' },
      { metadataKey: 'llm_cached_input_token', type: 'CachedInputToken' },
      { metadataKey: 'llm_cache_creation_input_token', type: 'CacheCreationInputToken' },
      { metadataKey: 'llm_output_token', type: 'OutputToken' },
      { metadataKey: 'llm_total_token', type: 'TotalToken' },
      { metadataKey: 'llm_reasoning_token', type: 'ReasoningToken' },
    ]);
    assert.deepEqual(costs.problems, []);
    assert.deepEqual(costs.evaluate(usage, ctx), {
      values: { llm_input_token: 1000, llm_cached_input_token: 400, llm_cache_creation_input_token: 50, llm_output_token: 200, llm_total_token: 1200, llm_reasoning_token: 30 },
      errors: [],
    });
  });

  it('evaluates CEL over exactly the reference variables', () => {
    const costs = new LlmRequestCosts([
      { metadataKey: 'weighted', type: 'CEL', cel: "backend == 'openai.default' ? (input_tokens - cached_input_tokens) + cached_input_tokens / 10u + output_tokens * 4u : total_tokens" },
      { metadataKey: 'by_model', type: 'CEL', cel: "model.startsWith('gpt-') && route_name == 'chat' ? 1 : 0" },
      { metadataKey: 'all', type: 'CEL', cel: 'cache_creation_input_tokens + reasoning_tokens + total_tokens' },
      { metadataKey: 'signed', type: 'CEL', cel: 'int(output_tokens) - 10' },
    ]);
    assert.deepEqual(costs.problems, []);
    assert.deepEqual(costs.evaluate(usage, ctx).values, { weighted: 600 + 40 + 800, by_model: 1, all: 1280, signed: 190 });
    assert.deepEqual(costs.evaluate(usage, { ...ctx, backend: 'other.ns' }).values.weighted, 1200);
  });

  it('a negative, non-integer or overflowing result is an error for that key only', () => {
    const costs = new LlmRequestCosts([
      { metadataKey: 'neg', type: 'CEL', cel: 'int(input_tokens) - 5000' },
      { metadataKey: 'dbl', type: 'CEL', cel: "model == 'gpt-4o' ? double(input_tokens) * 0.5 : 1u" },
      { metadataKey: 'under', type: 'CEL', cel: 'output_tokens - input_tokens' },
      { metadataKey: 'ok', type: 'TotalToken' },
    ]);
    assert.deepEqual(costs.problems, [], 'all three run with zero tokens');
    const r = costs.evaluate(usage, ctx);
    assert.deepEqual(r.values, { ok: 1200 });
    assert.deepEqual(
      r.errors.map((e) => e.metadataKey),
      ['neg', 'dbl', 'under'],
    );
    assert.match(r.errors[0]!.message, /negative/);
    assert.match(r.errors[1]!.message, /must be an integer, got a double/);
    assert.match(r.errors[2]!.message, /overflow/);
  });

  it('reports syntax errors with the expression and its position', () => {
    const costs = new LlmRequestCosts([{ metadataKey: 'bad', type: 'CEL', cel: 'input_tokens +' }], 'spec.llmRequestCosts');
    assert.equal(costs.problems.length, 1);
    const p = costs.problems[0]!;
    assert.equal(p.path, 'spec.llmRequestCosts[0].cel');
    assert.equal(p.expression, 'input_tokens +');
    assert.deepEqual([p.line, p.column], [1, 14]);
    assert.match(p.message, /CEL syntax error at 1:14 in "input_tokens \+"/);
    assert.equal(costs.size, 0);
  });

  it('reports unknown variables and type errors found by the zero-token run', () => {
    const unknown = compileCostExpression('prompt_tokens + 1');
    assert.ok('problem' in unknown);
    assert.match(unknown.problem.message, /fails with zero tokens/);
    const mixed = compileCostExpression('input_tokens * 0.1');
    assert.ok('problem' in mixed, 'uint × double has no overload');
    const dbl = compileCostExpression('double(input_tokens) * 0.5');
    assert.ok('problem' in dbl && /must be an integer/.test(dbl.problem.message));
    const missing = new LlmRequestCosts([{ metadataKey: 'x', type: 'CEL' }, { metadataKey: 'x', type: 'InputToken' }]);
    assert.equal(missing.problems.length, 2, 'missing cel and duplicate metadataKey');
  });

  it('route entries override global ones by metadataKey', () => {
    const merged = mergeRequestCosts([{ metadataKey: 'a', type: 'OutputToken' }], [
      { metadataKey: 'a', type: 'InputToken' },
      { metadataKey: 'b', type: 'TotalToken' },
    ]);
    assert.deepEqual(merged, [
      { metadataKey: 'a', type: 'OutputToken' },
      { metadataKey: 'b', type: 'TotalToken' },
    ]);
  });
});
