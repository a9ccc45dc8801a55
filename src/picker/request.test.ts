import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cacheSaltOf, promptText } from './request.ts';

describe('promptText', () => {
  const messages = [
    { role: 'system', content: 'You are "helpful".\n' + 'x'.repeat(500) },
    { role: 'user', content: [{ type: 'text', text: 'é😀'.repeat(300) }] },
    { role: 'assistant', content: 'ok' },
  ];
  const full = JSON.stringify(messages);

  it('is JSON.stringify(messages) when the limit is not reached', () => {
    assert.equal(promptText({ messages }, 1e9), full);
  });

  it('is exact in its first `limit` characters at any limit, however long the strings', () => {
    // Every limit: cuts land on escapes, inside surrogate pairs and on message boundaries.
    for (let limit = 1; limit <= full.length; limit++) {
      const text = promptText({ messages }, limit);
      assert.ok(text.length >= Math.min(limit, full.length), `limit ${limit}: got ${text.length} characters`);
      assert.equal(text.slice(0, limit), full.slice(0, limit), `limit ${limit}`);
    }
  });

  it('is exact when a string starts right at the cut (bare string messages, surrogate pairs)', () => {
    const bare = ['😀a😀'.repeat(40), 'b"\\'.repeat(30)];
    const whole = JSON.stringify(bare);
    for (let limit = 1; limit <= whole.length; limit++) {
      assert.equal(promptText({ messages: bare }, limit).slice(0, limit), whole.slice(0, limit), `limit ${limit}`);
    }
  });

  it('cuts long strings instead of serialising them whole', () => {
    const big = { messages: [{ role: 'system', content: 'y'.repeat(200_000) }] };
    assert.ok(promptText(big, 16_384).length < 17_000);
  });

  it('uses prompt for completions; nothing for other bodies', () => {
    assert.equal(promptText({ prompt: 'Once upon a time' }, 100), 'Once upon a time');
    assert.equal(promptText({ prompt: ['a', 'b'] }, 100), '["a","b"]');
    assert.equal(promptText({ input: 'embed me' }, 100), '');
    assert.equal(promptText(undefined, 100), '');
    assert.equal(promptText({ prompt: 'x' }, 0), '');
  });

  it('reads cache_salt', () => {
    assert.equal(cacheSaltOf({ cache_salt: 'tenant' }), 'tenant');
    assert.equal(cacheSaltOf({ cache_salt: 3 }), '');
    assert.equal(cacheSaltOf(undefined), '');
  });
});
