// How a generation is written in one provider's wire format. The engine, latency model and faults are
// the same for every dialect (generate.ts); a Dialect only shapes the whole-body answer, the stream
// events and the errors. The OpenAI dialect is here; Anthropic Messages and Bedrock Converse are in
// anthropic.ts and bedrock.ts.

import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { HttpError } from './http-util.ts';
import { sendError as sendOpenAIError } from './http-util.ts';
import { responseId, SSE_DONE, sseData } from './openai-shapes.ts';
import type { FinishReason } from './textgen.ts';

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
  readonly name: 'openai' | 'anthropic' | 'bedrock';
  newId(): string;
  /** Headers sent on every answer of this dialect (e.g. a request id). */
  headers(meta: ResponseMeta): OutgoingHttpHeaders;
  sendError(res: ServerResponse, err: HttpError, headers?: OutgoingHttpHeaders): void;
  body(meta: ResponseMeta, choices: ChoiceResult[], usage: UsageCounts): object;
  readonly streamContentType: string;
  /** Written right after the stream's headers, before the first token. */
  streamOpen(meta: ResponseMeta, prompt: { promptTokens: number; cachedTokens: number }): Chunk | undefined;
  /** One token of one choice; `last` is set on the choice's last token. undefined: nothing to send. */
  streamToken(meta: ResponseMeta, choice: number, tokenIndex: number, text: string, last: ChoiceResult | undefined): Chunk | undefined;
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
          ? { index: c.index, message: { role: 'assistant', content: c.text }, logprobs: null, finish_reason: c.finishReason, stop_reason: c.stopReason ?? null }
          : { index: c.index, text: c.text, logprobs: null, finish_reason: c.finishReason, stop_reason: c.stopReason ?? null },
      ),
      usage: openAIUsage(usage),
    }),
    streamContentType: 'text/event-stream',
    streamOpen: () => undefined,
    streamToken: (meta, choice, tokenIndex, text, last) => {
      const finish = last ? last.finishReason : null;
      const stop = last ? (last.stopReason ?? null) : null;
      const c = chat
        ? {
            index: choice,
            delta: tokenIndex === 0 ? { role: 'assistant', content: text } : { content: text },
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
