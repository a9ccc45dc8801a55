import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';

export const HTTPRouteTimeoutBackendRequest: ConformanceCase = {
  name: 'HTTPRouteTimeoutBackendRequest',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteBackendTimeout'],
  description: 'timeouts.backendRequest 500ms → 504 for a backend that answers after 1s; 0s disables it',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: backend-request-timeout, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /backend-timeout}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
      timeouts: {backendRequest: 500ms}
    - matches: [{path: {type: PathPrefix, value: /disable-backend-timeout}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
      timeouts: {backendRequest: 0s}
`,
  status: acceptedRoutes('same-namespace', ['backend-request-timeout']),
  requests: [
    { path: '/backend-timeout' },
    { path: '/backend-timeout?delay=1s', status: 504 },
    { path: '/disable-backend-timeout?delay=1s' },
  ],
};
