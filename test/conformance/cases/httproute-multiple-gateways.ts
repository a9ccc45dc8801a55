import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1, B2, B3 } from '../fixtures.ts';

export const HTTPRouteMultipleGateways: ConformanceCase = {
  name: 'HTTPRouteMultipleGateways',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'a route with two Gateway parents serves on both; dedicated routes only on their own Gateway',
  gateways: ['same-namespace', 'all-namespaces'],
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: multiple-gateways-shared-route, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}, {name: all-namespaces}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /shared}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: same-namespace-dedicated-route, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /}}]
      backendRefs: [{name: infra-backend-v2, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: all-namespaces-dedicated-route, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: all-namespaces}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /}}]
      backendRefs: [{name: infra-backend-v3, port: 8080}]
`,
  status: [
    ...acceptedRoutes('same-namespace', ['multiple-gateways-shared-route', 'same-namespace-dedicated-route']),
    ...acceptedRoutes('all-namespaces', ['multiple-gateways-shared-route', 'all-namespaces-dedicated-route']),
  ],
  requests: [
    { gateway: 'same-namespace', path: '/shared', backend: B1 },
    { gateway: 'same-namespace', path: '/', backend: B2 },
    { gateway: 'all-namespaces', path: '/shared', backend: B1 },
    { gateway: 'all-namespaces', path: '/', backend: B3 },
  ],
};
