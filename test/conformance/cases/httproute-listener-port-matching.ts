import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1, B2, B3 } from '../fixtures.ts';

const GW = 'httproute-listener-port-matching';

export const HTTPRouteListenerPortMatching: ConformanceCase = {
  name: 'HTTPRouteListenerPortMatching',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteParentRefPort'],
  description: 'parentRefs[].port attaches a route to the listeners on that port (with sectionName, to that one listener)',
  gateways: [],
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${GW}, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners:
    - {name: listener-1, port: 80, protocol: HTTP, hostname: foo.com, allowedRoutes: {namespaces: {from: Same}}}
    - {name: listener-2, port: 8080, protocol: HTTP, hostname: foo.com, allowedRoutes: {namespaces: {from: Same}}}
    - {name: listener-3, port: 8080, protocol: HTTP, hostname: bar.com, allowedRoutes: {namespaces: {from: Same}}}
    - {name: listener-4, port: 8090, protocol: HTTP, hostname: foo.com, allowedRoutes: {namespaces: {from: Same}}}
    - {name: listener-5, port: 8090, protocol: HTTP, hostname: bar.com, allowedRoutes: {namespaces: {from: Same}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: backend-v1, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: ${GW}, namespace: gateway-conformance-infra, port: 80}]
  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: backend-v2, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: ${GW}, namespace: gateway-conformance-infra, port: 8080}]
  rules: [{backendRefs: [{name: infra-backend-v2, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: backend-v3, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: ${GW}, namespace: gateway-conformance-infra, port: 8090, sectionName: listener-4}]
  rules: [{backendRefs: [{name: infra-backend-v3, port: 8080}]}]
`,
  status: acceptedRoutes(GW, ['backend-v1', 'backend-v2', 'backend-v3']),
  requests: [
    { gateway: GW, listenerPort: 80, host: 'foo.com', path: '/', backend: B1 },
    { gateway: GW, listenerPort: 8080, host: 'foo.com:8080', path: '/', backend: B2 },
    { gateway: GW, listenerPort: 8080, host: 'bar.com:8080', path: '/', backend: B2 },
    { gateway: GW, listenerPort: 8090, host: 'foo.com:8090', path: '/', backend: B3 },
    { gateway: GW, listenerPort: 8090, host: 'bar.com:8090', path: '/', status: 404 },
  ],
};
