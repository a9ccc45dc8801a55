// The controller wiring end to end against the fake API server (a test double): KubernetesSource →
// ReloadLoop (no emulator: pods are observed) → compile → snapshot, with KubernetesStatusSink writing
// status and the source's onChange driving reloads.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReloadLoop } from '../reload.ts';
import { EndpointRegistry } from '../../endpoints/registry.ts';
import { PickerStates } from '../../picker/index.ts';
import type { RuntimeSnapshot } from '../../runtime/snapshot.ts';
import { FakeKubeApiServer, sample, waitFor } from '../../../test/support/fake-kube-apiserver.ts';
import { KubeClient } from './client.ts';
import { KubernetesSource } from './source.ts';
import { KubernetesStatusSink, SLUICE_CONTROLLER_NAME } from './status-sink.ts';

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

const pod = (name: string, ip: string, ready: boolean) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 8000 }] }] },
  status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

describe('controller wiring', () => {
  it('serves the cluster’s pods at podIP:port, writes status, and reloads on changes', async () => {
    const server = await FakeKubeApiServer.start();
    open.push(server);
    server.apply([
      sample.gatewayClass('sluice', SLUICE_CONTROLLER_NAME),
      sample.gateway('gw', 'sluice'),
      sample.service('svc', { app: 'web' }),
      sample.httpRoute('r', ['gw']),
      pod('web-1', '10.1.2.3', true),
      pod('web-2', '10.1.2.4', false),
    ]);
    const client = KubeClient.create({ kubeconfig: server.writeKubeconfig() });
    const source = new KubernetesSource({ client, controllerName: SLUICE_CONTROLLER_NAME, debounceMs: 10 });
    const sink = new KubernetesStatusSink({ client, objects: source });
    open.push(source, sink);
    let serving: RuntimeSnapshot | undefined;
    const loop = new ReloadLoop({
      source,
      endpoints: new EndpointRegistry(),
      pickerStates: new PickerStates(),
      invalidReferences: 'serve',
      sink,
      apply: async (snapshot) => {
        serving = snapshot;
      },
      retire: async () => undefined,
      log: () => undefined,
    });
    open.push(loop);
    const first = await loop.reload();
    assert.equal(first.applied, true, JSON.stringify(first.problems));
    assert.deepEqual([...serving!.origins].sort(), ['http://10.1.2.3:8000']);
    const route = server.get('HTTPRoute', 'default', 'r')!['status'] as { parents: { controllerName: string; conditions: { type: string; status: string }[] }[] };
    assert.equal(route.parents[0]!.controllerName, SLUICE_CONTROLLER_NAME);
    assert.ok(route.parents[0]!.conditions.every((c) => c.status === 'True'));

    source.watch(() => void loop.reload());
    server.updateStatus('Pod', 'default', 'web-2', pod('web-2', '10.1.2.4', true).status);
    await waitFor('the second pod served once ready', () => serving?.origins.has('http://10.1.2.4:8000') === true);
    server.delete('Pod', 'default', 'web-1');
    await waitFor('the deleted pod no longer served', () => serving?.origins.has('http://10.1.2.3:8000') === false);
  });
});
