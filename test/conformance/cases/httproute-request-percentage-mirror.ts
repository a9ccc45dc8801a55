import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes, percentMirrorCheck } from '../harness.ts';
import { B1, B2 } from '../fixtures.ts';
import { MODIFIED, MODIFY_HEADERS_FILTER, mirrorTo } from './httproute-request-mirror.ts';

export const HTTPRouteRequestPercentageMirror: ConformanceCase = {
  name: 'HTTPRouteRequestPercentageMirror',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteRequestPercentageMirror'],
  description: 'RequestMirror percent 20, fraction 25/50 and percent 35 (with header changes), checked statistically (provisional upstream)',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: request-percentage-mirror, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /percent-mirror}}]
      filters:${mirrorTo('infra-backend-v2', ', percent: 20')}
      backendRefs: [{name: infra-backend-v1, port: 8080, namespace: gateway-conformance-infra}]
    - matches: [{path: {type: PathPrefix, value: /percent-mirror-fraction}}]
      filters:${mirrorTo('infra-backend-v2', ', fraction: {numerator: 25, denominator: 50}')}
      backendRefs: [{name: infra-backend-v1, port: 8080, namespace: gateway-conformance-infra}]
    - matches: [{path: {type: PathPrefix, value: /percent-mirror-and-modify-headers}}]
      filters:${MODIFY_HEADERS_FILTER}${mirrorTo('infra-backend-v2', ', percent: 35')}
      backendRefs: [{name: infra-backend-v1, port: 8080, namespace: gateway-conformance-infra}]
`,
  status: acceptedRoutes('same-namespace', ['request-percentage-mirror']),
  checks: [
    percentMirrorCheck({ path: '/percent-mirror', backend: B1 }, B2, 20),
    percentMirrorCheck({ path: '/percent-mirror-fraction', backend: B1 }, B2, 50),
    percentMirrorCheck({ path: '/percent-mirror-and-modify-headers', backend: B1, ...MODIFIED }, B2, 35),
  ],
};
