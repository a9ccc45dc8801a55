// checkJsonShape: depth and container counts on raw bytes, against a reference computed from the
// parsed value, for generated JSON (fast-check), strings full of brackets, escapes and UTF-8, and
// the cases the scanner must not misread.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkJsonShape } from './json-limits.ts';

/** Depth and number of containers of a parsed JSON value (iterative: values may be deep). */
function reference(value: unknown): { depth: number; containers: number } {
  let depth = 0;
  let containers = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    containers++;
    if (d > depth) depth = d;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return { depth, containers };
}

const verdict = (text: string, maxDepth: number, maxContainers = Infinity) => checkJsonShape(Buffer.from(text), { maxDepth, maxContainers });

describe('checkJsonShape', () => {
  it('agrees with the parsed value on depth and container count (property)', () => {
    // Keys and strings full of the characters the scanner looks at.
    const tricky = fc.string({ unit: fc.constantFrom('"', '\\', '[', ']', '{', '}', 'a', 'é', '€', '😀', '\n', ' ') });
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.integer(), tricky, tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 4 }),
      object: fc.dictionary(tricky, tie('value'), { maxKeys: 4 }),
    })).value;
    fc.assert(
      fc.property(json, fc.boolean(), fc.integer({ min: 0, max: 60 }), (value, longStrings, pad) => {
        // Long strings take the native path; short ones the inline loop.
        const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' && longStrings ? v + '\\"x'.repeat(pad) : v));
        const { depth, containers } = reference(JSON.parse(text));
        assert.deepEqual(verdict(text, depth, containers), { ok: true });
        if (depth > 0) assert.equal((verdict(text, depth - 1) as { limit?: string }).limit, 'depth');
        if (containers > 0) assert.equal((verdict(text, Infinity, containers - 1) as { limit?: string }).limit, 'containers');
      }),
      { numRuns: 2000 },
    );
  });

  it('stops at the first level past the limit, whatever follows', () => {
    const deep = '{"model":"m","messages":[{"role":"user","content":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}]}';
    const v = verdict(deep, 128);
    assert.equal(v.ok, false);
    assert.deepEqual(v, { ok: false, limit: 'depth', at: deep.indexOf('[[') + 125 });
    assert.deepEqual(verdict('['.repeat(129), 128), { ok: false, limit: 'depth', at: 128 });
    assert.deepEqual(verdict('['.repeat(128) + ']'.repeat(128), 128), { ok: true });
  });

  it('counts containers across the whole document', () => {
    const wide = '[' + '{},'.repeat(1000) + '{}]';
    assert.deepEqual(verdict(wide, 128, 1002), { ok: true });
    assert.equal((verdict(wide, 128, 1001) as { limit: string }).limit, 'containers');
  });

  it('ignores brackets inside strings, including after escaped quotes and escaped backslashes', () => {
    for (const s of ['"[[[["', '"\\"[[[["', '"\\\\"', '"a\\\\\\"[[[["', `"${'x'.repeat(40)}\\"[[[[["`, `"${'\\\\'.repeat(40)}"`, `"${'é'.repeat(50)}[[[["`]) {
      const text = `{"k":${s}}`;
      JSON.parse(text);
      assert.deepEqual(verdict(text, 1), { ok: true }, text);
    }
    // An escaped backslash right before the closing quote closes the string: the bracket after it counts.
    assert.equal(verdict(`[${'"' + 'y'.repeat(40) + '\\\\"'},[]]`, 1).ok, false);
  });

  it('gives no verdict on text that is not JSON (JSON.parse reports it)', () => {
    for (const t of ['', '"unterminated [[[[', '"ends with a backslash\\', ']]]]]', '{"a":"b"']) assert.deepEqual(verdict(t, 1), { ok: true }, t);
  });
});
