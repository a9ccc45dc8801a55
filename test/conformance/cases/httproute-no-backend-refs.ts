import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1 } from '../fixtures.ts';

export const HTTPRouteNoBackendRefs: ConformanceCase = {
  name: 'HTTPRouteNoBackendRefs',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'rules with omitted or empty backendRefs (and no filters) answer 500; ResolvedRefs stays True',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: omitted-backendrefs, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: Exact, value: /omitted-no-forward}}]
    - matches: [{path: {type: Exact, value: /empty-no-forward}}]
      backendRefs: []
    - matches: [{path: {type: PathPrefix, value: /}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
`,
  status: acceptedRoutes('same-namespace', ['omitted-backendrefs']),
  requests: [
    { path: '/forward', backend: B1 },
    { path: '/omitted-no-forward', status: 500 },
    { path: '/empty-no-forward', status: 500 },
  ],
};
