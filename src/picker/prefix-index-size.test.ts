import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prefixIndexSize } from './prefix-index-size.ts';

import { FIXTURE_NOW, chatBody, fakeEndpoints, fakePool, testScheduler } from './testing.ts';

describe('prefixIndexSize', () => {
  it('counts the blocks learned by the prefix-cache scorer', () => {
    const s = testScheduler(fakePool(fakeEndpoints(2)), { now: () => FIXTURE_NOW });
    assert.equal(prefixIndexSize(s.scheduler), 0);
    const d = s.schedule({ model: 'm', headers: {}, body: chatBody(1000) });
    assert.equal(prefixIndexSize(s.scheduler), d.prefix?.totalBlocks);
  });
});
