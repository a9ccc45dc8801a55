// KubernetesStatusSink: the status shapes (pure), then writes through the fake API server (a test
// double) of the conditions compile() computed from resources loaded by KubernetesSource.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../compile/index.ts';
import { EndpointRegistry } from '../../endpoints/registry.ts';
import type { ResourceStatus } from '../../runtime/snapshot.ts';
import { condition, ok } from '../../runtime/conditions.ts';
import { FakeKubeApiServer, sample, waitFor } from '../../../test/support/fake-kube-apiserver.ts';
import { KubeClient } from './client.ts';
import { KubernetesSource } from './source.ts';
import { KubernetesStatusSink, SLUICE_CONTROLLER_NAME } from './status-sink.ts';
import { gatewayStatus, kubeConditions, poolParentsStatus, routeParentsStatus } from './status-shapes.ts';

const OTHER = 'gateway.envoyproxy.io/gatewayclass-controller';

describe('status shapes', () => {
  it('keeps lastTransitionTime while a condition keeps its status; observedGeneration from the computation', () => {
    const old = [
      { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'old', lastTransitionTime: '2020-01-01T00:00:00Z', observedGeneration: 1 },
      { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: '', lastTransitionTime: '2020-01-01T00:00:00Z' },
    ];
    const out = kubeConditions([ok('Accepted', 'new message'), { ...condition('ResolvedRefs', 'False', 'BackendNotFound', 'x'), observedGeneration: 3 }, ok('Programmed')], old, 2, '2025-06-01T00:00:00Z');
    assert.deepEqual(out, [
      { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'new message', observedGeneration: 2, lastTransitionTime: '2020-01-01T00:00:00Z' },
      { type: 'ResolvedRefs', status: 'False', reason: 'BackendNotFound', message: 'x', observedGeneration: 3, lastTransitionTime: '2025-06-01T00:00:00Z' },
      { type: 'Programmed', status: 'True', reason: 'Programmed', message: '', observedGeneration: 2, lastTransitionTime: '2025-06-01T00:00:00Z' },
    ]);
  });

  it('writes Gateway listeners with attachedRoutes and supportedKinds, keeping other status fields', () => {
    const rs: ResourceStatus = {
      kind: 'Gateway',
      namespace: 'default',
      name: 'gw',
      conditions: [ok('Accepted'), ok('Programmed')],
      sub: [{ name: 'http', conditions: [ok('Accepted')], attachedRoutes: 2, supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }] }],
    };
    const st = gatewayStatus({ addresses: [{ type: 'IPAddress', value: '10.0.0.1' }] }, rs, 4, 'T');
    assert.deepEqual(st['addresses'], [{ type: 'IPAddress', value: '10.0.0.1' }]);
    assert.deepEqual(st['listeners'], [
      { name: 'http', supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }], attachedRoutes: 2, conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: '', observedGeneration: 4, lastTransitionTime: 'T' }] },
    ]);
  });

  it('route parents: replaces only this controller’s entries, keeps the others in place, drops stale ones', () => {
    const current = {
      parents: [
        { parentRef: { name: 'theirs' }, controllerName: OTHER, conditions: [] },
        { parentRef: { name: 'gone' }, controllerName: SLUICE_CONTROLLER_NAME, conditions: [] },
        { parentRef: { name: 'gw', sectionName: 'http' }, controllerName: SLUICE_CONTROLLER_NAME, conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: '', lastTransitionTime: 'OLD' }] },
      ],
    };
    const st = routeParentsStatus(current, [{ parentRef: { name: 'gw', sectionName: 'http' }, conditions: [ok('Accepted')] }], 'default', SLUICE_CONTROLLER_NAME, 1, 'NEW');
    assert.deepEqual(st['parents'], [
      { parentRef: { name: 'theirs' }, controllerName: OTHER, conditions: [] },
      { parentRef: { name: 'gw', sectionName: 'http' }, controllerName: SLUICE_CONTROLLER_NAME, conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: '', observedGeneration: 1, lastTransitionTime: 'OLD' }] },
    ]);
  });

  it('InferencePool parents: v1 with controllerName, legacy v1alpha2 `parent` without', () => {
    const parents = [{ namespace: 'default', name: 'gw', conditions: [ok('Accepted')] }];
    const v1 = poolParentsStatus({}, parents, () => false, SLUICE_CONTROLLER_NAME, false, 1, 'T');
    assert.deepEqual(v1, {
      parents: [
        {
          parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'default', name: 'gw' },
          controllerName: SLUICE_CONTROLLER_NAME,
          conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: '', observedGeneration: 1, lastTransitionTime: 'T' }],
        },
      ],
    });
    const legacy = poolParentsStatus({}, parents, () => false, SLUICE_CONTROLLER_NAME, true, 1, 'T');
    assert.deepEqual(Object.keys(legacy), ['parent']);
    assert.equal((legacy['parent'] as Record<string, unknown>[])[0]!['controllerName'], undefined);
  });
});

// ---------------------------------------------------------------------------------------------------

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

const POOL = {
  apiVersion: 'inference.networking.k8s.io/v1',
  kind: 'InferencePool',
  metadata: { name: 'pool', namespace: 'default' },
  spec: { selector: { matchLabels: { app: 'vllm' } }, targetPorts: [{ number: 8000 }] },
};

const POOL_ROUTE = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'to-pool', namespace: 'default' },
  spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'pool' }] }] },
};

/** A cluster with a Gateway of Sluice and one of another controller, and routes to both. */
async function setup(options: { sink?: Partial<ConstructorParameters<typeof KubernetesStatusSink>[0]> } = {}) {
  const server = await FakeKubeApiServer.start();
  open.push(server);
  server.apply([
    sample.gatewayClass('sluice', SLUICE_CONTROLLER_NAME),
    sample.gatewayClass('envoy', OTHER),
    sample.gateway('gw', 'sluice'),
    sample.gateway('gw-envoy', 'envoy'),
    sample.service('svc', { app: 'web' }),
    sample.httpRoute('both', ['gw', 'gw-envoy']),
    sample.httpRoute('envoy-only', ['gw-envoy']),
    POOL,
    POOL_ROUTE,
  ]);
  // Another controller already reports on its own parent.
  server.updateStatus('HTTPRoute', 'default', 'both', {
    parents: [{ parentRef: { name: 'gw-envoy' }, controllerName: OTHER, conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'by envoy', lastTransitionTime: '2024-01-01T00:00:00Z' }] }],
  });
  const client = KubeClient.create({ kubeconfig: server.writeKubeconfig() });
  const source = new KubernetesSource({ client, debounceMs: 10, controllerName: SLUICE_CONTROLLER_NAME });
  open.push(source);
  const sink = new KubernetesStatusSink({ client, objects: source, ...options.sink });
  open.push(sink);
  let generation = 0;
  /** Loads, compiles and writes, as the reload loop does. */
  const reload = async (): Promise<ResourceStatus[]> => {
    const set = await source.load();
    const snapshot = compile({ resources: set.resources, pods: set.pods, endpoints: new EndpointRegistry(), generation: ++generation });
    await sink.write(snapshot.statuses, { generation, applied: true });
    return [...snapshot.statuses];
  };
  const statusPuts = () => server.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/status'));
  return { server, client, source, sink, reload, statusPuts };
}

type Cond = { type: string; status: string; reason: string; observedGeneration?: number; lastTransitionTime: string };
type Parent = { parentRef: Record<string, unknown>; controllerName: string; conditions: Cond[] };

describe('KubernetesStatusSink', () => {
  it('writes status to what Sluice owns only, once, with observedGeneration; leaves other controllers alone', async () => {
    const { server, source, sink, reload, statusPuts } = await setup();
    await reload();

    const gc = server.get('GatewayClass', undefined, 'sluice')!;
    assert.deepEqual((gc['status'] as { conditions: Cond[] }).conditions.map((c) => [c.type, c.status, c.observedGeneration]), [['Accepted', 'True', 1]]);
    assert.equal(server.get('GatewayClass', undefined, 'envoy')!['status'], undefined);

    const gw = server.get('Gateway', 'default', 'gw')!['status'] as { conditions: Cond[]; listeners: { name: string; attachedRoutes: number; supportedKinds: unknown[]; conditions: Cond[] }[] };
    assert.ok(gw.conditions.some((c) => c.type === 'Accepted' && c.status === 'True' && c.observedGeneration === 1));
    assert.equal(gw.listeners.length, 1);
    assert.equal(gw.listeners[0]!.name, 'http');
    assert.equal(gw.listeners[0]!.attachedRoutes, 2);
    assert.deepEqual(gw.listeners[0]!.supportedKinds, [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }, { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute' }]);
    assert.equal(server.get('Gateway', 'default', 'gw-envoy')!['status'], undefined);

    const both = (server.get('HTTPRoute', 'default', 'both')!['status'] as { parents: Parent[] }).parents;
    assert.deepEqual(both.map((p) => [p.controllerName, p.parentRef['name']]), [[OTHER, 'gw-envoy'], [SLUICE_CONTROLLER_NAME, 'gw']]);
    assert.equal(both[0]!.conditions[0]!.lastTransitionTime, '2024-01-01T00:00:00Z');
    assert.deepEqual(both[1]!.conditions.map((c) => [c.type, c.status]), [['Accepted', 'True'], ['ResolvedRefs', 'True']]);
    assert.equal(server.get('HTTPRoute', 'default', 'envoy-only')!['status'], undefined);

    const pool = (server.get('InferencePool', 'default', 'pool')!['status'] as { parents: Parent[] }).parents;
    assert.equal(pool.length, 1);
    assert.deepEqual(pool[0]!.parentRef, { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'default', name: 'gw' });
    assert.equal(pool[0]!.controllerName, SLUICE_CONTROLLER_NAME);
    assert.deepEqual(pool[0]!.conditions.map((c) => [c.type, c.status]), [['Accepted', 'True'], ['ResolvedRefs', 'True']]);

    // GatewayClass, Gateway, two routes and the pool.
    assert.equal(statusPuts().length, 5);
    assert.equal(sink.stats.writes, 5);

    // The same statuses again, before and after the cache saw those writes: nothing is written.
    await reload();
    await waitFor('the cache to see the writes', () => (source.find('InferencePool', 'default', 'pool')?.object['status'] as { parents?: unknown[] } | undefined)?.parents?.length === 1);
    await reload();
    assert.equal(statusPuts().length, 5);
    assert.equal(sink.stats.conflicts, 0);
  });

  it('follows a spec change: new observedGeneration, lastTransitionTime kept for unchanged conditions', async () => {
    const { server, source, reload } = await setup();
    await reload();
    const before = (server.get('HTTPRoute', 'default', 'to-pool')!['status'] as { parents: Parent[] }).parents[0]!;
    assert.equal(before.conditions[0]!.observedGeneration, 1);
    server.apply({ ...POOL_ROUTE, spec: { ...POOL_ROUTE.spec, hostnames: ['models.example.com'] } });
    await waitFor('generation 2 in the cache', () => source.find('HTTPRoute', 'default', 'to-pool')?.object.metadata.generation === 2);
    await reload();
    const after = (server.get('HTTPRoute', 'default', 'to-pool')!['status'] as { parents: Parent[] }).parents[0]!;
    assert.equal(after.conditions[0]!.observedGeneration, 2);
    assert.equal(after.conditions[0]!.lastTransitionTime, before.conditions[0]!.lastTransitionTime);
  });

  it('re-reads and retries a write that conflicts (409), a bounded number of times', async () => {
    const { server, source, sink, reload } = await setup({ sink: { maxConflictRetries: 2 } });
    // The first status write to the Gateway meets an object someone changed since the cache saw it.
    let bumped = false;
    server.intercept((req) => {
      if (!bumped && req.method === 'PUT' && req.path.endsWith('/gateways/gw/status')) {
        bumped = true;
        server.apply({ ...sample.gateway('gw', 'sluice'), metadata: { name: 'gw', namespace: 'default', labels: { touched: 'yes' } } });
      }
      return undefined;
    });
    await reload();
    const puts = server.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/gateways/gw/status')).map((r) => r.status);
    assert.deepEqual(puts, [409, 200]);
    assert.ok(server.requests.some((r) => r.method === 'GET' && r.path.endsWith('/gateways/gw') && !r.watch), 're-read after the conflict');
    assert.equal(sink.stats.conflicts, 1);
    assert.ok((server.get('Gateway', 'default', 'gw')!['status'] as { conditions?: unknown[] }).conditions?.length);

    // A conflict every time: the sink gives up after maxConflictRetries re-reads.
    server.updateStatus('GatewayClass', undefined, 'sluice', {});
    await waitFor('the cache to see the cleared status', () => JSON.stringify(source.find('GatewayClass', '', 'sluice')?.object['status']) === '{}');
    server.intercept((req) => (req.method === 'PUT' && req.path.endsWith('/gatewayclasses/sluice/status') ? { status: 409, body: { kind: 'Status', reason: 'Conflict', code: 409, message: 'always' } } : undefined));
    await reload();
    // One try and two retries, all refused.
    assert.equal(server.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/gatewayclasses/sluice/status') && r.status === 409).length, 3);
    assert.equal(sink.stats.failures, 1);
  });

  it('does not rewrite forever when the server prunes a field it does not know', async () => {
    const { server, source, reload, statusPuts } = await setup();
    // A pool CRD without status.parents[].controllerName (older Inference Extension versions): pruned.
    server.intercept((req) => {
      if (req.method === 'PUT' && req.path.endsWith('/inferencepools/pool/status')) {
        for (const p of ((req.body as { status?: { parents?: Record<string, unknown>[] } }).status?.parents ?? [])) delete p['controllerName'];
      }
      return undefined;
    });
    await reload();
    const poolPuts = () => statusPuts().filter((r) => r.path.endsWith('/inferencepools/pool/status')).length;
    assert.equal(poolPuts(), 1);
    await waitFor('the cache to see the pruned status', () => (source.find('InferencePool', 'default', 'pool')?.object['status'] as { parents?: unknown[] } | undefined)?.parents?.length === 1);
    await reload();
    await reload();
    assert.equal(poolPuts(), 1);
    // The entry without controllerName is still recognised as Sluice's (its parent is Sluice's Gateway).
    assert.equal((server.get('InferencePool', 'default', 'pool')!['status'] as { parents: unknown[] }).parents.length, 1);
  });

  it('writes nothing while not the leader, and the latest statuses once it becomes the leader', async () => {
    const leadership = { isLeader: false, listener: undefined as undefined | ((leading: boolean) => void) };
    const leader = {
      get isLeader() {
        return leadership.isLeader;
      },
      subscribe(l: (leading: boolean) => void) {
        leadership.listener = l;
        return () => undefined;
      },
    };
    const { sink, reload, statusPuts } = await setup({ sink: { leader } });
    await reload();
    assert.equal(statusPuts().length, 0);
    leadership.isLeader = true;
    leadership.listener!(true);
    await waitFor('writes after becoming the leader', () => statusPuts().length === 5);
    await sink.idle();
  });

  it('does not write conditions of a refused configuration (unless asked to)', async () => {
    const { sink, source, statusPuts } = await setup();
    const set = await source.load();
    const statuses = compile({ resources: set.resources, pods: set.pods, endpoints: new EndpointRegistry(), generation: 1 }).statuses;
    await sink.write(statuses, { generation: 1, applied: false });
    assert.equal(statusPuts().length, 0);
  });
});
