import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../framework/random.ts';
import { transientHandle } from '../../framework/registry.ts';
import { Params } from '../../framework/params.ts';
import { Scheduler } from '../../framework/scheduler.ts';
import type { SchedulingResult } from '../../framework/types.ts';
import { SingleProfileHandler } from '../pickers/single-profile-handler.ts';
import { MaxScorePicker } from '../pickers/max-score.ts';
import { DEFAULT_SATURATION } from '../../../endpoints/saturation.ts';
import { fakeCycle, fakeEndpoints, fakeRequest } from '../../testing.ts';
import { BlockHasher } from './block-hash.ts';
import { PrefixIndex } from './prefix-index.ts';
import { PrefixCacheScorer, prefixCacheScorerFactory } from './prefix-cache.ts';

function hashes(text: string, opts: { blockSize?: number; maxBlocks?: number; model?: string; salt?: string } = {}): string[] {
  const maxBlocks = opts.maxBlocks ?? 64;
  const h = new BlockHasher(opts.blockSize ?? 8, maxBlocks);
  const keys = new Int32Array(maxBlocks);
  const checks = new Int32Array(maxBlocks);
  const n = h.hash(opts.model ?? 'm', opts.salt ?? '', text, keys, checks);
  return Array.from({ length: n }, (_, i) => `${keys[i]}/${checks[i]}`);
}

const TEXT = 'abcdefgh'.repeat(2) + 'ijklmnop' + 'qrstuvwx' + 'tail'; // 4 full blocks of 8 bytes + a partial one

describe('block hashes', () => {
  it('hashes full blocks only, up to maxBlocks', () => {
    assert.equal(hashes(TEXT).length, 4);
    assert.equal(hashes(TEXT, { maxBlocks: 2 }).length, 2);
    assert.equal(hashes('short').length, 0);
    assert.equal(hashes('').length, 0);
  });

  it('chains: a block hash depends on every block before it, not after it', () => {
    const base = hashes(TEXT);
    const changedThird = hashes('abcdefgh'.repeat(2) + 'ijklmnoX' + 'qrstuvwx');
    assert.deepEqual(changedThird.slice(0, 2), base.slice(0, 2));
    assert.notEqual(changedThird[2], base[2]);
    // Block 4 has the same bytes but a different history.
    assert.notEqual(changedThird[3], base[3]);
    // Equal blocks at different positions hash differently (blocks 0 and 1 are both "abcdefgh").
    assert.notEqual(base[0], base[1]);
  });

  it('is seeded by the model and the cache salt', () => {
    const base = hashes(TEXT);
    for (const other of [hashes(TEXT, { model: 'm2' }), hashes(TEXT, { salt: 'tenant-a' })]) {
      other.forEach((h, i) => assert.notEqual(h, base[i]));
    }
    assert.notDeepEqual(hashes(TEXT, { model: 'ab', salt: 'c' }), hashes(TEXT, { model: 'a', salt: 'bc' }));
    assert.deepEqual(hashes(TEXT, { model: 'm2' }), hashes(TEXT, { model: 'm2' }));
  });

  it('works on UTF-8 bytes and with block sizes that are not a multiple of 4', () => {
    // "é" is 2 bytes: 5 of them fill one 10-byte block.
    assert.equal(hashes('ééééé', { blockSize: 10 }).length, 1);
    const odd = hashes('abcdefghijklmnopqrstu', { blockSize: 7 });
    assert.equal(odd.length, 3);
    assert.deepEqual(hashes('abcdefghijklmnXXXXXXX', { blockSize: 7 }).slice(0, 2), odd.slice(0, 2));
    assert.notEqual(hashes('abcdefghijklmnXXXXXXX', { blockSize: 7 })[2], odd[2]);
  });
});

function blocks(n: number, seed: number): { keys: Int32Array; checks: Int32Array } {
  const keys = new Int32Array(n);
  const checks = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    keys[i] = seed * 1000 + i;
    checks[i] = seed * 7 + i;
  }
  return { keys, checks };
}

describe('prefix index', () => {
  it('matches consecutive blocks from the start only', () => {
    const idx = new PrefixIndex(100);
    const a = blocks(6, 1);
    idx.add('e1', a.keys, a.checks, 4);
    assert.equal(idx.matchLength('e1', a.keys, a.checks, 6), 4);
    assert.equal(idx.matchLength('e2', a.keys, a.checks, 6), 0);
    const gap = blocks(6, 1);
    gap.checks[1] = -1; // block 1 differs: the match stops there even though blocks 2.. are held
    assert.equal(idx.matchLength('e1', gap.keys, gap.checks, 6), 1);
  });

  it('keeps at most lruCapacityPerServer entries per endpoint, evicting least recent and tails first', () => {
    const idx = new PrefixIndex(10);
    const a = blocks(8, 1);
    const b = blocks(8, 2);
    idx.add('e1', a.keys, a.checks, 8);
    idx.add('e1', b.keys, b.checks, 8);
    assert.equal(idx.entries('e1'), 10);
    assert.equal(idx.matchLength('e1', b.keys, b.checks, 8), 8);
    // A's tail went first: its first two blocks remain.
    assert.equal(idx.matchLength('e1', a.keys, a.checks, 8), 2);
    // Using A again makes it the most recent; now B loses its tail.
    idx.add('e1', a.keys, a.checks, 8);
    assert.equal(idx.entries('e1'), 10);
    assert.equal(idx.matchLength('e1', a.keys, a.checks, 8), 8);
    assert.equal(idx.matchLength('e1', b.keys, b.checks, 8), 2);
    // Another endpoint has its own bound.
    idx.add('e2', b.keys, b.checks, 8);
    assert.equal(idx.size, 18);
  });

  it('shrinks to a lower capacity and forgets endpoints that left', () => {
    const idx = new PrefixIndex(100);
    const a = blocks(8, 1);
    idx.add('e1', a.keys, a.checks, 8);
    idx.add('e2', a.keys, a.checks, 8);
    idx.setCapacity(3);
    assert.equal(idx.entries('e1'), 3);
    assert.equal(idx.matchLength('e1', a.keys, a.checks, 8), 3);
    idx.retainEndpoints(new Set(['e2']));
    assert.equal(idx.entries('e1'), 0);
    assert.equal(idx.entries('e2'), 3);
  });
});

describe('prefix-cache-scorer', () => {
  const params = { blockSize: 8, maxPrefixBlocksToMatch: 16, lruCapacityPerServer: 1000 };
  const prompt = 'system-prompt-'.repeat(4) + 'question one..'; // 70 chars → 8 blocks

  function scheduler(scorer: PrefixCacheScorer): Scheduler {
    const profile = { name: 'p', filters: [], scorers: [{ scorer, weight: 1 }], picker: new MaxScorePicker() };
    return new Scheduler({ profiles: new Map([['p', profile]]), handler: new SingleProfileHandler(), plugins: new Map(), saturation: DEFAULT_SATURATION, warnings: [] });
  }

  it('scores matched blocks / total after learning from its own picks', () => {
    const scorer = new PrefixCacheScorer('px', params);
    const s = scheduler(scorer);
    const eps = fakeEndpoints(4);
    const random = seededRandom(5);
    const first = s.schedule(fakeCycle(random), fakeRequest({ prompt }), eps);
    const run1 = first.runs.get('p')!;
    assert.deepEqual([...run1.scorers[0]!.raw], [0, 0, 0, 0]);
    const chosen = first.targets[0]!;

    // The same prompt again: the chosen endpoint holds all 8 blocks.
    const cycle2 = fakeCycle(random);
    const second = s.schedule(cycle2, fakeRequest({ prompt }), eps);
    assert.equal(second.targets[0], chosen);
    const raw2 = [...second.runs.get('p')!.scorers[0]!.raw];
    assert.deepEqual(raw2, eps.map((e) => (e === chosen ? 1 : 0)));
    assert.equal(cycle2.prefix?.totalBlocks, 8);
    assert.equal(cycle2.prefix?.matched.get(chosen.key), 8);

    // Same first 56 characters (7 blocks), different question: 7 of 9 blocks.
    const other = 'system-prompt-'.repeat(4) + 'a different question';
    const third = s.schedule(fakeCycle(random), fakeRequest({ prompt: other }), eps);
    const i = third.runs.get('p')!.candidates.indexOf(chosen);
    assert.equal(third.runs.get('p')!.scorers[0]!.raw[i], 7 / 9);
  });

  it('does not match across models', () => {
    const scorer = new PrefixCacheScorer('px', params);
    const s = scheduler(scorer);
    const eps = fakeEndpoints(2);
    s.schedule(fakeCycle(), fakeRequest({ prompt, targetModel: 'a' }), eps);
    const r = s.schedule(fakeCycle(), fakeRequest({ prompt, targetModel: 'b' }), eps);
    assert.deepEqual([...r.runs.get('p')!.scorers[0]!.raw], [0, 0]);
  });

  it('learns only from the cycle it scored, and only for the primary endpoint', () => {
    const scorer = new PrefixCacheScorer('px', params);
    const eps = fakeEndpoints(3);
    const cycle = fakeCycle();
    scorer.score(cycle, fakeRequest({ prompt }), eps, new Float64Array(3));
    const result: SchedulingResult = { primaryProfile: 'p', runs: new Map(), targets: [eps[1]!, eps[2]!] };
    scorer.afterPick(fakeCycle(), fakeRequest({ prompt }), result);
    assert.equal(scorer.index.size, 0);
    scorer.afterPick(cycle, fakeRequest({ prompt }), result);
    assert.equal(scorer.index.entries(eps[1]!.key), 8);
    assert.equal(scorer.index.entries(eps[2]!.key), 0);
  });

  it('autoTune remembers no more blocks than the endpoint reports in vllm:cache_config_info', () => {
    // 2 server blocks of 4 tokens = 32 characters = 4 index blocks of 8 characters.
    const eps = fakeEndpoints(2, { cacheBlocks: 2, cacheBlockTokens: 4 });
    const learn = (scorer: PrefixCacheScorer) => {
      const cycle = fakeCycle();
      scorer.score(cycle, fakeRequest({ prompt }), eps, new Float64Array(2));
      scorer.afterPick(cycle, fakeRequest({ prompt }), { primaryProfile: 'p', runs: new Map(), targets: [eps[0]!] });
      return scorer.index.entries(eps[0]!.key);
    };
    assert.equal(learn(new PrefixCacheScorer('px', { ...params, autoTune: true })), 4);
    assert.equal(learn(new PrefixCacheScorer('px', { ...params, autoTune: false })), 8);
  });

  it('gets its index from the pool state, so a rebuilt scorer with the same name and block size keeps it', () => {
    const handle = transientHandle();
    const make = (raw: unknown) => prefixCacheScorerFactory({ name: 'px', type: 'prefix-cache-scorer', params: new Params('px', 'prefix-cache-scorer', raw), handle }) as PrefixCacheScorer;
    const a = make({ lruCapacityPerServer: 50 });
    const b = make({ lruCapacityPerServer: 20 });
    const c = make({ blockSize: 32 });
    assert.equal(a.index, b.index);
    assert.equal(b.index.capacity, 20);
    assert.notEqual(c.index, a.index);
  });
});
