import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Engine, KvCapacityError, QueueFullError } from './engine.ts';
import { PrefixKvCache } from './kvcache.ts';
import type { Sequence, SequenceRequest } from './engine.ts';

function req(adapter?: string, signal?: AbortSignal): SequenceRequest {
  const r: SequenceRequest = { adapter, promptText: 'hello', promptTokens: 2 };
  if (signal) r.signal = signal;
  return r;
}

/** Tracks whether a promise has settled, without awaiting it. */
function watch<T>(p: Promise<T>): { settled: () => boolean; value: () => T | undefined; promise: Promise<T> } {
  let done = false;
  let v: T | undefined;
  const promise = p.then((x) => {
    done = true;
    v = x;
    return x;
  });
  return { settled: () => done, value: () => v, promise };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Engine', () => {
  it('runs at most maxNumSeqs and serves the queue in arrival order', async () => {
    const engine = new Engine({ maxNumSeqs: 2, maxWaitingQueueLength: 10, maxLoras: 1 });
    const a = await engine.admit(req());
    const b = await engine.admit(req());
    const c = watch(engine.admit(req()));
    const d = watch(engine.admit(req()));
    await tick();
    assert.equal(engine.running, 2);
    assert.equal(engine.waiting, 2);
    assert.equal(c.settled(), false);

    a.release();
    a.release(); // idempotent: must not free a second slot
    await tick();
    assert.equal(c.settled(), true, 'the first waiter gets the freed slot');
    assert.equal(d.settled(), false);
    assert.equal(engine.running, 2);
    assert.equal(engine.waiting, 1);
    assert.ok((c.value() as Sequence).queuedMs >= 0);

    b.release();
    (await c.promise).release();
    (await d.promise).release();
    assert.equal(engine.running, 0);
    assert.equal(engine.waiting, 0);
  });

  it('refuses a request when the queue is full', async () => {
    const engine = new Engine({ maxNumSeqs: 1, maxWaitingQueueLength: 1, maxLoras: 1 });
    const running = await engine.admit(req());
    const waiting = engine.admit(req());
    await assert.rejects(engine.admit(req()), QueueFullError);
    assert.equal(engine.running, 1);
    assert.equal(engine.waiting, 1);
    running.release();
    (await waiting).release();
  });

  it('drops an aborted waiter from the queue', async () => {
    const engine = new Engine({ maxNumSeqs: 1, maxWaitingQueueLength: 5, maxLoras: 1 });
    const running = await engine.admit(req());
    const ac = new AbortController();
    const waiting = engine.admit(req(undefined, ac.signal));
    assert.equal(engine.waiting, 1);
    ac.abort(new Error('gone'));
    await assert.rejects(waiting, /gone/);
    assert.equal(engine.waiting, 0);
    running.release();
    assert.equal(engine.running, 0);
  });

  it('limits distinct running LoRA adapters and prefers requests that need no new adapter', async () => {
    const engine = new Engine({ maxNumSeqs: 4, maxWaitingQueueLength: 10, maxLoras: 1 });
    const a1 = await engine.admit(req('a1'));
    const a2 = watch(engine.admit(req('a2'))); // needs a second adapter: waits
    const base = await engine.admit(req()); // base model: runs
    const a1b = await engine.admit(req('a1')); // adapter already running: runs
    await tick();
    assert.equal(engine.running, 3);
    assert.equal(engine.waiting, 1);
    assert.deepEqual(engine.runningAdapters(), ['a1']);
    assert.deepEqual(engine.waitingAdapters(), ['a2']);
    const before = engine.loraInfoUpdatedAt;

    a1.release();
    await tick();
    assert.equal(a2.settled(), false, 'a1 is still running, so a2 still cannot load');
    a1b.release();
    await tick();
    assert.equal(a2.settled(), true);
    assert.deepEqual(engine.runningAdapters(), ['a2']);
    assert.deepEqual(engine.waitingAdapters(), []);
    assert.ok(engine.loraInfoUpdatedAt >= before);

    (await a2.promise).release();
    base.release();
    assert.equal(engine.running, 0);
  });

  it('waits for KV blocks first come, first served, and refuses what can never fit', async () => {
    const kv = new PrefixKvCache(10, 16);
    const engine = new Engine({ maxNumSeqs: 8, maxWaitingQueueLength: 10, maxLoras: 1 }, kv);
    const long = (seed: string): SequenceRequest => ({ adapter: undefined, promptText: seed.repeat(256), promptTokens: 64, outputTokens: 16 });
    const a = await engine.admit(long('a')); // 4 + 1 blocks
    const b = await engine.admit(long('b')); // 5 more: the cache is fully held or promised
    const c = watch(engine.admit(long('c')));
    const small = watch(engine.admit({ adapter: undefined, promptText: 'hi', promptTokens: 1 }));
    await tick();
    assert.equal(engine.running, 2);
    assert.equal(engine.waiting, 2, 'a small request does not overtake the one waiting for blocks');
    await assert.rejects(engine.admit({ adapter: undefined, promptText: 'z'.repeat(800), promptTokens: 200 }), KvCapacityError);

    a.release();
    await tick();
    assert.equal(c.settled(), true);
    assert.equal(small.settled(), false, 'b + c hold or promise all 10 blocks');
    b.release();
    await tick();
    assert.equal(small.settled(), true);
    (await c.promise).release();
    (await small.promise).release();
    assert.equal(kv.usage(), 0);
  });

  it('charges the adapter load time to the request that loads it and to those that wait for the load', async () => {
    const engine = new Engine({ maxNumSeqs: 4, maxWaitingQueueLength: 10, maxLoras: 1, loraLoadTimeMs: 50 });
    const first = await engine.admit(req('a1'));
    assert.equal(first.adapterLoadMs, 50);
    const second = await engine.admit(req('a1'));
    assert.ok(second.adapterLoadMs > 0 && second.adapterLoadMs <= 50, 'still loading');
    first.release();
    second.release();
    const other = await engine.admit(req('a2')); // evicts a1 (idle) from the only slot
    assert.equal(other.adapterLoadMs, 50);
    assert.deepEqual(engine.loadedAdapters(), ['a2']);
    other.release();
    const base = await engine.admit(req());
    assert.equal(base.adapterLoadMs, 0);
    base.release();
  });
});
