import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';

export const HTTPRouteTimeoutRequest: ConformanceCase = {
  name: 'HTTPRouteTimeoutRequest',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteRequestTimeout'],
  description: 'timeouts.request 500ms → 504 for a backend that answers after 1s; 0s disables the timeout',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: request-timeout, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /request-timeout}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
      timeouts: {request: 500ms}
    - matches: [{path: {type: PathPrefix, value: /disable-request-timeout}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
      timeouts: {request: 0s}
`,
  status: acceptedRoutes('same-namespace', ['request-timeout']),
  requests: [
    { path: '/request-timeout' },
    { path: '/request-timeout?delay=1s', status: 504 },
    { path: '/disable-request-timeout?delay=1s' },
  ],
};
