// OpenAI response bodies shared by the simulator and the test upstream. Field sets follow the OpenAI
// API (and vLLM's additions where harmless) so the official SDKs parse them.

import { randomBytes } from 'node:crypto';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function usage(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/** `chatcmpl-…` / `cmpl-…` / `embd-…` identifiers, unique per response. */
export function responseId(prefix: 'chatcmpl' | 'cmpl' | 'embd'): string {
  return `${prefix}-${randomBytes(12).toString('hex')}`;
}

export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
}

export function chatCompletion(meta: ResponseMeta, content: string, finishReason: string, u: Usage): object {
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: finishReason }],
    usage: u,
  };
}

export interface ChatDelta {
  role?: 'assistant';
  content?: string;
}

export function chatChunk(meta: ResponseMeta, delta: ChatDelta, finishReason: string | null): object {
  return {
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

export function textCompletion(meta: ResponseMeta, text: string, finishReason: string, u: Usage): object {
  return {
    id: meta.id,
    object: 'text_completion',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason }],
    usage: u,
  };
}

export function textChunk(meta: ResponseMeta, text: string, finishReason: string | null): object {
  return {
    id: meta.id,
    object: 'text_completion',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason }],
  };
}

/** The `stream_options.include_usage` chunk: empty choices, usage set. */
export function usageChunk(kind: 'chat' | 'text', meta: ResponseMeta, u: Usage): object {
  return {
    id: meta.id,
    object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion',
    created: meta.created,
    model: meta.model,
    choices: [],
    usage: u,
  };
}

/** One SSE event carrying a JSON payload (`data: {...}\n\n`). */
export function sseData(payload: object | string): string {
  return `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';

/** Embeddings as OpenAI returns them; `base64` is little-endian float32, which the openai SDK requests by default. */
export function embeddingList(model: string, vectors: number[][], encoding: 'float' | 'base64', promptTokens: number): object {
  return {
    object: 'list',
    model,
    data: vectors.map((v, index) => ({
      object: 'embedding',
      index,
      embedding: encoding === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v,
    })),
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

export interface ModelCard {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  root: string;
  parent: string | null;
  max_model_len?: number;
}

export function modelList(cards: ModelCard[]): object {
  return { object: 'list', data: cards };
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function openAIError(message: string, type: string, code: string | null, param: string | null = null): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}
