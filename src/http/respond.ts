// Writing the gateway's own answers (errors, JSON, redirects, empty answers): leaf helpers every
// stage and the listener may use.
import type { ServerResponse } from 'node:http';
import { errorBody } from '../errors.ts';
import type { GatewayError } from '../errors.ts';
import type { ClientSchema } from '../runtime/translator.ts';

export function sendJSON(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-length': 0 });
  res.end();
}

/**
 * A catalogue error in the client's schema. When the response has already started, it is too late for
 * a status: the caller ends the stream with an error event instead (see errorStreamEvent); here the
 * connection is cut so the client never mistakes a partial answer for a whole one.
 */
export function sendError(res: ServerResponse, err: GatewayError, schema: ClientSchema = 'OpenAI', requestId?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = errorBody(err, schema, requestId);
  res.writeHead(err.status, { ...err.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
