// The translator contract (DESIGN.md §2): one translator per (client schema, backend schema) pair,
// chosen by an exhaustive switch (providers/select.ts). A translator has three parts:
//   - request(): a pure function from the client's parsed request to the upstream path, headers and
//     body for one backend. It runs again on every attempt, so failover to another backend
//     re-translates (and the auth step re-signs) for that backend;
//   - response(): a small per-attempt object that consumes the upstream body chunk by chunk and
//     returns the bytes the client gets, keeping cumulative token usage and the response model. It
//     must never buffer a whole stream, and a chunk boundary anywhere (mid-frame, mid-line, inside a
//     UTF-8 sequence) must not change what the client receives;
//   - error(): a non-2xx upstream answer in the client's error shape.
// Translators see identity-encoded bodies: on AI routes the gateway asks upstreams for
// `accept-encoding: identity`.
import type { IncomingHttpHeaders } from 'node:http';
import type { TokenUsage } from './usage.ts';

/** The API a client speaks on an AI route, known from the endpoint path it calls. */
export type ClientSchema = 'OpenAI' | 'Anthropic' | 'Gemini';

/** The API a backend speaks (`AIServiceBackend.spec.schema.name`). */
export type BackendSchemaName = 'OpenAI' | 'AzureOpenAI' | 'Anthropic' | 'AWSBedrock' | 'GCPVertexAI' | 'GCPAnthropic' | 'AWSAnthropic';

export const BACKEND_SCHEMA_NAMES: readonly BackendSchemaName[] = ['OpenAI', 'AzureOpenAI', 'Anthropic', 'AWSBedrock', 'GCPVertexAI', 'GCPAnthropic', 'AWSAnthropic'];

export interface BackendSchema {
  readonly name: BackendSchemaName;
  /**
   * Path prefix the backend's API lives under, normalised to '' or '/segment…' without a trailing
   * slash: OpenAI `/v1` by default (`schema.prefix`); Anthropic `/v1`.
   */
  readonly prefix: string;
  /** `schema.version`: Azure's `api-version`; `anthropic_version` for AWSAnthropic / GCPAnthropic. */
  readonly version?: string | undefined;
}

/**
 * What the client asked for, from the endpoint it called:
 * - `chat`: OpenAI `POST /v1/chat/completions`;  `completions`: `POST /v1/completions`;
 * - `embeddings`: OpenAI `POST /v1/embeddings`;  `responses`: OpenAI `POST /v1/responses`;
 * - `messages`: Anthropic `POST /v1/messages` (also `/anthropic/v1/messages`);
 * - `count_tokens`: Anthropic `POST …/messages/count_tokens`;
 * - `generate`: Gemini `POST /v1beta/models/{model}:generateContent` or `:streamGenerateContent`.
 */
export type Operation = 'chat' | 'completions' | 'embeddings' | 'responses' | 'messages' | 'count_tokens' | 'generate';

export interface RequestTranslationInput {
  readonly operation: Operation;
  /** The client's parsed JSON body. Translators never mutate it (it is reused on every attempt). */
  readonly body: Readonly<Record<string, unknown>>;
  /** The client's body bytes, so a pass-through can send them unchanged without re-serialising. */
  readonly raw: Buffer;
  /** The model to ask the backend for (the client's, or the backendRef's `modelNameOverride`). */
  readonly model: string;
  /** Whether `model` differs from the model the client named (a pass-through must then rewrite it). */
  readonly modelChanged: boolean;
  readonly stream: boolean;
  readonly backend: BackendSchema;
  /**
   * Token accounting needs the backend to report usage on streams: an OpenAI-schema request sets
   * `stream_options.include_usage` (reference §6); the response side then hides the usage-only
   * chunk from a client that did not ask for it.
   */
  readonly wantUsage: boolean;
  /** The client's query string without `?` ('' when none). */
  readonly query: string;
  /** The client's request headers (e.g. `anthropic-version`, `anthropic-beta` a pass-through keeps). */
  readonly headers?: Readonly<Record<string, string | string[] | undefined>> | undefined;
}

export interface TranslatedRequest {
  /** Upstream path including any query string (the auth step may still prefix it, e.g. Vertex). */
  readonly path: string;
  readonly body: Buffer;
  /** Headers to set on the upstream request (content-type, anthropic-version, accept …). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface ResponseTranslationInput {
  readonly operation: Operation;
  readonly stream: boolean;
  /** The model sent upstream: the response model when the provider reports none (Bedrock, Vertex). */
  readonly requestModel: string;
  /** The client did not ask for the usage-only chunk (OpenAI `stream_options.include_usage`): do not send it. */
  readonly hideUsageChunk: boolean;
  /** The client's parsed body (e.g. embeddings' `encoding_format` shapes the answer). */
  readonly body?: Readonly<Record<string, unknown>> | undefined;
  /** The client's query string without `?` (e.g. Gemini's `alt=sse`). */
  readonly query?: string | undefined;
}

export interface ResponseHead {
  /** Content type the client gets; undefined keeps the upstream's. */
  readonly contentType?: string | undefined;
  /** The body changes, so upstream `content-length` / `content-encoding` must not be forwarded. */
  readonly rewritesBody: boolean;
}

/**
 * Per attempt, created after the upstream's 2xx response head. Not shared between requests; all
 * calls are synchronous and in order: head, push*, end.
 */
export interface ResponseTranslator {
  head(status: number, headers: IncomingHttpHeaders): ResponseHead;
  /** One chunk of the upstream body → what to write to the client now (undefined or '' for nothing). */
  push(chunk: Buffer): Buffer | string | undefined;
  /** The upstream body ended → the last bytes for the client (a stream's terminator, a whole JSON body). */
  end(): Buffer | string | undefined;
  /** Cumulative token usage reported so far. */
  readonly usage: TokenUsage;
  /** The model the provider says answered (else the request model once known). */
  readonly responseModel: string | undefined;
}

/** A non-2xx upstream answer, rewritten for the client. */
export interface TranslatedError {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** Headers the client must see (e.g. `retry-after` from a provider's 429). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

export interface Translator {
  /** `<client>-to-<backend>` in kebab case, e.g. `openai-to-anthropic`: for logs and span attributes. */
  readonly name: string;
  /** Pure. Throws GatewayError `unprocessable_request` (422) when the request cannot be expressed. */
  request(input: RequestTranslationInput): TranslatedRequest;
  response(input: ResponseTranslationInput): ResponseTranslator;
  /** `body` is at most the first 64 KiB of the upstream's error body. */
  error(status: number, headers: IncomingHttpHeaders, body: Buffer): TranslatedError;
}
