import { it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from './duration.ts';

it('parses GEP-2257 durations', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('60s'), 60_000);
  assert.equal(parseDuration('0s'), 0);
  assert.equal(parseDuration('1m5s10ms'), 65_010);
  assert.equal(parseDuration('1.5s'), undefined);
  assert.equal(parseDuration('10'), undefined);
  assert.equal(parseDuration(''), undefined);
});
