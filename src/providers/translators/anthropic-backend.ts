// Where and how an Anthropic Messages request goes for each backend that speaks it, and how its
// answer's events are read back, shared by openai-to-anthropic and anthropic-to-anthropic:
//   - Anthropic: `${prefix}/messages` (`/messages/count_tokens`), header `anthropic-version`, body as
//     Anthropic documents it (API reference "Messages", "Count Message tokens");
//   - GCPAnthropic (Vertex AI "Use Claude models", "Count tokens for Claude models"):
//     `publishers/anthropic/models/{model}:rawPredict` or `:streamRawPredict`,
//     `publishers/anthropic/models/count-tokens:rawPredict`; the model is in the path, the body
//     carries `anthropic_version` instead of `model`. The GCP auth step prefixes
//     `/v1/projects/{p}/locations/{r}/`, so the path here starts at `publishers/`;
//   - AWSAnthropic (Bedrock "InvokeModel", "InvokeModelWithResponseStream", "CountTokens", and the
//     Anthropic Claude Messages API parameters page): `/model/{modelId}/invoke`,
//     `/invoke-with-response-stream`, `/count-tokens`; body `anthropic_version` and neither `model`
//     nor `stream` (the path says both). Streams arrive as AWS event-stream frames (`:message-type`
//     event, `:event-type` chunk) whose payload is `{"bytes":"<base64 Anthropic event JSON>"}`;
//     errors inside the stream are `:message-type` exception frames (`:exception-type`).
import { EventStreamCodec } from '@smithy/eventstream-codec';
import type { Message } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { GatewayError } from '../../errors.ts';
import type { BackendSchema, BackendSchemaName } from '../../runtime/translator.ts';
import { SseParser } from '../streaming/sse.ts';
import { ANTHROPIC_API_VERSION, BEDROCK_ANTHROPIC_VERSION, VERTEX_ANTHROPIC_VERSION, isObject, str } from './anthropic-shapes.ts';
import type { JsonObject } from './anthropic-shapes.ts';

export type AnthropicBackendName = 'Anthropic' | 'GCPAnthropic' | 'AWSAnthropic';
export type AnthropicOperation = 'messages' | 'count_tokens';

export function isAnthropicBackend(name: BackendSchemaName): name is AnthropicBackendName {
  return name === 'Anthropic' || name === 'GCPAnthropic' || name === 'AWSAnthropic';
}

function anthropicBackendName(backend: BackendSchema): AnthropicBackendName {
  if (!isAnthropicBackend(backend.name)) throw new GatewayError('invalid_backend', `backend schema ${backend.name} does not speak the Anthropic Messages API`);
  return backend.name;
}

/** A Vertex model id in a path segment: `claude-sonnet-4@20250514` keeps its `@`. */
function vertexModelSegment(model: string): string {
  return encodeURIComponent(model).replace(/%40/g, '@');
}

/**
 * Upstream path and headers. `query` (without `?`) is only kept for Anthropic itself: Vertex and
 * Bedrock have their own query vocabulary, and an Anthropic client's `?beta=true` means nothing there.
 */
export function anthropicTarget(backend: BackendSchema, operation: AnthropicOperation, model: string, stream: boolean, query: string): { path: string; headers: Record<string, string> } {
  switch (anthropicBackendName(backend)) {
    case 'Anthropic': {
      const path = backend.prefix + (operation === 'count_tokens' ? '/messages/count_tokens' : '/messages') + (query ? '?' + query : '');
      return { path, headers: { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_API_VERSION } };
    }
    case 'GCPAnthropic': {
      const path = operation === 'count_tokens' ? 'publishers/anthropic/models/count-tokens:rawPredict' : `publishers/anthropic/models/${vertexModelSegment(model)}:${stream ? 'streamRawPredict' : 'rawPredict'}`;
      return { path, headers: { 'content-type': 'application/json' } };
    }
    case 'AWSAnthropic': {
      const id = encodeURIComponent(model);
      if (operation === 'count_tokens') return { path: `/model/${id}/count-tokens`, headers: { 'content-type': 'application/json', accept: 'application/json' } };
      if (stream) return { path: `/model/${id}/invoke-with-response-stream`, headers: { 'content-type': 'application/json', accept: 'application/vnd.amazon.eventstream', 'x-amzn-bedrock-accept': 'application/json' } };
      return { path: `/model/${id}/invoke`, headers: { 'content-type': 'application/json', accept: 'application/json' } };
    }
  }
}

/**
 * The Anthropic body as the backend wants it. `body` is a fresh object the caller owns (it is not
 * mutated here either). Bedrock's count-tokens wraps the InvokeModel body, base64-encoded, in
 * `{input:{invokeModel:{body}}}`; that body needs `max_tokens`, which count_tokens requests do not
 * carry, so 1 is sent when absent (it does not change the input count).
 */
export function anthropicBackendBody(backend: BackendSchema, operation: AnthropicOperation, body: JsonObject, model: string): JsonObject {
  const name = anthropicBackendName(backend);
  if (name === 'Anthropic' || (name === 'GCPAnthropic' && operation === 'count_tokens')) return { ...body, model };
  const { model: _model, stream: _stream, anthropic_version: _version, ...rest } = body;
  if (name === 'GCPAnthropic') return { anthropic_version: backend.version ?? VERTEX_ANTHROPIC_VERSION, ...rest, ...(body['stream'] === true ? { stream: true } : {}) };
  const invoke: JsonObject = { anthropic_version: backend.version ?? BEDROCK_ANTHROPIC_VERSION, ...rest };
  if (operation === 'messages') return invoke;
  if (invoke['max_tokens'] === undefined) invoke['max_tokens'] = 1;
  return { input: { invokeModel: { body: Buffer.from(JSON.stringify(invoke)).toString('base64') } } };
}

// ---------------------------------------------------------------------------------------------
// Reading Anthropic stream events from SSE or AWS event-stream frames

/** One Anthropic stream event: its type and its JSON text (unparsed; most are passed on or parsed once). */
export interface AnthropicEvent {
  readonly type: string;
  readonly data: string;
}

/** Whether a response head says the body is AWS event-stream framing. */
export function isAwsEventStream(contentType: unknown): boolean {
  return typeof contentType === 'string' && contentType.toLowerCase().includes('application/vnd.amazon.eventstream');
}

/** An Anthropic `error` event (the shape Anthropic streams mid-response). */
export function anthropicErrorEvent(type: string, message: string): AnthropicEvent {
  return { type: 'error', data: JSON.stringify({ type: 'error', error: { type, message } }) };
}

/** Smallest frame: 12-byte prelude + 4-byte message CRC. Largest: 16 MiB (AWS event-stream limit). */
const MIN_FRAME = 16;
const MAX_FRAME = 16 << 20;

/**
 * AWS event-stream frames out of arbitrary chunks: partial frames stay buffered across pushes;
 * each complete frame is checked (CRCs) and decoded by @smithy/eventstream-codec. A corrupt frame
 * stops the decoder (the byte stream cannot be re-synchronised) and is reported once.
 */
export class AwsEventStreamDecoder {
  readonly #codec = new EventStreamCodec(toUtf8, fromUtf8);
  #buf: Buffer = Buffer.alloc(0);
  #failed = false;

  /** Complete frames in this chunk, and a decode error message when the stream turned corrupt. */
  push(chunk: Buffer): { messages: Message[]; error?: string } {
    const messages: Message[] = [];
    if (this.#failed) return { messages };
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    while (this.#buf.length >= 4) {
      const total = this.#buf.readUInt32BE(0);
      if (total < MIN_FRAME || total > MAX_FRAME) return this.#fail(messages, `invalid event-stream frame length ${total}`);
      if (this.#buf.length < total) break;
      try {
        messages.push(this.#codec.decode(this.#buf.subarray(0, total)));
      } catch (err) {
        return this.#fail(messages, err instanceof Error ? err.message : String(err));
      }
      this.#buf = this.#buf.subarray(total);
    }
    // Keep the partial frame in a buffer of its own, not a view that pins the whole chunk.
    if (this.#buf.length > 0 && this.#buf.byteOffset !== 0) this.#buf = Buffer.from(this.#buf);
    return { messages };
  }

  /** Bytes of a frame that never completed. */
  get pending(): number {
    return this.#failed ? 0 : this.#buf.length;
  }

  #fail(messages: Message[], error: string): { messages: Message[]; error: string } {
    this.#failed = true;
    this.#buf = Buffer.alloc(0);
    return { messages, error };
  }
}

function headerString(m: Message, name: string): string | undefined {
  const h = m.headers[name];
  return h !== undefined && h.type === 'string' ? h.value : undefined;
}

/** Anthropic error type for a Bedrock stream exception (Bedrock InvokeModelWithResponseStream errors). */
function anthropicTypeOfAwsException(awsType: string): string {
  switch (awsType.charAt(0).toLowerCase() + awsType.slice(1)) {
    case 'throttlingException':
      return 'rate_limit_error';
    case 'serviceUnavailableException':
      return 'overloaded_error';
    case 'validationException':
      return 'invalid_request_error';
    case 'modelTimeoutException':
      return 'timeout_error';
    case 'accessDeniedException':
      return 'permission_error';
    case 'resourceNotFoundException':
      return 'not_found_error';
    default:
      return 'api_error';
  }
}

/** One decoded Bedrock frame → the Anthropic event it carries (undefined for frames without one). */
export function anthropicEventOfAwsMessage(m: Message): AnthropicEvent | undefined {
  const kind = headerString(m, ':message-type') ?? 'event';
  const body = Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength).toString('utf8');
  if (kind === 'event') {
    if ((headerString(m, ':event-type') ?? 'chunk') !== 'chunk') return undefined;
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return anthropicErrorEvent('api_error', 'the backend sent an event-stream chunk that is not JSON');
    }
    const bytes = isObject(payload) ? str(payload['bytes']) : undefined;
    if (bytes === undefined) return undefined;
    const data = Buffer.from(bytes, 'base64').toString('utf8');
    let type: string | undefined;
    try {
      const json = JSON.parse(data) as unknown;
      type = isObject(json) ? str(json['type']) : undefined;
    } catch {
      return anthropicErrorEvent('api_error', 'the backend sent an Anthropic event that is not JSON');
    }
    return type === undefined ? undefined : { type, data };
  }
  if (kind === 'exception') {
    const awsType = headerString(m, ':exception-type') ?? 'exception';
    let message = body;
    try {
      const j = JSON.parse(body) as unknown;
      if (isObject(j)) message = str(j['message']) ?? str(j['Message']) ?? body;
    } catch {
      // plain text
    }
    return anthropicErrorEvent(anthropicTypeOfAwsException(awsType), `${awsType}: ${message}`);
  }
  // `:message-type: error` frames carry the error in headers.
  const code = headerString(m, ':error-code') ?? 'error';
  return anthropicErrorEvent(anthropicTypeOfAwsException(code), `${code}: ${headerString(m, ':error-message') ?? body}`);
}

/**
 * Anthropic stream events out of upstream chunks, from SSE (Anthropic, Vertex) or AWS event-stream
 * frames (Bedrock), with the same split-anywhere guarantee as the SSE parser.
 */
export class AnthropicEventReader {
  readonly #sse: SseParser | undefined;
  readonly #aws: AwsEventStreamDecoder | undefined;

  constructor(aws: boolean) {
    if (aws) this.#aws = new AwsEventStreamDecoder();
    else this.#sse = new SseParser();
  }

  get aws(): boolean {
    return this.#aws !== undefined;
  }

  push(chunk: Buffer): AnthropicEvent[] {
    const out: AnthropicEvent[] = [];
    if (this.#sse) {
      for (const e of this.#sse.push(chunk)) {
        const type = e.event ?? typeOfData(e.data);
        if (type !== undefined) out.push({ type, data: e.data });
      }
      return out;
    }
    const r = this.#aws!.push(chunk);
    for (const m of r.messages) {
      const e = anthropicEventOfAwsMessage(m);
      if (e) out.push(e);
    }
    if (r.error !== undefined) out.push(anthropicErrorEvent('api_error', `the backend's event stream is corrupt: ${r.error}`));
    return out;
  }

  /** The upstream body ended: a frame cut short is reported as an error event. */
  end(): AnthropicEvent[] {
    if (this.#sse) {
      this.#sse.end();
      return [];
    }
    const pending = this.#aws!.pending;
    return pending > 0 ? [anthropicErrorEvent('api_error', `the backend's event stream ended inside a frame (${pending} bytes)`)] : [];
  }
}

/** The `type` of an SSE event sent without an `event:` line. */
function typeOfData(data: string): string | undefined {
  try {
    const j = JSON.parse(data) as unknown;
    return isObject(j) ? str(j['type']) : undefined;
  } catch {
    return undefined;
  }
}
