// Validation of /v1/chat/completions and /v1/completions bodies into one GenerationRequest (the
// Anthropic, Bedrock and Gemini dialects build the same shape, see anthropic.ts, bedrock.ts and
// gemini.ts). Only what the simulator uses is checked; other OpenAI fields (temperature, …) are
// accepted and ignored. Tool calling: openai-tools.ts.

import { badRequest } from './http-util.ts';
import { parseOpenAITools } from './openai-tools.ts';
import { contentText, countTokens, renderChatPrompt } from './tokenizer.ts';
import type { ChatMessageLike } from './tokenizer.ts';
import type { ToolCallRequest } from './tools.ts';

export interface GenerationRequest {
  endpoint: 'chat' | 'text';
  model: string | undefined;
  /** The prompt as the model sees it (chat messages rendered through a simple template). */
  promptText: string;
  promptTokens: number;
  /** The prompt's token ids when it was given as ids (completions); prefix-cache blocks are cut from them. */
  promptTokenIds?: number[];
  /** What echo mode answers: the last user message (chat) or the prompt (completions). */
  echoText: string;
  /** max_completion_tokens, else max_tokens; undefined when neither is given. */
  maxTokens: number | undefined;
  stream: boolean;
  includeUsage: boolean;
  ignoreEos: boolean;
  /** Stop strings: the output ends before the first occurrence of any of them (finish_reason "stop"). */
  stop: string[];
  /** Choices to generate, each its own sequence in the engine (OpenAI `n`). */
  n: number;
  /** Set when the answer is a tool call (tools.ts decides); each choice calls this tool. */
  toolCall?: ToolCallRequest;
  /** Set when the answer is JSON text satisfying this schema (Gemini responseMimeType application/json). */
  jsonSchema?: unknown;
  /**
   * Report the model behind the name asked for (the base model, or the adapter) instead of the name
   * itself: Azure answers with the deployment's model, not the deployment name.
   */
  reportServingModel?: boolean;
}

/** Upper bound of `n`, to keep one request from flooding the engine. */
export const MAX_CHOICES = 16;

type Body = Record<string, unknown>;

function asObject(body: unknown): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('request body must be a JSON object');
  return body as Body;
}

function optionalModel(b: Body): string | undefined {
  const m = b['model'];
  if (m === undefined || m === null) return undefined;
  if (typeof m !== 'string') throw badRequest('"model" must be a string', 'model');
  return m;
}

function optionalPositiveInt(b: Body, field: string): number | undefined {
  const v = b[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw badRequest(`"${field}" must be an integer ≥ 1`, field);
  return v;
}

function optionalBool(b: Body, field: string): boolean {
  const v = b[field];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw badRequest(`"${field}" must be a boolean`, field);
  return v;
}

/** `stop` (OpenAI): a string or a list of strings; empty strings are ignored. */
export function parseStop(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (Array.isArray(value) && value.every((x) => typeof x === 'string')) return (value as string[]).filter((x) => x !== '');
  throw badRequest(`"${field}" must be a string or a list of strings`, field);
}

function choices(b: Body): number {
  const n = optionalPositiveInt(b, 'n') ?? 1;
  if (n > MAX_CHOICES) throw badRequest(`"n" must be at most ${MAX_CHOICES}`, 'n');
  return n;
}

function streamFields(b: Body): Pick<GenerationRequest, 'stream' | 'includeUsage' | 'ignoreEos'> {
  const stream = optionalBool(b, 'stream');
  const so = b['stream_options'];
  let includeUsage = false;
  if (so !== undefined && so !== null) {
    if (typeof so !== 'object' || Array.isArray(so)) throw badRequest('"stream_options" must be an object', 'stream_options');
    includeUsage = (so as Body)['include_usage'] === true;
  }
  return { stream, includeUsage: stream && includeUsage, ignoreEos: optionalBool(b, 'ignore_eos') };
}

export function parseChatRequest(body: unknown): GenerationRequest {
  const b = asObject(body);
  const messages = b['messages'];
  if (!Array.isArray(messages) || messages.length === 0) {
    throw badRequest('"messages" is required and must be a non-empty list', 'messages');
  }
  if (!messages.every((m) => typeof m === 'object' && m !== null && !Array.isArray(m))) {
    throw badRequest('each entry of "messages" must be an object', 'messages');
  }
  const msgs = messages as ChatMessageLike[];
  const tools = parseOpenAITools(b, messages as Record<string, unknown>[]);
  const promptText = renderChatPrompt(tools.messages);
  const lastUser = [...msgs].reverse().find((m) => m.role === 'user') ?? msgs[msgs.length - 1];
  const g: GenerationRequest = {
    endpoint: 'chat',
    model: optionalModel(b),
    promptText,
    promptTokens: countTokens(promptText),
    echoText: contentText(lastUser?.content),
    maxTokens: optionalPositiveInt(b, 'max_completion_tokens') ?? optionalPositiveInt(b, 'max_tokens'),
    ...streamFields(b),
    stop: parseStop(b['stop'], 'stop'),
    n: choices(b),
  };
  if (tools.toolCall) g.toolCall = tools.toolCall;
  return g;
}

function isTokenIds(x: unknown): x is number[] {
  return Array.isArray(x) && x.length > 0 && x.every((t) => Number.isInteger(t));
}

/**
 * `prompt` may be a string, a list of strings, token ids, or a list of token-id lists. A list is
 * answered as one sequence over the prompts joined by newlines (one choice, not one per prompt);
 * token ids count one token each and echo as the ids separated by spaces.
 */
export function parseCompletionRequest(body: unknown): GenerationRequest {
  const b = asObject(body);
  const p = b['prompt'];
  let promptText: string;
  let promptTokens: number;
  let promptTokenIds: number[] | undefined;
  if (typeof p === 'string' && p !== '') {
    promptText = p;
    promptTokens = countTokens(p);
  } else if (Array.isArray(p) && p.length > 0 && p.every((x) => typeof x === 'string')) {
    promptText = (p as string[]).join('\n');
    promptTokens = countTokens(promptText);
  } else if (isTokenIds(p)) {
    promptText = p.join(' ');
    promptTokens = p.length;
    promptTokenIds = p;
  } else if (Array.isArray(p) && p.length > 0 && p.every(isTokenIds)) {
    promptText = (p as number[][]).map((ids) => ids.join(' ')).join('\n');
    promptTokens = (p as number[][]).reduce((s, ids) => s + ids.length, 0);
    promptTokenIds = (p as number[][]).flat();
  } else {
    throw badRequest('"prompt" is required: a non-empty string, list of strings, or token ids', 'prompt');
  }
  const g: GenerationRequest = {
    endpoint: 'text',
    model: optionalModel(b),
    promptText,
    promptTokens: Math.max(1, promptTokens),
    echoText: promptText,
    maxTokens: optionalPositiveInt(b, 'max_tokens'),
    ...streamFields(b),
    stop: parseStop(b['stop'], 'stop'),
    n: choices(b),
  };
  if (promptTokenIds !== undefined) g.promptTokenIds = promptTokenIds;
  return g;
}
