import type { ConformanceCase } from '../harness.ts';
import { routeStatus } from '../harness.ts';

export const HTTPRoutePartiallyInvalidViaInvalidReferenceGrant: ConformanceCase = {
  name: 'HTTPRoutePartiallyInvalidViaInvalidReferenceGrant',
  level: 'core',
  features: ['Gateway', 'HTTPRoute', 'ReferenceGrant'],
  description: 'a grant covers app-backend-v1 only: the /v2 rule (app-backend-v2) answers 500 while its sibling rule serves',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: ReferenceGrant
metadata: {name: invalid-reference-grant, namespace: gateway-conformance-app-backend}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: gateway-conformance-infra}]
  to: [{group: "", kind: Service, name: app-backend-v1}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: invalid-reference-grant, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /v2}}]
      backendRefs: [{name: app-backend-v2, namespace: gateway-conformance-app-backend, port: 8080}]
    - backendRefs: [{name: app-backend-v1, namespace: gateway-conformance-app-backend, port: 8080}]
`,
  status: [routeStatus('invalid-reference-grant', 'same-namespace', { Accepted: 'True', ResolvedRefs: ['False', 'RefNotPermitted'] })],
  requests: [
    { path: '/v2', status: 500 },
    { path: '/', backend: 'app-backend-v1' },
  ],
};
