// Reads a request body once, bounded in size, for the AI endpoints whose JSON body decides routing,
// and for requests that may be sent more than once (retries, mirrors).
//
// Memory: a body whose length is declared (content-length) is read into one Buffer of that size,
// allocated before the first byte arrives, so a body held costs its own size and no more (collecting
// the chunks and concatenating them costs twice that, plus chunks waiting for the garbage collector).
// When the listener gave the request an allowance (server/limits.ts: the process's budget for bodies
// held at once), the declared length is taken from it before anything is allocated, or the bytes as
// they arrive when no length is declared (times three for a body read to be parsed: `json`); a
// request the budget cannot hold is refused with 503 `overloaded` and `retry-after`, before it is
// read. The listener gives the bytes back when the response ends.
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors.ts';
import { DEFAULT_MAX_JSON_CONTAINERS, DEFAULT_MAX_JSON_DEPTH, checkJsonShape } from './json-limits.ts';

/** Default cap on AI request bodies (long-context prompts with images can be large). */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

/**
 * What a request's body may hold in memory, granted by the listener from the process's body budget
 * (server/limits.ts) and given back when the response ends.
 */
export interface BodyAllowance {
  /** Takes `bytes` more from the budget; false (and nothing taken) when the budget cannot spare them. */
  take(bytes: number): boolean;
  /** Seconds a refused client is told to wait (`retry-after`). */
  readonly retryAfterSeconds: number;
  /** The budget's size, for the refusal's message. */
  readonly budgetBytes: number;
}

const ALLOWANCE = Symbol.for('sluice.bodyAllowance');
const CUT = Symbol.for('sluice.bodyCut');
const RECEIVED = Symbol.for('sluice.bodyReceived');

/** Bytes of the body readBody has received so far (0 before it started; the listener judges the pace of large uploads by it). */
export function bodyReceived(req: IncomingMessage): number {
  return (req as unknown as Record<symbol, number | undefined>)[RECEIVED] ?? 0;
}

/** Gives `req` an allowance from the body budget (the listener does, for every request). */
export function setBodyAllowance(req: IncomingMessage, allowance: BodyAllowance): void {
  (req as unknown as Record<symbol, BodyAllowance>)[ALLOWANCE] = allowance;
}

/** Marks a request whose body the listener cut (too slow), so that reading it fails with that reason. */
export function markBodyCut(req: IncomingMessage, reason: string): void {
  (req as unknown as Record<symbol, string>)[CUT] = reason;
}

function allowanceOf(req: IncomingMessage): BodyAllowance | undefined {
  return (req as unknown as Record<symbol, BodyAllowance | undefined>)[ALLOWANCE];
}

function cutReason(req: IncomingMessage): string | undefined {
  return (req as unknown as Record<symbol, string | undefined>)[CUT];
}

function overloaded(allowance: BodyAllowance, bytes: number | undefined): GatewayError {
  const what = bytes === undefined ? 'the request body' : `a request body of ${bytes} bytes`;
  return new GatewayError('overloaded', `the gateway holds as many request bodies as its memory budget allows (${allowance.budgetBytes} bytes); ${what} does not fit now, retry shortly`, {
    headers: { 'retry-after': String(allowance.retryAfterSeconds) },
  });
}

/** The declared body length, or -1 when there is none (chunked, HTTP/2 without content-length). */
function declaredLength(req: IncomingMessage): number {
  const v = req.headers['content-length'];
  if (v === undefined || !/^\d{1,16}$/.test(v)) return -1;
  return Number(v);
}

/**
 * Copies of a JSON body held besides its bytes while the request is served: the text decoded for
 * JSON.parse (garbage once parsed, but resident until collected) and the parsed values (its strings).
 * Measured: 8 concurrent 30 MiB chat bodies, read and parsed, raise RSS by about 2.4x their bytes.
 */
export const JSON_COPIES = 2;

export interface ReadBodyOptions {
  /**
   * The body will be parsed as JSON (parseAIBody): the allowance is charged for the decoded text and
   * the parsed values too (JSON_COPIES more times its length), before anything is read, so that the
   * budget bounds what the request really holds. Default false (bytes only).
   */
  readonly json?: boolean | undefined;
}

export function readBody(req: IncomingMessage, maxBytes: number, options: ReadBodyOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = declaredLength(req);
    const allowance = allowanceOf(req);
    const copies = options.json === true ? 1 + JSON_COPIES : 1;
    let settled = false;
    const fail = (err: GatewayError) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      // The rest of the body is read and dropped, so that the answer reaches the client.
      req.resume();
      reject(err);
    };
    if (declared > maxBytes) {
      fail(new GatewayError('request_too_large', `request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes`));
      return;
    }
    if (declared >= 0 && allowance && !allowance.take(declared * copies)) {
      fail(overloaded(allowance, declared));
      return;
    }
    let whole: Buffer | undefined;
    if (declared >= 0) {
      try {
        whole = Buffer.allocUnsafe(declared);
      } catch {
        fail(new GatewayError('overloaded', `the gateway cannot allocate ${declared} bytes for the request body now, retry shortly`, { headers: { 'retry-after': '1' } }));
        return;
      }
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const progress = req as unknown as Record<symbol, number>;
    function onData(chunk: Buffer): void {
      if (settled) return;
      progress[RECEIVED] = size + chunk.length;
      if (whole) {
        // HTTP/1 framing never delivers more than content-length; an HTTP/2 peer might.
        if (size + chunk.length > whole.length) {
          fail(new GatewayError('invalid_request', `the request body is longer than its content-length (${whole.length} bytes)`));
          return;
        }
        chunk.copy(whole, size);
        size += chunk.length;
        return;
      }
      size += chunk.length;
      if (size > maxBytes) {
        fail(new GatewayError('request_too_large', `request body exceeds the limit of ${maxBytes} bytes`));
        return;
      }
      if (allowance && !allowance.take(chunk.length * copies)) {
        fail(overloaded(allowance, undefined));
        return;
      }
      chunks.push(chunk);
    }
    req.on('data', onData);
    req.on('end', () => {
      if (settled) return;
      if (whole && size !== whole.length) {
        fail(new GatewayError('invalid_request', `the request body is shorter (${size} bytes) than its content-length (${whole.length} bytes)`));
        return;
      }
      settled = true;
      resolve(whole ?? (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    });
    req.on('error', (err) => {
      const cut = cutReason(req);
      fail(new GatewayError('invalid_request', cut ?? `failed to read the request body: ${err.message}`, { cause: err }));
    });
    // A client that goes away mid-upload ends the request without 'end': settle, never hang.
    req.on('close', () => {
      if (!settled) fail(new GatewayError('invalid_request', cutReason(req) ?? 'the client closed the connection before sending the whole body'));
    });
  });
}

export interface ParsedAIBody {
  readonly json: Record<string, unknown>;
  readonly model: string;
  readonly stream: boolean;
}

/** Limits parseAIBody applies before parsing (each has a default). */
export interface AIBodyLimits {
  /** Largest body accepted (413 above it); default DEFAULT_MAX_BODY_BYTES. */
  readonly maxBytes?: number | undefined;
  /** Deepest nesting of arrays and objects (400 deeper); default 128. */
  readonly maxDepth?: number | undefined;
  /** Most arrays and objects in the body (400 above); default 100,000. */
  readonly maxContainers?: number | undefined;
}

export const DEFAULT_AI_BODY_LIMITS = {
  maxBytes: DEFAULT_MAX_BODY_BYTES,
  maxDepth: DEFAULT_MAX_JSON_DEPTH,
  maxContainers: DEFAULT_MAX_JSON_CONTAINERS,
} as const satisfies Required<AIBodyLimits>;

/**
 * Parses an AI request's JSON body and extracts `model` (400 errors name the problem). Gemini clients
 * name the model in the path instead: `modelFromPath` then wins. The body's size, nesting depth and
 * number of arrays and objects are checked first (`limits`), on the bytes, so that nothing deeper
 * than the gateway (or its translators) can walk reaches JSON.parse.
 */
export function parseAIBody(raw: Buffer, modelFromPath?: string, limits: AIBodyLimits = {}): ParsedAIBody {
  const maxBytes = limits.maxBytes ?? DEFAULT_AI_BODY_LIMITS.maxBytes;
  const maxDepth = limits.maxDepth ?? DEFAULT_AI_BODY_LIMITS.maxDepth;
  const maxContainers = limits.maxContainers ?? DEFAULT_AI_BODY_LIMITS.maxContainers;
  if (raw.length > maxBytes) throw new GatewayError('request_too_large', `request body of ${raw.length} bytes exceeds the limit of ${maxBytes} bytes`);
  const shape = checkJsonShape(raw, { maxDepth, maxContainers });
  if (!shape.ok) {
    throw new GatewayError(
      'invalid_request',
      shape.limit === 'depth'
        ? `the request body nests deeper than ${maxDepth} levels of arrays and objects (at byte ${shape.at})`
        : `the request body holds more than ${maxContainers} arrays and objects (at byte ${shape.at})`,
    );
  }
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
