// OpenAI usage objects → the gateway's TokenUsage. Chat and completions report
// `{prompt_tokens, completion_tokens, total_tokens, prompt_tokens_details.cached_tokens,
// completion_tokens_details.reasoning_tokens}`; the Responses API reports
// `{input_tokens, output_tokens, total_tokens, input_tokens_details.cached_tokens,
// output_tokens_details.reasoning_tokens}`; embeddings only prompt and total tokens.
import type { TokenUsage } from '../runtime/usage.ts';

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** Undefined when `usage` is not an object (absent or null, as in every chunk but the last). */
export function fromOpenAIUsage(usage: unknown): Partial<TokenUsage> | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const u = usage as Record<string, unknown>;
  const inDetails = (u['prompt_tokens_details'] ?? u['input_tokens_details']) as Record<string, unknown> | null | undefined;
  const outDetails = (u['completion_tokens_details'] ?? u['output_tokens_details']) as Record<string, unknown> | null | undefined;
  const input = num(u['prompt_tokens']) ?? num(u['input_tokens']) ?? 0;
  const output = num(u['completion_tokens']) ?? num(u['output_tokens']) ?? 0;
  return {
    inputTokens: input,
    outputTokens: output,
    totalTokens: num(u['total_tokens']) ?? input + output,
    cachedInputTokens: num(inDetails?.['cached_tokens']) ?? 0,
    cacheCreationInputTokens: num(inDetails?.['cache_creation_tokens']) ?? 0,
    reasoningTokens: num(outDetails?.['reasoning_tokens']) ?? 0,
  };
}

/** OpenAI chat `usage` written from the gateway's TokenUsage (for translators towards OpenAI clients). */
export function toOpenAIUsage(u: TokenUsage): Record<string, unknown> {
  return {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.totalTokens || u.inputTokens + u.outputTokens,
    prompt_tokens_details: { cached_tokens: u.cachedInputTokens, ...(u.cacheCreationInputTokens > 0 ? { cache_creation_tokens: u.cacheCreationInputTokens } : {}) },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  };
}
