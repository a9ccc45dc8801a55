// An in-process stand-in for Envoy AI Gateway's test upstream image
// (docker.io/envoyproxy/ai-gateway-testupstream), so manifests that deploy it run unchanged in
// standalone mode and gateway tests can script an upstream's answer through request headers.
//
// Kept from the image:
// - GET /health → 200; every response carries `testupstream-id` (the image's TESTUPSTREAM_ID env, here
//   `opts.id`).
// - Request checks, each failing with a plain-text 400: `x-expected-host` (Host header),
//   `x-expected-headers` (base64 "k:v,k:v", each must match), `x-non-expected-request-headers`
//   (base64 "k1,k2", each must be absent), `x-expected-testupstream-id`, `x-expected-path` (base64),
//   `x-expected-request-body` (base64, byte for byte).
// - Scripted answers: `x-response-status` (status code), `x-response-headers` (base64 "k:v,k:v"),
//   `x-response-body` (base64, returned verbatim as application/json), `x-response-type`:
//   `sse` → each non-empty line of the decoded body sent as `data: <line>\n\n`, one every
//   streamingIntervalMs; `aws-event-stream` → each line as an AWS event-stream message with header
//   `event-type: content`, then an `event-type: end` message; `gzip` → the body gzip-compressed.
// - Without `x-response-body`, POST /v1/chat/completions answers a random short canned sentence;
//   other paths without a scripted body are a 400.
//
// Different from the image (so SDK clients work against it):
// - The default chat answer is a complete `chat.completion` (id, object, created, model echoed from the
//   request, choices with index and finish_reason, usage), and `"stream": true` gets a
//   `chat.completion.chunk` SSE stream: role first, one chunk per word, a usage chunk when
//   `stream_options.include_usage`, then `data: [DONE]`.
// - POST /v1/completions (text_completion, streaming too), POST /v1/embeddings (pseudo-embeddings) and
//   GET /v1/models have default answers as well.
// - `x-inference-pod` carries `opts.podName` when given. The default streaming interval is 20 ms (the
//   image: 200 ms, env STREAMING_INTERVAL). Unused image features: `x-large-fake-response`,
//   `x-expected-raw-query`.

import { createServer } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { parseEmbeddingRequest, pseudoEmbedding } from './embeddings.ts';
import { encodeEventStreamMessage } from './eventstream.ts';
import { asHttpError, pathOf, readBody, sendError, sendJson } from './http-util.ts';
import {
  chatChunk,
  chatCompletion,
  embeddingList,
  modelList,
  responseId,
  SSE_DONE,
  sseData,
  textChunk,
  textCompletion,
  unixSeconds,
  usage,
  usageChunk,
} from './openai-shapes.ts';
import type { ResponseMeta } from './openai-shapes.ts';
import { countTokens, renderChatPrompt } from './tokenizer.ts';

/** Kept here for existing importers; the codec lives in eventstream.ts. */
export { encodeEventStreamMessage } from './eventstream.ts';

export interface RunningTestUpstream {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface TestUpstreamOptions {
  /** Value of the `testupstream-id` response header (the image's TESTUPSTREAM_ID). Default "". */
  id?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8080, like the image; 0 picks an ephemeral port. */
  port?: number;
  podName?: string;
  /** Pause before each streamed chunk or line. Default 20 ms. */
  streamingIntervalMs?: number;
}

/** Short answers of the default chat response; the Envoy AI Gateway walkthroughs show the first two. */
export const CANNED_ANSWERS: readonly string[] = [
  'This is a test.',
  'I am the captain of my soul.',
  'The gateway answered on time.',
  'Tokens are cheaper by the dozen.',
  'Every request finds its way home.',
  'A quiet server is a happy server.',
  'Nothing to see here, move along.',
  'The model is thinking about it.',
  'Latency is a state of mind.',
  'Hello from the test upstream.',
];

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A request check failed: answered with a plain-text 400 like the image's http.Error. */
class CheckFailed extends Error {}

function decodeBase64(value: string, what: string): Buffer {
  const s = value.trim();
  if (s.length % 4 !== 0 || !BASE64.test(s)) throw new CheckFailed(`failed to decode the ${what}`);
  return Buffer.from(s, 'base64');
}

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

/** "k:v,k:v" → pairs; a pair without ':' fails the request. */
function parsePairs(text: string): [string, string][] {
  return text.split(',').map((kv) => {
    const i = kv.indexOf(':');
    if (i < 0) throw new CheckFailed(`invalid header key-value pair ${kv}`);
    return [kv.slice(0, i), kv.slice(i + 1)];
  });
}

/** Validates the request against the x-expected-* headers (everything but the body). */
function checkRequest(req: IncomingMessage, id: string): void {
  const host = header(req, 'x-expected-host');
  if (host !== '' && header(req, 'host') !== host) {
    throw new CheckFailed(`unexpected host: got ${header(req, 'host')}, expected ${host}`);
  }
  const expected = header(req, 'x-expected-headers');
  if (expected !== '') {
    for (const [k, v] of parsePairs(decodeBase64(expected, 'expected headers').toString('utf8'))) {
      const got = header(req, k.toLowerCase());
      if (got !== v) throw new CheckFailed(`unexpected header ${k}: got ${got}, expected ${v}`);
    }
  }
  const absent = header(req, 'x-non-expected-request-headers');
  if (absent !== '') {
    for (const k of decodeBase64(absent, 'non-expected headers').toString('utf8').split(',')) {
      const got = header(req, k.toLowerCase());
      if (got !== '') throw new CheckFailed(`unexpected header ${k} presence with value ${got}`);
    }
  }
  const wantId = header(req, 'x-expected-testupstream-id');
  if (wantId !== '' && wantId !== id) {
    throw new CheckFailed(`unexpected testupstream-id: received by '${id}' but expected '${wantId}'`);
  }
  const wantPath = header(req, 'x-expected-path');
  if (wantPath !== '') {
    const p = decodeBase64(wantPath, 'expected path').toString('utf8');
    if (pathOf(req) !== p) throw new CheckFailed(`unexpected path: got ${pathOf(req)}, expected ${p}`);
  }
}

function parseJsonLenient(body: Buffer): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export async function startTestUpstream(opts: TestUpstreamOptions = {}): Promise<RunningTestUpstream> {
  const id = opts.id ?? '';
  const host = opts.host ?? '127.0.0.1';
  const intervalMs = opts.streamingIntervalMs ?? 20;
  const closing = new AbortController();

  async function pause(): Promise<void> {
    if (intervalMs > 0) await sleep(intervalMs, undefined, { signal: closing.signal });
  }

  /** Writes SSE events with the streaming interval before each; stops quietly when the client leaves. */
  async function writeEvents(res: ServerResponse, events: string[]): Promise<void> {
    for (const e of events) {
      await pause();
      if (res.destroyed) return;
      res.write(e);
    }
    res.end();
  }

  async function defaultAnswer(req: IncomingMessage, res: ServerResponse, body: Buffer, status: number, headers: OutgoingHttpHeaders): Promise<void> {
    const path = pathOf(req);
    const b = parseJsonLenient(body);
    const model = typeof b['model'] === 'string' ? b['model'] : 'test-model';
    const stream = b['stream'] === true;
    const includeUsage = (b['stream_options'] as { include_usage?: unknown } | undefined)?.include_usage === true;
    const answer = CANNED_ANSWERS[Math.floor(Math.random() * CANNED_ANSWERS.length)] as string;
    const words = answer.split(' ').map((w, i) => (i === 0 ? w : ' ' + w));

    if (path === '/v1/chat/completions' || path === '/v1/completions') {
      const chat = path === '/v1/chat/completions';
      const promptTokens = chat
        ? countTokens(renderChatPrompt(Array.isArray(b['messages']) ? (b['messages'] as object[]) : []))
        : countTokens(typeof b['prompt'] === 'string' ? b['prompt'] : JSON.stringify(b['prompt'] ?? ''));
      const u = usage(promptTokens, words.length);
      const meta: ResponseMeta = { id: responseId(chat ? 'chatcmpl' : 'cmpl'), created: unixSeconds(), model };
      if (!stream) {
        const full = chat ? chatCompletion(meta, answer, 'stop', u) : textCompletion(meta, answer, 'stop', u);
        return sendJson(res, status, full, headers);
      }
      const events = words.map((w, i) => {
        const finish = i === words.length - 1 ? 'stop' : null;
        return sseData(chat ? chatChunk(meta, i === 0 ? { role: 'assistant', content: w } : { content: w }, finish) : textChunk(meta, w, finish));
      });
      if (includeUsage) events.push(sseData(usageChunk(chat ? 'chat' : 'text', meta, u)));
      events.push(SSE_DONE);
      res.writeHead(status, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      return writeEvents(res, events);
    }
    if (path === '/v1/embeddings') {
      const e = parseEmbeddingRequest(b, 16);
      const vectors = e.inputs.map((t) => pseudoEmbedding(t, e.dimensions));
      return sendJson(res, status, embeddingList(e.model ?? model, vectors, e.encoding, e.promptTokens), headers);
    }
    if (path === '/v1/models') {
      const created = unixSeconds();
      return sendJson(res, status, modelList([{ id: 'test-model', object: 'model', created, owned_by: 'testupstream', root: 'test-model', parent: null }]), headers);
    }
    throw new CheckFailed(`failed to get the fake response: unknown path ${path}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (pathOf(req) === '/health') {
      res.writeHead(200, { 'content-length': 0 }).end();
      return;
    }
    checkRequest(req, id);
    const body = await readBody(req, MAX_BODY_BYTES);
    const expectedBody = header(req, 'x-expected-request-body');
    if (expectedBody !== '') {
      const want = decodeBase64(expectedBody, 'expected request body');
      if (!want.equals(body)) throw new CheckFailed(`unexpected request body: got ${body.toString('utf8')}, expected ${want.toString('utf8')}`);
    }
    const headers: OutgoingHttpHeaders = {};
    const responseHeaders = header(req, 'x-response-headers');
    if (responseHeaders !== '') {
      for (const [k, v] of parsePairs(decodeBase64(responseHeaders, 'response headers').toString('utf8'))) headers[k.toLowerCase()] = v;
    }
    headers['testupstream-id'] = id;
    if (opts.podName !== undefined) headers['x-inference-pod'] = opts.podName;

    let status = 200;
    const statusText = header(req, 'x-response-status');
    if (statusText !== '') {
      status = Number(statusText);
      if (!/^\d{3}$/.test(statusText.trim()) || status < 100 || status > 599) throw new CheckFailed('failed to parse the response status');
    }

    const type = header(req, 'x-response-type');
    const scripted = header(req, 'x-response-body');
    if (type === 'sse' || type === 'aws-event-stream') {
      const lines = decodeBase64(scripted, 'response body').toString('utf8').split('\n').filter((l) => l !== '');
      if (type === 'sse') {
        res.writeHead(status, { ...headers, 'content-type': 'text/event-stream' });
        return writeEvents(res, lines.map((l) => `data: ${l}\n\n`));
      }
      res.writeHead(status, { ...headers, 'content-type': 'application/vnd.amazon.eventstream' });
      for (const l of lines) {
        await pause();
        if (res.destroyed) return;
        res.write(encodeEventStreamMessage({ 'event-type': 'content' }, Buffer.from(l, 'utf8')));
      }
      res.end(encodeEventStreamMessage({ 'event-type': 'end' }, Buffer.from('this-is-end', 'utf8')));
      return;
    }
    if (scripted === '') {
      if (type === 'gzip') throw new CheckFailed('x-response-type gzip needs x-response-body');
      return defaultAnswer(req, res, body, status, headers);
    }
    let out = decodeBase64(scripted, 'response body');
    if (type === 'gzip') {
      out = gzipSync(out);
      headers['content-encoding'] = 'gzip';
    }
    res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': out.length }).end(out);
  }

  const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000 }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (closing.signal.aborted || res.destroyed) return;
      if (err instanceof CheckFailed) {
        if (res.headersSent) return void res.destroy();
        const text = `${err.message}\n`;
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
        return;
      }
      sendError(res, asHttpError(err));
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
