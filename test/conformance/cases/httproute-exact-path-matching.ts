import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1, B2 } from '../fixtures.ts';

export const HTTPRouteExactPathMatching: ConformanceCase = {
  name: 'HTTPRouteExactPathMatching',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'Exact path matches compare the whole path, case-sensitively',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: exact-matching, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: Exact, value: /one}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{path: {type: Exact, value: /two}}]
      backendRefs: [{name: infra-backend-v2, port: 8080}]
`,
  status: acceptedRoutes('same-namespace', ['exact-matching']),
  requests: [
    { path: '/one', backend: B1 },
    { path: '/two', backend: B2 },
    { path: '/', status: 404 },
    { path: '/one/example', status: 404 },
    { path: '/two/', status: 404 },
    { path: '/Two', status: 404 },
  ],
};
