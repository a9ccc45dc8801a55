import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SseParser, formatSse } from './sse.ts';
import type { SseEvent } from './sse.ts';

function parseAll(chunks: readonly Buffer[]): SseEvent[] {
  const p = new SseParser();
  const out: SseEvent[] = [];
  for (const c of chunks) out.push(...p.push(c));
  out.push(...p.end());
  return out;
}

/** Splits `buf` at the given (sorted, deduplicated) offsets. */
function splitAt(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    out.push(buf.subarray(last, p));
    last = p;
  }
  out.push(buf.subarray(last));
  return out;
}

describe('SseParser', () => {
  it('reads events, data lines, comments and the three line terminators', () => {
    const text = ': keep-alive\n\ndata: {"a":1}\n\nevent: message_start\ndata: x\r\ndata: y\r\n\r\nid: 7\rdata: z\r\r';
    assert.deepEqual(parseAll([Buffer.from(text)]), [
      { event: undefined, data: '{"a":1}', id: undefined },
      { event: 'message_start', data: 'x\ny', id: undefined },
      { event: undefined, data: 'z', id: '7' },
    ]);
  });

  it('keeps one space after the colon and no more; a field without a colon has an empty value', () => {
    assert.deepEqual(parseAll([Buffer.from('data:a\ndata:  b\ndata\n\n')]), [{ event: undefined, data: 'a\n b\n', id: undefined }]);
  });

  it('drops an event cut before its blank line', () => {
    assert.deepEqual(parseAll([Buffer.from('data: whole\n\ndata: cut')]), [{ event: undefined, data: 'whole', id: undefined }]);
  });

  it('gives the same events for any split of the stream, inside UTF-8 sequences and CRLF pairs too', () => {
    const event = fc.record({
      event: fc.option(fc.constantFrom('message_start', 'content_block_delta', 'ping', 'error'), { nil: undefined }),
      data: fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, ' ')),
    });
    const terminator = fc.constantFrom('\n', '\r\n', '\r');
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 8 }), terminator, fc.array(fc.nat(), { maxLength: 12 }), (events, eol, cuts) => {
        const wire = Buffer.from(events.map((e) => (e.event ? `event: ${e.event}${eol}` : '') + `data: ${e.data}${eol}${eol}`).join(''));
        const whole = parseAll([wire]);
        assert.deepEqual(whole.map((e) => ({ event: e.event, data: e.data })), events.map((e) => ({ event: e.event, data: e.data })));
        assert.deepEqual(parseAll(splitAt(wire, cuts)), whole);
        // One byte at a time is the extreme split.
        assert.deepEqual(parseAll([...wire].map((b) => Buffer.from([b]))), whole);
      }),
      { numRuns: 300 },
    );
  });

  it('formatSse writes what the parser reads back', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 50 }).map((s) => s.replace(/\r/g, '')), fc.option(fc.constantFrom('a', 'error'), { nil: undefined }), (data, event) => {
        assert.deepEqual(parseAll([Buffer.from(formatSse(data, event))]), [{ event, data, id: undefined }]);
      }),
    );
  });
});
