// Server-sent events (WHATWG HTML §9.2 "event stream interpretation"), parsed incrementally: chunks
// may split an event, a line, a CRLF pair or a UTF-8 sequence anywhere, and the events come out the
// same. Lines are split on bytes (CR and LF never occur inside a multi-byte UTF-8 sequence), and
// each complete line is decoded once. Hand-written because it sits on every streamed response and is
// small; `sse.test.ts` checks the split-anywhere property with fast-check.

export interface SseEvent {
  /** The `event:` field; undefined for the default `message` type. */
  readonly event: string | undefined;
  /** The `data:` lines joined with '\n'. */
  readonly data: string;
  readonly id?: string | undefined;
}

const LF = 0x0a;
const CR = 0x0d;

export class SseParser {
  #carry: Buffer | undefined;
  /** The previous chunk ended with CR: a LF at the start of the next one belongs to it. */
  #afterCR = false;
  #event: string | undefined;
  #data: string[] = [];
  #id: string | undefined;
  #hasData = false;

  /** Feeds one chunk; returns the events it completed (often none or one). */
  push(chunk: Buffer): SseEvent[] {
    const out: SseEvent[] = [];
    let buf = chunk;
    let start = 0;
    if (this.#afterCR) {
      this.#afterCR = false;
      if (buf.length > 0 && buf[0] === LF) start = 1;
    }
    if (this.#carry) {
      buf = Buffer.concat([this.#carry, start === 1 ? buf.subarray(1) : buf]);
      start = 0;
      this.#carry = undefined;
    }
    let i = start;
    const n = buf.length;
    while (i < n) {
      // Find the next CR or LF.
      let j = i;
      while (j < n) {
        const c = buf[j];
        if (c === LF || c === CR) break;
        j++;
      }
      if (j === n) break;
      this.#line(buf.toString('utf8', i, j), out);
      if (buf[j] === CR) {
        if (j + 1 < n) {
          i = buf[j + 1] === LF ? j + 2 : j + 1;
        } else {
          this.#afterCR = true;
          i = n;
        }
      } else {
        i = j + 1;
      }
    }
    if (i < n) this.#carry = Buffer.from(buf.subarray(i));
    return out;
  }

  /**
   * The stream ended. Per the spec an event without its terminating blank line is discarded; most
   * providers end with one, but a stream cut mid-event must not invent an event.
   */
  end(): SseEvent[] {
    this.#carry = undefined;
    this.#afterCR = false;
    this.#reset();
    return [];
  }

  #line(line: string, out: SseEvent[]): void {
    if (line.length === 0) {
      if (this.#hasData || this.#event !== undefined) out.push({ event: this.#event, data: this.#data.join('\n'), id: this.#id });
      this.#reset();
      return;
    }
    if (line.charCodeAt(0) === 0x3a /* ':' comment */) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    switch (field) {
      case 'data':
        this.#data.push(value);
        this.#hasData = true;
        break;
      case 'event':
        this.#event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.#id = value;
        break;
      default:
        // `retry` and unknown fields are ignored.
        break;
    }
  }

  #reset(): void {
    this.#event = undefined;
    this.#data = [];
    this.#hasData = false;
  }
}

/** One event in wire form, ending with the blank line. Multi-line data becomes several `data:` lines. */
export function formatSse(data: string, event?: string): string {
  const lines = data.includes('\n') ? data.split('\n').map((l) => `data: ${l}\n`).join('') : `data: ${data}\n`;
  return event === undefined ? `${lines}\n` : `event: ${event}\n${lines}\n`;
}
