import type { ConformanceCase } from '../harness.ts';
import { routeStatus } from '../harness.ts';

export const HTTPRouteInvalidNonExistentBackendRef: ConformanceCase = {
  name: 'HTTPRouteInvalidNonExistentBackendRef',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'a backendRef to a Service that does not exist: ResolvedRefs=False BackendNotFound, and 500 for its traffic',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: invalid-nonexistent-backend-ref, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - backendRefs: [{name: nonexistent, namespace: gateway-conformance-infra, port: 8080}]
`,
  status: [routeStatus('invalid-nonexistent-backend-ref', 'same-namespace', { Accepted: 'True', ResolvedRefs: ['False', 'BackendNotFound'] })],
  requests: [{ path: '/', status: 500 }],
};
