import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { withRetryAfter } from './retry-after.ts';

const base = { status: 429, contentType: 'application/json', body: '{}' };

test('passes delta-seconds and HTTP-dates, trimmed', () => {
  assert.deepEqual(withRetryAfter(base, { 'retry-after': ' 30 ' }).headers, { 'retry-after': '30' });
  assert.deepEqual(withRetryAfter(base, { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }).headers, { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' });
});

test('keeps headers the translation already set', () => {
  assert.deepEqual(withRetryAfter({ ...base, headers: { 'x-a': '1' } }, { 'retry-after': '2' }).headers, { 'x-a': '1', 'retry-after': '2' });
});

test('drops absent or implausible values', () => {
  assert.equal(withRetryAfter(base, {}), base);
  for (const v of ['', 'soon', '-1', '1.5', '30\r\nx-evil: 1', '9'.repeat(12)]) assert.equal(withRetryAfter(base, { 'retry-after': v }), base, v);
});

test('whatever the upstream sends, the value passed on is a valid header value', () => {
  fc.assert(
    fc.property(fc.string(), (v) => {
      const h = withRetryAfter(base, { 'retry-after': v }).headers?.['retry-after'];
      return h === undefined || /^[\x20-\x7e]+$/.test(h);
    }),
  );
});
