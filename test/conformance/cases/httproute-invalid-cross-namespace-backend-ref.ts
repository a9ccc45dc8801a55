import type { ConformanceCase } from '../harness.ts';
import { routeStatus } from '../harness.ts';

export const HTTPRouteInvalidCrossNamespaceBackendRef: ConformanceCase = {
  name: 'HTTPRouteInvalidCrossNamespaceBackendRef',
  level: 'core',
  features: ['Gateway', 'HTTPRoute', 'ReferenceGrant'],
  description: 'a backendRef to another namespace without a ReferenceGrant: ResolvedRefs=False RefNotPermitted, and 500',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: invalid-cross-namespace-backend-ref, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - backendRefs: [{name: web-backend, namespace: gateway-conformance-web-backend, port: 8080}]
`,
  status: [routeStatus('invalid-cross-namespace-backend-ref', 'same-namespace', { Accepted: 'True', ResolvedRefs: ['False', 'RefNotPermitted'] })],
  requests: [{ path: '/', status: 500 }],
};
