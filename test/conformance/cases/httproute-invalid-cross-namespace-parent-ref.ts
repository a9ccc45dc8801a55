import type { ConformanceCase } from '../harness.ts';
import { noAcceptedParents, routeStatus, zeroRoutes } from '../harness.ts';
import { WEB_NS } from '../fixtures.ts';

export const HTTPRouteInvalidCrossNamespaceParentRef: ConformanceCase = {
  name: 'HTTPRouteInvalidCrossNamespaceParentRef',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'a route in another namespace cannot attach to a listener with allowedRoutes from: Same (NotAllowedByListeners); ReferenceGrant does not apply to parentRefs',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: invalid-cross-namespace-parent-ref, namespace: gateway-conformance-web-backend}
spec:
  parentRefs: [{name: same-namespace, namespace: gateway-conformance-infra}]
  rules:
    - backendRefs: [{name: web-backend, port: 8080}]
`,
  status: [
    routeStatus('invalid-cross-namespace-parent-ref', 'same-namespace', { Accepted: ['False', 'NotAllowedByListeners'], ResolvedRefs: 'True' }, { namespace: WEB_NS }),
    noAcceptedParents('invalid-cross-namespace-parent-ref', WEB_NS),
    zeroRoutes('same-namespace'),
  ],
};
