import { it } from 'node:test';
import assert from 'node:assert/strict';
import { parseYamlText } from '../config/load.ts';
import { validateDocuments } from '../config/validate.ts';
import { parseServiceHostname, planCluster, selectPods, targetPortOf } from './plan.ts';

const yaml = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: sim, namespace: ns}
spec:
  replicas: 2
  selector: {matchLabels: {app: sim}}
  template:
    metadata: {labels: {app: sim, tier: model}}
    spec:
      containers:
        - name: s
          image: example.com/mirror/llm-d-inference-sim:v9
          args: ["--model", "m", "--port=9000"]
          ports: [{containerPort: 9000, name: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: real-vllm}
spec:
  selector: {matchLabels: {app: vllm}}
  template:
    metadata: {labels: {app: vllm}}
    spec:
      containers: [{name: v, image: vllm/vllm-openai:latest}]
`;

it('plans replicas with the template labels and the serving port from args, and warns about other images', () => {
  const { documents } = parseYamlText('d.yaml', yaml);
  const { resources } = validateDocuments(documents);
  const plan = planCluster(resources);
  assert.equal(plan.pods.length, 2);
  const pod = plan.pods[0]!;
  assert.equal(pod.role, 'simulator');
  assert.equal(pod.servingPort, 9000);
  assert.deepEqual(pod.labels, { app: 'sim', tier: 'model' });
  assert.match(pod.name, /^sim-[0-9a-f]{10}-0$/);
  assert.equal(targetPortOf(pod, { port: 80, targetPort: 'http' }), 9000);
  assert.equal(targetPortOf(pod, { port: 80 }), 80);
  assert.equal(selectPods(plan.pods, 'ns', { app: 'sim' }).length, 2);
  assert.equal(selectPods(plan.pods, 'default', { app: 'sim' }).length, 0, 'selectors stay in their namespace');
  assert.equal(selectPods(plan.pods, 'ns', {}).length, 0, 'an empty selector selects nothing');
  const warning = plan.problems.find((p) => p.resource === 'Deployment default/real-vllm');
  assert.match(warning?.message ?? '', /vllm\/vllm-openai:latest cannot run in standalone mode.*Backend \(gateway\.envoyproxy\.io\/v1alpha1\) with ip endpoints/);
});

it('resolves cluster Service DNS names', () => {
  assert.deepEqual(parseServiceHostname('envoy-ai-gateway-basic-testupstream.default.svc.cluster.local'), { name: 'envoy-ai-gateway-basic-testupstream', namespace: 'default' });
  assert.deepEqual(parseServiceHostname('svc.team-a.svc'), { name: 'svc', namespace: 'team-a' });
  assert.equal(parseServiceHostname('api.openai.com'), undefined);
});
