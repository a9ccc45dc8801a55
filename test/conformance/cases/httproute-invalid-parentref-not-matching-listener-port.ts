import type { ConformanceCase } from '../harness.ts';
import { noAcceptedParents, routeStatus, zeroRoutes } from '../harness.ts';

export const HTTPRouteInvalidParentRefNotMatchingListenerPort: ConformanceCase = {
  name: 'HTTPRouteInvalidParentRefNotMatchingListenerPort',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteDestinationPortMatching'],
  description: 'a parentRef port no listener has: Accepted=False NoMatchingParent, ResolvedRefs True, nothing attached',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: httproute-listener-not-matching-route-port, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace, namespace: gateway-conformance-infra, port: 81}]
  rules:
    - backendRefs: [{name: infra-backend-v1, kind: Service, port: 8080}]
`,
  status: [
    routeStatus('httproute-listener-not-matching-route-port', 'same-namespace', { Accepted: ['False', 'NoMatchingParent'], ResolvedRefs: 'True' }),
    noAcceptedParents('httproute-listener-not-matching-route-port'),
    zeroRoutes('same-namespace'),
  ],
};
