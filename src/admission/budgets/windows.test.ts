import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseBudgetWindow, windowAt } from './windows.ts';
import type { BudgetWindow } from './windows.ts';
import { estimateTokens } from './estimate.ts';

const iso = (ms: number) => new Date(ms).toISOString();

describe('budget windows (UTC)', () => {
  const t = Date.parse('2026-02-18T13:45:12.345Z'); // a Wednesday

  it('calendar units', () => {
    const span = (w: BudgetWindow) => {
      const s = windowAt(w, t);
      return [iso(s.start), iso(s.end)];
    };
    assert.deepEqual(span({ calendar: 'Second' }), ['2026-02-18T13:45:12.000Z', '2026-02-18T13:45:13.000Z']);
    assert.deepEqual(span({ calendar: 'Minute' }), ['2026-02-18T13:45:00.000Z', '2026-02-18T13:46:00.000Z']);
    assert.deepEqual(span({ calendar: 'Hour' }), ['2026-02-18T13:00:00.000Z', '2026-02-18T14:00:00.000Z']);
    assert.deepEqual(span({ calendar: 'Day' }), ['2026-02-18T00:00:00.000Z', '2026-02-19T00:00:00.000Z']);
    assert.deepEqual(span({ calendar: 'Week' }), ['2026-02-16T00:00:00.000Z', '2026-02-23T00:00:00.000Z'], 'Monday to Monday');
    assert.deepEqual(span({ calendar: 'Month' }), ['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'], 'February has 28 days');
    assert.deepEqual(span({ calendar: 'Year' }), ['2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
  });

  it('month and week edges', () => {
    const m = windowAt({ calendar: 'Month' }, Date.parse('2024-12-31T23:59:59.999Z'));
    assert.deepEqual([iso(m.start), iso(m.end)], ['2024-12-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
    const leap = windowAt({ calendar: 'Month' }, Date.parse('2024-02-29T12:00:00Z'));
    assert.equal(leap.end - leap.start, 29 * 86_400_000);
    const sunday = windowAt({ calendar: 'Week' }, Date.parse('2026-02-22T23:59:59Z'));
    assert.equal(iso(sunday.start), '2026-02-16T00:00:00.000Z');
    const monday = windowAt({ calendar: 'Week' }, Date.parse('2026-02-23T00:00:00Z'));
    assert.equal(iso(monday.start), '2026-02-23T00:00:00.000Z');
  });

  it('every instant lies in its window, and windows tile time', () => {
    const windows: BudgetWindow[] = [{ calendar: 'Week' }, { calendar: 'Month' }, { calendar: 'Year' }, { calendar: 'Hour' }, { durationMs: 7 * 86_400_000 }, { durationMs: 90_000 }];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.constantFrom(...windows), (now, w) => {
        const s = windowAt(w, now);
        assert.ok(s.start <= now && now < s.end);
        assert.equal(windowAt(w, s.end).start, s.end, 'the next window starts where this one ends');
        assert.equal(windowAt(w, s.end - 1).start, s.start);
      }),
    );
  });

  it('fixed durations align to the epoch', () => {
    assert.deepEqual(windowAt({ durationMs: 3_600_000 * 6 }, Date.parse('2026-02-18T13:45:00Z')), { start: Date.parse('2026-02-18T12:00:00Z'), end: Date.parse('2026-02-18T18:00:00Z') });
  });

  it('parses configuration text', () => {
    assert.deepEqual(parseBudgetWindow('month'), { calendar: 'Month' });
    assert.deepEqual(parseBudgetWindow('Week'), { calendar: 'Week' });
    assert.deepEqual(parseBudgetWindow('30d'), { durationMs: 30 * 86_400_000 });
    assert.deepEqual(parseBudgetWindow('90s'), { durationMs: 90_000 });
    assert.equal(parseBudgetWindow('0h'), undefined);
    assert.equal(parseBudgetWindow('1 month'), undefined);
  });
});

describe('request token estimate', () => {
  it('counts prompt characters / 4 × 1.25 plus message framing, and the output cap', () => {
    const body = { model: 'gpt-4o', messages: [{ role: 'system', content: 'x'.repeat(100) }, { role: 'user', content: 'y'.repeat(300) }], max_tokens: 256 };
    // strings: 'system' (6) + 100 + 'user' (4) + 300 = 410 chars → ceil(410/4×1.25)=129, + 2×4
    assert.deepEqual(estimateTokens(body), { inputTokens: 129 + 8, outputTokens: 256 });
    assert.equal(estimateTokens({ ...body, max_tokens: undefined, max_completion_tokens: 100, n: 3 }).outputTokens, 300);
    assert.equal(estimateTokens({ messages: [] }).outputTokens, 4096, 'no cap: the default');
    assert.equal(estimateTokens({ input: 'embed me' }, { defaultMaxOutputTokens: 0 }).outputTokens, 0);
    assert.equal(estimateTokens({ contents: [], generationConfig: { maxOutputTokens: 77 } }).outputTokens, 77);
    assert.equal(estimateTokens({ input: 'x', max_output_tokens: 9 }).outputTokens, 9);
  });

  it('counts media as a fixed number of tokens, not its base64 length', () => {
    const image = { type: 'image_url', image_url: { url: 'data:image/png;base64,' + 'A'.repeat(100_000) } };
    const anthropic = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'B'.repeat(100_000) } };
    const e = estimateTokens({ messages: [{ role: 'user', content: [image, anthropic] }], max_tokens: 1 }, { safetyFactor: 1 });
    assert.ok(e.inputTokens >= 2000 && e.inputTokens < 2100, String(e.inputTokens));
  });

  it('is conservative for ASCII text: never below characters / 4', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 200 }), { maxLength: 10 }), (parts) => {
        const body = { messages: parts.map((content) => ({ role: 'user', content })) };
        const chars = parts.reduce((n, p) => n + p.length, 0);
        assert.ok(estimateTokens(body).inputTokens >= Math.ceil(chars / 4));
      }),
    );
  });
});
