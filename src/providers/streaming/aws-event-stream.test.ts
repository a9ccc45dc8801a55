import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { AwsEventStreamDecoder, MAX_MESSAGE, encodeEventStreamMessage, headerString } from './aws-event-stream.ts';
import type { EventStreamMessage } from './aws-event-stream.ts';

// Frames shaped like Bedrock ConverseStream events (ConverseStream API reference: each event is a
// message with `:event-type`, `:content-type` and `:message-type` headers and a JSON payload).
function event(type: string, payload: unknown): Buffer {
  return encodeEventStreamMessage({ ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' }, JSON.stringify(payload));
}

const frames = [
  event('messageStart', { p: 'abcd', role: 'assistant' }),
  event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Héllo 👋 wörld' }, p: 'abcdefghijkl' }),
  event('contentBlockStop', { contentBlockIndex: 0, p: 'ab' }),
  event('messageStop', { p: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ', stopReason: 'end_turn' }),
  encodeEventStreamMessage({ ':exception-type': 'throttlingException', ':content-type': 'application/json', ':message-type': 'exception' }, '{"message":"Too many requests"}'),
  encodeEventStreamMessage({ ':event-type': 'empty', ':message-type': 'event' }, Buffer.alloc(0)),
];
const wire = Buffer.concat(frames);

function view(ms: readonly EventStreamMessage[]): unknown[] {
  return ms.map((m) => ({ headers: m.headers, payload: m.payload.toString('base64') }));
}

function decodeAll(chunks: readonly Buffer[]): { messages: EventStreamMessage[]; errors: string[] } {
  const d = new AwsEventStreamDecoder();
  const messages: EventStreamMessage[] = [];
  const errors: string[] = [];
  for (const c of chunks) {
    const r = d.push(c);
    messages.push(...r.messages);
    if (r.error) errors.push(r.error.message);
  }
  const r = d.end();
  if (r.error) errors.push(r.error.message);
  return { messages, errors };
}

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

describe('AwsEventStreamDecoder', () => {
  it('decodes whole frames: headers without type tags, payload bytes', () => {
    const { messages, errors } = decodeAll([wire]);
    assert.deepEqual(errors, []);
    assert.equal(messages.length, frames.length);
    assert.equal(headerString(messages[0]!, ':event-type'), 'messageStart');
    assert.equal(headerString(messages[0]!, ':message-type'), 'event');
    assert.deepEqual(JSON.parse(messages[1]!.payload.toString('utf8')), { contentBlockIndex: 0, delta: { text: 'Héllo 👋 wörld' }, p: 'abcdefghijkl' });
    assert.equal(headerString(messages[4]!, ':message-type'), 'exception');
    assert.equal(headerString(messages[4]!, ':exception-type'), 'throttlingException');
    assert.equal(messages[5]!.payload.length, 0);
  });

  it('agrees with the smithy codec on every frame', () => {
    const codec = new EventStreamCodec(toUtf8, fromUtf8);
    const { messages } = decodeAll([wire]);
    frames.forEach((f, i) => {
      const ref = codec.decode(f);
      assert.deepEqual(Buffer.from(ref.body), messages[i]!.payload);
      for (const [k, v] of Object.entries(ref.headers)) assert.equal(messages[i]!.headers[k], v.value);
    });
  });

  it('gives the same messages for any split of a multi-frame stream (property)', () => {
    const whole = view(decodeAll([wire]).messages);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: wire.length }), { maxLength: 24 }), (cuts) => {
        const r = decodeAll(splitAt(wire, cuts));
        assert.deepEqual(r.errors, []);
        assert.deepEqual(view(r.messages), whole);
      }),
      { numRuns: 300 },
    );
    const bytewise = decodeAll([...wire].map((b) => Buffer.from([b])));
    assert.deepEqual(view(bytewise.messages), whole);
  });

  it('waits for a frame announced by its length prefix, and reports a stream cut inside a frame', () => {
    const d = new AwsEventStreamDecoder();
    const first = frames[0]!;
    assert.deepEqual(d.push(first.subarray(0, 3)).messages, []);
    assert.deepEqual(d.push(first.subarray(3, first.length - 1)).messages, []);
    assert.equal(d.push(first.subarray(first.length - 1)).messages.length, 1);
    assert.deepEqual(d.push(frames[1]!.subarray(0, 20)).messages, []);
    const end = d.end();
    assert.match(end.error?.message ?? '', /ended inside a message \(20 bytes/);
    assert.equal(d.failed, true);
  });

  it('reports a corrupt CRC anywhere as an error, keeping the messages before it (property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: wire.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.array(fc.nat({ max: wire.length }), { maxLength: 8 }), (at, flip, cuts) => {
        const bad = Buffer.from(wire);
        bad[at] = bad[at]! ^ flip;
        // The frame holding the corrupted byte, and how many frames precede it.
        let start = 0;
        let index = 0;
        while (start + frames[index]!.length <= at) start += frames[index++]!.length;
        const r = decodeAll(splitAt(bad, cuts));
        assert.equal(r.errors.length, 1, 'exactly one error');
        assert.match(r.errors[0]!, /corrupt AWS event stream/);
        assert.equal(r.messages.length, index, 'the messages before the corrupt frame, and none after');
      }),
      { numRuns: 300 },
    );
  });

  it('rejects an impossible length at once instead of waiting for it', () => {
    const prelude = Buffer.alloc(12);
    prelude.writeUInt32BE(MAX_MESSAGE + 1, 0);
    prelude.writeUInt32BE(0, 4);
    // A correct prelude CRC, so only the length is wrong.
    prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
    const d = new AwsEventStreamDecoder();
    const r = d.push(prelude);
    assert.match(r.error?.message ?? '', /impossible message length/);
    // Nothing more is decoded after an error, and the error is reported once.
    const again = d.push(frames[0]!);
    assert.deepEqual(again.messages, []);
    assert.equal(again.error, undefined);
    assert.equal(d.end().error, undefined);
  });

  it('ignores empty chunks and ends cleanly between frames', () => {
    const d = new AwsEventStreamDecoder();
    assert.deepEqual(d.push(Buffer.alloc(0)), { messages: [], error: undefined });
    assert.equal(d.push(frames[0]!).messages.length, 1);
    assert.deepEqual(d.end(), { messages: [], error: undefined });
  });
});
