import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { WEB_NS } from '../fixtures.ts';

export const HTTPRouteCrossNamespace: ConformanceCase = {
  name: 'HTTPRouteCrossNamespace',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'a route in a backend namespace attaches to a Gateway whose listener selects namespaces by label (allowedRoutes from: Selector)',
  gateways: ['backend-namespaces'],
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: cross-namespace, namespace: gateway-conformance-web-backend}
spec:
  parentRefs: [{name: backend-namespaces, namespace: gateway-conformance-infra}]
  rules:
    - backendRefs: [{name: web-backend, port: 8080}]
`,
  status: acceptedRoutes('backend-namespaces', ['cross-namespace'], { namespace: WEB_NS }),
  requests: [{ gateway: 'backend-namespaces', path: '/', backend: 'web-backend' }],
};
