import type { ConformanceCase } from '../harness.ts';
import { noAcceptedParents, routeStatus, zeroRoutes } from '../harness.ts';

const GW = 'gateway-with-one-not-matching-port-and-section-name-route';

export const HTTPRouteInvalidParentRefSectionNameNotMatchingPort: ConformanceCase = {
  name: 'HTTPRouteInvalidParentRefSectionNameNotMatchingPort',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteParentRefPort'],
  description: 'a parentRef whose sectionName and port name different listeners: Accepted=False NoMatchingParent',
  gateways: [],
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${GW}, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners:
    - {name: http, port: 80, protocol: HTTP, allowedRoutes: {kinds: [{kind: HTTPRoute}], namespaces: {from: All}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: httproute-listener-section-name-not-matching-port, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: ${GW}, namespace: gateway-conformance-infra, sectionName: http, port: 81}]
  rules:
    - backendRefs: [{name: infra-backend-v1, kind: Service, port: 8080}]
`,
  status: [
    routeStatus('httproute-listener-section-name-not-matching-port', GW, { Accepted: ['False', 'NoMatchingParent'] }),
    noAcceptedParents('httproute-listener-section-name-not-matching-port'),
    zeroRoutes(GW),
  ],
};
