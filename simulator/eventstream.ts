// AWS event-stream binary framing (application/vnd.amazon.eventstream), as used by Bedrock
// ConverseStream and InvokeModelWithResponseStream:
//
//   message  = prelude | prelude CRC | headers | payload | message CRC
//   prelude  = total length (uint32 BE) | headers length (uint32 BE)
//   CRCs     = CRC-32 (IEEE) of the prelude, and of everything before the message CRC
//   header   = name length (uint8) | name (UTF-8) | value type (uint8) | value
//
// Encoding writes string headers only (type 7: uint16 BE length + UTF-8), which is all Bedrock sends.
// Decoding reads every header type, checks both CRCs and keeps a partial message buffered.

import { crc32 } from 'node:zlib';

const PRELUDE = 12;
const TRAILER = 4;

/** One message with string headers. */
export function encodeEventStreamMessage(headers: Record<string, string>, payload: Buffer): Buffer {
  const headerParts: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name, 'utf8');
    const v = Buffer.from(value, 'utf8');
    const h = Buffer.alloc(1 + n.length + 1 + 2 + v.length);
    h.writeUInt8(n.length, 0);
    n.copy(h, 1);
    h.writeUInt8(7, 1 + n.length); // 7 = string
    h.writeUInt16BE(v.length, 2 + n.length);
    v.copy(h, 4 + n.length);
    headerParts.push(h);
  }
  const headerBytes = Buffer.concat(headerParts);
  const total = PRELUDE + headerBytes.length + payload.length + TRAILER;
  const msg = Buffer.alloc(total);
  msg.writeUInt32BE(total, 0);
  msg.writeUInt32BE(headerBytes.length, 4);
  msg.writeUInt32BE(crc32(msg.subarray(0, 8)), 8);
  headerBytes.copy(msg, PRELUDE);
  payload.copy(msg, PRELUDE + headerBytes.length);
  msg.writeUInt32BE(crc32(msg.subarray(0, total - TRAILER)), total - TRAILER);
  return msg;
}

/** A Bedrock event: `:event-type` / `:message-type: event` / `:content-type: application/json`. */
export function encodeBedrockEvent(eventType: string, body: object): Buffer {
  return encodeEventStreamMessage(
    { ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' },
    Buffer.from(JSON.stringify(body), 'utf8'),
  );
}

/** A Bedrock stream exception (`:message-type: exception`), e.g. after a failure mid-stream. */
export function encodeBedrockException(exceptionType: string, message: string): Buffer {
  return encodeEventStreamMessage(
    { ':exception-type': exceptionType, ':content-type': 'application/json', ':message-type': 'exception' },
    Buffer.from(JSON.stringify({ message }), 'utf8'),
  );
}

export type HeaderValue = string | number | boolean | bigint | Buffer | Date;

export interface EventStreamMessage {
  headers: Record<string, HeaderValue>;
  payload: Buffer;
}

function readHeaders(buf: Buffer): Record<string, HeaderValue> {
  const headers: Record<string, HeaderValue> = {};
  let i = 0;
  while (i < buf.length) {
    const nameLen = buf.readUInt8(i);
    const name = buf.toString('utf8', i + 1, i + 1 + nameLen);
    i += 1 + nameLen;
    const type = buf.readUInt8(i++);
    switch (type) {
      case 0:
        headers[name] = true;
        break;
      case 1:
        headers[name] = false;
        break;
      case 2:
        headers[name] = buf.readInt8(i);
        i += 1;
        break;
      case 3:
        headers[name] = buf.readInt16BE(i);
        i += 2;
        break;
      case 4:
        headers[name] = buf.readInt32BE(i);
        i += 4;
        break;
      case 5:
        headers[name] = buf.readBigInt64BE(i);
        i += 8;
        break;
      case 6:
      case 7: {
        const len = buf.readUInt16BE(i);
        const bytes = buf.subarray(i + 2, i + 2 + len);
        headers[name] = type === 7 ? bytes.toString('utf8') : Buffer.from(bytes);
        i += 2 + len;
        break;
      }
      case 8:
        headers[name] = new Date(Number(buf.readBigInt64BE(i)));
        i += 8;
        break;
      case 9:
        headers[name] = Buffer.from(buf.subarray(i, i + 16));
        i += 16;
        break;
      default:
        throw new Error(`event stream: unknown header value type ${type}`);
    }
  }
  return headers;
}

/** Incremental decoder: push bytes as they arrive, get the complete messages. Throws on a bad CRC. */
export class EventStreamDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): EventStreamMessage[] {
    this.buffered = this.buffered.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffered, chunk]);
    const out: EventStreamMessage[] = [];
    while (this.buffered.length >= PRELUDE) {
      const total = this.buffered.readUInt32BE(0);
      const headersLen = this.buffered.readUInt32BE(4);
      if (crc32(this.buffered.subarray(0, 8)) !== this.buffered.readUInt32BE(8)) throw new Error('event stream: prelude CRC mismatch');
      if (total < PRELUDE + headersLen + TRAILER) throw new Error('event stream: bad message length');
      if (this.buffered.length < total) break;
      const msg = this.buffered.subarray(0, total);
      if (crc32(msg.subarray(0, total - TRAILER)) !== msg.readUInt32BE(total - TRAILER)) throw new Error('event stream: message CRC mismatch');
      out.push({
        headers: readHeaders(msg.subarray(PRELUDE, PRELUDE + headersLen)),
        payload: Buffer.from(msg.subarray(PRELUDE + headersLen, total - TRAILER)),
      });
      this.buffered = this.buffered.subarray(total);
    }
    return out;
  }

  /** Bytes of an incomplete message still buffered. */
  get pending(): number {
    return this.buffered.length;
  }
}

/** Decodes a complete body. */
export function decodeEventStream(body: Uint8Array): EventStreamMessage[] {
  const d = new EventStreamDecoder();
  const messages = d.push(body);
  if (d.pending > 0) throw new Error(`event stream: ${d.pending} trailing bytes of an incomplete message`);
  return messages;
}
