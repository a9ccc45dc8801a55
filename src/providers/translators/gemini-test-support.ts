// Test support for the Gemini and Azure translator tests: fixtures, SSE framing, and a loopback
// server that answers an official SDK with a translator's output, so the SDK is the judge of the
// bytes a client receives.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import type { ResponseTranslationInput, Translator } from '../../runtime/translator.ts';
import type { TokenUsage } from '../../runtime/usage.ts';

/** A fixture's text, from `fixtures/` beside this file. */
export function fixtureText(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

/** A JSON fixture, parsed. */
export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

/** Events as an SSE body, each `data: <json>` followed by `delimiter` (Google uses `\r\n\r\n`). */
export function sseWire(events: readonly unknown[], delimiter = '\n\n'): string {
  return events.map((e) => `data: ${typeof e === 'string' ? e : JSON.stringify(e)}${delimiter}`).join('');
}

/** The upstream answer run through `translator.response()` at once. */
export function translate(
  translator: Translator,
  input: ResponseTranslationInput,
  upstream: { status?: number; headers?: Record<string, string>; body: string | Buffer },
): { contentType: string | undefined; body: Buffer; usage: TokenUsage; model: string | undefined } {
  const rt = translator.response(input);
  const head = rt.head(upstream.status ?? 200, upstream.headers ?? {});
  const parts: Buffer[] = [];
  const add = (x: Buffer | string | undefined) => {
    if (x !== undefined && x.length > 0) parts.push(typeof x === 'string' ? Buffer.from(x) : x);
  };
  add(rt.push(typeof upstream.body === 'string' ? Buffer.from(upstream.body) : upstream.body));
  add(rt.end());
  return { contentType: head.contentType, body: Buffer.concat(parts), usage: { ...rt.usage }, model: rt.responseModel };
}

export interface Exchange {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

/**
 * Serves on 127.0.0.1:0 until `fn` settles. `answer` gets each request (method, URL, parsed body) and
 * writes the response; every exchange is recorded for assertions.
 */
export async function withServer(answer: (x: Exchange, res: ServerResponse) => void, fn: (baseUrl: string, seen: Exchange[]) => Promise<void>): Promise<void> {
  const seen: Exchange[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const x: Exchange = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(x);
      try {
        answer(x, res);
      } catch (err) {
        res.writeHead(599, { 'content-type': 'text/plain' }).end(String(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await fn(`http://127.0.0.1:${port}`, seen);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Writes a translated answer: status, content type, and the body in a few pieces. */
export function writeTranslated(res: ServerResponse, status: number, contentType: string | undefined, body: Buffer): void {
  res.writeHead(status, { 'content-type': contentType ?? 'application/json' });
  // Several writes, so the client's stream parser sees the body in pieces.
  const step = Math.max(1, Math.ceil(body.length / 5));
  for (let i = 0; i < body.length; i += step) res.write(body.subarray(i, i + step));
  res.end();
}
