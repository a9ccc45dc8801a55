import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes, mirrorCheck } from '../harness.ts';
import { B1, B2 } from '../fixtures.ts';

export const MODIFY_HEADERS_FILTER = `
        - type: RequestHeaderModifier
          requestHeaderModifier:
            set: [{name: X-Header-Set, value: set-overwrites-values}]
            add: [{name: X-Header-Add, value: header-val-1}, {name: X-Header-Add-Append, value: header-val-2}]
            remove: [X-Header-Remove]`;
export const MODIFIED = {
  headers: { 'X-Header-Remove': 'remove-val', 'X-Header-Add-Append': 'append-val-1' },
  expectedRequest: {
    headers: { 'X-Header-Add': 'header-val-1', 'X-Header-Add-Append': 'append-val-1,header-val-2', 'X-Header-Set': 'set-overwrites-values' },
    absentHeaders: ['X-Header-Remove'],
  },
};
export const mirrorTo = (backend: string, extra = '') => `
        - {type: RequestMirror, requestMirror: {backendRef: {name: ${backend}, namespace: gateway-conformance-infra, port: 8080}${extra}}}`;

export const HTTPRouteRequestMirror: ConformanceCase = {
  name: 'HTTPRouteRequestMirror',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteRequestMirror'],
  description: 'RequestMirror copies each request to infra-backend-v2 (seen in its echo log), with the rule\'s header changes, while infra-backend-v1 answers',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: request-mirror, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /mirror}}]
      filters:${mirrorTo('infra-backend-v2')}
      backendRefs: [{name: infra-backend-v1, port: 8080, namespace: gateway-conformance-infra}]
    - matches: [{path: {type: PathPrefix, value: /mirror-and-modify-headers}}]
      filters:${MODIFY_HEADERS_FILTER}${mirrorTo('infra-backend-v2')}
      backendRefs: [{name: infra-backend-v1, port: 8080, namespace: gateway-conformance-infra}]
`,
  status: acceptedRoutes('same-namespace', ['request-mirror']),
  checks: [mirrorCheck({ path: '/mirror', backend: B1 }, [B2]), mirrorCheck({ path: '/mirror-and-modify-headers', backend: B1, ...MODIFIED }, [B2])],
};
