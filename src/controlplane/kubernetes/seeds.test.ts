// The seed manifests applied to the fake API server (a test double) and read back by KubernetesSource
// give the resources that loading the same files gives; and the controller filter keeps only what a
// controller claims.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { loadConfig } from '../pipeline.ts';
import type { ResourceSet } from '../source.ts';
import { FakeKubeApiServer, sample } from '../../../test/support/fake-kube-apiserver.ts';
import { seedManifests } from '../../../test/support/paths.ts';
import { onlyClaimed } from './claim.ts';
import { KubernetesSource } from './source.ts';

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

const identities = (resources: readonly { group: string; kind: string; namespace: string; name: string }[]) =>
  resources.map((r) => `${r.group} ${r.kind} ${r.namespace}/${r.name}`).sort();

const noSeeds = existsSync(seedManifests) ? false : `the shared seed manifests are not at ${seedManifests} (the project was cloned alone)`;

describe('KubernetesSource and files agree', () => {
  it('seed 001 manifests: the same resources through the API server as from the files', { skip: noSeeds }, async () => {
    const server = await FakeKubeApiServer.start();
    open.push(server);
    server.applyFiles([seedManifests]);
    const source = new KubernetesSource({ connection: { kubeconfig: server.writeKubeconfig() } });
    open.push(source);
    const fromCluster = await source.load();
    const fromFiles = loadConfig([seedManifests]);
    assert.ok(fromFiles.resources.length > 10);
    assert.deepEqual(identities(fromCluster.resources), identities(fromFiles.resources));
    // The API server serves a CRD under each of its versions: the source reads the newest one Sluice knows.
    assert.equal(fromFiles.resources.find((r) => r.kind === 'AIGatewayRoute')?.apiVersion, 'aigateway.envoyproxy.io/v1alpha1');
    assert.equal(fromCluster.resources.find((r) => r.kind === 'AIGatewayRoute')?.apiVersion, 'aigateway.envoyproxy.io/v1beta1');
    assert.deepEqual(
      fromCluster.problems.filter((p) => p.severity === 'error'),
      [],
      'objects from the API server validate as the files do',
    );
  });
});

describe('onlyClaimed', () => {
  it('keeps the GatewayClasses of the controller, their Gateways and the routes attached to them', async () => {
    const server = await FakeKubeApiServer.start();
    open.push(server);
    server.apply([
      sample.gatewayClass('mine', 'sluice.dev/gateway-controller'),
      sample.gatewayClass('theirs', 'example.com/other'),
      sample.gateway('gw', 'mine'),
      sample.gateway('other', 'theirs'),
      sample.httpRoute('to-mine', ['gw']),
      sample.httpRoute('to-both', ['other', 'gw']),
      sample.httpRoute('to-theirs', ['other']),
      sample.service('svc', { app: 'a' }),
    ]);
    const source = new KubernetesSource({ connection: { kubeconfig: server.writeKubeconfig() } });
    open.push(source);
    const all: ResourceSet = await source.load();
    const kept = onlyClaimed(all, 'sluice.dev/gateway-controller');
    const names = (set: ResourceSet) => set.resources.filter((r) => r.kind !== 'Namespace').map((r) => `${r.kind}/${r.name}`).sort();
    assert.deepEqual(names(kept), ['Gateway/gw', 'GatewayClass/mine', 'HTTPRoute/to-both', 'HTTPRoute/to-mine', 'Service/svc']);
    assert.equal(names(all).length, 8);
  });
});
