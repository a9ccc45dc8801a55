// Small node:http helpers: bounded body reading, JSON and OpenAI-error responses.

import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { openAIError } from './openai-shapes.ts';

/** An error that becomes an OpenAI-shaped response with this status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string | null,
    message: string,
    readonly param: string | null = null,
    readonly headers: OutgoingHttpHeaders = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function badRequest(message: string, param: string | null = null, code: string | null = 'invalid_request'): HttpError {
  return new HttpError(400, 'invalid_request_error', code, message, param);
}

/**
 * Reads the whole body, refusing more than `limitBytes` with 413. On overflow the rest of the body is
 * not read, so the response asks the client to close the connection.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limitBytes) {
      reject(tooLarge(limitBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        req.removeAllListeners('data');
        req.pause();
        reject(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function tooLarge(limitBytes: number): HttpError {
  return new HttpError(413, 'invalid_request_error', 'request_too_large', `request body exceeds ${limitBytes} bytes`, null, {
    connection: 'close',
  });
}

/** Parses a JSON body; malformed JSON is a 400 with code `invalid_json`. */
export function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badRequest(`malformed JSON in request body: ${(err as Error).message}`, null, 'invalid_json');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, err: HttpError, headers: OutgoingHttpHeaders = {}): void {
  sendJson(res, err.status, openAIError(err.message, err.type, err.code, err.param), { ...headers, ...err.headers });
}

/** Any thrown value as an HttpError (unexpected ones become 500 without internals). */
export function asHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  return new HttpError(500, 'server_error', 'internal_error', 'internal simulator error');
}

/** The path without the query string. */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q >= 0 ? url.slice(0, q) : url;
}
