import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes, mirrorCheck } from '../harness.ts';
import { B1, B2, B3 } from '../fixtures.ts';
import { MODIFIED, MODIFY_HEADERS_FILTER, mirrorTo } from './httproute-request-mirror.ts';

export const HTTPRouteRequestMultipleMirrors: ConformanceCase = {
  name: 'HTTPRouteRequestMultipleMirrors',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteRequestMirror', 'HTTPRouteRequestMultipleMirrors'],
  description: 'two RequestMirror filters copy each request to infra-backend-v2 and infra-backend-v3',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: request-multiple-mirrors, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /multi-mirror}}]
      filters:${mirrorTo('infra-backend-v2')}${mirrorTo('infra-backend-v3')}
      backendRefs: [{name: infra-backend-v1, port: 8080, namespace: gateway-conformance-infra}]
    - matches: [{path: {type: PathPrefix, value: /multi-mirror-and-modify-request-headers}}]
      filters:${MODIFY_HEADERS_FILTER}${mirrorTo('infra-backend-v2')}${mirrorTo('infra-backend-v3')}
      backendRefs: [{name: infra-backend-v1, port: 8080, namespace: gateway-conformance-infra}]
`,
  status: acceptedRoutes('same-namespace', ['request-multiple-mirrors']),
  checks: [mirrorCheck({ path: '/multi-mirror', backend: B1 }, [B2, B3]), mirrorCheck({ path: '/multi-mirror-and-modify-request-headers', backend: B1, ...MODIFIED }, [B2, B3])],
};
