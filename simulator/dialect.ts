// How a generation is written in one provider's wire format. The engine, latency model and faults are
// the same for every dialect (generate.ts); a Dialect only shapes the whole-body answer, the stream
// events and the errors. The OpenAI dialect is here; Anthropic Messages, Bedrock Converse, Bedrock
// InvokeModel (Anthropic bodies) and Gemini are in anthropic.ts, bedrock.ts, bedrock-invoke.ts and
// gemini.ts.
//
// OpenAI tool calls (vLLM's shapes): a whole body has `message.content: null` and
// `message.tool_calls: [{id, type: "function", function: {name, arguments}}]`, finish_reason
// "tool_calls" ("length" when cut). A stream announces each call once with a delta
// `tool_calls: [{index, id, type, function: {name, arguments: ""}}]`, then sends the arguments in
// pieces as `tool_calls: [{index, function: {arguments}}]`; the last chunk carries finish_reason.

import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { HttpError } from './http-util.ts';
import { sendError as sendOpenAIError } from './http-util.ts';
import { responseId, SSE_DONE, sseData } from './openai-shapes.ts';
import type { FinishReason, PlannedToolCall, ToolStep } from './textgen.ts';

export interface ResponseMeta {
  id: string;
  /** Unix seconds. */
  created: number;
  /** The model name echoed back: what the client asked for. */
  model: string;
}

export interface ChoiceResult {
  index: number;
  text: string;
  completionTokens: number;
  finishReason: FinishReason;
  /** The stop string that ended the choice, if one did. */
  stopReason: string | undefined;
  /** Set when the choice is a tool call instead of text (then `text` is ''). */
  toolCalls?: PlannedToolCall[];
}

/** A token of a tool-call answer, for stream writers: the step and the call it belongs to. */
export interface ToolToken extends ToolStep {
  id: string;
  name: string;
}

export interface UsageCounts {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens served from the prefix cache (of the first choice). */
  cachedTokens: number;
  /** Measured milliseconds from arrival to the end of the answer (Bedrock reports it). */
  latencyMs: number;
}

export type Chunk = string | Buffer;

export interface Dialect {
  readonly name: 'openai' | 'anthropic' | 'bedrock' | 'gemini';
  newId(): string;
  /** Headers sent on every answer of this dialect (e.g. a request id). */
  headers(meta: ResponseMeta): OutgoingHttpHeaders;
  sendError(res: ServerResponse, err: HttpError, headers?: OutgoingHttpHeaders): void;
  body(meta: ResponseMeta, choices: ChoiceResult[], usage: UsageCounts): object;
  /** Extra headers of a whole-body answer, once usage is known (Bedrock InvokeModel's token counts). */
  bodyHeaders?(usage: UsageCounts): OutgoingHttpHeaders;
  readonly streamContentType: string;
  /** Written right after the stream's headers, before the first token; `toolCall`: the answer is a tool call. */
  streamOpen(meta: ResponseMeta, prompt: { promptTokens: number; cachedTokens: number; toolCall: boolean }): Chunk | undefined;
  /**
   * One token of one choice; `last` is set on the choice's last token, `tool` on every token of a
   * tool-call answer. undefined: nothing to send.
   */
  streamToken(
    meta: ResponseMeta,
    choice: number,
    tokenIndex: number,
    text: string,
    last: ChoiceResult | undefined,
    tool?: ToolToken,
  ): Chunk | undefined;
  /** Ends the stream. */
  streamClose(meta: ResponseMeta, choices: ChoiceResult[], usage: UsageCounts, includeUsage: boolean): Chunk;
}

/** OpenAI usage with `prompt_tokens_details.cached_tokens`, as vLLM reports it. */
export function openAIUsage(u: UsageCounts): object {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens },
  };
}

function finishReason(c: ChoiceResult): string {
  return c.toolCalls && c.finishReason === 'stop' ? 'tool_calls' : c.finishReason;
}

function chatMessage(c: ChoiceResult): object {
  if (!c.toolCalls) return { role: 'assistant', content: c.text };
  return {
    role: 'assistant',
    content: null,
    tool_calls: c.toolCalls.map((t) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } })),
  };
}

/** The delta of one tool-call token: the call's announcement, a piece of arguments, or nothing. */
function toolDelta(tool: ToolToken): object | undefined {
  if (tool.header) return { tool_calls: [{ index: tool.call, id: tool.id, type: 'function', function: { name: tool.name, arguments: tool.args } }] };
  if (tool.args === '') return undefined;
  return { tool_calls: [{ index: tool.call, function: { arguments: tool.args } }] };
}

/** /v1/chat/completions (`chat`) and /v1/completions (`text`). */
export function openAIDialect(endpoint: 'chat' | 'text'): Dialect {
  const chat = endpoint === 'chat';
  const object = chat ? 'chat.completion.chunk' : 'text_completion';
  const head = (meta: ResponseMeta, obj: string): Record<string, unknown> => ({ id: meta.id, object: obj, created: meta.created, model: meta.model });
  return {
    name: 'openai',
    newId: () => responseId(chat ? 'chatcmpl' : 'cmpl'),
    headers: () => ({}),
    sendError: (res, err, headers = {}) => sendOpenAIError(res, err, headers),
    body: (meta, choices, usage) => ({
      ...head(meta, chat ? 'chat.completion' : 'text_completion'),
      choices: choices.map((c) =>
        chat
          ? { index: c.index, message: chatMessage(c), logprobs: null, finish_reason: finishReason(c), stop_reason: c.stopReason ?? null }
          : { index: c.index, text: c.text, logprobs: null, finish_reason: c.finishReason, stop_reason: c.stopReason ?? null },
      ),
      usage: openAIUsage(usage),
    }),
    streamContentType: 'text/event-stream',
    streamOpen: () => undefined,
    streamToken: (meta, choice, tokenIndex, text, last, tool) => {
      const finish = last ? finishReason(last) : null;
      const stop = last ? (last.stopReason ?? null) : null;
      let delta: object;
      if (tool) {
        const d = toolDelta(tool);
        if (d === undefined && !last && tokenIndex > 0) return undefined;
        delta = tokenIndex === 0 ? { role: 'assistant', content: null, ...d } : (d ?? {});
      } else {
        delta = tokenIndex === 0 ? { role: 'assistant', content: text } : { content: text };
      }
      const c = chat
        ? {
            index: choice,
            delta,
            logprobs: null,
            finish_reason: finish,
            ...(last ? { stop_reason: stop } : {}),
          }
        : { index: choice, text, logprobs: null, finish_reason: finish, ...(last ? { stop_reason: stop } : {}) };
      return sseData({ ...head(meta, object), choices: [c] });
    },
    streamClose: (meta, _choices, usage, includeUsage) =>
      (includeUsage ? sseData({ ...head(meta, object), choices: [], usage: openAIUsage(usage) }) : '') + SSE_DONE,
  };
}
