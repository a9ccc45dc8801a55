import type { ConformanceCase } from '../harness.ts';
import { noAcceptedParents, routeStatus, zeroRoutes } from '../harness.ts';

export const HTTPRouteInvalidParentRefNotMatchingSectionName: ConformanceCase = {
  name: 'HTTPRouteInvalidParentRefNotMatchingSectionName',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'a parentRef whose sectionName names no listener: Accepted=False NoMatchingParent',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: httproute-listener-not-matching-section-name, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace, namespace: gateway-conformance-infra, port: 80, sectionName: http1}]
  rules:
    - backendRefs: [{name: infra-backend-v1, kind: Service, port: 8080}]
`,
  status: [
    routeStatus('httproute-listener-not-matching-section-name', 'same-namespace', { Accepted: ['False', 'NoMatchingParent'] }),
    noAcceptedParents('httproute-listener-not-matching-section-name'),
    zeroRoutes('same-namespace'),
  ],
};
