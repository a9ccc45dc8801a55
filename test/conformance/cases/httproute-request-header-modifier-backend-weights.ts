import assert from 'node:assert/strict';
import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';

export const HTTPRouteRequestHeaderModifierBackendWeights: ConformanceCase = {
  name: 'HTTPRouteRequestHeaderModifierBackendWeights',
  level: 'extended',
  features: ['Gateway', 'HTTPRouteBackendRequestHeaderModification', 'HTTPRoute'],
  description: 'with two weighted backendRefs, each request carries only the header set by the filter of the backend it reached',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: request-header-modifier-backend-weights, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - backendRefs:
        - {name: infra-backend-v1, port: 8080, weight: 10, filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: Backend, value: infra-backend-v1}]}}]}
        - {name: infra-backend-v2, port: 8080, weight: 10, filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: Backend, value: infra-backend-v2}]}}]}
`,
  status: acceptedRoutes('same-namespace', ['request-header-modifier-backend-weights']),
  requests: [{ path: '/' }],
  checks: [
    {
      name: '100 requests: the Backend header names the pod that answered',
      run: async (ctx) => {
        for (let i = 0; i < 100; i++) {
          const rt = await ctx.send({ path: '/' });
          assert.equal(rt.status, 200, rt.body.slice(0, 200));
          const values = rt.echo?.headers['Backend'] ?? [];
          assert.equal(values.length, 1, `expected one Backend header, got ${JSON.stringify(values)}`);
          assert.ok(rt.echo!.pod.startsWith(values[0]!), `pod ${rt.echo!.pod} got Backend: ${values[0]}`);
        }
      },
    },
  ],
};
