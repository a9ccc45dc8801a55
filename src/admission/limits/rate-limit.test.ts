import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumeResult, LimitCounter, LimitStore } from './limit-store.ts';
import { MemoryLimitStore } from './memory-store.ts';
import { RateLimiter, fixedWindow, formatReset, rateLimitError } from './rate-limit.ts';
import type { RateLimitDecision, RateLimitPolicyConfig, RateLimitRequest } from './rate-limit.ts';
import { StoreUnavailableError, alwaysUp } from './redis-connection.ts';

const T0 = Date.parse('2026-03-01T12:00:00Z');

function req(over: Partial<RateLimitRequest> = {}): RateLimitRequest {
  return { headers: {}, clientAddress: '10.0.0.1', method: 'POST', path: '/v1/chat/completions', route: 'default/chat', ...over };
}

function limiter(config: Omit<RateLimitPolicyConfig, 'name'>, clock: { now: number }, store: LimitStore = new MemoryLimitStore({ now: () => clock.now })): RateLimiter {
  const l = new RateLimiter({ name: 'default/policy', ...config }, store, { now: () => clock.now });
  assert.deepEqual(l.problems, []);
  return l;
}

async function check(l: RateLimiter, r: RateLimitRequest = req()): Promise<RateLimitDecision> {
  return l.check(r);
}

describe('fixed windows (Envoy ratelimit counting)', () => {
  it('aligns windows to the epoch', () => {
    assert.deepEqual(fixedWindow(61_500, 60_000), { start: 60_000, end: 120_000 });
    assert.deepEqual(fixedWindow(T0 + 59_999, 60_000), { start: T0, end: T0 + 60_000 });
  });

  it('formats resets as OpenAI does', () => {
    assert.equal(formatReset(250), '250ms');
    assert.equal(formatReset(1000), '1s');
    assert.equal(formatReset(59_001), '1m0s');
    assert.equal(formatReset(360_000), '6m0s');
    assert.equal(formatReset(3_723_000), '1h2m3s');
  });
});

describe('RateLimiter (EG BackendTrafficPolicy rateLimit)', () => {
  it('limits requests per window and answers the 429 headers', async () => {
    const clock = { now: T0 + 15_000 };
    const l = limiter({ rules: [{ limit: { requests: 2, unit: 'Minute' } }] }, clock);
    const first = await check(l);
    assert.equal(first.allowed, true);
    assert.deepEqual(first.headers, { 'x-ratelimit-limit-requests': '2', 'x-ratelimit-remaining-requests': '1', 'x-ratelimit-reset-requests': '45s' });
    assert.equal((await check(l)).allowed, true);
    const denied = await check(l);
    assert.equal(denied.allowed, false);
    assert.equal(denied.retryAfterSeconds, 45);
    assert.equal(denied.headers['retry-after'], '45');
    assert.equal(denied.headers['x-ratelimit-remaining-requests'], '0');
    const err = rateLimitError(denied);
    assert.equal(err.status, 429);
    assert.equal(err.code, 'rate_limited');
    assert.equal(err.headers['retry-after'], '45');
    assert.match(err.message, /requests per minute: limit 2/);
    clock.now = T0 + 60_000;
    assert.equal((await check(l)).allowed, true, 'the next window starts over');
  });

  it('Distinct headers get one counter per value; a missing header does not match', async () => {
    const clock = { now: T0 };
    const l = limiter({ rules: [{ clientSelectors: [{ headers: [{ name: 'x-tenant-id', type: 'Distinct' }] }], limit: { requests: 1, unit: 'Hour' } }] }, clock);
    assert.equal((await check(l, req({ headers: { 'x-tenant-id': 'a' } }))).allowed, true);
    assert.equal((await check(l, req({ headers: { 'x-tenant-id': 'b' } }))).allowed, true);
    assert.equal((await check(l, req({ headers: { 'x-tenant-id': 'a' } }))).allowed, false);
    const none = await check(l, req());
    assert.ok(none.allowed && none.ticket === undefined, 'no rule matched: nothing counted');
  });

  it('selects on x-ai-eg-model from the derived model, not a client header', async () => {
    const clock = { now: T0 };
    const l = limiter({ rules: [{ clientSelectors: [{ headers: [{ name: 'x-ai-eg-model', type: 'Exact', value: 'gpt-4' }] }], limit: { requests: 0, unit: 'Hour' } }] }, clock);
    assert.equal((await check(l, req({ model: 'gpt-4' }))).allowed, false);
    assert.equal((await check(l, req({ model: 'gpt-4o', headers: { 'x-ai-eg-model': 'gpt-4' } }))).allowed, true);
  });

  it('RegularExpression matches the whole value and invert flips it', async () => {
    const clock = { now: T0 };
    const l = limiter(
      {
        rules: [
          { clientSelectors: [{ headers: [{ name: 'x-user', type: 'RegularExpression', value: 'bot-[0-9]+' }] }], limit: { requests: 0, unit: 'Second' } },
          { clientSelectors: [{ headers: [{ name: 'x-plan', value: 'free', invert: true }] }], limit: { requests: 0, unit: 'Second' } },
        ],
      },
      clock,
    );
    assert.equal((await check(l, req({ headers: { 'x-user': 'bot-12', 'x-plan': 'free' } }))).allowed, false);
    assert.equal((await check(l, req({ headers: { 'x-user': 'bot-12x', 'x-plan': 'free' } }))).allowed, true, 'full match only');
    assert.equal((await check(l, req({ headers: { 'x-user': 'human', 'x-plan': 'pro' } }))).allowed, false, 'inverted exact');
  });

  it('sourceCIDR Exact shares one counter, Distinct one per address; methods and paths select', async () => {
    const clock = { now: T0 };
    const exact = limiter({ rules: [{ clientSelectors: [{ sourceCIDR: { value: '10.0.0.0/8' } }], limit: { requests: 1, unit: 'Minute' } }] }, clock);
    assert.equal((await check(exact, req({ clientAddress: '10.0.0.1' }))).allowed, true);
    assert.equal((await check(exact, req({ clientAddress: '10.9.9.9' }))).allowed, false);
    assert.equal((await check(exact, req({ clientAddress: '192.168.0.1' }))).allowed, true, 'outside the range');
    const distinct = limiter({ rules: [{ clientSelectors: [{ sourceCIDR: { type: 'Distinct', value: '10.0.0.0/8' } }], limit: { requests: 1, unit: 'Minute' } }] }, clock);
    assert.equal((await check(distinct, req({ clientAddress: '10.0.0.1' }))).allowed, true);
    assert.equal((await check(distinct, req({ clientAddress: '::ffff:10.0.0.2' }))).allowed, true);
    assert.equal((await check(distinct, req({ clientAddress: '10.0.0.2' }))).allowed, false, 'mapped and plain addresses share a counter');
    const sel = limiter({ rules: [{ clientSelectors: [{ methods: [{ value: 'GET' }], path: { type: 'PathPrefix', value: '/v1/models' } }], limit: { requests: 0, unit: 'Minute' } }] }, clock);
    assert.equal((await check(sel, req({ method: 'GET', path: '/v1/models/x' }))).allowed, false);
    assert.equal((await check(sel, req({ method: 'GET', path: '/v1/modelsx' }))).allowed, true, 'prefixes match whole segments');
    assert.equal((await check(sel, req({ method: 'POST', path: '/v1/models' }))).allowed, true);
  });

  it('counts per route unless shared', async () => {
    const clock = { now: T0 };
    const perRoute = limiter({ rules: [{ limit: { requests: 1, unit: 'Minute' } }] }, clock);
    assert.equal((await check(perRoute, req({ route: 'a' }))).allowed, true);
    assert.equal((await check(perRoute, req({ route: 'b' }))).allowed, true);
    const shared = limiter({ rules: [{ limit: { requests: 1, unit: 'Minute' }, shared: true }] }, clock);
    assert.equal((await check(shared, req({ route: 'a' }))).allowed, true);
    assert.equal((await check(shared, req({ route: 'b' }))).allowed, false);
  });

  it('token limits: check on the request (cost 0), charge llm_total_token after the response', async () => {
    const clock = { now: T0 };
    const l = limiter(
      {
        rules: [
          {
            clientSelectors: [{ headers: [{ name: 'x-tenant-id', type: 'Distinct' }] }],
            limit: { requests: 1000, unit: 'Hour' },
            cost: { request: { from: 'Number', number: 0 }, response: { from: 'Metadata', metadata: { namespace: 'io.envoy.ai_gateway', key: 'llm_total_token' } } },
          },
        ],
      },
      clock,
    );
    const r = req({ headers: { 'x-tenant-id': 't1' } });
    const a = await check(l, r);
    assert.equal(a.allowed, true);
    assert.deepEqual(a.headers, { 'x-ratelimit-limit-tokens': '1000', 'x-ratelimit-remaining-tokens': '1000', 'x-ratelimit-reset-tokens': '1h0m0s' });
    await l.settle(a.ticket, { llm_total_token: 1200, llm_input_token: 200 });
    const b = await check(l, r);
    assert.equal(b.allowed, false, 'the overshoot of the first request blocks the next (upstream semantics)');
    assert.equal(b.headers['x-ratelimit-remaining-tokens'], '0');
    assert.match(rateLimitError(b).message, /tokens per hour/);
  });

  it('all matching rules are consumed together or not at all; shadow rules never deny', async () => {
    const clock = { now: T0 };
    const store = new MemoryLimitStore({ now: () => clock.now });
    const l = limiter(
      {
        rules: [
          { limit: { requests: 10, unit: 'Minute' } },
          { clientSelectors: [{ headers: [{ name: 'x-k', type: 'Distinct' }] }], limit: { requests: 1, unit: 'Minute' } },
          { limit: { requests: 0, unit: 'Minute' }, shadowMode: true },
        ],
      },
      clock,
      store,
    );
    assert.equal((await check(l, req({ headers: { 'x-k': 'a' } }))).allowed, true);
    const denied = await check(l, req({ headers: { 'x-k': 'a' } }));
    assert.equal(denied.allowed, false);
    const ok = await check(l, req({ headers: { 'x-k': 'b' } }));
    assert.equal(ok.headers['x-ratelimit-remaining-requests'], '0', 'the most constrained rule is reported');
    assert.equal(ok.headers['x-ratelimit-limit-requests'], '1');
    // The global rule saw 2 admitted requests, not 3: the denied one consumed nothing.
    const peek = await store.peek([{ key: 'default/policy|default/chat|0', limit: 10, cost: 0, windowStartMs: T0, windowMs: 60_000 }]);
    assert.deepEqual(peek, [2]);
  });

  it('refund gives the request cost back', async () => {
    const clock = { now: T0 };
    const l = limiter({ rules: [{ limit: { requests: 1, unit: 'Minute' } }] }, clock);
    const d = await check(l);
    await l.refund(d.ticket);
    assert.equal((await check(l)).allowed, true);
  });

  it('fails open or closed when the store is unreachable, per policy', async () => {
    const clock = { now: T0 };
    const broken: LimitStore = {
      kind: 'redis',
      consume: (_c: readonly LimitCounter[]): Promise<ConsumeResult> => Promise.reject(new StoreUnavailableError('redis unavailable: Connection is closed.')),
      add: () => Promise.reject(new StoreUnavailableError('down')),
      refund: () => Promise.reject(new StoreUnavailableError('down')),
      peek: () => Promise.reject(new StoreUnavailableError('down')),
      health: () => alwaysUp(0),
      close: async () => {},
    };
    const open = await check(limiter({ rules: [{ limit: { requests: 1, unit: 'Minute' } }] }, clock, broken));
    assert.deepEqual([open.allowed, open.degraded], [true, true]);
    const closed = await check(limiter({ rules: [{ limit: { requests: 1, unit: 'Minute' } }], failureMode: 'closed' }, clock, broken));
    assert.deepEqual([closed.allowed, closed.reason, closed.retryAfterSeconds], [false, 'unavailable', 1]);
    const err = rateLimitError(closed);
    assert.equal(err.status, 503);
    assert.equal(err.headers['retry-after'], '1');
    const l = limiter({ rules: [{ limit: { requests: 1, unit: 'Minute' }, cost: { response: { from: 'Number', number: 3 } } }] }, clock, broken);
    await l.settle({ counters: [], rules: [] }, {});
  });

  it('reports rules it cannot honour', () => {
    const l = new RateLimiter(
      {
        name: 'p',
        scope: 'Local',
        rules: [
          { limit: { requests: 1, unit: 'Minute' }, cost: { response: { from: 'Number', number: 1 } } },
          { clientSelectors: [{}], limit: { requests: 1, unit: 'Minute' } },
          { clientSelectors: [{ headers: [{ name: 'x', type: 'RegularExpression', value: '(' }] }], limit: { requests: 1, unit: 'Minute' } },
          { limit: { requests: 1, unit: 'Minute' }, cost: { response: { from: 'Metadata', metadata: { namespace: 'other', key: 'k' } } } },
          { clientSelectors: [{ sourceCIDR: { value: 'x/1' } }], limit: { requests: 1.5, unit: 'Minute' } },
        ],
      },
      new MemoryLimitStore(),
    );
    assert.equal(l.problems.length, 7, l.problems.join('\n'));
  });

  it('answers synchronously with the memory store', () => {
    const l = new RateLimiter({ name: 'p', rules: [{ limit: { requests: 1, unit: 'Minute' } }] }, new MemoryLimitStore());
    assert.ok(!(l.check(req()) instanceof Promise));
  });
});
