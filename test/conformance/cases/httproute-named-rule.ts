import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';

export const HTTPRouteNamedRule: ConformanceCase = {
  name: 'HTTPRouteNamedRule',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteNamedRouteRule'],
  description: 'rules[].name is accepted and named and unnamed rules both serve (provisional upstream)',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: http-named-rules, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - name: named-rule
      matches: [{path: {type: PathPrefix, value: /named}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /unnamed}}]
      backendRefs: [{name: infra-backend-v2, port: 8080}]
`,
  status: acceptedRoutes('same-namespace', ['http-named-rules']),
  requests: [{ path: '/named' }, { path: '/unnamed' }],
};
