import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EndpointHealth, outcomeOfStatus } from './health.ts';
import type { AttemptOutcome, EndpointHealthOptions, HealthEvent, PassiveHealthOptions } from './health.ts';

const A = 'http://10.0.0.1:8000';
const B = 'http://10.0.0.2:8000';
const C = 'http://10.0.0.3:8000';

function keys(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `http://10.0.0.${i + 1}:8000`);
}

function tracker(passive: PassiveHealthOptions, members: readonly string[], extra: Omit<EndpointHealthOptions, 'passive' | 'onEvent'> = {}) {
  const events: HealthEvent[] = [];
  const h = new EndpointHealth({ passive, onEvent: (e) => events.push(e), ...extra });
  h.setMembers(members);
  return { h, events };
}

function repeat(h: EndpointHealth, key: string, outcome: AttemptOutcome, times: number, now: number): void {
  for (let i = 0; i < times; i++) h.record(key, outcome, now);
}

const ejectAll: PassiveHealthOptions = { maxEjectionPercent: 100 };

describe('outcomeOfStatus', () => {
  it('splits 5xx into gateway errors (502, 503, 504) and the rest; everything else is a success', () => {
    assert.equal(outcomeOfStatus(200), 'success');
    assert.equal(outcomeOfStatus(404), 'success');
    assert.equal(outcomeOfStatus(429), 'success');
    assert.equal(outcomeOfStatus(500), 'http5xx');
    assert.equal(outcomeOfStatus(501), 'http5xx');
    assert.equal(outcomeOfStatus(505), 'http5xx');
    assert.equal(outcomeOfStatus(502), 'gateway-error');
    assert.equal(outcomeOfStatus(503), 'gateway-error');
    assert.equal(outcomeOfStatus(504), 'gateway-error');
  });
});

describe('EndpointHealth passive detection: counters', () => {
  it('ejects after consecutive5xxErrors (default 5) 5xx in a row; a success in between resets', () => {
    const { h } = tracker(ejectAll, [A, B]);
    repeat(h, A, 'http5xx', 4, 0);
    h.record(A, 'success', 0);
    repeat(h, A, 'http5xx', 4, 0);
    assert.ok(h.isAvailable(A, 0));
    h.record(A, 'gateway-error', 0);
    assert.ok(!h.isAvailable(A, 0));
    assert.ok(h.isAvailable(B, 0));
  });

  it('4xx responses are successes (they reset the count)', () => {
    const { h } = tracker(ejectAll, [A]);
    repeat(h, A, 'http5xx', 4, 0);
    h.record(A, outcomeOfStatus(429), 0);
    repeat(h, A, 'http5xx', 4, 0);
    assert.ok(h.isAvailable(A, 0));
  });

  it('consecutiveGatewayErrors is off by default and, when set, a non-gateway 5xx resets it', () => {
    const { h } = tracker({ ...ejectAll, consecutive5xxErrors: 0 }, [A]);
    repeat(h, A, 'gateway-error', 50, 0);
    assert.ok(h.isAvailable(A, 0), 'no detector is on');

    const t = tracker({ ...ejectAll, consecutive5xxErrors: 0, consecutiveGatewayErrors: 3 }, [A]);
    repeat(t.h, A, 'gateway-error', 2, 0);
    t.h.record(A, 'http5xx', 0);
    repeat(t.h, A, 'gateway-error', 2, 0);
    assert.ok(t.h.isAvailable(A, 0));
    t.h.record(A, 'gateway-error', 0);
    assert.ok(!t.h.isAvailable(A, 0));
    assert.equal(t.events[0]?.type === 'ejected' && t.events[0].reason, 'consecutive-gateway-errors');
  });

  it('not split (default): local-origin failures count as 5xx and as gateway errors', () => {
    const { h, events } = tracker(ejectAll, [A]);
    repeat(h, A, 'local-origin-failure', 3, 0);
    repeat(h, A, 'http5xx', 2, 0);
    assert.ok(!h.isAvailable(A, 0));
    assert.equal(events[0]?.type === 'ejected' && events[0].reason, 'consecutive-5xx');

    const t = tracker({ ...ejectAll, consecutive5xxErrors: 0, consecutiveGatewayErrors: 2 }, [A]);
    repeat(t.h, A, 'local-origin-failure', 1, 0);
    t.h.record(A, 'timeout', 0);
    assert.ok(!t.h.isAvailable(A, 0), 'a timeout is a gateway error (504) when not split');
  });

  it('split: local-origin failures count apart (default 5); any response resets them; 5xx count only responses', () => {
    const split = { ...ejectAll, splitExternalLocalOriginErrors: true };
    const { h, events } = tracker(split, [A]);
    repeat(h, A, 'local-origin-failure', 4, 0);
    h.record(A, 'http5xx', 0); // a response: resets the local-origin count
    repeat(h, A, 'local-origin-failure', 4, 0);
    assert.ok(h.isAvailable(A, 0));
    h.record(A, 'local-origin-failure', 0);
    assert.ok(!h.isAvailable(A, 0));
    assert.equal(events[0]?.type === 'ejected' && events[0].reason, 'consecutive-local-origin-failures');

    // Local-origin failures neither count as nor reset 5xx in split mode.
    const t = tracker(split, [A]);
    for (let i = 0; i < 4; i++) {
      t.h.record(A, 'http5xx', 0);
      t.h.record(A, 'local-origin-failure', 0);
    }
    assert.ok(t.h.isAvailable(A, 0));
    t.h.record(A, 'http5xx', 0);
    assert.ok(!t.h.isAvailable(A, 0));
    assert.equal(t.events[0]?.type === 'ejected' && t.events[0].reason, 'consecutive-5xx');
  });

  it('consecutiveTimeouts (Sluice, off by default) ejects a replica that hangs; responses reset it, connect failures do not', () => {
    const opts = { ...ejectAll, splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailures: 0, consecutiveTimeouts: 3 };
    const { h, events } = tracker(opts, [A]);
    repeat(h, A, 'timeout', 2, 0);
    h.record(A, 'gateway-error', 0);
    repeat(h, A, 'timeout', 2, 0);
    h.record(A, 'local-origin-failure', 0);
    assert.ok(h.isAvailable(A, 0));
    h.record(A, 'timeout', 0);
    assert.ok(!h.isAvailable(A, 0));
    assert.equal(events[0]?.type === 'ejected' && events[0].reason, 'consecutive-timeouts');

    const { consecutiveTimeouts: _, ...withoutTimeouts } = opts;
    const off = tracker(withoutTimeouts, [A]);
    repeat(off.h, A, 'timeout', 20, 0);
    assert.ok(off.h.isAvailable(A, 0));
  });

  it('record is a no-op when passive detection is off', () => {
    const h = new EndpointHealth();
    repeat(h, A, 'http5xx', 50, 0);
    assert.ok(h.isAvailable(A, 0));
    assert.equal(h.snapshot(0).members, 0);
  });
});

describe('EndpointHealth passive detection: ejection time', () => {
  it('returns when the time is up (base 30 s), with a returned event and clean counters', () => {
    const { h, events } = tracker(ejectAll, [A, B]);
    repeat(h, A, 'http5xx', 5, 1_000);
    assert.deepEqual(events, [{ type: 'ejected', key: A, at: 1_000, until: 31_000, reason: 'consecutive-5xx', multiplier: 1 }]);
    assert.ok(!h.isAvailable(A, 30_999));
    assert.ok(h.isAvailable(A, 31_000));
    assert.deepEqual(events[1], { type: 'returned', key: A, at: 31_000, cause: 'time-up' });
    assert.equal(h.snapshot(31_000).endpoints[0]?.consecutive.http5xx, 0);
  });

  it('grows with ejections in a row, is capped by maxEjectionTime, and decays one step per interval in service', () => {
    const opts = { ...ejectAll, baseEjectionTimeMs: 10_000, maxEjectionTimeMs: 25_000, intervalMs: 1_000 };
    const { h, events } = tracker(opts, [A]);
    let now = 0;
    const untils: number[] = [];
    for (let i = 0; i < 4; i++) {
      repeat(h, A, 'http5xx', 5, now);
      const e = events.filter((x) => x.type === 'ejected').at(-1);
      assert.ok(e?.type === 'ejected');
      untils.push(e.until - now);
      now = e.until; // fails again as soon as it is back
    }
    assert.deepEqual(untils, [10_000, 20_000, 25_000, 25_000]);
    // Back in service for 2 intervals: the multiplier (3, the cap) decays to 1, so the next one is 2 × base.
    now += 2_000;
    repeat(h, A, 'http5xx', 5, now);
    const last = events.filter((x) => x.type === 'ejected').at(-1);
    assert.ok(last?.type === 'ejected');
    assert.equal(last.until - now, 20_000);
    assert.equal(last.multiplier, 2);
  });
});

describe('EndpointHealth passive detection: maxEjectionPercent', () => {
  it('default 10%: a set of fewer than 10 ejects nothing (Envoy enforces the percentage) and says so', () => {
    const { h, events } = tracker({}, [A, B, C]);
    repeat(h, A, 'http5xx', 5, 0);
    assert.ok(h.isAvailable(A, 0));
    assert.deepEqual(events, [{ type: 'ejection-skipped', key: A, at: 0, reason: 'consecutive-5xx', ejected: 0, members: 3 }]);
    // The counter was reset when it fired: 4 more do not try again, the fifth does.
    repeat(h, A, 'http5xx', 4, 0);
    assert.equal(events.length, 1);
  });

  it('10% of 10 members allows one ejection, not two', () => {
    const ks = keys(10);
    const { h } = tracker({}, ks);
    repeat(h, ks[0]!, 'http5xx', 5, 0);
    repeat(h, ks[1]!, 'http5xx', 5, 0);
    assert.ok(!h.isAvailable(ks[0]!, 0));
    assert.ok(h.isAvailable(ks[1]!, 0));
  });

  it('alwaysEjectOneEndpoint lets the first ejection through whatever the percentage', () => {
    const { h } = tracker({ alwaysEjectOneEndpoint: true }, [A, B, C]);
    repeat(h, A, 'http5xx', 5, 0);
    repeat(h, B, 'http5xx', 5, 0);
    assert.ok(!h.isAvailable(A, 0));
    assert.ok(h.isAvailable(B, 0));
  });
});

describe('EndpointHealth.filterAvailable', () => {
  const eps = [A, B, C].map((origin) => ({ origin }));

  it('returns the input array itself while everything is available', () => {
    const { h } = tracker(ejectAll, [A, B, C]);
    assert.equal(h.filterAvailable(eps, 0), eps);
  });

  it('drops ejected endpoints and keeps the order', () => {
    const { h } = tracker(ejectAll, [A, B, C]);
    repeat(h, B, 'http5xx', 5, 0);
    assert.deepEqual(h.filterAvailable(eps, 0), [{ origin: A }, { origin: C }]);
    assert.deepEqual(h.filterAvailable(eps.slice(1), 0), [{ origin: C }], '1 of 2 is 50%: not below the threshold');
    assert.deepEqual(h.filterAvailable(eps, 40_000), eps, 'back after 30 s');
  });

  it('panics (returns every candidate) below panicThreshold, default 50%', () => {
    const { h } = tracker(ejectAll, [A, B, C]);
    repeat(h, A, 'http5xx', 5, 0);
    repeat(h, B, 'http5xx', 5, 0);
    assert.equal(h.filterAvailable(eps, 0), eps);
    repeat(h, C, 'http5xx', 5, 0);
    assert.equal(h.filterAvailable(eps, 0), eps, 'all ejected: never an empty list');
    assert.equal(h.snapshot(0).panics, 2);
  });

  it('panicThreshold 0 returns an empty list when nothing is available (the caller answers 503)', () => {
    const { h } = tracker({ ...ejectAll }, [A], { panicThreshold: 0 });
    repeat(h, A, 'http5xx', 5, 0);
    assert.deepEqual(h.filterAvailable([{ origin: A }], 0), []);
  });

  it('takes a key function for other shapes; unknown keys count as available', () => {
    const { h } = tracker(ejectAll, [A, B]);
    repeat(h, A, 'http5xx', 5, 0);
    const items = [{ id: A }, { id: B }, { id: C }];
    assert.deepEqual(h.filterAvailable(items, 0, (x) => x.id), [{ id: B }, { id: C }]);
  });
});

describe('EndpointHealth membership', () => {
  it('setMembers keeps the state of remaining members and forgets the others', () => {
    const { h } = tracker(ejectAll, [A, B]);
    repeat(h, A, 'http5xx', 5, 0);
    repeat(h, B, 'http5xx', 3, 0);
    h.setMembers([A, C]);
    assert.ok(!h.isAvailable(A, 0));
    assert.deepEqual(h.members(), [A, C]);
    h.setMembers([B, C]);
    const snap = h.snapshot(0);
    assert.equal(snap.ejected, 0);
    assert.equal(snap.unavailable, 0);
    assert.equal(snap.endpoints.find((e) => e.key === B)?.consecutive.http5xx, 0, 'B came back as a new member');
  });

  it('record adds an unknown key as a member', () => {
    const h = new EndpointHealth({ passive: {} });
    h.record(A, 'success', 0);
    assert.deepEqual(h.members(), [A]);
  });
});

describe('EndpointHealth active-check state', () => {
  it('new members are pending (unavailable) until the first check passes', () => {
    const { h, events } = tracker(ejectAll, [A, B]);
    h.setActive({ healthyThreshold: 2, unhealthyThreshold: 3 });
    assert.ok(!h.isAvailable(A, 0));
    h.recordProbe(A, true, 0);
    assert.ok(h.isAvailable(A, 0), 'a single success at start');
    h.setMembers([A, B, C]);
    assert.ok(!h.isAvailable(C, 0));
    h.recordProbe(C, false, 0);
    assert.deepEqual(events.at(-1), { type: 'active-unhealthy', key: C, at: 0 });
    h.recordProbe(C, true, 0);
    assert.ok(!h.isAvailable(C, 0), 'after a failure it needs healthyThreshold successes');
    h.recordProbe(C, true, 0);
    assert.ok(h.isAvailable(C, 0));
  });

  it('unhealthyThreshold failures in a row mark it unhealthy; healthyThreshold successes bring it back', () => {
    const { h, events } = tracker(ejectAll, [A]);
    h.setActive({ healthyThreshold: 2, unhealthyThreshold: 3 });
    h.recordProbe(A, true, 0);
    h.recordProbe(A, false, 0);
    h.recordProbe(A, false, 0);
    h.recordProbe(A, true, 0);
    h.recordProbe(A, false, 0);
    h.recordProbe(A, false, 0);
    assert.ok(h.isAvailable(A, 0));
    h.recordProbe(A, false, 0);
    assert.ok(!h.isAvailable(A, 0));
    h.recordProbe(A, true, 0);
    assert.ok(!h.isAvailable(A, 0));
    h.recordProbe(A, true, 0);
    assert.ok(h.isAvailable(A, 0));
    assert.deepEqual(
      events.map((e) => e.type),
      ['active-unhealthy', 'active-healthy'],
    );
  });

  it('a successful check un-ejects a passively ejected endpoint (Envoy default) unless turned off', () => {
    const { h, events } = tracker(ejectAll, [A]);
    h.setActive({ healthyThreshold: 1, unhealthyThreshold: 3 });
    h.recordProbe(A, true, 0);
    repeat(h, A, 'http5xx', 5, 0);
    assert.ok(!h.isAvailable(A, 1));
    h.recordProbe(A, true, 1);
    assert.ok(h.isAvailable(A, 1));
    assert.deepEqual(events.at(-1), { type: 'returned', key: A, at: 1, cause: 'active-check' });

    const t = tracker({ ...ejectAll, activeCheckUnejects: false }, [A]);
    t.h.setActive({ healthyThreshold: 1, unhealthyThreshold: 3 });
    t.h.recordProbe(A, true, 0);
    repeat(t.h, A, 'http5xx', 5, 0);
    t.h.recordProbe(A, true, 1);
    assert.ok(!t.h.isAvailable(A, 1));
  });

  it('setActive(undefined) releases every endpoint held by active checks', () => {
    const { h } = tracker(ejectAll, [A, B]);
    h.setActive({ healthyThreshold: 1, unhealthyThreshold: 1 });
    h.recordProbe(A, false, 0);
    assert.ok(!h.isAvailable(A, 0) && !h.isAvailable(B, 0));
    h.setActive(undefined);
    assert.ok(h.isAvailable(A, 0) && h.isAvailable(B, 0));
    assert.equal(h.snapshot(0).unavailable, 0);
  });
});

describe('EndpointHealth events and snapshot', () => {
  it('a throwing subscriber changes nothing', () => {
    const h = new EndpointHealth({
      passive: ejectAll,
      onEvent: () => {
        throw new Error('boom');
      },
    });
    h.setMembers([A]);
    repeat(h, A, 'http5xx', 5, 0);
    assert.ok(!h.isAvailable(A, 0));
  });

  it('snapshot lists every member with its state', () => {
    const { h } = tracker(ejectAll, [A, B]);
    repeat(h, A, 'http5xx', 5, 0);
    h.record(B, 'gateway-error', 0);
    assert.deepEqual(h.snapshot(5), {
      members: 2,
      ejected: 1,
      unavailable: 1,
      panics: 0,
      endpoints: [
        { key: A, available: false, ejected: true, ejectedUntil: 30_000, ejectionReason: 'consecutive-5xx', multiplier: 1, ejections: 1, active: 'off', consecutive: { http5xx: 0, gatewayErrors: 0, localOriginFailures: 0, timeouts: 0 } },
        { key: B, available: true, ejected: false, multiplier: 0, ejections: 0, active: 'off', consecutive: { http5xx: 1, gatewayErrors: 1, localOriginFailures: 0, timeouts: 0 } },
      ],
    });
  });
});

describe('EndpointHealth properties', () => {
  const outcome = fc.constantFrom<AttemptOutcome>('success', 'http5xx', 'gateway-error', 'local-origin-failure', 'timeout');
  const step = fc.record({ member: fc.nat(9), outcome, dt: fc.nat(20_000) });
  const config = fc.record({
    members: fc.integer({ min: 1, max: 10 }),
    maxEjectionPercent: fc.integer({ min: 0, max: 100 }),
    alwaysEjectOneEndpoint: fc.boolean(),
    splitExternalLocalOriginErrors: fc.boolean(),
    consecutive5xxErrors: fc.integer({ min: 0, max: 4 }),
    consecutiveGatewayErrors: fc.integer({ min: 0, max: 4 }),
    consecutiveLocalOriginFailures: fc.integer({ min: 0, max: 4 }),
    consecutiveTimeouts: fc.integer({ min: 0, max: 4 }),
    panicThreshold: fc.integer({ min: 1, max: 100 }),
  });

  it('never ejects more than maxEjectionPercent (or one, with alwaysEjectOneEndpoint); never empties a non-empty candidate list; keeps order', () => {
    fc.assert(
      fc.property(config, fc.array(step, { maxLength: 200 }), (c, steps) => {
        const ks = keys(c.members);
        const h = new EndpointHealth({ passive: { ...c, baseEjectionTimeMs: 30_000 }, panicThreshold: c.panicThreshold });
        h.setMembers(ks);
        const eps = ks.map((origin) => ({ origin }));
        let now = 0;
        for (const s of steps) {
          now += s.dt;
          h.record(ks[s.member % ks.length]!, s.outcome, now);
          const snap = h.snapshot(now);
          const limit = Math.max(Math.floor((c.maxEjectionPercent * c.members) / 100), c.alwaysEjectOneEndpoint ? 1 : 0);
          assert.ok(snap.ejected <= limit, `${snap.ejected} ejected, limit ${limit}`);
          assert.equal(snap.endpoints.filter((e) => e.ejected).length, snap.ejected);
          const out = h.filterAvailable(eps, now);
          assert.ok(out.length > 0);
          // A subsequence of the input, in order.
          let j = 0;
          for (const e of eps) if (j < out.length && out[j] === e) j++;
          assert.equal(j, out.length);
          for (const e of out) if (out !== eps) assert.ok(h.isAvailable(e.origin, now));
        }
      }),
      { numRuns: 300 },
    );
  });
});
