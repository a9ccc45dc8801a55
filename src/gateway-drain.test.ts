// Graceful shutdown: with a drain time, a stream in flight finishes while new connections are refused.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startTestGateway, TEST_GATEWAY_YAML } from '../test/support/gateway.ts';

it('drains a stream in flight on close and refuses new connections', async () => {
  const t = await startTestGateway(`${TEST_GATEWAY_YAML}apiVersion: apps/v1
kind: Deployment
metadata: {name: up}
spec:
  selector: {matchLabels: {app: up}}
  template:
    metadata: {labels: {app: up}}
    spec:
      containers:
        - name: up
          image: docker.io/envoyproxy/ai-gateway-testupstream:latest
          env: [{name: STREAMING_INTERVAL, value: 100ms}]
---
apiVersion: v1
kind: Service
metadata: {name: up}
spec:
  selector: {app: up}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: m}]}]
      backendRefs: [{name: up}]
`);
  const res = await request(`${t.base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true }),
  });
  assert.equal(res.statusCode, 200);
  const closing = t.gw.close({ drainMs: 10_000 });
  // New connections are refused while the stream drains.
  await new Promise((r) => setTimeout(r, 50));
  await assert.rejects(request(`${t.base}/v1/models`, { reset: true }), /ECONNREFUSED/);
  const body = await res.body.text();
  assert.match(body, /data: \[DONE\]/, 'the stream in flight completed');
  await closing;
  await t.close();
});
