import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRandom } from './random.ts';
import { applyStop, planOutput, randomTokens } from './textgen.ts';
import { countTokens, renderChatPrompt, tokenize } from './tokenizer.ts';

describe('tokenizer', () => {
  it('cuts text into 4-character pieces that join back to the text', () => {
    for (const text of ['', 'a', 'abcd', 'abcde', 'héllo wörld 🙂 emoji', 'x'.repeat(1001)]) {
      const pieces = tokenize(text);
      assert.equal(pieces.join(''), text);
      assert.equal(pieces.length, countTokens(text));
      assert.equal(pieces.length, Math.ceil(Array.from(text).length / 4));
    }
  });

  it('renders chat messages with role markers and text parts', () => {
    const text = renderChatPrompt([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'image_url', image_url: { url: 'x' } }] },
    ]);
    assert.equal(text, '<|system|>\nBe brief.\n<|user|>\nHi\n');
  });
});

describe('planOutput', () => {
  it('random mode never exceeds max_tokens and says "length" exactly when it reaches it', () => {
    const rng = createRandom(99);
    for (let i = 0; i < 3000; i++) {
      const maxTokens = rng.int(1, 300);
      const plan = planOutput(rng, { mode: 'random', echoText: '', maxTokens, contextLeft: 1000, ignoreEos: false });
      assert.ok(plan.tokens.length >= 1 && plan.tokens.length <= maxTokens, `${plan.tokens.length} > ${maxTokens}`);
      assert.equal(plan.finishReason, plan.tokens.length === maxTokens ? 'length' : 'stop');
    }
  });

  it('random mode without max_tokens stays inside the context window', () => {
    const rng = createRandom(5);
    for (let i = 0; i < 500; i++) {
      const plan = planOutput(rng, { mode: 'random', echoText: '', maxTokens: undefined, contextLeft: 30, ignoreEos: false });
      assert.ok(plan.tokens.length >= 1 && plan.tokens.length <= 30);
    }
  });

  it('ignore_eos generates exactly max_tokens', () => {
    const plan = planOutput(createRandom(1), { mode: 'random', echoText: '', maxTokens: 17, contextLeft: 100, ignoreEos: true });
    assert.equal(plan.tokens.length, 17);
    assert.equal(plan.finishReason, 'length');
  });

  it('echo mode returns the text, truncated to max_tokens', () => {
    const text = 'The quick brown fox jumps over the lazy dog.';
    const full = planOutput(createRandom(1), { mode: 'echo', echoText: text, maxTokens: undefined, contextLeft: 100, ignoreEos: false });
    assert.equal(full.tokens.join(''), text);
    assert.equal(full.finishReason, 'stop');
    const cut = planOutput(createRandom(1), { mode: 'echo', echoText: text, maxTokens: 3, contextLeft: 100, ignoreEos: false });
    assert.equal(cut.tokens.join(''), text.slice(0, 12));
    assert.equal(cut.finishReason, 'length');
  });

  it('random text reads as sentences and ends with a period on "stop"', () => {
    const tokens = randomTokens(createRandom(2), 40, 'stop');
    const text = tokens.join('');
    assert.match(text, /^[A-Z][a-z]+( [a-zA-Z]+\.?)+$/);
    assert.ok(text.endsWith('.'));
    assert.ok(tokens.slice(1).every((t) => t.startsWith(' ')));
  });

  it('the same seed gives the same output', () => {
    const a = planOutput(createRandom(77), { mode: 'random', echoText: '', maxTokens: 50, contextLeft: 100, ignoreEos: false });
    const b = planOutput(createRandom(77), { mode: 'random', echoText: '', maxTokens: 50, contextLeft: 100, ignoreEos: false });
    assert.deepEqual(a, b);
  });
});

describe('applyStop', () => {
  it('ends the text before the earliest stop string and keeps the tokens generated up to it', () => {
    const plan = { tokens: ['Hel', 'lo w', 'orld', '. Bye', ' now'], finishReason: 'length' as const };
    assert.deepEqual(applyStop(plan, ['world', 'Bye']), { tokens: ['Hel', 'lo ', ''], finishReason: 'stop', stopReason: 'world' });
    assert.deepEqual(applyStop(plan, ['Bye']), { tokens: ['Hel', 'lo w', 'orld', '. '], finishReason: 'stop', stopReason: 'Bye' });
    assert.equal(applyStop(plan, ['absent']), plan);
    assert.equal(applyStop(plan, []), plan);
  });

  it('prefers the longer of two stop strings starting at the same place', () => {
    const plan = { tokens: ['ab', 'cd', 'ef'], finishReason: 'stop' as const };
    assert.equal(applyStop(plan, ['cd', 'cde']).stopReason, 'cde');
  });

  it('applies to planned output in both modes', () => {
    const echo = planOutput(createRandom(1), { mode: 'echo', echoText: 'one two STOP three', maxTokens: undefined, contextLeft: 100, ignoreEos: false, stop: ['STOP'] });
    assert.equal(echo.tokens.join(''), 'one two ');
    assert.equal(echo.finishReason, 'stop');
    const random = planOutput(createRandom(2), { mode: 'random', echoText: '', maxTokens: 200, contextLeft: 500, ignoreEos: true, stop: [' the '] });
    assert.ok(!random.tokens.join('').includes(' the '));
  });
});

