// `sluice controller` end to end, against the fake Kubernetes API server (a TEST DOUBLE: there is no
// API server on these machines; it speaks the real list/watch/status protocol). A simulated vLLM
// replica stands in for a pod: its Pod object carries podIP 127.0.0.1 and the replica's port.
// Checked: the routes serve (official openai client), status is written back, deleting the route
// removes it, a second replica serves too and writes status only once the first's Lease expires.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import OpenAI from 'openai';
import { request } from 'undici';
import { startSimulator } from '../simulator/server.ts';
import { parseSimulatorArgs } from '../simulator/options.ts';
import { FakeKubeApiServer, waitFor } from '../test/support/fake-kube-apiserver.ts';
import { startController } from './controller.ts';
import type { ControllerOptions, RunningController } from './controller.ts';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function manifests(listenerPort: number, podPort: number): object[] {
  return [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'sluice' }, spec: { controllerName: 'sluice.dev/gateway-controller' } },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'default', generation: 1 }, spec: { gatewayClassName: 'sluice', listeners: [{ name: 'http', protocol: 'HTTP', port: listenerPort }] } },
    { apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', metadata: { name: 'llama', namespace: 'default', generation: 1 }, spec: { selector: { matchLabels: { app: 'llama' } }, targetPorts: [{ number: podPort }], endpointPickerRef: { name: 'llama-epp', port: { number: 9002 } } } },
    {
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'AIGatewayRoute',
      metadata: { name: 'route', namespace: 'default', generation: 1 },
      spec: { parentRefs: [{ name: 'gw', kind: 'Gateway', group: 'gateway.networking.k8s.io' }], rules: [{ matches: [{ headers: [{ type: 'Exact', name: 'x-ai-eg-model', value: MODEL }] }], backendRefs: [{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama' }] }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'llama-0', namespace: 'default', labels: { app: 'llama' } },
      spec: { containers: [{ name: 'vllm', image: 'ghcr.io/llm-d/llm-d-inference-sim:v0.4.0', ports: [{ containerPort: podPort }] }] },
      status: { phase: 'Running', podIP: '127.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
    },
  ];
}

describe('sluice controller against a fake API server', () => {
  let server: FakeKubeApiServer;
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let listenerPort: number;
  const running: RunningController[] = [];

  const options = (host: string, identity: string): ControllerOptions => ({
    kubeconfig: server.writeKubeconfig(),
    namespace: [],
    controllerName: 'sluice.dev/gateway-controller',
    leaderElect: true,
    leaseNamespace: 'default',
    leaseDurationMs: 1500,
    renewDeadlineMs: 1000,
    retryPeriodMs: 200,
    identity,
    host,
    adminPort: 0,
    adminHost: '127.0.0.1',
    drainTimeout: 0,
  });

  before(async () => {
    server = await FakeKubeApiServer.start();
    const { options: simOptions } = parseSimulatorArgs(['--model', MODEL, '--time-to-first-token', '0', '--inter-token-latency', '0'], { host: '127.0.0.1' });
    sim = await startSimulator({ ...simOptions, port: 0 });
    listenerPort = await freePort();
    server.apply(manifests(listenerPort, Number(new URL(sim.url).port)));
  });
  after(async () => {
    for (const r of running.splice(0)) await r?.close().catch(() => undefined);
    await sim?.close();
    await server?.close();
  });

  it('serves the cluster’s route with the official client and writes status back', async () => {
    running.push(await startController(options('127.0.0.1', 'replica-a'), () => undefined));
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${listenerPort}/v1`, apiKey: 'unused', maxRetries: 0 });
    const reply = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi. Say this is a test' }], max_tokens: 4 });
    assert.equal(reply.object, 'chat.completion');
    await waitFor('route status written', () => {
      const route = server.get('AIGatewayRoute', 'default', 'route', 'aigateway.envoyproxy.io') as { status?: { conditions?: { type: string; status: string }[] } } | undefined;
      return route?.status?.conditions?.some((c) => c.type === 'Accepted' && c.status === 'True') === true;
    });
    const gw = server.get('Gateway', 'default', 'gw', 'gateway.networking.k8s.io') as { status?: { listeners?: { attachedRoutes: number }[] } };
    assert.equal(gw.status?.listeners?.[0]?.attachedRoutes, 1);
  });

  it('a second replica serves too; it writes status only after the first one’s Lease expires', async () => {
    const second = await startController(options('127.0.0.2', 'replica-b'), () => undefined);
    running.push(second);
    const res = await request(`http://127.0.0.2:${listenerPort}/v1/models`);
    assert.equal(res.statusCode, 200);
    assert.match(await res.body.text(), /Llama-3\.1-8B-Instruct/);
    assert.equal(second.elector?.isLeader, false);
    const lease = () => (server.get('Lease', 'default', 'sluice-controller', 'coordination.k8s.io') as { spec?: { holderIdentity?: string } } | undefined)?.spec?.holderIdentity;
    assert.equal(lease(), 'replica-a');
    // The first replica goes away without releasing its Lease (as a crash would): the second takes over.
    const first = running.shift()!;
    await first.close(0, false);
    await waitFor('replica-b holds the lease', () => lease() === 'replica-b' && second.elector?.isLeader === true, 400, 25);
  });

  it('deleting the route removes it (404 for the model) within a second', async () => {
    server.delete('AIGatewayRoute', 'default', 'route', 'aigateway.envoyproxy.io');
    await waitFor('route removed', async () => {
      const res = await request(`http://127.0.0.2:${listenerPort}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, messages: [] }) });
      await res.body.dump();
      return res.statusCode === 404;
    }, 50, 20);
  });
});
