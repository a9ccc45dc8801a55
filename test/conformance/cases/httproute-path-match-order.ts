import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1, B2, B3 } from '../fixtures.ts';

export const HTTPRoutePathMatchOrder: ConformanceCase = {
  name: 'HTTPRoutePathMatchOrder',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'Exact beats PathPrefix; a longer prefix beats a shorter one, whatever the rule order',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: path-matching-order, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: Exact, value: /match}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{path: {type: Exact, value: /match/exact}}]
      backendRefs: [{name: infra-backend-v2, port: 8080}]
    - matches: [{path: {type: Exact, value: /match/exact/one}}]
      backendRefs: [{name: infra-backend-v3, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /match/}}]
      backendRefs: [{name: infra-backend-v3, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /match/prefix/}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /match/prefix/one}}]
      backendRefs: [{name: infra-backend-v2, port: 8080}]
`,
  status: acceptedRoutes('same-namespace', ['path-matching-order']),
  requests: [
    { path: '/match/exact/one', backend: B3 },
    { path: '/match/exact', backend: B2 },
    { path: '/match', backend: B1 },
    { path: '/match/prefix/one/any', backend: B2 },
    { path: '/match/prefix/any', backend: B1 },
    { path: '/match/any', backend: B3 },
  ],
};
