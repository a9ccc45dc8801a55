import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chainHash, PrefixKvCache, promptBlockHashes } from './kvcache.ts';
import type { KvInput } from './kvcache.ts';
import { countTokens, tokenBlocks } from './tokenizer.ts';

/** A prompt of exactly `tokens` tokens (4 characters each), distinct per `seed`. */
function prompt(tokens: number, seed = 'a'): string {
  let s = '';
  for (let i = 0; s.length < tokens * 4; i++) s += `${seed}${i} `;
  return s.slice(0, tokens * 4);
}

function input(text: string, outputTokens = 0, cacheKey = 'm'): KvInput {
  return { cacheKey, promptText: text, promptTokens: countTokens(text), outputTokens };
}

describe('tokenBlocks', () => {
  it('returns only the full blocks, 4 characters per token', () => {
    assert.deepEqual(tokenBlocks('x'.repeat(63), 16), []);
    assert.deepEqual(tokenBlocks('x'.repeat(64), 16), ['x'.repeat(64)]);
    assert.equal(tokenBlocks('y'.repeat(64 * 3 + 10), 16).length, 3);
    const emoji = '🙂'.repeat(40); // 40 code points, 80 UTF-16 units
    assert.equal(tokenBlocks(emoji, 8).length, 1);
    assert.equal(tokenBlocks(emoji, 8)[0], '🙂'.repeat(32));
  });
});

describe('block hashes', () => {
  it('are chained: equal prefixes give equal leading hashes, and the key separates models', () => {
    const a = promptBlockHashes('m', 16, prompt(64, 'a'));
    const b = promptBlockHashes('m', 16, prompt(32, 'a') + prompt(32, 'b'));
    assert.equal(a.length, 4);
    assert.deepEqual(a.slice(0, 2), b.slice(0, 2));
    assert.notEqual(a[2], b[2]);
    const lora = promptBlockHashes('adapter-1', 16, prompt(64, 'a'));
    assert.ok(lora.every((h, i) => h !== a[i]));
    assert.ok(Number.isSafeInteger(chainHash(a[0] as number, 'text')));
  });

  it('cut token-id prompts into blocks of ids', () => {
    const ids = Array.from({ length: 40 }, (_, i) => i);
    const h = promptBlockHashes('m', 16, '', ids);
    assert.equal(h.length, 2);
    assert.deepEqual(promptBlockHashes('m', 16, '', ids.slice(0, 32)), h);
  });
});

describe('PrefixKvCache', () => {
  it('serves a repeated prompt from cache, never its last token', () => {
    const kv = new PrefixKvCache(100, 16);
    const text = prompt(100);
    const t = kv.prepare(input(text));
    assert.equal(kv.start(1, t).cachedTokens, 0);
    kv.finish(1);
    // 100 tokens = 6 full blocks + 4; all 6 full blocks are cached and lie within the first 99 tokens.
    assert.equal(kv.start(2, kv.prepare(input(text))).cachedTokens, 96);
    kv.finish(2);
    // A prompt of exactly 6 blocks: the 6th block holds the last token, so it is recomputed.
    const exact = prompt(96);
    assert.equal(kv.start(3, kv.prepare(input(exact))).cachedTokens, 80);
    kv.finish(3);
    assert.equal(kv.queriedTokens, 100 + 100 + 96);
    assert.equal(kv.hitTokens, 96 + 80);
  });

  it('shares blocks between running sequences and counts usage in held blocks', () => {
    const kv = new PrefixKvCache(20, 16);
    const text = prompt(64); // 4 full blocks, no partial tail
    kv.start(1, kv.prepare(input(text, 10))); // 4 blocks now, output promises 1 more (74 tokens → 5)
    assert.equal(kv.heldBlocks, 4);
    assert.equal(kv.usage(), 4 / 20);
    kv.start(2, kv.prepare(input(text, 0))); // shares all 4
    assert.equal(kv.heldBlocks, 4);
    kv.progress(1, 1); // 65 tokens: a 5th block
    assert.equal(kv.heldBlocks, 5);
    kv.progress(1, 10);
    assert.equal(kv.heldBlocks, 5, 'the output never takes more blocks than planned');
    kv.finish(1);
    assert.equal(kv.heldBlocks, 4, 'shared blocks stay held by sequence 2');
    kv.finish(2);
    assert.equal(kv.heldBlocks, 0);
    assert.equal(kv.usage(), 0);
    assert.equal(kv.cachedUnusedBlocks, 4);
  });

  it('admits only what fits, counting promised output blocks and cached blocks as free', () => {
    const kv = new PrefixKvCache(10, 16);
    const a = kv.prepare(input(prompt(64, 'a'), 32)); // 4 prompt + 2 output blocks
    assert.ok(kv.fits(a));
    kv.start(1, a);
    const b = kv.prepare(input(prompt(64, 'b'), 32)); // another 6
    assert.equal(kv.fits(b), false, '6 held/promised + 6 > 10');
    const c = kv.prepare(input(prompt(64, 'a'), 0)); // the same prompt as a: shares its 4 blocks
    assert.ok(kv.fits(c));
    assert.equal(kv.fitsEver(kv.prepare(input(prompt(160, 'z'), 10))), false, '11 blocks never fit in 10');
    kv.finish(1);
    assert.ok(kv.fits(b), 'unused cached blocks are evictable, so they count as free');
    kv.start(2, b);
    assert.equal(kv.cachedBlocks, 8);
    kv.finish(2);
  });

  it('evicts the least recently used unused blocks, the tail of a prompt first', () => {
    const kv = new PrefixKvCache(8, 16);
    const a = prompt(64, 'a'); // 4 blocks
    const b = prompt(64, 'b');
    kv.start(1, kv.prepare(input(a)));
    kv.finish(1);
    kv.start(2, kv.prepare(input(b)));
    kv.finish(2);
    assert.equal(kv.cachedUnusedBlocks, 8);
    // 2 new blocks evict a's two tail blocks (a was used least recently; its tail was released first).
    kv.start(3, kv.prepare(input(prompt(32, 'c'))));
    kv.finish(3);
    assert.equal(kv.evictedBlocks, 2);
    assert.equal(kv.peekCachedTokens(kv.prepare(input(a + 'x'.repeat(8)))), 32, 'a keeps its head blocks');
    assert.equal(kv.peekCachedTokens(kv.prepare(input(b + 'x'.repeat(8)))), 64, 'b is untouched');
  });

  it('keys blocks by model or adapter', () => {
    const kv = new PrefixKvCache(100, 16);
    const text = prompt(80);
    kv.start(1, kv.prepare(input(text, 0, 'base')));
    kv.finish(1);
    assert.equal(kv.start(2, kv.prepare(input(text, 0, 'lora-a'))).cachedTokens, 0);
    kv.finish(2);
    assert.equal(kv.start(3, kv.prepare(input(text, 0, 'base'))).cachedTokens, 64);
    kv.finish(3);
  });
});
