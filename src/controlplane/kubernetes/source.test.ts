// KubernetesSource against the fake API server (test double): informers follow adds, updates and
// deletes, re-list after 410 Gone, reconnect dropped watches, skip kinds whose CRD is missing, and turn
// Pods into directly reachable running pods.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lookupKind } from '../../config/schemas/index.ts';
import { FakeKubeApiServer, sample, waitFor } from '../../../test/support/fake-kube-apiserver.ts';
import type { FakeKubeApiServerOptions } from '../../../test/support/fake-kube-apiserver.ts';
import { KubeClient, loadKubeConfig } from './client.ts';
import { WATCHED_KINDS, apiVersionOf } from './kinds.ts';
import { KubernetesSource } from './source.ts';
import type { KubernetesSourceOptions } from './source.ts';
import type { ClusterPod } from './pods.ts';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

async function cluster(options: FakeKubeApiServerOptions = {}) {
  const server = await FakeKubeApiServer.start(options);
  open.push(server);
  return server;
}

function sourceFor(server: FakeKubeApiServer, options: Partial<KubernetesSourceOptions> = {}): KubernetesSource {
  const source = new KubernetesSource({
    connection: { kubeconfig: server.writeKubeconfig() },
    debounceMs: 20,
    backoff: { initialMs: 20, maxMs: 200 },
    absentRecheckMs: 100,
    ...options,
  });
  open.push(source);
  return source;
}

const names = (set: { resources: readonly { kind: string; namespace: string; name: string }[] }, kind: string) =>
  set.resources.filter((r) => r.kind === kind).map((r) => `${r.namespace}/${r.name}`).sort();

describe('WATCHED_KINDS', () => {
  it('names only (apiVersion, kind) pairs that Sluice validates', () => {
    for (const k of WATCHED_KINDS) for (const v of k.versions) assert.ok(lookupKind(apiVersionOf(k.group, v), k.kind), `${apiVersionOf(k.group, v)} ${k.kind}`);
  });
});

describe('KubernetesSource', () => {
  it('loads validated resources and follows adds, updates and deletes (debounced onChange)', async () => {
    const server = await cluster();
    server.apply([sample.gatewayClass('sluice', 'sluice.dev/gateway-controller'), sample.gateway('gw', 'sluice')]);
    const source = sourceFor(server);
    const first = await source.load();
    assert.equal(source.kind, 'kubernetes');
    assert.equal(first.podsArePlanned, false);
    assert.deepEqual(first.files, []);
    assert.deepEqual(names(first, 'Gateway'), ['default/gw']);
    assert.deepEqual(names(first, 'GatewayClass'), ['/sluice']);
    assert.equal(first.problems.filter((p) => p.severity === 'error').length, 0, JSON.stringify(first.problems));
    const gw = first.resources.find((r) => r.kind === 'Gateway')!;
    assert.equal(gw.apiVersion, 'gateway.networking.k8s.io/v1');
    assert.equal(gw.group, 'gateway.networking.k8s.io');

    let changes = 0;
    const stop = source.watch(() => changes++);
    server.apply(sample.httpRoute('r1', ['gw']));
    await waitFor('onChange after an add', () => changes > 0);
    assert.deepEqual(names(await source.load(), 'HTTPRoute'), ['default/r1']);

    changes = 0;
    server.apply({ ...sample.httpRoute('r1', ['gw']), spec: { parentRefs: [{ name: 'gw', sectionName: 'http' }] } });
    await waitFor('onChange after an update', () => changes > 0);
    const updated = (await source.load()).resources.find((r) => r.kind === 'HTTPRoute')!;
    assert.deepEqual((updated.object as { spec: { parentRefs: unknown[] } }).spec.parentRefs, [{ name: 'gw', sectionName: 'http' }]);

    changes = 0;
    server.delete('HTTPRoute', 'default', 'r1');
    await waitFor('onChange after a delete', () => changes > 0);
    assert.deepEqual(names(await source.load(), 'HTTPRoute'), []);

    // A status-only change (what the status sink writes) is no change for the data plane.
    changes = 0;
    server.updateStatus('Gateway', 'default', 'gw', { conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: '', lastTransitionTime: '2025-01-01T00:00:00Z' }] });
    await waitFor('the status reaching the cache', () => (source.find('Gateway', 'default', 'gw')?.object['status'] as { conditions?: unknown[] } | undefined)?.conditions?.length === 1);
    server.apply(sample.httpRoute('r2', ['gw']));
    await waitFor('onChange after the next real change', () => changes > 0);
    assert.equal(changes, 1);
    stop();
  });

  it('re-lists after a watch fails with 410 Gone (compacted resourceVersion)', async () => {
    const server = await cluster();
    server.apply([sample.httpRoute('keep', ['gw']), sample.httpRoute('gone', ['gw'])]);
    const source = sourceFor(server);
    assert.deepEqual(names(await source.load(), 'HTTPRoute'), ['default/gone', 'default/keep']);
    await waitFor('the HTTPRoute watch', () => server.openWatches('HTTPRoute') === 1);
    const lists = () => server.requests.filter((r) => r.method === 'GET' && !r.watch && r.path.endsWith('/httproutes')).length;
    const listsBefore = lists();
    // While the watch is cut, the history it would resume from is compacted away and an object goes.
    server.dropWatches('HTTPRoute');
    server.compact();
    server.delete('HTTPRoute', 'default', 'gone');
    await waitFor('a re-list after 410', () => lists() > listsBefore);
    await waitFor('the deletion seen through the re-list', async () => names(await source.load(), 'HTTPRoute').join() === 'default/keep');
    // (A dropped watch alone resumes without a re-list: see the next tests. The re-list is the 410's.)
  });

  it('re-lists after 410 on a live watch (ERROR event) and after an HTTP 410', async () => {
    const server = await cluster({ expiredAs: 'status' });
    const source = sourceFor(server);
    await source.load();
    await waitFor('the Service watch', () => server.openWatches('Service') === 1);
    const lists = () => server.requests.filter((r) => r.method === 'GET' && !r.watch && r.path.endsWith('/services')).length;
    let before = lists();
    server.expireWatches('Service');
    await waitFor('a re-list after an ERROR 410 event', () => lists() > before);
    await waitFor('the Service watch again', () => server.openWatches('Service') === 1);
    before = lists();
    server.dropWatches('Service');
    server.compact();
    await waitFor('a re-list after HTTP 410', () => lists() > before);
    assert.ok(server.requests.some((r) => r.watch && r.path.endsWith('/services') && r.status === 410));
  });

  it('reconnects a dropped watch from its last resourceVersion (no re-list) and sees what changed', async () => {
    const server = await cluster();
    server.apply(sample.gateway('gw', 'c'));
    const source = sourceFor(server);
    await source.load();
    let changes = 0;
    source.watch(() => changes++);
    await waitFor('the Gateway watch', () => server.openWatches('Gateway') === 1);
    const listsBefore = server.requests.filter((r) => !r.watch && r.path.endsWith('/gateways')).length;
    const watchesBefore = server.requests.filter((r) => r.watch && r.path.endsWith('/gateways')).length;
    assert.equal(server.dropWatches('Gateway'), 1);
    await waitFor('a new Gateway watch', () => server.requests.filter((r) => r.watch && r.path.endsWith('/gateways')).length > watchesBefore && server.openWatches('Gateway') === 1);
    const resumed = server.requests.filter((r) => r.watch && r.path.endsWith('/gateways')).at(-1)!;
    assert.match(resumed.query, /resourceVersion=\d+/);
    server.apply(sample.gateway('gw2', 'c'));
    await waitFor('the new Gateway through the resumed watch', async () => changes > 0 && names(await source.load(), 'Gateway').length === 2);
    assert.equal(server.requests.filter((r) => !r.watch && r.path.endsWith('/gateways')).length, listsBefore, 'no re-list');
  });

  it('skips a kind whose CRD is not installed with a warning, and picks it up once installed', async () => {
    const server = await cluster({ without: ['TLSRoute', 'AIGatewayRoute'] });
    server.apply(sample.gateway('gw', 'c'));
    const source = sourceFor(server);
    const set = await source.load();
    assert.deepEqual(names(set, 'Gateway'), ['default/gw']);
    const warning = set.problems.find((p) => /CRD not installed/.test(p.message));
    assert.ok(warning && warning.severity === 'warning', JSON.stringify(set.problems));
    assert.match(warning.message, /TLSRoute/);
    assert.match(warning.message, /AIGatewayRoute/);
    let changes = 0;
    source.watch(() => changes++);
    server.install({ group: 'gateway.networking.k8s.io', versions: ['v1alpha2'], kind: 'TLSRoute', plural: 'tlsroutes', namespaced: true, statusSubresource: true, builtin: false });
    server.apply({
      apiVersion: 'gateway.networking.k8s.io/v1alpha2',
      kind: 'TLSRoute',
      metadata: { name: 't' },
      spec: { parentRefs: [{ name: 'gw' }], hostnames: ['a.example.com'], rules: [{ backendRefs: [{ name: 'svc', port: 443 }] }] },
    });
    await waitFor('the TLSRoute once its CRD exists', async () => changes > 0 && names(await source.load(), 'TLSRoute').length === 1);
    const later = await source.load();
    // The server serves TLSRoute only as v1alpha2: the source fell back to that version.
    assert.equal(later.resources.find((r) => r.kind === 'TLSRoute')!.apiVersion, 'gateway.networking.k8s.io/v1alpha2');
    assert.doesNotMatch(later.problems.find((p) => /CRD not installed/.test(p.message))!.message, /TLSRoute/);
  });

  it('turns Pods into running pods reachable at podIP:containerPort', async () => {
    const server = await cluster();
    const pod = (name: string, ready: boolean, ip?: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: 'default',
        labels: { app: 'vllm', 'pod-template-hash': '5d9f' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'vllm-5d9f', controller: true }],
      },
      spec: {
        containers: [
          { name: 'sidecar', image: 'busybox', ports: [{ containerPort: 9090, name: 'metrics' }] },
          { name: 'sim', image: 'ghcr.io/llm-d/llm-d-inference-sim:v0.4.0', args: ['--model', 'm', '--port', '8000'], ports: [{ containerPort: 8000, name: 'http' }] },
        ],
      },
      status: { phase: 'Running', ...(ip ? { podIP: ip } : {}), conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    });
    server.apply([pod('vllm-5d9f-a', true, '10.0.0.7'), pod('vllm-5d9f-b', false, '10.0.0.8'), pod('vllm-5d9f-c', false)]);
    const source = sourceFor(server);
    const set = await source.load();
    const pods = (set.pods as ClusterPod[]).slice().sort((a, b) => a.name.localeCompare(b.name));
    assert.equal(pods.length, 3);
    const [a, b, c] = pods as [ClusterPod, ClusterPod, ClusterPod];
    assert.equal(a.direct, true);
    assert.equal(a.address, '10.0.0.7');
    assert.equal(a.ready, true);
    assert.equal(a.role, 'simulator');
    assert.equal(a.container.name, 'sim');
    assert.equal(a.servingPort, 8000);
    assert.equal(a.actualPort, 8000);
    assert.equal(a.deployment, 'default/vllm');
    assert.deepEqual(a.labels, { app: 'vllm', 'pod-template-hash': '5d9f' });
    assert.deepEqual([...a.namedPorts], [['metrics', 9090], ['http', 8000]]);
    assert.equal(b.ready, false);
    assert.equal(c.ready, false);
    assert.equal(c.address, '');
    // Pods are validated resources too, as files would be.
    assert.equal(names(set, 'Pod').length, 3);

    // Readiness changes reach the source; container restarts alone do not.
    let changes = 0;
    source.watch(() => changes++);
    server.updateStatus('Pod', 'default', 'vllm-5d9f-b', { phase: 'Running', podIP: '10.0.0.8', conditions: [{ type: 'Ready', status: 'True' }] });
    await waitFor('pod b ready', async () => changes > 0 && ((await source.load()).pods as ClusterPod[]).find((p) => p.name === 'vllm-5d9f-b')!.ready);
  });

  it('watches only the given namespaces (cluster-scoped kinds stay cluster-wide)', async () => {
    const server = await cluster();
    server.apply([sample.gatewayClass('c', 'x/y'), sample.gateway('a', 'c', 'team-a'), sample.gateway('b', 'c', 'team-b'), sample.gateway('c', 'c', 'team-c')]);
    const source = sourceFor(server, { namespaces: ['team-a', 'team-c'] });
    const set = await source.load();
    assert.deepEqual(names(set, 'Gateway'), ['team-a/a', 'team-c/c']);
    assert.deepEqual(names(set, 'GatewayClass'), ['/c']);
    assert.ok(server.requests.some((r) => r.path === '/apis/gateway.networking.k8s.io/v1/namespaces/team-a/gateways'));
    assert.ok(!server.requests.some((r) => r.path === '/apis/gateway.networking.k8s.io/v1/gateways'));
  });

  it('reports the kinds not listed yet when the API server cannot be reached in time', async () => {
    const server = await cluster();
    const kubeconfig = server.writeKubeconfig();
    await server.close();
    open.splice(open.indexOf(server), 1);
    const source = new KubernetesSource({ connection: { kubeconfig }, syncTimeoutMs: 200, backoff: { initialMs: 50, maxMs: 100 }, kinds: WATCHED_KINDS.filter((k) => k.kind === 'Gateway') });
    open.push(source);
    const set = await source.load();
    const error = set.problems.find((p) => p.severity === 'error');
    assert.ok(error, JSON.stringify(set.problems));
    assert.match(error.message, /not listed from the API server yet: Gateway/);
  });

  it('connects with a kubeconfig path and context, and refuses an unknown context', async () => {
    const server = await cluster();
    const kubeconfig = server.writeKubeconfig(undefined, { namespace: 'team-x' });
    const client = KubeClient.create({ kubeconfig, context: 'fake' });
    assert.equal(client.server, server.url);
    assert.equal(client.defaultNamespace, 'team-x');
    assert.deepEqual(await client.request('GET', '/version').then((v) => (v as { major: string }).major), '1');
    assert.throws(() => loadKubeConfig({ kubeconfig, context: 'nope' }), /no context nope/);
  });
});
