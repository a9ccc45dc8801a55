import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1 } from '../fixtures.ts';

export const HTTPRouteSimpleSameNamespace: ConformanceCase = {
  name: 'HTTPRouteSimpleSameNamespace',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'a route in the Gateway namespace with one backend serves every path',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: gateway-conformance-infra-test, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - backendRefs: [{name: infra-backend-v1, port: 8080}]
`,
  status: acceptedRoutes('same-namespace', ['gateway-conformance-infra-test']),
  requests: [{ path: '/', backend: B1 }],
};
