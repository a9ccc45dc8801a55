// AWS event stream (`application/vnd.amazon.eventstream`), decoded incrementally: the binary framing
// Bedrock's ConverseStream and InvokeModelWithResponseStream answers use. Each message is
//
//   total length (uint32 BE) | headers length (uint32 BE) | prelude CRC32 | headers | payload | message CRC32
//
// (AWS "Event stream encoding" in the Transcribe / S3 Select / Bedrock developer guides; the smithy
// codec implements the same layout). Chunks may split a frame anywhere: bytes are kept until the total
// length the prelude announces has arrived, then the whole frame is handed to
// `@smithy/eventstream-codec`, which checks both CRCs and parses the typed headers.
//
// A corrupt frame (bad CRC, impossible length, unparsable headers) is reported once as an `error`,
// never thrown: after it the decoder ignores further input, because nothing after a broken length
// prefix can be trusted to start on a frame boundary.
import { crc32 } from 'node:zlib';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import type { MessageHeaderValue } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

/** A header value with its smithy type tag removed (`long` becomes a number, `binary` a Buffer). */
export type EventStreamHeaderValue = string | number | boolean | Buffer | Date;

export interface EventStreamMessage {
  /** Headers by name, e.g. `:message-type` (`event`, `exception`, `error`), `:event-type`, `:exception-type`. */
  readonly headers: Readonly<Record<string, EventStreamHeaderValue>>;
  readonly payload: Buffer;
}

export interface EventStreamResult {
  readonly messages: EventStreamMessage[];
  /** Set once, on the push (or end) that found the stream corrupt or truncated. */
  readonly error: EventStreamError | undefined;
}

export class EventStreamError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventStreamError';
  }
}

/** Prelude (two lengths + CRC) and trailing CRC: the smallest possible message. */
const PRELUDE = 12;
const MIN_MESSAGE = 16;
/**
 * AWS limits a message to 16 MiB of payload plus 128 KiB of headers; anything above that is a corrupt
 * length prefix, and waiting for it would stall the stream.
 */
export const MAX_MESSAGE = 16 * 1024 * 1024 + 128 * 1024 + MIN_MESSAGE;

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function headerValue(v: MessageHeaderValue): EventStreamHeaderValue {
  switch (v.type) {
    case 'long':
      return Number(v.value.valueOf());
    case 'binary':
      return Buffer.from(v.value.buffer, v.value.byteOffset, v.value.byteLength);
    default:
      return v.value;
  }
}

/** The string value of a header, or undefined when absent or not a string. */
export function headerString(m: EventStreamMessage, name: string): string | undefined {
  const v = m.headers[name];
  return typeof v === 'string' ? v : undefined;
}

export class AwsEventStreamDecoder {
  /** Received bytes not yet part of a decoded message, in arrival order (not concatenated until needed). */
  #pending: Buffer[] = [];
  #pendingLength = 0;
  /** The total length of the frame being waited for, once its prelude has been checked. */
  #frameLength = 0;
  #failed = false;

  /** Whether a corrupt or truncated stream was reported. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Feeds one chunk; returns the messages it completed, or the error that ended decoding. */
  push(chunk: Buffer): EventStreamResult {
    if (this.#failed || chunk.length === 0) return { messages: [], error: undefined };
    this.#pending.push(chunk);
    this.#pendingLength += chunk.length;
    const messages: EventStreamMessage[] = [];
    while (true) {
      if (this.#frameLength === 0) {
        if (this.#pendingLength < PRELUDE) break;
        const prelude = this.#peek(PRELUDE);
        const total = prelude.readUInt32BE(0);
        const headersLength = prelude.readUInt32BE(4);
        if (crc32(prelude.subarray(0, 8)) !== prelude.readUInt32BE(8)) return this.#fail(messages, 'prelude checksum mismatch');
        if (total < MIN_MESSAGE || total > MAX_MESSAGE || headersLength > total - MIN_MESSAGE) return this.#fail(messages, `impossible message length ${total} (headers ${headersLength})`);
        this.#frameLength = total;
      }
      if (this.#pendingLength < this.#frameLength) break;
      const frame = this.#take(this.#frameLength);
      this.#frameLength = 0;
      try {
        const decoded = codec.decode(frame);
        const headers: Record<string, EventStreamHeaderValue> = {};
        for (const [name, value] of Object.entries(decoded.headers)) headers[name] = headerValue(value);
        messages.push({ headers, payload: Buffer.from(decoded.body.buffer, decoded.body.byteOffset, decoded.body.byteLength) });
      } catch (err) {
        return this.#fail(messages, err instanceof Error ? err.message : String(err), err);
      }
    }
    return { messages, error: undefined };
  }

  /** The stream ended: bytes of an unfinished frame mean it was cut short. */
  end(): EventStreamResult {
    if (this.#failed || this.#pendingLength === 0) return { messages: [], error: undefined };
    const left = this.#pendingLength;
    this.#pending = [];
    this.#pendingLength = 0;
    this.#failed = true;
    return { messages: [], error: new EventStreamError(`event stream ended inside a message (${left} bytes left over)`) };
  }

  #fail(messages: EventStreamMessage[], reason: string, cause?: unknown): EventStreamResult {
    this.#failed = true;
    this.#pending = [];
    this.#pendingLength = 0;
    this.#frameLength = 0;
    return { messages, error: new EventStreamError(`corrupt AWS event stream: ${reason}`, cause === undefined ? undefined : { cause }) };
  }

  /** The first `n` pending bytes (n ≤ pendingLength), without consuming them. */
  #peek(n: number): Buffer {
    const first = this.#pending[0]!;
    if (first.length >= n) return first.subarray(0, n);
    const joined = Buffer.concat(this.#pending);
    this.#pending = [joined];
    return joined.subarray(0, n);
  }

  /** Removes and returns the first `n` pending bytes (n ≤ pendingLength) as one buffer. */
  #take(n: number): Buffer {
    let first = this.#pending[0]!;
    if (first.length < n) {
      first = Buffer.concat(this.#pending);
      this.#pending = [first];
    }
    const out = first.subarray(0, n);
    if (first.length === n) this.#pending.shift();
    else this.#pending[0] = first.subarray(n);
    this.#pendingLength -= n;
    return out;
  }
}

/** Encodes one message (for tests and simulators): string headers, a UTF-8 or binary payload. */
export function encodeEventStreamMessage(headers: Readonly<Record<string, string>>, payload: Buffer | string): Buffer {
  const typed: Record<string, MessageHeaderValue> = {};
  for (const [k, v] of Object.entries(headers)) typed[k] = { type: 'string', value: v };
  const body = typeof payload === 'string' ? fromUtf8(payload) : new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  const out = codec.encode({ headers: typed, body });
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}
