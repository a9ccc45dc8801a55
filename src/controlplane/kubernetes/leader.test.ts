// Leader election over a Lease on the fake API server (a test double), with short durations; every
// wait is a bounded poll on a condition, never a measured duration.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../compile/index.ts';
import { EndpointRegistry } from '../../endpoints/registry.ts';
import { FakeKubeApiServer, sample, waitFor } from '../../../test/support/fake-kube-apiserver.ts';
import { KubeClient } from './client.ts';
import { LeaderElector } from './leader.ts';
import { KubernetesSource } from './source.ts';
import { KubernetesStatusSink, SLUICE_CONTROLLER_NAME } from './status-sink.ts';

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

// Short, but with room for a loaded test machine: a holder that renews every 200 ms keeps a 2 s lease.
const FAST = { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 200 };

async function start() {
  const server = await FakeKubeApiServer.start();
  open.push(server);
  const kubeconfig = server.writeKubeconfig(undefined, { namespace: 'sluice-system' });
  const replica = (identity: string) => {
    const client = KubeClient.create({ kubeconfig });
    const elector = new LeaderElector({ client, identity, ...FAST });
    open.push({ close: () => elector.stop({ release: false }) });
    return { client, elector };
  };
  const lease = () => server.get('Lease', 'sluice-system', 'sluice-controller')?.['spec'] as { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string; acquireTime?: string; leaseTransitions?: number } | undefined;
  return { server, replica, lease };
}

describe('LeaderElector', () => {
  it('validates its durations', () => {
    const client = new KubeClient({ getCurrentCluster: () => ({ server: 'http://127.0.0.1:1' }), getContextObject: () => null, getCurrentContext: () => '' } as never);
    assert.throws(() => new LeaderElector({ client, leaseDurationMs: 1000, renewDeadlineMs: 1000 }), /longer than the renew deadline/);
    assert.throws(() => new LeaderElector({ client, leaseDurationMs: 5000, renewDeadlineMs: 1000, retryPeriodMs: 900 }), /1\.2/);
  });

  it('one replica holds the lease; when it stops renewing, another takes over after it expires', async () => {
    const { replica, lease } = await start();
    const a = replica('replica-a');
    const b = replica('replica-b');
    const seenByB: boolean[] = [];
    b.elector.subscribe((leading) => seenByB.push(leading));
    a.elector.start();
    await waitFor('a to lead', () => a.elector.isLeader);
    b.elector.start();
    await waitFor('b to see a as the holder', () => b.elector.observedLeader === 'replica-a');
    assert.equal(b.elector.isLeader, false);
    const held = lease()!;
    assert.equal(held.holderIdentity, 'replica-a');
    assert.equal(held.leaseDurationSeconds, 2);
    assert.match(held.renewTime!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const transitions = held.leaseTransitions ?? 0;

    // a dies (stops renewing without releasing): b waits for the lease to expire, then takes it.
    await a.elector.stop({ release: false });
    assert.equal(a.elector.isLeader, false);
    await waitFor('b to take over', () => b.elector.isLeader);
    assert.equal(lease()!.holderIdentity, 'replica-b');
    assert.equal(lease()!.leaseTransitions, transitions + 1);
    assert.deepEqual(seenByB, [true]);
  });

  it('releases the lease on stop so that another replica takes over without waiting for expiry', async () => {
    const { replica, lease } = await start();
    const a = replica('replica-a');
    const b = replica('replica-b');
    a.elector.start();
    await waitFor('a to lead', () => a.elector.isLeader);
    await a.elector.stop();
    assert.equal(lease()!.holderIdentity, '');
    b.elector.start();
    await waitFor('b to lead', () => b.elector.isLeader);
    assert.equal(lease()!.holderIdentity, 'replica-b');
  });

  it('stops leading at once when the lease shows another holder, and when renewals fail past the deadline', async () => {
    const { server, replica } = await start();
    const a = replica('replica-a');
    const changes: boolean[] = [];
    a.elector.subscribe((l) => changes.push(l));
    a.elector.start();
    await waitFor('a to lead', () => a.elector.isLeader);
    // Someone else writes the Lease (e.g. an operator or a replica with a skewed view).
    const current = server.get('Lease', 'sluice-system', 'sluice-controller')!;
    server.apply({ ...current, spec: { ...(current['spec'] as object), holderIdentity: 'intruder', renewTime: new Date().toISOString().replace('Z', '000Z') } });
    await waitFor('a to step down', () => !a.elector.isLeader && changes.at(-1) === false);
    await a.elector.stop({ release: false });

    // Renewals that fail: isLeader turns false once the renew deadline has passed.
    const b = replica('replica-b');
    server.delete('Lease', 'sluice-system', 'sluice-controller');
    b.elector.start();
    await waitFor('b to lead', () => b.elector.isLeader);
    server.intercept((req) => (req.path.includes('/leases') ? { status: 503 } : undefined));
    await waitFor('b to stop leading', () => !b.elector.isLeader);
  });

  it('two status sinks: only the lease holder writes; the next holder writes after taking over', async () => {
    const { server, replica } = await start();
    server.apply([sample.gatewayClass('sluice', SLUICE_CONTROLLER_NAME), sample.gateway('gw', 'sluice')]);
    const writer = (identity: string) => {
      const r = replica(identity);
      const source = new KubernetesSource({ client: r.client, debounceMs: 10, controllerName: SLUICE_CONTROLLER_NAME });
      const sink = new KubernetesStatusSink({ client: r.client, objects: source, leader: r.elector });
      open.push(source, sink);
      let generation = 0;
      const reload = async () => {
        const set = await source.load();
        const snap = compile({ resources: set.resources, pods: set.pods, endpoints: new EndpointRegistry(), generation: ++generation });
        await sink.write(snap.statuses, { generation, applied: true });
      };
      return { ...r, source, sink, reload };
    };
    const a = writer('replica-a');
    const b = writer('replica-b');
    a.elector.start();
    await waitFor('a to lead', () => a.elector.isLeader);
    b.elector.start();
    await waitFor('b to see a as the holder', () => b.elector.observedLeader === 'replica-a');
    await Promise.all([a.reload(), b.reload()]);
    assert.equal(a.sink.stats.writes, 2); // GatewayClass and Gateway
    assert.equal(b.sink.stats.writes, 0);
    assert.ok(server.get('Gateway', 'default', 'gw')!['status']);

    // a dies; someone wipes the Gateway's status meanwhile; b takes over and writes it again.
    await a.elector.stop({ release: false });
    server.updateStatus('Gateway', 'default', 'gw', {});
    await waitFor('b to see the wiped status', () => JSON.stringify(b.source.find('Gateway', 'default', 'gw')?.object['status']) === '{}');
    await b.reload(); // before the takeover the statuses are only kept; after it they are written
    await waitFor('b to take over and write', () => b.elector.isLeader && b.sink.stats.writes === 1);
    await b.sink.idle();
    assert.ok((server.get('Gateway', 'default', 'gw')!['status'] as { conditions?: unknown[] }).conditions?.length);
    // a, no longer leading, writes nothing even when asked.
    await a.reload();
    assert.equal(a.sink.stats.writes, 2);
  });
});
