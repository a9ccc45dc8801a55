// Anthropic Claude on Amazon Bedrock through InvokeModel (POST /model/{modelId}/invoke) and
// InvokeModelWithResponseStream (POST /model/{modelId}/invoke-with-response-stream), beside the
// Converse paths (bedrock.ts). Shapes follow the Amazon Bedrock user guide ("Anthropic Claude
// Messages API" inference parameters) and API reference (InvokeModel, InvokeModelWithResponseStream,
// PayloadPart).
//
// Request: an Anthropic Messages body (anthropic.ts) without `model` (the path names it) and with
// `anthropic_version: "bedrock-2023-05-31"`; a body without it is refused as Bedrock refuses it (400
// ValidationException "Malformed input request: #: required key [anthropic_version] not found, …"),
// and so is one carrying `model` or `stream` ("#: extraneous key [model] is not permitted, …"): the
// Messages API fields Bedrock moves into the path. Only Anthropic bodies are served (no Titan,
// Llama, … formats).
//
// Answer: the Anthropic message JSON (ids `msg_bdrk_…`), with headers
// x-amzn-bedrock-input-token-count, x-amzn-bedrock-output-token-count and
// x-amzn-bedrock-invocation-latency. Stream: application/vnd.amazon.eventstream messages with
// `:event-type: chunk`, each payload `{"bytes": "<base64 of one Anthropic stream event's JSON>"}`;
// the message_stop event carries `amazon-bedrock-invocationMetrics` {inputTokenCount,
// outputTokenCount, invocationLatency, firstByteLatency}. Errors: Bedrock's ({"message"} with
// x-amzn-errortype).

import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { anthropicDialectFor, parseAnthropicRequest } from './anthropic.ts';
import { sendBedrockError } from './bedrock.ts';
import type { Chunk, Dialect, UsageCounts } from './dialect.ts';
import { encodeEventStreamMessage } from './eventstream.ts';
import { badRequest } from './http-util.ts';
import type { GenerationRequest } from './requests.ts';

export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

export function parseInvokeRequest(body: unknown, modelId: string, stream: boolean): GenerationRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('anthropic_version' in body)) {
    throw badRequest('Malformed input request: #: required key [anthropic_version] not found, please reformat your input and try again.');
  }
  for (const key of ['model', 'stream']) {
    if (key in body) throw badRequest(`Malformed input request: #: extraneous key [${key}] is not permitted, please reformat your input and try again.`);
  }
  if ((body as Record<string, unknown>)['anthropic_version'] !== BEDROCK_ANTHROPIC_VERSION) {
    throw badRequest(`Malformed input request: anthropic_version: expected '${BEDROCK_ANTHROPIC_VERSION}', please reformat your input and try again.`);
  }
  return parseAnthropicRequest(body, { model: modelId, version: BEDROCK_ANTHROPIC_VERSION, stream });
}

/** Splits Anthropic SSE text into the JSON of each event (the `data:` lines). */
function sseEvents(chunk: Chunk | undefined): Record<string, unknown>[] {
  if (chunk === undefined || chunk.length === 0) return [];
  const out: Record<string, unknown>[] = [];
  for (const block of chunk.toString().split('\n\n')) {
    const data = block.split('\n').find((l) => l.startsWith('data: '));
    if (data) out.push(JSON.parse(data.slice(6)) as Record<string, unknown>);
  }
  return out;
}

function frames(events: Record<string, unknown>[]): Buffer | undefined {
  if (events.length === 0) return undefined;
  return Buffer.concat(
    events.map((e) =>
      encodeEventStreamMessage(
        { ':event-type': 'chunk', ':content-type': 'application/json', ':message-type': 'event' },
        Buffer.from(JSON.stringify({ bytes: Buffer.from(JSON.stringify(e), 'utf8').toString('base64') }), 'utf8'),
      ),
    ),
  );
}

/** One dialect per request: the Messages dialect re-framed for Bedrock (it remembers when the stream opened). */
export function bedrockInvokeDialect(): Dialect {
  const inner = anthropicDialectFor('msg_bdrk');
  let openedAt = 0;
  const metrics = (u: UsageCounts): object => {
    const latency = Math.round(u.latencyMs);
    return {
      inputTokenCount: u.promptTokens,
      outputTokenCount: u.completionTokens,
      invocationLatency: latency,
      firstByteLatency: Math.max(0, Math.round(u.latencyMs - (performance.now() - openedAt))),
    };
  };
  return {
    name: 'anthropic',
    newId: inner.newId,
    headers: () => ({ 'x-amzn-requestid': randomUUID() }),
    sendError: (res, err, headers = {}) => sendBedrockError(res, err, headers as Record<string, string | number>),
    body: inner.body,
    bodyHeaders: (u) => ({
      'x-amzn-bedrock-input-token-count': String(u.promptTokens),
      'x-amzn-bedrock-output-token-count': String(u.completionTokens),
      'x-amzn-bedrock-invocation-latency': String(Math.round(u.latencyMs)),
    }),
    streamContentType: 'application/vnd.amazon.eventstream',
    streamOpen: (meta, p) => {
      openedAt = performance.now();
      return frames(sseEvents(inner.streamOpen(meta, p)).filter((e) => e['type'] !== 'ping'));
    },
    streamToken: (meta, choice, i, text, last, tool) => frames(sseEvents(inner.streamToken(meta, choice, i, text, last, tool))),
    streamClose: (meta, choices, u, includeUsage) =>
      frames(
        sseEvents(inner.streamClose(meta, choices, u, includeUsage)).map((e) =>
          e['type'] === 'message_stop' ? { ...e, 'amazon-bedrock-invocationMetrics': metrics(u) } : e,
        ),
      ) ?? Buffer.alloc(0),
  };
}
