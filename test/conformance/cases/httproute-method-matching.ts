import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1, B2, B3 } from '../fixtures.ts';

export const HTTPRouteMethodMatching: ConformanceCase = {
  name: 'HTTPRouteMethodMatching',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteMethodMatching'],
  description: 'method matches combined with path and header matches; prefix length outranks method, method outranks headers',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: method-matching, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{method: POST}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{method: GET}]
      backendRefs: [{name: infra-backend-v2, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /path1}, method: GET}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{headers: [{name: version, value: one}], method: PUT}]
      backendRefs: [{name: infra-backend-v2, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /path2}, headers: [{name: version, value: two}], method: POST}]
      backendRefs: [{name: infra-backend-v3, port: 8080}]
    - matches:
        - {path: {type: PathPrefix, value: /path3}, method: PATCH}
        - {path: {type: PathPrefix, value: /path4}, headers: [{name: version, value: three}], method: DELETE}
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /path5}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{method: PATCH}]
      backendRefs: [{name: infra-backend-v2, port: 8080}]
    - matches: [{headers: [{name: version, value: four}]}]
      backendRefs: [{name: infra-backend-v3, port: 8080}]
`,
  status: acceptedRoutes('same-namespace', ['method-matching']),
  requests: [
    { method: 'POST', path: '/', backend: B1 },
    { method: 'GET', path: '/', backend: B2 },
    { method: 'HEAD', path: '/', status: 404 },
    { method: 'GET', path: '/path1', backend: B1 },
    { method: 'PUT', path: '/', headers: { version: 'one' }, backend: B2 },
    { method: 'POST', path: '/path2', headers: { version: 'two' }, backend: B3 },
    { method: 'PATCH', path: '/path3', backend: B1 },
    { method: 'DELETE', path: '/path4', headers: { version: 'three' }, backend: B1 },
    { method: 'PUT', path: '/', status: 404 },
    { method: 'DELETE', path: '/path4', status: 404 },
    { method: 'PATCH', path: '/path5', backend: B1 },
    { method: 'PATCH', path: '/', headers: { version: 'four' }, backend: B2 },
  ],
};
