// Test support for the Anthropic translators' tests (not used by the gateway): fixture loading,
// Bedrock event-stream framing of an Anthropic SSE fixture, and a loopback HTTP server that answers
// with a translator's client bytes so the official SDKs can parse them.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { Translator } from '../../runtime/translator.ts';
import { SseParser } from '../streaming/sse.ts';
import type { JsonObject } from './anthropic-shapes.ts';

const DIR = new URL('./fixtures/anthropic/', import.meta.url);

export function fixture(name: string): string {
  return readFileSync(new URL(name, DIR), 'utf8');
}

export function fixtureJson<T = JsonObject>(name: string): T {
  return JSON.parse(fixture(name)) as T;
}

/** The events of an SSE text as `{event?, data}` with JSON data parsed (the suite's client view). */
export function sseView(text: string): { event?: string; data: unknown }[] {
  const p = new SseParser();
  return [...p.push(Buffer.from(text)), ...p.push(Buffer.from('\n\n'))].map((e) => {
    let data: unknown = e.data;
    try {
      data = JSON.parse(e.data);
    } catch {
      // keep the text
    }
    return e.event === undefined ? { data } : { event: e.event, data };
  });
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const str = (value: string) => ({ type: 'string' as const, value });

/**
 * An Anthropic SSE fixture as Bedrock InvokeModelWithResponseStream sends it: one `chunk` event
 * frame per event, payload `{"bytes":"<base64 event JSON>","p":"<padding>"}`.
 */
export function bedrockEventStream(sseText: string): Buffer {
  const p = new SseParser();
  const frames = p.push(Buffer.from(sseText)).map((e, i) => bedrockChunkFrame(e.data, 'abcdefghijklmnopqrstuvwxyz'.slice(0, i % 26)));
  return Buffer.concat(frames);
}

export function bedrockChunkFrame(eventJson: string, padding = ''): Buffer {
  const body = JSON.stringify({ bytes: Buffer.from(eventJson).toString('base64'), p: padding });
  return Buffer.from(codec.encode({ headers: { ':event-type': str('chunk'), ':content-type': str('application/json'), ':message-type': str('event') }, body: fromUtf8(body) }));
}

/** A Bedrock stream exception frame (`:message-type: exception`). */
export function bedrockExceptionFrame(type: string, message: string): Buffer {
  return Buffer.from(codec.encode({ headers: { ':exception-type': str(type), ':content-type': str('application/json'), ':message-type': str('exception') }, body: fromUtf8(JSON.stringify({ message })) }));
}

/** What the loopback server answers with: the upstream status, headers and body, in chunks. */
export interface CannedUpstream {
  readonly headers: Record<string, string>;
  readonly chunks: readonly Buffer[];
  readonly stream: boolean;
  readonly model: string;
  readonly hideUsageChunk?: boolean;
  readonly operation?: 'chat' | 'messages' | 'count_tokens';
}

/**
 * A loopback HTTP server standing in for the gateway: every POST gets `canned()` translated by
 * `translator`'s response side, chunk by chunk, as a client of the gateway would receive it. Calls
 * `fn` with the base URL and closes the server afterwards.
 */
export async function withTranslatingServer<T>(translator: Translator, canned: (req: IncomingMessage, body: JsonObject) => CannedUpstream, fn: (baseURL: string) => Promise<T>): Promise<T> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as JsonObject;
      const up = canned(req, body);
      const rt = translator.response({ operation: up.operation ?? 'chat', stream: up.stream, requestModel: up.model, hideUsageChunk: up.hideUsageChunk ?? false });
      const head = rt.head(200, up.headers);
      res.writeHead(200, { 'content-type': head.contentType ?? up.headers['content-type'] ?? 'application/json' });
      for (const c of up.chunks) {
        const out = rt.push(c);
        if (out !== undefined && out.length > 0) res.write(out);
      }
      const tail = rt.end();
      res.end(tail ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await fn(`http://127.0.0.1:${port}`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** `buf` cut into pieces of `size` bytes (a small size splits frames, lines and UTF-8 sequences). */
export function pieces(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}
