// Anthropic Messages wire vocabulary shared by the three Anthropic translators (openai-to-anthropic,
// anthropic-to-openai, anthropic-to-anthropic): API versions, the stop-reason and tool_choice maps
// between Anthropic and OpenAI, and usage normalisation.
//
// Facts follow the providers' API references: Anthropic "Messages" (POST /v1/messages, its `usage`,
// `stop_reason` and `tool_choice` fields), "Streaming Messages" (event types, cumulative
// message_delta usage), "Prompt caching" (cache_read_input_tokens, cache_creation_input_tokens);
// OpenAI "Chat Completions" (finish_reason, tool_choice, parallel_tool_calls, usage). The usage
// normalisation is the one of reference §6 (input = input + cache read + cache creation).
import { GatewayError } from '../../errors.ts';
import type { TokenUsage } from '../../runtime/usage.ts';

/** `anthropic-version` header for Anthropic's own API (the only version Anthropic publishes). */
export const ANTHROPIC_API_VERSION = '2023-06-01';
/** Body `anthropic_version` on Vertex AI when `schema.version` is unset (Vertex's Claude docs). */
export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';
/** Body `anthropic_version` on Bedrock InvokeModel when `schema.version` is unset (Bedrock's Claude docs). */
export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

// ---------------------------------------------------------------------------------------------
// Stop reasons

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/**
 * Anthropic `stop_reason` → OpenAI `finish_reason` (reference §4): end_turn, stop_sequence and
 * pause_turn (a server tool paused the turn) end normally; max_tokens and
 * model_context_window_exceeded are a length stop; refusal is a content filter. Unknown or absent
 * reasons map to `stop`.
 */
export function anthropicStopToOpenAI(reason: unknown): OpenAIFinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

export interface AnthropicStop {
  readonly stop_reason: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';
  readonly stop_sequence: string | null;
}

/**
 * OpenAI `finish_reason` → Anthropic `stop_reason` and `stop_sequence`. OpenAI does not say which
 * stop string matched; vLLM does (`choices[].stop_reason`, a string for a stop string, a number for
 * a stop token id), so a string there becomes `stop_sequence`. `function_call` is the legacy name
 * of `tool_calls`.
 */
export function openAIFinishToAnthropic(finish: unknown, matched?: unknown): AnthropicStop {
  switch (finish) {
    case 'length':
      return { stop_reason: 'max_tokens', stop_sequence: null };
    case 'tool_calls':
    case 'function_call':
      return { stop_reason: 'tool_use', stop_sequence: null };
    case 'content_filter':
      return { stop_reason: 'refusal', stop_sequence: null };
    default:
      return typeof matched === 'string' && matched.length > 0 ? { stop_reason: 'stop_sequence', stop_sequence: matched } : { stop_reason: 'end_turn', stop_sequence: null };
  }
}

// ---------------------------------------------------------------------------------------------
// tool_choice

/**
 * OpenAI `tool_choice` and `parallel_tool_calls` → Anthropic `tool_choice`: `auto` → auto,
 * `required` → any, `none` → none, `{type:function, function:{name}}` → `{type:tool, name}`;
 * `parallel_tool_calls: false` → `disable_parallel_tool_use: true` (on `auto` when no choice was
 * given; Anthropic's `none` takes no such flag). Undefined when there is nothing to send.
 */
export function openAIToolChoiceToAnthropic(choice: unknown, parallel: unknown): JsonObject | undefined {
  let out: JsonObject | undefined;
  if (choice === undefined || choice === null) out = undefined;
  else if (choice === 'auto') out = { type: 'auto' };
  else if (choice === 'required') out = { type: 'any' };
  else if (choice === 'none') out = { type: 'none' };
  else if (isObject(choice) && choice['type'] === 'function' && isObject(choice['function']) && typeof choice['function']['name'] === 'string') out = { type: 'tool', name: choice['function']['name'] };
  else throw new GatewayError('unprocessable_request', `tool_choice ${JSON.stringify(choice)} has no Anthropic equivalent`, { param: 'tool_choice' });
  if (parallel === false) {
    if (out === undefined) out = { type: 'auto' };
    if (out['type'] !== 'none') out = { ...out, disable_parallel_tool_use: true };
  }
  return out;
}

/**
 * Anthropic `tool_choice` → OpenAI `tool_choice` and `parallel_tool_calls` (the reverse of the map
 * above): auto → `auto`, any → `required`, none → `none`, tool → the named function;
 * `disable_parallel_tool_use: true` → `parallel_tool_calls: false`.
 */
export function anthropicToolChoiceToOpenAI(choice: unknown): { tool_choice?: unknown; parallel_tool_calls?: boolean } {
  if (choice === undefined || choice === null) return {};
  if (!isObject(choice)) throw new GatewayError('invalid_request', 'tool_choice must be an object', { param: 'tool_choice' });
  const out: { tool_choice?: unknown; parallel_tool_calls?: boolean } = {};
  switch (choice['type']) {
    case 'auto':
      out.tool_choice = 'auto';
      break;
    case 'any':
      out.tool_choice = 'required';
      break;
    case 'none':
      out.tool_choice = 'none';
      break;
    case 'tool': {
      const name = str(choice['name']);
      if (name === undefined) throw new GatewayError('invalid_request', 'tool_choice of type tool needs a name', { param: 'tool_choice.name' });
      out.tool_choice = { type: 'function', function: { name } };
      break;
    }
    default:
      throw new GatewayError('unprocessable_request', `tool_choice type ${JSON.stringify(choice['type'])} has no OpenAI equivalent`, { param: 'tool_choice' });
  }
  if (choice['disable_parallel_tool_use'] === true) out.parallel_tool_calls = false;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Usage

/** Anthropic's usage counters as reported (cumulative: a later report replaces an earlier one). */
export interface AnthropicUsageCounters {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  thinking: number;
}

export function emptyAnthropicCounters(): AnthropicUsageCounters {
  return { input: 0, output: 0, cacheRead: 0, cacheCreation: 0, thinking: 0 };
}

/**
 * Copies the counters present in an Anthropic `usage` object (message, message_start or
 * message_delta) into `into`. message_delta usage is cumulative and may omit the input counters,
 * so absent fields keep their earlier value. Returns whether `usage` was an object.
 */
export function mergeAnthropicUsage(into: AnthropicUsageCounters, usage: unknown): boolean {
  if (!isObject(usage)) return false;
  const input = count(usage['input_tokens']);
  const output = count(usage['output_tokens']);
  const read = count(usage['cache_read_input_tokens']);
  const creation = count(usage['cache_creation_input_tokens']);
  const details = usage['output_tokens_details'];
  const thinking = isObject(details) ? count(details['thinking_tokens']) : undefined;
  if (input !== undefined) into.input = input;
  if (output !== undefined) into.output = output;
  if (read !== undefined) into.cacheRead = read;
  if (creation !== undefined) into.cacheCreation = creation;
  if (thinking !== undefined) into.thinking = thinking;
  return true;
}

/**
 * The gateway's usage from Anthropic's counters (reference §6): input = input_tokens +
 * cache_read_input_tokens + cache_creation_input_tokens, so it means what OpenAI's prompt_tokens
 * means; cached = cache read; cache creation = cache creation; reasoning =
 * output_tokens_details.thinking_tokens when reported.
 */
export function usageFromAnthropic(c: AnthropicUsageCounters): TokenUsage {
  const input = c.input + c.cacheRead + c.cacheCreation;
  return { inputTokens: input, outputTokens: c.output, totalTokens: input + c.output, cachedInputTokens: c.cacheRead, cacheCreationInputTokens: c.cacheCreation, reasoningTokens: c.thinking };
}

/**
 * An Anthropic `usage` object from the gateway's usage (for Anthropic clients of OpenAI backends):
 * OpenAI's prompt_tokens includes cached tokens, Anthropic's input_tokens does not.
 */
export function anthropicUsageOf(u: TokenUsage): { input_tokens: number; output_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number } {
  const uncached = Math.max(0, u.inputTokens - u.cachedInputTokens - u.cacheCreationInputTokens);
  return { input_tokens: uncached, output_tokens: u.outputTokens, cache_read_input_tokens: u.cachedInputTokens, cache_creation_input_tokens: u.cacheCreationInputTokens };
}

// ---------------------------------------------------------------------------------------------
// Whole bodies

/** Whole JSON bodies up to this size are kept for parsing at the end; longer ones only their tail. */
export const PARSE_LIMIT = 8 << 20;
const TAIL = 64 << 10;

/**
 * Collects a whole (non-streamed) body for parsing at the end, keeping at most PARSE_LIMIT bytes:
 * beyond that only the last TAIL bytes, where Anthropic and OpenAI put `usage`.
 */
export class BodyCollector {
  #chunks: Buffer[] = [];
  #size = 0;
  #tail: Buffer | undefined;

  push(chunk: Buffer): void {
    this.#size += chunk.length;
    if (this.#size <= PARSE_LIMIT) {
      this.#chunks.push(chunk);
      return;
    }
    const joined = this.#tail ? Buffer.concat([this.#tail, chunk]) : Buffer.concat([...this.#chunks, chunk]);
    this.#chunks = [];
    this.#tail = joined.length > TAIL ? Buffer.from(joined.subarray(joined.length - TAIL)) : joined;
  }

  /** The whole body, or undefined when it was too large and only the tail is known. */
  whole(): string | undefined {
    if (this.#tail) return undefined;
    const text = this.#chunks.length === 1 ? this.#chunks[0]!.toString('utf8') : Buffer.concat(this.#chunks).toString('utf8');
    this.#chunks = [];
    return text;
  }

  tail(): string {
    return this.#tail ? this.#tail.toString('utf8') : Buffer.concat(this.#chunks).toString('utf8');
  }
}

/** The JSON object that follows the last occurrence of `key` in `text`, if it parses. */
export function objectAfterKey(text: string, key: string): unknown {
  const at = text.lastIndexOf(key);
  if (at < 0) return undefined;
  const open = text.indexOf('{', at + key.length);
  if (open < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) {
      try {
        return JSON.parse(text.slice(open, i + 1));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
