// Reads a request body once, bounded in size, for the AI endpoints whose JSON body decides routing,
// and for requests that may be sent more than once (retries, mirrors).
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors.ts';

/** Default cap on AI request bodies (long-context prompts with images can be large). */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > maxBytes) {
      reject(new GatewayError('request_too_large', `request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new GatewayError('request_too_large', `request body exceeds the limit of ${maxBytes} bytes`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    let complete = false;
    req.on('end', () => {
      complete = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', (err) => reject(new GatewayError('invalid_request', `failed to read the request body: ${err.message}`, { cause: err })));
    // A client that goes away mid-upload ends the request without 'end': settle, never hang.
    req.on('close', () => {
      if (!complete) reject(new GatewayError('invalid_request', 'the client closed the connection before sending the whole body'));
    });
  });
}

export interface ParsedAIBody {
  readonly json: Record<string, unknown>;
  readonly model: string;
  readonly stream: boolean;
}

/**
 * Parses an AI request's JSON body and extracts `model` (400 errors name the problem). Gemini clients
 * name the model in the path instead: `modelFromPath` then wins.
 */
export function parseAIBody(raw: Buffer, modelFromPath?: string): ParsedAIBody {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new GatewayError('invalid_json', `the request body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new GatewayError('invalid_request', 'the request body must be a JSON object');
  }
  const obj = json as Record<string, unknown>;
  const model = modelFromPath ?? obj['model'];
  if (typeof model !== 'string' || model === '') {
    throw new GatewayError('model_required', 'the request body must name a model: {"model": "<name>", ...}', { param: 'model' });
  }
  return { json: obj, model, stream: obj['stream'] === true };
}
