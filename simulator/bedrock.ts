// AWS Bedrock Converse (POST /model/{modelId}/converse) and ConverseStream
// (POST /model/{modelId}/converse-stream) over the same engine. Shapes follow the Amazon Bedrock API
// reference (Converse, ConverseStream, ToolConfiguration, ContentBlock, ContentBlockStart,
// ContentBlockDelta). The model id is the URL-decoded path segment and must name the base model, a
// served name or an adapter (else 404 ResourceNotFoundException). Requests are SigV4-verified only
// when the AWS flags are set (sigv4.ts).
//
// Request: `messages` (role user | assistant, content a list of blocks: text, toolUse, toolResult),
// `system` (text blocks), `inferenceConfig.maxTokens` / `stopSequences` and `toolConfig` ({tools:
// [{toolSpec: {name, description?, inputSchema: {json}}}], toolChoice: {auto: {}} | {any: {}} |
// {tool: {name}}}, auto by default) are used; other fields are accepted and ignored. As Bedrock
// does, toolUse / toolResult blocks without a toolConfig are refused (400 ValidationException).
//
// Answer: `output.message` with one text block or one toolUse block {toolUseId: "tooluse_…", name,
// input}, `stopReason` (end_turn | max_tokens | stop_sequence | tool_use), `usage` (inputTokens =
// prompt tokens not served from the prefix cache, cacheReadInputTokens = the ones that were,
// cacheWriteInputTokens 0, outputTokens (tool-call tokens included), totalTokens) and
// `metrics.latencyMs` (measured).
//
// Stream: application/vnd.amazon.eventstream messages with `:event-type` messageStart, then
// contentBlockDelta per token ({delta: {text}}), contentBlockStop, messageStop and metadata (usage
// and metrics), each a JSON payload with `:message-type: event` (see eventstream.ts). A tool call is
// contentBlockStart {start: {toolUse: {toolUseId, name}}}, then contentBlockDelta {delta: {toolUse:
// {input}}} pieces that concatenate to the input's JSON, then contentBlockStop.
//
// Errors: JSON {"message"} with status and `x-amzn-errortype` (ValidationException,
// ThrottlingException, …); every answer carries `x-amzn-requestid`.

import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ChoiceResult, Dialect, ToolToken, UsageCounts } from './dialect.ts';
import { encodeBedrockEvent } from './eventstream.ts';
import { badRequest } from './http-util.ts';
import type { HttpError } from './http-util.ts';
import { parseStop } from './requests.ts';
import type { GenerationRequest } from './requests.ts';
import { contentText, countTokens, renderChatPrompt } from './tokenizer.ts';
import type { ChatMessageLike } from './tokenizer.ts';
import { argumentsObject, chooseTool, contentWithTools, toolsMessage } from './tools.ts';
import type { LastTurn, ToolCallRequest, ToolChoice, ToolSpec } from './tools.ts';

type Body = Record<string, unknown>;

function isRecord(x: unknown): x is Body {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function hasBlock(messages: readonly Body[], key: string): boolean {
  return messages.some((m) => Array.isArray(m['content']) && m['content'].some((c) => isRecord(c) && c[key] !== undefined));
}

/** `toolConfig`: the tools and the choice (auto unless toolChoice says any or names a tool). */
function parseToolConfig(value: unknown): { tools: ToolSpec[]; choice: ToolChoice } {
  if (value === undefined || value === null) return { tools: [], choice: { mode: 'none' } };
  if (!isRecord(value) || !Array.isArray(value['tools']) || value['tools'].length === 0) {
    throw badRequest('toolConfig.tools: must be a non-empty list of tools', 'toolConfig');
  }
  const tools = value['tools'].map((t, i): ToolSpec => {
    const spec = isRecord(t) ? t['toolSpec'] : undefined;
    if (!isRecord(spec) || typeof spec['name'] !== 'string' || spec['name'] === '') throw badRequest(`toolConfig.tools.${i}.toolSpec.name: required`, 'toolConfig');
    const schema = spec['inputSchema'];
    if (!isRecord(schema) || !isRecord(schema['json'])) throw badRequest(`toolConfig.tools.${i}.toolSpec.inputSchema.json: required`, 'toolConfig');
    const out: ToolSpec = { name: spec['name'], parameters: schema['json'] };
    if (typeof spec['description'] === 'string') out.description = spec['description'];
    return out;
  });
  const tc = value['toolChoice'];
  let choice: ToolChoice = { mode: 'auto' };
  if (isRecord(tc)) {
    if (isRecord(tc['any'])) choice = { mode: 'required' };
    else if (isRecord(tc['tool'])) {
      const name = tc['tool']['name'];
      if (typeof name !== 'string' || !tools.some((t) => t.name === name)) {
        throw badRequest(`toolConfig.toolChoice.tool.name: ${JSON.stringify(name)} is not one of the tools`, 'toolConfig');
      }
      choice = { mode: 'named', name };
    } else if (!isRecord(tc['auto'])) throw badRequest('toolConfig.toolChoice: must be one of auto, any, tool', 'toolConfig');
  } else if (tc !== undefined && tc !== null) throw badRequest('toolConfig.toolChoice: must be an object', 'toolConfig');
  return { tools, choice };
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

  const msgs = messages as Body[];
  const { tools, choice } = parseToolConfig(b['toolConfig']);
  if (tools.length === 0 && (hasBlock(msgs, 'toolUse') || hasBlock(msgs, 'toolResult'))) {
    throw badRequest('The toolConfig field must be defined when using toolUse and toolResult content blocks.', 'toolConfig');
  }
  const all: ChatMessageLike[] = [...toolsMessage(tools)];
  const systemText = contentText(system);
  if (systemText !== '') all.push({ role: 'system', content: systemText });
  for (const m of msgs) all.push({ role: m['role'], content: contentWithTools(m['content']) });
  const text = renderChatPrompt(all);
  const lastUser = [...(messages as ChatMessageLike[])].reverse().find((m) => m.role === 'user');
  const last = msgs[msgs.length - 1] as Body;
  const lastTurn: LastTurn = last['role'] !== 'user' ? 'other' : hasBlock([last], 'toolResult') ? 'tool_result' : 'user';
  const tool = chooseTool(tools, choice, lastTurn, contentText(lastUser?.content));
  const toolCall: ToolCallRequest | undefined = tool ? { tool, idStyle: 'bedrock' } : undefined;
  const g: GenerationRequest = {
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
  if (toolCall) g.toolCall = toolCall;
  return g;
}

function stopReason(c: ChoiceResult): string {
  if (c.finishReason === 'length') return 'max_tokens';
  if (c.toolCalls) return 'tool_use';
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

/** The events of one tool-call token: the block's start (closing the previous call's), or a piece of input. */
function toolEvents(tool: ToolToken): Buffer | undefined {
  if (tool.header) {
    const start = encodeBedrockEvent('contentBlockStart', { contentBlockIndex: tool.call, start: { toolUse: { toolUseId: tool.id, name: tool.name } } });
    return tool.call > 0 ? Buffer.concat([encodeBedrockEvent('contentBlockStop', { contentBlockIndex: tool.call - 1 }), start]) : start;
  }
  if (tool.args === '') return undefined;
  return encodeBedrockEvent('contentBlockDelta', { contentBlockIndex: tool.call, delta: { toolUse: { input: tool.args } } });
}

export const bedrockDialect: Dialect = {
  name: 'bedrock',
  newId: () => randomUUID(),
  headers: (meta) => ({ 'x-amzn-requestid': meta.id }),
  sendError: (res, err, headers = {}) => sendBedrockError(res, err, headers as Record<string, string | number>),
  body: (_meta, choices, u) => {
    const c = choices[0] as ChoiceResult;
    const content = c.toolCalls
      ? c.toolCalls.map((t) => ({ toolUse: { toolUseId: t.id, name: t.name, input: argumentsObject(t.arguments) } }))
      : [{ text: c.text }];
    return {
      output: { message: { role: 'assistant', content } },
      stopReason: stopReason(c),
      usage: usage(u),
      metrics: { latencyMs: Math.round(u.latencyMs) },
    };
  },
  streamContentType: 'application/vnd.amazon.eventstream',
  streamOpen: () => encodeBedrockEvent('messageStart', { role: 'assistant' }),
  streamToken: (_meta, _choice, _i, text, _last, tool) => {
    if (tool) return toolEvents(tool);
    return text === '' ? undefined : encodeBedrockEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text } });
  },
  streamClose: (_meta, choices, u) => {
    const c = choices[0] as ChoiceResult;
    return Buffer.concat([
      encodeBedrockEvent('contentBlockStop', { contentBlockIndex: c.toolCalls ? c.toolCalls.length - 1 : 0 }),
      encodeBedrockEvent('messageStop', { stopReason: stopReason(c) }),
      encodeBedrockEvent('metadata', { usage: usage(u), metrics: { latencyMs: Math.round(u.latencyMs) } }),
    ]);
  },
};

/**
 * CountTokens (POST /model/{modelId}/count-tokens): `{input: {converse: {messages, system?}}}` or
 * `{input: {invokeModel: {body}}}` (the InvokeModel body as a blob: base64 of its JSON), answered
 * `{inputTokens}` with the prompt tokens the same request would have as a generation.
 */
export function countTokensOf(body: unknown, modelId: string, parseInvoke: (body: unknown, modelId: string) => GenerationRequest): number {
  const input = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Body)['input'] : undefined;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw badRequest('input: must be an object with converse or invokeModel', 'input');
  const { converse, invokeModel } = input as Body;
  if (converse !== undefined) {
    const c = converse as Body;
    return parseConverseRequest({ messages: c?.['messages'], system: c?.['system'] }, modelId, false).promptTokens;
  }
  if (invokeModel !== undefined) {
    const blob = (invokeModel as Body | null)?.['body'];
    if (typeof blob !== 'string') throw badRequest('input.invokeModel.body: must be the base64 of the InvokeModel body', 'input');
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(blob, 'base64').toString('utf8'));
    } catch {
      throw badRequest('input.invokeModel.body: is not base64 of a JSON document', 'input');
    }
    return parseInvoke(parsed, modelId).promptTokens;
  }
  throw badRequest('input: one of converse or invokeModel is required', 'input');
}
