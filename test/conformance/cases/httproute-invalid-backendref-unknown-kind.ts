import type { ConformanceCase } from '../harness.ts';
import { routeStatus } from '../harness.ts';

export const HTTPRouteInvalidBackendRefUnknownKind: ConformanceCase = {
  name: 'HTTPRouteInvalidBackendRefUnknownKind',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'a backendRef of an unknown group/kind: ResolvedRefs=False InvalidKind, and 500',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: invalid-backend-ref-unknown-kind, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - backendRefs: [{group: unknownkind.example.com, kind: NonExistent, name: infra-backend-v1, port: 8080}]
`,
  status: [routeStatus('invalid-backend-ref-unknown-kind', 'same-namespace', { Accepted: 'True', ResolvedRefs: ['False', 'InvalidKind'] })],
  requests: [{ path: '/', status: 500 }],
};
