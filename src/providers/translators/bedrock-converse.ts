// Shared pieces of the translators towards AWS Bedrock's Converse API (openai-to-bedrock.ts,
// anthropic-to-bedrock.ts): the wire shapes, the paths, content-block builders, token usage, the
// response identity, and the ConverseStream event reader.
//
// Facts follow the AWS Bedrock API reference (bedrock-runtime 2023-09-30):
//   - Converse: `POST /model/{modelId}/converse`, ConverseStream: `POST /model/{modelId}/converse-stream`,
//     CountTokens: `POST /model/{modelId}/count-tokens` with `{input: {converse: {messages, system}}}`;
//   - ContentBlock / SystemContentBlock / ToolResultContentBlock are unions (exactly one member set);
//     blobs (image and document bytes, redacted reasoning) are base64 strings in the JSON protocol;
//   - ImageBlock formats png | jpeg | gif | webp; DocumentBlock formats pdf | csv | doc | docx | xls |
//     xlsx | html | txt | md, with a `name` of letters, digits, single spaces, hyphens, parentheses and
//     square brackets;
//   - TokenUsage {inputTokens, outputTokens, totalTokens, cacheReadInputTokens, cacheWriteInputTokens};
//   - ConverseStreamOutput: events messageStart, contentBlockStart, contentBlockDelta, contentBlockStop,
//     messageStop, metadata, and the exceptions internalServerException, modelStreamErrorException,
//     validationException, throttlingException, serviceUnavailableException. On the wire each is one
//     event-stream message whose `:event-type` (or `:exception-type`) header names the member and whose
//     payload is that member's JSON (Bedrock adds a `p` padding field, which is ignored).
import type { IncomingHttpHeaders } from 'node:http';
import { randomUUID } from 'node:crypto';
import { GatewayError } from '../../errors.ts';
import type { TokenUsage } from '../../runtime/usage.ts';
import { AwsEventStreamDecoder, headerString } from '../streaming/aws-event-stream.ts';
import type { EventStreamMessage } from '../streaming/aws-event-stream.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A finite number, else undefined. */
export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function unprocessable(message: string, param?: string): GatewayError {
  return new GatewayError('unprocessable_request', message, param === undefined ? {} : { param });
}

// ---------------------------------------------------------------------------------------------
// Request side

export interface ConverseMessage {
  role: 'user' | 'assistant';
  content: Obj[];
}

/** `{cachePoint: {type: default}}`: the prompt-cache checkpoint (Bedrock "Prompt caching", CachePointBlock). */
export function cachePoint(): Obj {
  return { cachePoint: { type: 'default' } };
}

/**
 * RFC 3986 percent-encoding of the model id for the path: ARNs and ids such as
 * `anthropic.claude-3-5-sonnet-20240620-v1:0` must be escaped (Converse "URI Request Parameters").
 */
export function escapeModelId(model: string): string {
  return encodeURIComponent(model).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/**
 * The Converse path. The backend's `prefix` and the client's query string are not used: the Bedrock
 * runtime API lives at the root of its endpoint and Converse takes no query parameters.
 */
export function conversePath(model: string, stream: boolean): string {
  return `/model/${escapeModelId(model)}/${stream ? 'converse-stream' : 'converse'}`;
}

export function countTokensPath(model: string): string {
  return `/model/${escapeModelId(model)}/count-tokens`;
}

export const CONVERSE_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json' };

const IMAGE_FORMATS: Readonly<Record<string, string>> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/jpg': 'jpeg', 'image/gif': 'gif', 'image/webp': 'webp' };

const DOCUMENT_FORMATS: Readonly<Record<string, string>> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/html': 'html',
  'text/plain': 'txt',
  'text/markdown': 'md',
};

/** An ImageBlock from base64 bytes; 422 for a media type Converse does not take. */
export function imageBlock(mediaType: string, base64: string, param: string): Obj {
  const format = IMAGE_FORMATS[mediaType.toLowerCase()];
  if (format === undefined) throw unprocessable(`AWS Bedrock Converse accepts png, jpeg, gif and webp images, not ${mediaType}`, param);
  return { image: { format, source: { bytes: base64 } } };
}

/** A DocumentBlock from base64 bytes; `name` is reduced to the characters Converse allows. */
export function documentBlock(mediaType: string, base64: string, name: string | undefined, index: number, param: string): Obj {
  const format = DOCUMENT_FORMATS[mediaType.toLowerCase()];
  if (format === undefined) throw unprocessable(`AWS Bedrock Converse does not accept documents of type ${mediaType}`, param);
  const base = (name ?? '').replace(/\.[A-Za-z0-9]{1,5}$/, '');
  const clean = base
    .replace(/[^A-Za-z0-9\s\-()[\]]/g, '-')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
  return { document: { format, name: clean || `document-${index + 1}`, source: { bytes: base64 } } };
}

/** Splits a `data:<type>;base64,<data>` URL; undefined when `url` is not a base64 data URL. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const m = /^data:([^;,]+)((?:;[^;,=]+=[^;,]*)*);base64,(.*)$/s.exec(url);
  if (!m) return undefined;
  return { mediaType: m[1]!, data: m[3]! };
}

/**
 * Consecutive messages of one role merged into one: Converse (like Anthropic's Messages API) wants
 * user and assistant turns to alternate, and tool results become user turns that may sit next to a
 * user message.
 */
export function mergeConsecutiveRoles(messages: readonly ConverseMessage[]): ConverseMessage[] {
  const out: ConverseMessage[] = [];
  for (const m of messages) {
    const last = out[out.length - 1];
    if (last && last.role === m.role) last.content = [...last.content, ...m.content];
    else out.push({ role: m.role, content: [...m.content] });
  }
  return out;
}

/** Whether any message carries toolUse or toolResult blocks (Converse then requires `toolConfig`). */
export function hasToolBlocks(messages: readonly ConverseMessage[]): boolean {
  return messages.some((m) => m.content.some((b) => 'toolUse' in b || 'toolResult' in b));
}

/** `outputConfig` for a JSON schema (Converse OutputConfig → OutputFormat → JsonSchemaDefinition; `schema` is a JSON string). */
export function jsonSchemaOutputConfig(schema: unknown, name: string | undefined, description: string | undefined): Obj {
  const def: Obj = { schema: JSON.stringify(schema ?? {}) };
  if (name !== undefined) def['name'] = name;
  if (description !== undefined) def['description'] = description;
  return { textFormat: { type: 'json_schema', structure: { jsonSchema: def } } };
}

// ---------------------------------------------------------------------------------------------
// Response side

/**
 * Bedrock TokenUsage → the gateway's TokenUsage, normalised as Envoy AI Gateway does (reference §6):
 * input = inputTokens + cacheReadInputTokens + cacheWriteInputTokens (Bedrock's `inputTokens` counts
 * only the uncached part), total = input + output. Undefined when `usage` is not an object.
 */
export function fromBedrockUsage(usage: unknown): Partial<TokenUsage> | undefined {
  if (!isObj(usage)) return undefined;
  const read = nonNegative(usage['cacheReadInputTokens']);
  const write = nonNegative(usage['cacheWriteInputTokens']);
  const input = nonNegative(usage['inputTokens']) + read + write;
  const output = nonNegative(usage['outputTokens']);
  return { inputTokens: input, outputTokens: output, totalTokens: input + output, cachedInputTokens: read, cacheCreationInputTokens: write, reasoningTokens: 0 };
}

function nonNegative(v: unknown): number {
  const n = num(v);
  return n !== undefined && n > 0 ? n : 0;
}

/** The parts of Bedrock's usage an Anthropic client sees (its `input_tokens` excludes cache reads and writes). */
export interface BedrockUsageParts {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
}

export function bedrockUsageParts(usage: unknown): BedrockUsageParts {
  const u = isObj(usage) ? usage : {};
  return { input: nonNegative(u['inputTokens']), output: nonNegative(u['outputTokens']), cacheRead: nonNegative(u['cacheReadInputTokens']), cacheWrite: nonNegative(u['cacheWriteInputTokens']) };
}

/**
 * The response id and creation time. Converse returns neither: the id is the `x-amzn-requestid`
 * header (reference §4), the time the `date` header (so every split of one answer gives the same
 * bytes); a random id and the clock are the fallbacks.
 */
export function responseIdentity(headers: IncomingHttpHeaders): { id: string; created: number } {
  const rid = headers['x-amzn-requestid'];
  const id = typeof rid === 'string' && rid.length > 0 ? rid : randomUUID();
  const date = headers['date'];
  const parsed = typeof date === 'string' ? Date.parse(date) : Number.NaN;
  const created = Math.floor((Number.isFinite(parsed) ? parsed : Date.now()) / 1000);
  return { id, created };
}

/** One decoded ConverseStream item: an event, or the failure that ends the stream. */
export type ConverseStreamItem =
  | { readonly kind: 'event'; readonly type: string; readonly body: Obj }
  | { readonly kind: 'failure'; readonly errorType: string; readonly message: string };

/**
 * Event-stream bytes → ConverseStream events. An exception or error message, a corrupt frame, an
 * unparsable payload or a stream cut inside a frame becomes one `failure`, after which nothing more
 * is read.
 */
export class ConverseStreamReader {
  readonly #decoder = new AwsEventStreamDecoder();
  #done = false;

  push(chunk: Buffer): ConverseStreamItem[] {
    if (this.#done) return [];
    const r = this.#decoder.push(chunk);
    const out: ConverseStreamItem[] = [];
    for (const m of r.messages) {
      const item = this.#item(m);
      out.push(item);
      if (item.kind === 'failure') {
        this.#done = true;
        return out;
      }
    }
    if (r.error) {
      this.#done = true;
      out.push({ kind: 'failure', errorType: 'CorruptEventStream', message: r.error.message });
    }
    return out;
  }

  end(): ConverseStreamItem[] {
    if (this.#done) return [];
    this.#done = true;
    const r = this.#decoder.end();
    return r.error ? [{ kind: 'failure', errorType: 'IncompleteEventStream', message: r.error.message }] : [];
  }

  #item(m: EventStreamMessage): ConverseStreamItem {
    const messageType = headerString(m, ':message-type') ?? 'event';
    if (messageType === 'error') {
      // Event-stream protocol errors carry their code and message in headers.
      return { kind: 'failure', errorType: headerString(m, ':error-code') ?? 'UnknownError', message: headerString(m, ':error-message') ?? '' };
    }
    let body: unknown;
    try {
      body = m.payload.length === 0 ? {} : JSON.parse(m.payload.toString('utf8'));
    } catch {
      return { kind: 'failure', errorType: 'MalformedEvent', message: 'an event payload is not JSON' };
    }
    if (messageType === 'exception') {
      const b = isObj(body) ? body : {};
      const message = typeof b['message'] === 'string' ? b['message'] : typeof b['Message'] === 'string' ? b['Message'] : '';
      return { kind: 'failure', errorType: headerString(m, ':exception-type') ?? 'UnknownException', message };
    }
    return { kind: 'event', type: headerString(m, ':event-type') ?? '', body: isObj(body) ? body : {} };
  }
}

/** Concatenates body chunks of a whole (non-stream) answer, which is parsed at the end. */
export class BodyCollector {
  #chunks: Buffer[] = [];

  add(chunk: Buffer): void {
    if (chunk.length > 0) this.#chunks.push(chunk);
  }

  /** The body parsed as a JSON object, else undefined. */
  json(): Obj | undefined {
    const text = Buffer.concat(this.#chunks).toString('utf8');
    this.#chunks = [];
    try {
      const v: unknown = JSON.parse(text);
      return isObj(v) ? v : undefined;
    } catch {
      return undefined;
    }
  }
}

/** The Converse answer's message content blocks, or undefined when it has no `output.message`. */
export function converseContent(answer: Obj): Obj[] | undefined {
  const output = answer['output'];
  const message = isObj(output) ? output['message'] : undefined;
  if (!isObj(message)) return undefined;
  const content = message['content'];
  return Array.isArray(content) ? content.filter(isObj) : [];
}
