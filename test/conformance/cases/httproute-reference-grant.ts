import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';

export const HTTPRouteReferenceGrant: ConformanceCase = {
  name: 'HTTPRouteReferenceGrant',
  level: 'core',
  features: ['Gateway', 'HTTPRoute', 'ReferenceGrant'],
  description: 'a ReferenceGrant in the backend namespace lets the route use web-backend (the grant to the Service becomes a grant to the Backend standing in for it)',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: ReferenceGrant
metadata: {name: reference-grant, namespace: gateway-conformance-web-backend}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: gateway-conformance-infra}]
  to: [{group: "", kind: Service, name: web-backend}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: reference-grant, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - backendRefs: [{name: web-backend, namespace: gateway-conformance-web-backend, port: 8080}]
`,
  status: acceptedRoutes('same-namespace', ['reference-grant']),
  requests: [{ path: '/', backend: 'web-backend' }],
};
