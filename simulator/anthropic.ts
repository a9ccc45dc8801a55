// Anthropic Messages (POST /v1/messages, POST /v1/messages/count_tokens) over the same engine.
//
// Request: `model` and `max_tokens` are required; `messages` (role user | assistant, content a string
// or blocks whose `text` parts count), `system` (a string or text blocks), `stop_sequences` and
// `stream` are used; other fields are accepted and ignored. The prompt is rendered like a chat
// (system first), so it shares the tokenizer approximation and the prefix cache with OpenAI requests.
//
// Answer: a `message` with one text block. stop_reason is `max_tokens` when the limit was reached,
// `stop_sequence` (with stop_sequence set) when a stop sequence ended it, else `end_turn`. Usage:
// input_tokens are the prompt tokens not served from the prefix cache, cache_read_input_tokens the
// ones that were, cache_creation_input_tokens is 0.
//
// Stream (SSE with `event:` names): message_start, content_block_start (an empty text block), ping,
// content_block_delta (text_delta) per token, content_block_stop, message_delta (stop_reason and the
// cumulative output_tokens), message_stop.
//
// Errors: {"type":"error","error":{"type","message"}} with Anthropic's error type for the status, and
// a `request-id` header on every answer.

import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ChoiceResult, Dialect, ResponseMeta, UsageCounts } from './dialect.ts';
import { badRequest } from './http-util.ts';
import type { HttpError } from './http-util.ts';
import { parseStop } from './requests.ts';
import type { GenerationRequest } from './requests.ts';
import { contentText, countTokens, renderChatPrompt } from './tokenizer.ts';
import type { ChatMessageLike } from './tokenizer.ts';

type Body = Record<string, unknown>;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function anthropicId(prefix: string): string {
  const bytes = randomBytes(24);
  let s = '';
  for (const b of bytes) s += BASE62[b % 62];
  return `${prefix}_01${s}`;
}

function asObject(body: unknown): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('request body must be a JSON object');
  return body as Body;
}

/** The rendered prompt of `system` + `messages` (shared by messages and count_tokens). */
function prompt(b: Body): { text: string; messages: ChatMessageLike[] } {
  const messages = b['messages'];
  if (!Array.isArray(messages) || messages.length === 0) throw badRequest('messages: at least one message is required', 'messages');
  for (const m of messages) {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw badRequest('messages: each message must be an object', 'messages');
    const role = (m as Body)['role'];
    if (role !== 'user' && role !== 'assistant') throw badRequest('messages: role must be "user" or "assistant"', 'messages');
    const content = (m as Body)['content'];
    if (typeof content !== 'string' && !Array.isArray(content)) throw badRequest('messages: content must be a string or a list of blocks', 'messages');
  }
  const system = b['system'];
  if (system !== undefined && system !== null && typeof system !== 'string' && !Array.isArray(system)) {
    throw badRequest('system: must be a string or a list of text blocks', 'system');
  }
  const all: ChatMessageLike[] = [];
  const systemText = contentText(system);
  if (systemText !== '') all.push({ role: 'system', content: systemText });
  all.push(...(messages as ChatMessageLike[]));
  return { text: renderChatPrompt(all), messages: messages as ChatMessageLike[] };
}

function requiredModel(b: Body): string {
  const m = b['model'];
  if (typeof m !== 'string' || m === '') throw badRequest('model: Field required', 'model');
  return m;
}

export function parseAnthropicRequest(body: unknown): GenerationRequest {
  const b = asObject(body);
  const model = requiredModel(b);
  const maxTokens = b['max_tokens'];
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
    throw badRequest('max_tokens: Field required, an integer ≥ 1', 'max_tokens');
  }
  const stream = b['stream'];
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') throw badRequest('stream: must be a boolean', 'stream');
  const { text, messages } = prompt(b);
  const lastUser = [...messages].reverse().find((m) => m.role === 'user') ?? messages[messages.length - 1];
  return {
    endpoint: 'chat',
    model,
    promptText: text,
    promptTokens: countTokens(text),
    echoText: contentText(lastUser?.content),
    maxTokens,
    stream: stream === true,
    includeUsage: true,
    ignoreEos: false,
    stop: parseStop(b['stop_sequences'], 'stop_sequences'),
    n: 1,
  };
}

/** POST /v1/messages/count_tokens: the prompt tokens of a messages request. */
export function countAnthropicTokens(body: unknown): { model: string; inputTokens: number } {
  const b = asObject(body);
  return { model: requiredModel(b), inputTokens: countTokens(prompt(b).text) };
}

function stopReason(c: ChoiceResult): { stop_reason: string; stop_sequence: string | null } {
  if (c.finishReason === 'length') return { stop_reason: 'max_tokens', stop_sequence: null };
  if (c.stopReason !== undefined) return { stop_reason: 'stop_sequence', stop_sequence: c.stopReason };
  return { stop_reason: 'end_turn', stop_sequence: null };
}

function usage(u: { promptTokens: number; cachedTokens: number }, outputTokens: number): object {
  return {
    input_tokens: u.promptTokens - u.cachedTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: u.cachedTokens,
    output_tokens: outputTokens,
  };
}

function event(type: string, data: object): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

export function sendAnthropicError(res: ServerResponse, err: HttpError, headers: Record<string, string | number> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify({ type: 'error', error: { type: anthropicErrorType(err.status), message: err.message } });
  res.writeHead(err.status, {
    'request-id': anthropicId('req'),
    ...headers,
    ...err.headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export const anthropicDialect: Dialect = {
  name: 'anthropic',
  newId: () => anthropicId('msg'),
  headers: () => ({ 'request-id': anthropicId('req') }),
  sendError: (res, err, headers = {}) => sendAnthropicError(res, err, headers as Record<string, string | number>),
  body: (meta: ResponseMeta, choices: ChoiceResult[], u: UsageCounts) => {
    const c = choices[0] as ChoiceResult;
    return {
      id: meta.id,
      type: 'message',
      role: 'assistant',
      model: meta.model,
      content: [{ type: 'text', text: c.text }],
      ...stopReason(c),
      usage: usage(u, c.completionTokens),
    };
  },
  streamContentType: 'text/event-stream',
  streamOpen: (meta, p) =>
    event('message_start', {
      message: {
        id: meta.id,
        type: 'message',
        role: 'assistant',
        model: meta.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: usage(p, 1),
      },
    }) +
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
    event('ping', {}),
  streamToken: (_meta, _choice, _i, text) => (text === '' ? undefined : event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
  streamClose: (_meta, choices) => {
    const c = choices[0] as ChoiceResult;
    return (
      event('content_block_stop', { index: 0 }) +
      event('message_delta', { delta: stopReason(c), usage: { output_tokens: c.completionTokens } }) +
      event('message_stop', {})
    );
  },
};
