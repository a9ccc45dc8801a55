import type { ConformanceCase, RequestCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1, B2, B3 } from '../fixtures.ts';

const GW = 'httproute-listener-hostname-matching';
const at = (host: string, expect: Partial<RequestCase>): RequestCase => ({ gateway: GW, host, path: '/', ...expect });

export const HTTPRouteListenerHostnameMatching: ConformanceCase = {
  name: 'HTTPRouteListenerHostnameMatching',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'four listeners on one port told apart by hostname (exact and wildcard); routes attach by sectionName',
  gateways: [],
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${GW}, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners:
    - {name: listener-1, port: 80, protocol: HTTP, hostname: bar.com, allowedRoutes: {namespaces: {from: Same}}}
    - {name: listener-2, port: 80, protocol: HTTP, hostname: foo.bar.com, allowedRoutes: {namespaces: {from: Same}}}
    - {name: listener-3, port: 80, protocol: HTTP, hostname: "*.bar.com", allowedRoutes: {namespaces: {from: Same}}}
    - {name: listener-4, port: 80, protocol: HTTP, hostname: "*.foo.com", allowedRoutes: {namespaces: {from: Same}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: backend-v1, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: ${GW}, namespace: gateway-conformance-infra, sectionName: listener-1}]
  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: backend-v2, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: ${GW}, namespace: gateway-conformance-infra, sectionName: listener-2}]
  rules: [{backendRefs: [{name: infra-backend-v2, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: backend-v3, namespace: gateway-conformance-infra}
spec:
  parentRefs:
    - {name: ${GW}, namespace: gateway-conformance-infra, sectionName: listener-3}
    - {name: ${GW}, namespace: gateway-conformance-infra, sectionName: listener-4}
  rules: [{backendRefs: [{name: infra-backend-v3, port: 8080}]}]
`,
  status: acceptedRoutes(GW, ['backend-v1', 'backend-v2', 'backend-v3']),
  requests: [
    at('bar.com', { backend: B1 }),
    at('foo.bar.com', { backend: B2 }),
    at('baz.bar.com', { backend: B3 }),
    at('boo.bar.com', { backend: B3 }),
    at('multiple.prefixes.bar.com', { backend: B3 }),
    at('multiple.prefixes.foo.com', { backend: B3 }),
    at('foo.com', { status: 404 }),
    at('no.matching.host', { status: 404 }),
  ],
};
