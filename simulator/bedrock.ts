// AWS Bedrock Converse (POST /model/{modelId}/converse) and ConverseStream
// (POST /model/{modelId}/converse-stream) over the same engine. The model id is the URL-decoded path
// segment and must name the base model, a served name or an adapter (else 404
// ResourceNotFoundException). No AWS signature is checked.
//
// Request: `messages` (role user | assistant, content a list of blocks whose `text` parts count),
// `system` (text blocks) and `inferenceConfig.maxTokens` / `stopSequences` are used; other fields are
// accepted and ignored.
//
// Answer: `output.message` with one text block, `stopReason` (end_turn | max_tokens | stop_sequence),
// `usage` (inputTokens = prompt tokens not served from the prefix cache, cacheReadInputTokens = the
// ones that were, cacheWriteInputTokens 0, outputTokens, totalTokens) and `metrics.latencyMs`
// (measured).
//
// Stream: application/vnd.amazon.eventstream messages with `:event-type` messageStart, then
// contentBlockDelta per token, contentBlockStop, messageStop and metadata (usage and metrics), each a
// JSON payload with `:message-type: event` (see eventstream.ts).
//
// Errors: JSON {"message"} with status and `x-amzn-errortype` (ValidationException,
// ThrottlingException, …); every answer carries `x-amzn-requestid`.

import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ChoiceResult, Dialect, UsageCounts } from './dialect.ts';
import { encodeBedrockEvent } from './eventstream.ts';
import { badRequest } from './http-util.ts';
import type { HttpError } from './http-util.ts';
import { parseStop } from './requests.ts';
import type { GenerationRequest } from './requests.ts';
import { contentText, countTokens, renderChatPrompt } from './tokenizer.ts';
import type { ChatMessageLike } from './tokenizer.ts';

type Body = Record<string, unknown>;

const CONVERSE_PATH = /^\/model\/([^/]+)\/(converse|converse-stream)$/;

/** Matches a Converse path: the decoded model id and whether it streams; undefined for other paths. */
export function matchConversePath(path: string): { modelId: string; stream: boolean } | undefined {
  const m = CONVERSE_PATH.exec(path);
  if (!m) return undefined;
  let modelId: string;
  try {
    modelId = decodeURIComponent(m[1] as string);
  } catch {
    return undefined;
  }
  return { modelId, stream: m[2] === 'converse-stream' };
}

export function parseConverseRequest(body: unknown, modelId: string, stream: boolean): GenerationRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('request body must be a JSON object');
  const b = body as Body;
  const messages = b['messages'];
  if (!Array.isArray(messages) || messages.length === 0) throw badRequest('messages: at least one message is required', 'messages');
  for (const m of messages) {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw badRequest('messages: each message must be an object', 'messages');
    const role = (m as Body)['role'];
    if (role !== 'user' && role !== 'assistant') throw badRequest('messages: role must be "user" or "assistant"', 'messages');
    if (!Array.isArray((m as Body)['content'])) throw badRequest('messages: content must be a list of content blocks', 'messages');
  }
  const system = b['system'];
  if (system !== undefined && system !== null && !Array.isArray(system)) throw badRequest('system: must be a list of system content blocks', 'system');

  const config = b['inferenceConfig'];
  let maxTokens: number | undefined;
  let stop: string[] = [];
  if (config !== undefined && config !== null) {
    if (typeof config !== 'object' || Array.isArray(config)) throw badRequest('inferenceConfig: must be an object', 'inferenceConfig');
    const c = config as Body;
    const mt = c['maxTokens'];
    if (mt !== undefined && mt !== null) {
      if (typeof mt !== 'number' || !Number.isInteger(mt) || mt < 1) throw badRequest('inferenceConfig.maxTokens: must be an integer ≥ 1', 'inferenceConfig');
      maxTokens = mt;
    }
    stop = parseStop(c['stopSequences'], 'inferenceConfig.stopSequences');
  }

  const all: ChatMessageLike[] = [];
  const systemText = contentText(system);
  if (systemText !== '') all.push({ role: 'system', content: systemText });
  all.push(...(messages as ChatMessageLike[]));
  const text = renderChatPrompt(all);
  const lastUser = [...(messages as ChatMessageLike[])].reverse().find((m) => m.role === 'user');
  return {
    endpoint: 'chat',
    model: modelId,
    promptText: text,
    promptTokens: countTokens(text),
    echoText: contentText(lastUser?.content),
    maxTokens,
    stream,
    includeUsage: true,
    ignoreEos: false,
    stop,
    n: 1,
  };
}

function stopReason(c: ChoiceResult): string {
  if (c.finishReason === 'length') return 'max_tokens';
  return c.stopReason !== undefined ? 'stop_sequence' : 'end_turn';
}

function usage(u: UsageCounts): object {
  return {
    inputTokens: u.promptTokens - u.cachedTokens,
    outputTokens: u.completionTokens,
    totalTokens: u.promptTokens + u.completionTokens,
    cacheReadInputTokens: u.cachedTokens,
    cacheWriteInputTokens: 0,
  };
}

export function bedrockErrorType(status: number): string {
  switch (status) {
    case 400:
    case 413:
      return 'ValidationException';
    case 401:
    case 403:
      return 'AccessDeniedException';
    case 404:
      return 'ResourceNotFoundException';
    case 408:
      return 'ModelTimeoutException';
    case 424:
      return 'ModelErrorException';
    case 429:
      return 'ThrottlingException';
    case 503:
      return 'ServiceUnavailableException';
    default:
      return status >= 500 ? 'InternalServerException' : 'ValidationException';
  }
}

export function sendBedrockError(res: ServerResponse, err: HttpError, headers: Record<string, string | number> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify({ message: err.message });
  res.writeHead(err.status, {
    'x-amzn-requestid': randomUUID(),
    ...headers,
    ...err.headers,
    'x-amzn-errortype': bedrockErrorType(err.status),
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export const bedrockDialect: Dialect = {
  name: 'bedrock',
  newId: () => randomUUID(),
  headers: (meta) => ({ 'x-amzn-requestid': meta.id }),
  sendError: (res, err, headers = {}) => sendBedrockError(res, err, headers as Record<string, string | number>),
  body: (_meta, choices, u) => {
    const c = choices[0] as ChoiceResult;
    return {
      output: { message: { role: 'assistant', content: [{ text: c.text }] } },
      stopReason: stopReason(c),
      usage: usage(u),
      metrics: { latencyMs: Math.round(u.latencyMs) },
    };
  },
  streamContentType: 'application/vnd.amazon.eventstream',
  streamOpen: () => encodeBedrockEvent('messageStart', { role: 'assistant' }),
  streamToken: (_meta, _choice, _i, text) => (text === '' ? undefined : encodeBedrockEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text } })),
  streamClose: (_meta, choices, u) => {
    const c = choices[0] as ChoiceResult;
    return Buffer.concat([
      encodeBedrockEvent('contentBlockStop', { contentBlockIndex: 0 }),
      encodeBedrockEvent('messageStop', { stopReason: stopReason(c) }),
      encodeBedrockEvent('metadata', { usage: usage(u), metrics: { latencyMs: Math.round(u.latencyMs) } }),
    ]);
  },
};
