// Anthropic Messages (POST /v1/messages, POST /v1/messages/count_tokens) over the same engine, and
// the same bodies served by Vertex AI (…/publishers/anthropic/models/{model}:rawPredict and
// :streamRawPredict, `anthropic_version: "vertex-2023-10-16"` in the body, model in the path) and by
// Bedrock InvokeModel (bedrock-invoke.ts). Shapes follow Anthropic's Messages API reference and its
// streaming and tool-use guides; Claude on Vertex AI follows Google Cloud's "Use Claude" guide.
//
// Request: `model` and `max_tokens` are required (on Vertex and Bedrock the model is in the path and
// `anthropic_version` is required instead); `messages` (role user | assistant, content a string or
// blocks: text, tool_use, tool_result, whose text counts), `system` (a string or text blocks),
// `stop_sequences`, `stream`, `tools` ({name, description?, input_schema}; server tools with another
// `type` are accepted and never called) and `tool_choice` ({type: auto | any | tool (with name) |
// none}) are used; other fields are accepted and ignored. The prompt is rendered like a chat (tool
// definitions, then system), so it shares the tokenizer approximation and the prefix cache with
// OpenAI requests. When a tool is called is decided in tools.ts.
//
// Answer: a `message` with one text block, or one tool_use block {id: "toolu_01…", name, input}.
// stop_reason is `max_tokens` when the limit was reached, `tool_use` for a tool call, `stop_sequence`
// (with stop_sequence set) when a stop sequence ended it, else `end_turn`. Usage: input_tokens are the
// prompt tokens not served from the prefix cache, cache_read_input_tokens the ones that were,
// cache_creation_input_tokens is 0; output_tokens include a tool call's tokens.
//
// Stream (SSE with `event:` names): message_start, content_block_start (an empty text block), ping,
// content_block_delta (text_delta) per token, content_block_stop, message_delta (stop_reason and the
// cumulative output_tokens), message_stop. A tool call: message_start, ping, content_block_start
// ({type: tool_use, id, name, input: {}}), content_block_delta (input_json_delta, `partial_json`
// pieces that concatenate to the input's JSON), content_block_stop, message_delta, message_stop.
//
// Errors: {"type":"error","error":{"type","message"}} with Anthropic's error type for the status, and
// a `request-id` header on every answer.

import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ChoiceResult, Dialect, ResponseMeta, ToolToken, UsageCounts } from './dialect.ts';
import { badRequest } from './http-util.ts';
import type { HttpError } from './http-util.ts';
import { parseStop } from './requests.ts';
import type { GenerationRequest } from './requests.ts';
import { contentText, countTokens, renderChatPrompt } from './tokenizer.ts';
import type { ChatMessageLike } from './tokenizer.ts';
import { argumentsObject, chooseTool, contentWithTools, toolsMessage } from './tools.ts';
import type { LastTurn, ToolCallRequest, ToolChoice, ToolSpec } from './tools.ts';

type Body = Record<string, unknown>;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Anthropic-style ids: `<prefix>_01` + 24 base62 characters (msg_…, req_…). */
export function anthropicId(prefix: string): string {
  const bytes = randomBytes(24);
  let s = '';
  for (const b of bytes) s += BASE62[b % 62];
  return `${prefix}_01${s}`;
}

function asObject(body: unknown): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('request body must be a JSON object');
  return body as Body;
}

function isRecord(x: unknown): x is Body {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** `tools`: custom tools become ToolSpecs; server tools (another `type`) are accepted and never called. */
function parseTools(value: unknown): ToolSpec[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badRequest('tools: Input should be a valid list', 'tools');
  const specs: ToolSpec[] = [];
  value.forEach((t, i) => {
    if (!isRecord(t)) throw badRequest(`tools.${i}: Input should be an object`, 'tools');
    if (t['type'] !== undefined && t['type'] !== 'custom') return;
    if (typeof t['name'] !== 'string' || t['name'] === '') throw badRequest(`tools.${i}.name: Field required`, 'tools');
    if (!isRecord(t['input_schema'])) throw badRequest(`tools.${i}.input_schema: Field required`, 'tools');
    const spec: ToolSpec = { name: t['name'], parameters: t['input_schema'] };
    if (typeof t['description'] === 'string') spec.description = t['description'];
    specs.push(spec);
  });
  return specs;
}

function parseToolChoice(value: unknown, tools: readonly ToolSpec[], given: boolean): ToolChoice {
  if (value === undefined || value === null) return { mode: 'auto' };
  if (!isRecord(value)) throw badRequest('tool_choice: Input should be an object', 'tool_choice');
  if (!given && value['type'] !== 'none') throw badRequest('tool_choice may only be specified while providing tools.', 'tool_choice');
  switch (value['type']) {
    case 'auto':
      return { mode: 'auto' };
    case 'none':
      return { mode: 'none' };
    case 'any':
      return { mode: 'required' };
    case 'tool': {
      const name = value['name'];
      if (typeof name !== 'string' || name === '') throw badRequest('tool_choice.name: Field required', 'tool_choice');
      if (!tools.some((t) => t.name === name)) throw badRequest(`Tool '${name}' not found in tools`, 'tool_choice');
      return { mode: 'named', name };
    }
    default:
      throw badRequest("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'", 'tool_choice');
  }
}

function hasBlock(content: unknown, type: string): boolean {
  return Array.isArray(content) && content.some((c) => isRecord(c) && c['type'] === type);
}

interface Prompt {
  text: string;
  messages: ChatMessageLike[];
  toolCall: ToolCallRequest | undefined;
}

/** The rendered prompt of tools + `system` + `messages` (shared by messages and count_tokens), and the tool decision. */
function prompt(b: Body): Prompt {
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
  const tools = parseTools(b['tools']);
  const choice = parseToolChoice(b['tool_choice'], tools, Array.isArray(b['tools']));
  const msgs = messages as Body[];
  const all: ChatMessageLike[] = [...toolsMessage(tools)];
  const systemText = contentText(system);
  if (systemText !== '') all.push({ role: 'system', content: systemText });
  for (const m of msgs) all.push({ role: m['role'], content: contentWithTools(m['content']) });
  const last = msgs[msgs.length - 1] as Body;
  const lastTurn: LastTurn = last['role'] !== 'user' ? 'other' : hasBlock(last['content'], 'tool_result') ? 'tool_result' : 'user';
  const lastUser = [...msgs].reverse().find((m) => m['role'] === 'user');
  const tool = chooseTool(tools, choice, lastTurn, contentText(lastUser?.['content']));
  return { text: renderChatPrompt(all), messages: msgs as ChatMessageLike[], toolCall: tool ? { tool, idStyle: 'anthropic' } : undefined };
}

function requiredModel(b: Body): string {
  const m = b['model'];
  if (typeof m !== 'string' || m === '') throw badRequest('model: Field required', 'model');
  return m;
}

/**
 * Where the body came from. The first-party API (no variant) needs `model` in the body; Vertex AI
 * and Bedrock take the model from the path and need `anthropic_version` ("vertex-2023-10-16",
 * "bedrock-2023-05-31"); Bedrock decides streaming by path, Vertex by path or `stream`.
 */
export interface AnthropicVariant {
  model: string;
  version: string;
  /** true/false: decided by the path; undefined: by the body's `stream`. */
  stream?: boolean;
}

export function parseAnthropicRequest(body: unknown, variant?: AnthropicVariant): GenerationRequest {
  const b = asObject(body);
  let model: string;
  if (variant) {
    const version = b['anthropic_version'];
    if (version === undefined || version === null) throw badRequest('anthropic_version: Field required', 'anthropic_version');
    if (version !== variant.version) throw badRequest(`anthropic_version: Input should be '${variant.version}'`, 'anthropic_version');
    model = variant.model;
  } else {
    model = requiredModel(b);
  }
  const maxTokens = b['max_tokens'];
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
    throw badRequest('max_tokens: Field required, an integer ≥ 1', 'max_tokens');
  }
  const stream = b['stream'];
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') throw badRequest('stream: must be a boolean', 'stream');
  const { text, messages, toolCall } = prompt(b);
  const lastUser = [...messages].reverse().find((m) => m.role === 'user') ?? messages[messages.length - 1];
  const g: GenerationRequest = {
    endpoint: 'chat',
    model,
    promptText: text,
    promptTokens: countTokens(text),
    echoText: contentText(lastUser?.content),
    maxTokens,
    stream: variant?.stream ?? stream === true,
    includeUsage: true,
    ignoreEos: false,
    stop: parseStop(b['stop_sequences'], 'stop_sequences'),
    n: 1,
  };
  if (toolCall) g.toolCall = toolCall;
  return g;
}

/** POST /v1/messages/count_tokens: the prompt tokens of a messages request. */
export function countAnthropicTokens(body: unknown): { model: string; inputTokens: number } {
  const b = asObject(body);
  return { model: requiredModel(b), inputTokens: countTokens(prompt(b).text) };
}

function stopReason(c: ChoiceResult): { stop_reason: string; stop_sequence: string | null } {
  if (c.finishReason === 'length') return { stop_reason: 'max_tokens', stop_sequence: null };
  if (c.toolCalls) return { stop_reason: 'tool_use', stop_sequence: null };
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

function content(c: ChoiceResult): object[] {
  if (!c.toolCalls) return [{ type: 'text', text: c.text }];
  return c.toolCalls.map((t) => ({ type: 'tool_use', id: t.id, name: t.name, input: argumentsObject(t.arguments) }));
}

/** The events of one tool-call token: the block's start (closing the previous call's), or a piece of input. */
function toolEvents(tool: ToolToken): string | undefined {
  if (tool.header) {
    return (
      (tool.call > 0 ? event('content_block_stop', { index: tool.call - 1 }) : '') +
      event('content_block_start', { index: tool.call, content_block: { type: 'tool_use', id: tool.id, name: tool.name, input: {} } })
    );
  }
  if (tool.args === '') return undefined;
  return event('content_block_delta', { index: tool.call, delta: { type: 'input_json_delta', partial_json: tool.args } });
}

/**
 * The Messages dialect with message ids `<idPrefix>_01…`: "msg" for Anthropic's API, "msg_vrtx" for
 * Vertex AI, "msg_bdrk" for Bedrock (as those platforms number their messages).
 */
export function anthropicDialectFor(idPrefix: string): Dialect {
  return {
    name: 'anthropic',
    newId: () => anthropicId(idPrefix),
    headers: () => ({ 'request-id': anthropicId('req') }),
    sendError: (res, err, headers = {}) => sendAnthropicError(res, err, headers as Record<string, string | number>),
    body: (meta: ResponseMeta, choices: ChoiceResult[], u: UsageCounts) => {
      const c = choices[0] as ChoiceResult;
      return {
        id: meta.id,
        type: 'message',
        role: 'assistant',
        model: meta.model,
        content: content(c),
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
      (p.toolCall ? '' : event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } })) +
      event('ping', {}),
    streamToken: (_meta, _choice, _i, text, _last, tool) => {
      if (tool) return toolEvents(tool);
      return text === '' ? undefined : event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
    },
    streamClose: (_meta, choices) => {
      const c = choices[0] as ChoiceResult;
      const lastBlock = c.toolCalls ? c.toolCalls.length - 1 : 0;
      return (
        event('content_block_stop', { index: lastBlock }) +
        event('message_delta', { delta: stopReason(c), usage: { output_tokens: c.completionTokens } }) +
        event('message_stop', {})
      );
    },
  };
}

export const anthropicDialect: Dialect = anthropicDialectFor('msg');
