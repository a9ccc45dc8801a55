// Anthropic Messages client → Anthropic Messages backend: Anthropic itself, Claude on Vertex AI
// (GCPAnthropic) or on Bedrock InvokeModel (AWSAnthropic). A pass-through (reference §4
// "Anthropic /v1/messages → … Anthropic, GCPAnthropic, AWSAnthropic: passthrough except path and
// anthropic_version"), for `messages` and `count_tokens`:
//   - request: the client's bytes when nothing changes (Anthropic, same model); otherwise the body
//     with the backend's model / anthropic_version fields (anthropic-backend.ts);
//   - response: Anthropic and Vertex bytes go to the client untouched, scanned for usage and model
//     (message_start and the cumulative message_delta in streams, `usage` in whole messages,
//     `input_tokens` for count_tokens). Bedrock streams arrive as AWS event-stream frames and are
//     decoded back into the Anthropic SSE the client expects; Bedrock's count-tokens answer
//     `{"inputTokens"}` becomes Anthropic's `{"input_tokens"}`;
//   - errors: Anthropic-shaped 4xx pass through; others are rewritten (anthropic-errors.ts).
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../../errors.ts';
import type { BackendSchemaName, RequestTranslationInput, ResponseHead, ResponseTranslationInput, ResponseTranslator, TranslatedError, TranslatedRequest, Translator } from '../../runtime/translator.ts';
import { emptyUsage, setUsage } from '../../runtime/usage.ts';
import type { TokenUsage } from '../../runtime/usage.ts';
import { SseParser, formatSse } from '../streaming/sse.ts';
import { AnthropicEventReader, anthropicBackendBody, anthropicTarget, isAwsEventStream } from './anthropic-backend.ts';
import type { AnthropicBackendName } from './anthropic-backend.ts';
import { anthropicErrorForClient } from './anthropic-errors.ts';
import { BodyCollector, emptyAnthropicCounters, isObject, mergeAnthropicUsage, objectAfterKey, str, usageFromAnthropic } from './anthropic-shapes.ts';
import type { AnthropicUsageCounters, JsonObject } from './anthropic-shapes.ts';

const NAMES: Record<AnthropicBackendName, string> = { Anthropic: 'anthropic-to-anthropic', GCPAnthropic: 'anthropic-to-gcp-anthropic', AWSAnthropic: 'anthropic-to-aws-anthropic' };

export interface AnthropicToAnthropicOptions {
  /** The backend schema this instance is registered for (its name; Bedrock framing by default). */
  readonly schema?: AnthropicBackendName;
}

export function createAnthropicToAnthropic(options: AnthropicToAnthropicOptions = {}): Translator {
  const schema = options.schema ?? 'Anthropic';
  return {
    name: NAMES[schema],
    request(input: RequestTranslationInput): TranslatedRequest {
      const op = input.operation;
      if (op !== 'messages' && op !== 'count_tokens') throw new GatewayError('unprocessable_request', `an Anthropic client's ${op} operation is not served by an Anthropic backend`);
      const stream = op === 'messages' && input.stream;
      const target = anthropicTarget(input.backend, op, input.model, stream, input.query);
      if (input.backend.name === 'Anthropic' && !input.modelChanged) return { path: target.path, headers: target.headers, body: input.raw };
      const body = anthropicBackendBody(input.backend, op, { ...input.body }, input.model);
      return { path: target.path, headers: target.headers, body: Buffer.from(JSON.stringify(body)) };
    },
    response(input: ResponseTranslationInput): ResponseTranslator {
      if (input.operation === 'count_tokens') return new CountTokensScanner();
      return input.stream ? new MessageStreamScanner(input, schema) : new MessageBodyScanner(input);
    },
    error(status: number, headers: IncomingHttpHeaders, body: Buffer): TranslatedError {
      return anthropicErrorForClient(status, headers, body, true);
    },
  };
}

export const anthropicToAnthropic: Translator = createAnthropicToAnthropic({ schema: 'Anthropic' });
export const anthropicToGCPAnthropic: Translator = createAnthropicToAnthropic({ schema: 'GCPAnthropic' });
export const anthropicToAWSAnthropic: Translator = createAnthropicToAnthropic({ schema: 'AWSAnthropic' });

/** Which of the three exports serves a backend schema (undefined: not an Anthropic backend). */
export function anthropicToAnthropicFor(backend: BackendSchemaName): Translator | undefined {
  return backend === 'Anthropic' ? anthropicToAnthropic : backend === 'GCPAnthropic' ? anthropicToGCPAnthropic : backend === 'AWSAnthropic' ? anthropicToAWSAnthropic : undefined;
}

/** A whole message: passed through, parsed at the end for usage and model. */
class MessageBodyScanner implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  responseModel: string | undefined;
  readonly #input: ResponseTranslationInput;
  readonly #body = new BodyCollector();

  constructor(input: ResponseTranslationInput) {
    this.#input = input;
  }

  head(): ResponseHead {
    return { rewritesBody: false };
  }

  push(chunk: Buffer): Buffer {
    this.#body.push(chunk);
    return chunk;
  }

  end(): undefined {
    const counters = emptyAnthropicCounters();
    const whole = this.#body.whole();
    if (whole === undefined) {
      // Too large to parse whole: `usage` ends an Anthropic message; the model stays the request's.
      if (mergeAnthropicUsage(counters, objectAfterKey(this.#body.tail(), '"usage"'))) setUsage(this.usage, usageFromAnthropic(counters));
      this.responseModel = this.#input.requestModel;
      return undefined;
    }
    try {
      const json = JSON.parse(whole) as unknown;
      if (isObject(json)) {
        if (mergeAnthropicUsage(counters, json['usage'])) setUsage(this.usage, usageFromAnthropic(counters));
        this.responseModel = str(json['model']) ?? this.#input.requestModel;
      }
    } catch {
      // Not JSON: nothing to account.
    }
    return undefined;
  }
}

/** count_tokens: `{"input_tokens": N}` (Anthropic, Vertex) or Bedrock's `{"inputTokens": N}`, rewritten. */
class CountTokensScanner implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  readonly responseModel: string | undefined = undefined;
  #chunks: Buffer[] = [];

  head(): ResponseHead {
    // Always rewritten: Bedrock's shape differs, and the answer is a few bytes.
    return { contentType: 'application/json', rewritesBody: true };
  }

  push(chunk: Buffer): undefined {
    this.#chunks.push(chunk);
    return undefined;
  }

  end(): string {
    const text = Buffer.concat(this.#chunks).toString('utf8');
    this.#chunks = [];
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return text;
    }
    if (!isObject(json)) return text;
    const n = typeof json['input_tokens'] === 'number' ? json['input_tokens'] : typeof json['inputTokens'] === 'number' ? json['inputTokens'] : undefined;
    if (n === undefined) return text;
    setUsage(this.usage, { inputTokens: n, outputTokens: 0 });
    if ('input_tokens' in json) return text;
    const { inputTokens: _n, ...rest } = json;
    return JSON.stringify({ ...rest, input_tokens: n });
  }
}

/**
 * A stream of Anthropic events: SSE bytes pass through untouched while message_start and
 * message_delta are read for usage and model; Bedrock's event-stream frames are decoded and each
 * event written as Anthropic SSE (`event: <type>` + `data: <json>`).
 */
class MessageStreamScanner implements ResponseTranslator {
  readonly usage: TokenUsage = emptyUsage();
  responseModel: string | undefined;
  readonly #input: ResponseTranslationInput;
  readonly #schema: AnthropicBackendName;
  readonly #counters: AnthropicUsageCounters = emptyAnthropicCounters();
  #sse: SseParser | undefined;
  #aws: AnthropicEventReader | undefined;

  constructor(input: ResponseTranslationInput, schema: AnthropicBackendName) {
    this.#input = input;
    this.#schema = schema;
  }

  head(_status: number, headers: IncomingHttpHeaders): ResponseHead {
    const type = headers['content-type'];
    if (isAwsEventStream(type) || (type === undefined && this.#schema === 'AWSAnthropic')) {
      this.#aws = new AnthropicEventReader(true);
      return { contentType: 'text/event-stream', rewritesBody: true };
    }
    this.#sse = new SseParser();
    return { rewritesBody: false };
  }

  push(chunk: Buffer): Buffer | string {
    if (this.#aws) {
      let out = '';
      for (const e of this.#aws.push(chunk)) {
        this.#scan(e.type, e.data);
        out += formatSse(e.data, e.type);
      }
      return out;
    }
    this.#sse ??= new SseParser();
    for (const e of this.#sse.push(chunk)) this.#scan(e.event, e.data);
    return chunk;
  }

  end(): string | undefined {
    if (this.#aws) {
      let out = '';
      for (const e of this.#aws.end()) out += formatSse(e.data, e.type);
      return out;
    }
    this.#sse?.end();
    return undefined;
  }

  #scan(type: string | undefined, data: string): void {
    // Only these two carry usage and model; the SSE `event:` line says which without parsing.
    if (type !== undefined && type !== 'message_start' && type !== 'message_delta') return;
    if (type === undefined && !data.includes('"message_start"') && !data.includes('"message_delta"')) return;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return;
    }
    if (!isObject(json)) return;
    if (json['type'] === 'message_start') {
      const message: JsonObject = isObject(json['message']) ? json['message'] : {};
      this.responseModel = str(message['model']) ?? this.#input.requestModel;
      if (mergeAnthropicUsage(this.#counters, message['usage'])) setUsage(this.usage, usageFromAnthropic(this.#counters));
    } else if (json['type'] === 'message_delta') {
      if (mergeAnthropicUsage(this.#counters, json['usage'])) setUsage(this.usage, usageFromAnthropic(this.#counters));
    }
  }
}
