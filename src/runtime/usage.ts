// Token usage as the gateway accounts it, whatever the provider reported. Translators fill it in;
// telemetry, limits, budgets and costs read it. Field meanings follow Envoy AI Gateway's accounting
// (reference §6): `inputTokens` includes cached and cache-creation input tokens (OpenAI's
// `prompt_tokens` already does; Anthropic's and Bedrock's figures are normalised to it), and
// `totalTokens` = input + output.

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** Input tokens served from the provider's prompt cache (OpenAI `prompt_tokens_details.cached_tokens`). */
  cachedInputTokens: number;
  /** Input tokens written to the provider's prompt cache (Anthropic `cache_creation_input_tokens`). */
  cacheCreationInputTokens: number;
  /** Output tokens spent on reasoning (OpenAI `completion_tokens_details.reasoning_tokens`). */
  reasoningTokens: number;
}

export function emptyUsage(): TokenUsage {
  return { inputTokens: 0, outputTokens: 0, totalTokens: 0, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0 };
}

/** Whether any token was counted. */
export function hasUsage(u: TokenUsage): boolean {
  return u.inputTokens > 0 || u.outputTokens > 0 || u.totalTokens > 0;
}

/** Copies `from` into `to` (cumulative usage replaces what was known before, as upstream does). */
export function setUsage(to: TokenUsage, from: Partial<TokenUsage>): void {
  if (from.inputTokens !== undefined) to.inputTokens = from.inputTokens;
  if (from.outputTokens !== undefined) to.outputTokens = from.outputTokens;
  if (from.cachedInputTokens !== undefined) to.cachedInputTokens = from.cachedInputTokens;
  if (from.cacheCreationInputTokens !== undefined) to.cacheCreationInputTokens = from.cacheCreationInputTokens;
  if (from.reasoningTokens !== undefined) to.reasoningTokens = from.reasoningTokens;
  to.totalTokens = from.totalTokens !== undefined && from.totalTokens > 0 ? from.totalTokens : to.inputTokens + to.outputTokens;
}

/** The token types telemetry reports, with the names of Envoy AI Gateway's `gen_ai.token.type`. */
export const TOKEN_TYPES = ['input', 'output', 'cached_input', 'cache_creation_input', 'reasoning'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

export function tokensOfType(u: TokenUsage, type: TokenType): number {
  switch (type) {
    case 'input':
      return u.inputTokens;
    case 'output':
      return u.outputTokens;
    case 'cached_input':
      return u.cachedInputTokens;
    case 'cache_creation_input':
      return u.cacheCreationInputTokens;
    case 'reasoning':
      return u.reasoningTokens;
  }
}
