// OpenAI client → OpenAI-schema backend (vLLM, OpenAI, any OpenAI-compatible vendor): a pass-through
// (reference §4 "OpenAI → OpenAI"). The request body is sent as the client wrote it unless the model
// is overridden or token accounting needs `stream_options.include_usage`; the response bytes go to
// the client untouched, scanned only for `usage` and `model`. When the gateway injected
// include_usage, the usage-only chunk the client did not ask for is removed, so the stream is
// re-framed event by event instead.
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError, errorBody } from '../../errors.ts';
import type { Operation, RequestTranslationInput, ResponseHead, ResponseTranslationInput, ResponseTranslator, TranslatedError, TranslatedRequest, Translator } from '../../runtime/translator.ts';
import { emptyUsage, setUsage } from '../../runtime/usage.ts';
import type { TokenUsage } from '../../runtime/usage.ts';
import { fromOpenAIUsage } from '../openai-usage.ts';
import { SseParser, formatSse } from '../streaming/sse.ts';
import { withRetryAfter } from './retry-after.ts';
import type { SseEvent } from '../streaming/sse.ts';

const PATHS: Partial<Record<Operation, string>> = { chat: '/chat/completions', completions: '/completions', embeddings: '/embeddings', responses: '/responses' };

/** Whole bodies up to this size are parsed for usage; larger ones only in their last TAIL bytes. */
const PARSE_LIMIT = 8 << 20;
const TAIL = 64 << 10;

export function openAIPath(operation: Operation, prefix: string, query: string): string {
  const suffix = PATHS[operation];
  if (suffix === undefined) throw new GatewayError('unprocessable_request', `an OpenAI-schema backend does not serve the ${operation} operation`);
  return prefix + suffix + (query ? '?' + query : '');
}

/** The client body with the model and stream options the backend must see, or `raw` when unchanged. */
export function openAIRequestBody(input: RequestTranslationInput): Buffer {
  const streamOptions = input.body['stream_options'];
  const hasUsage = typeof streamOptions === 'object' && streamOptions !== null && (streamOptions as Record<string, unknown>)['include_usage'] === true;
  const injectUsage = input.stream && input.wantUsage && !hasUsage && (input.operation === 'chat' || input.operation === 'completions');
  if (!input.modelChanged && !injectUsage) return input.raw;
  const body: Record<string, unknown> = { ...input.body, model: input.model };
  if (injectUsage) body['stream_options'] = { ...(typeof streamOptions === 'object' && streamOptions !== null ? streamOptions : {}), include_usage: true };
  return Buffer.from(JSON.stringify(body));
}

/** Whether the client's own body asked for the usage chunk. */
export function clientAskedForUsage(body: Readonly<Record<string, unknown>>): boolean {
  const o = body['stream_options'];
  return typeof o === 'object' && o !== null && (o as Record<string, unknown>)['include_usage'] === true;
}

export const openAIToOpenAI: Translator = {
  name: 'openai-to-openai',
  request(input: RequestTranslationInput): TranslatedRequest {
    return { path: openAIPath(input.operation, input.backend.prefix, input.query), body: openAIRequestBody(input), headers: { 'content-type': 'application/json' } };
  },
  response(input: ResponseTranslationInput): ResponseTranslator {
    return input.stream ? new OpenAIStreamScanner(input) : new OpenAIBodyScanner(input);
  },
  error(status: number, headers: IncomingHttpHeaders, body: Buffer): TranslatedError {
    return openAIErrorPassThrough(status, headers, body);
  },
};

/**
 * An OpenAI-shaped upstream error: 4xx answers pass through (the client's SDK raises the right typed
 * error from them); 5xx become a 502 `upstream_error` that carries the upstream's message.
 */
export function openAIErrorPassThrough(status: number, headers: IncomingHttpHeaders, body: Buffer): TranslatedError {
  if (status < 500) {
    const type = headers['content-type'];
    return withRetryAfter({ status, contentType: typeof type === 'string' ? type : 'application/json', body: body.toString('utf8') }, headers);
  }
  const err = new GatewayError('upstream_error', `the backend answered ${status}: ${upstreamMessage(body.toString('utf8'))}`);
  return withRetryAfter({ status: err.status, contentType: 'application/json', body: errorBody(err) }, headers);
}

/** The message inside an OpenAI- or Anthropic-shaped error body, else the raw text (trimmed). */
export function upstreamMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    if (typeof j.error === 'object' && j.error?.message) return j.error.message;
    if (typeof j.error === 'string') return j.error;
    if (j.message) return j.message;
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 300) || '(empty body)';
}

/** A whole JSON response: passed through, parsed at the end for usage and model. */
class OpenAIBodyScanner implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  responseModel: string | undefined;
  #chunks: Buffer[] = [];
  #size = 0;
  #tail: Buffer | undefined;

  constructor(input: ResponseTranslationInput) {
    this.responseModel = undefined;
    void input;
  }

  head(): ResponseHead {
    return { rewritesBody: false };
  }

  push(chunk: Buffer): Buffer {
    this.#size += chunk.length;
    if (this.#size <= PARSE_LIMIT) {
      this.#chunks.push(chunk);
    } else {
      // Too large to parse whole: keep only the end, where OpenAI-compatible servers put `usage`.
      const joined = this.#tail ? Buffer.concat([this.#tail, chunk]) : Buffer.concat([...this.#chunks, chunk]);
      this.#chunks = [];
      this.#tail = joined.length > TAIL ? Buffer.from(joined.subarray(joined.length - TAIL)) : joined;
    }
    return chunk;
  }

  end(): undefined {
    if (this.#tail) {
      const usage = objectAfterKey(this.#tail.toString('utf8'), '"usage"');
      if (usage !== undefined) setUsage(this.usage, fromOpenAIUsage(usage) ?? {});
      return undefined;
    }
    const text = this.#chunks.length === 1 ? this.#chunks[0]!.toString('utf8') : Buffer.concat(this.#chunks).toString('utf8');
    this.#chunks = [];
    try {
      const json = JSON.parse(text) as { usage?: unknown; model?: unknown };
      const u = fromOpenAIUsage(json.usage);
      if (u) setUsage(this.usage, u);
      if (typeof json.model === 'string') this.responseModel = json.model;
    } catch {
      // Not JSON: nothing to account.
    }
    return undefined;
  }
}

/** An SSE stream of chat or completion chunks. */
class OpenAIStreamScanner implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  responseModel: string | undefined = undefined;
  readonly #parser = new SseParser();
  readonly #reframe: boolean;

  constructor(input: ResponseTranslationInput) {
    this.#reframe = input.hideUsageChunk;
  }

  head(): ResponseHead {
    return { rewritesBody: this.#reframe };
  }

  push(chunk: Buffer): Buffer | string {
    const events = this.#parser.push(chunk);
    if (!this.#reframe) {
      for (let i = 0; i < events.length; i++) this.#inspect(events[i]!);
      return chunk;
    }
    let out = '';
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (!this.#inspect(e)) out += formatSse(e.data, e.event);
    }
    return out;
  }

  end(): undefined {
    this.#parser.end();
    return undefined;
  }

  /** Reads usage and model from one event; true when it is a usage-only chunk (no choices). */
  #inspect(e: SseEvent): boolean {
    const data = e.data;
    if (data === '[DONE]') return false;
    const needModel = this.responseModel === undefined;
    const hasUsage = usageIsObject(data);
    if (!needModel && !hasUsage) return false;
    let json: { model?: unknown; usage?: unknown; choices?: unknown };
    try {
      json = JSON.parse(data) as typeof json;
    } catch {
      return false;
    }
    if (needModel && typeof json.model === 'string' && json.model !== '') this.responseModel = json.model;
    if (!hasUsage) return false;
    const u = fromOpenAIUsage(json.usage);
    if (u) setUsage(this.usage, u);
    return Array.isArray(json.choices) && json.choices.length === 0;
  }
}

/** Whether `"usage"` in the text is followed by an object (not null): a cheap test before parsing. */
function usageIsObject(data: string): boolean {
  let i = data.indexOf('"usage"');
  while (i >= 0) {
    let j = i + 7;
    while (data.charCodeAt(j) === 0x20) j++;
    if (data.charCodeAt(j) === 0x3a /* : */) {
      j++;
      while (data.charCodeAt(j) === 0x20) j++;
      if (data.charCodeAt(j) === 0x7b /* { */) return true;
    }
    i = data.indexOf('"usage"', i + 7);
  }
  return false;
}

/** The JSON object value that follows the last occurrence of `key` in `text`, if it parses. */
function objectAfterKey(text: string, key: string): unknown {
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
