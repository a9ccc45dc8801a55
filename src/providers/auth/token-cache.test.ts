import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { GatewayError } from '../../errors.ts';

import { upstreamAuthFailed } from './policy.ts';
import { assertNoSecret, fakeClock } from './testing.ts';
import { REFRESH_BEFORE_MS, TokenCache } from './token-cache.ts';
import type { FetchedToken } from './token-cache.ts';

function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const toError = (err: unknown) => (err instanceof GatewayError ? err : upstreamAuthFailed('P', 'token request failed'));

describe('TokenCache', () => {
  test('a short-lived token is refreshed at half its lifetime, not five minutes before', async () => {
    const clock = fakeClock();
    let n = 0;
    const cache = new TokenCache(async () => ({ token: `t${++n}`, expiresInMs: 120_000 }), clock.now, toError);
    assert.equal(await cache.get(), 't1');
    clock.advance(59_999);
    assert.equal(await cache.get(), 't1');
    clock.advance(1);
    assert.equal(await cache.get(), 't2');
  });

  test('a long-lived token is refreshed five minutes before expiry', async () => {
    const clock = fakeClock();
    let n = 0;
    const cache = new TokenCache(async () => ({ token: `t${++n}`, expiresInMs: 3600_000 }), clock.now, toError);
    await cache.get();
    clock.advance(3600_000 - REFRESH_BEFORE_MS - 1);
    assert.equal(await cache.get(), 't1');
    clock.advance(1);
    assert.equal(await cache.get(), 't2');
  });

  test('reset() while a fetch is in flight: the old answer is not kept', async () => {
    const clock = fakeClock();
    const pending: ReturnType<typeof deferred<FetchedToken>>[] = [];
    const cache = new TokenCache(
      () => {
        const d = deferred<FetchedToken>();
        pending.push(d);
        return d.promise;
      },
      clock.now,
      toError,
    );
    const old = cache.get();
    cache.reset();
    const fresh = cache.get();
    assert.equal(pending.length, 2, 'the reset started a new fetch');
    pending[0]!.resolve({ token: 'old-credential-token', expiresInMs: 3600_000 });
    pending[1]!.resolve({ token: 'new-credential-token', expiresInMs: 3600_000 });
    assert.equal(await old, 'old-credential-token');
    assert.equal(await fresh, 'new-credential-token');
    assert.equal(await cache.get(), 'new-credential-token');
    assert.equal(pending.length, 2);
  });

  test('an unknown failure becomes the safe error; the cache prints nothing', async () => {
    const clock = fakeClock();
    let ok = true;
    const cache = new TokenCache(
      async () => {
        if (ok) return { token: 'cached-token-value', expiresInMs: 1000 };
        throw new Error('library said: assertion=cached-token-value');
      },
      clock.now,
      toError,
    );
    await cache.get();
    ok = false;
    clock.advance(1000);
    await assert.rejects(cache.get(), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.message, 'P: token request failed');
      assertNoSecret(['cached-token-value'], err);
      return true;
    });
    assertNoSecret(['cached-token-value'], cache);
  });
});
