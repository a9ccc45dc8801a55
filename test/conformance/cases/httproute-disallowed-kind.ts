import type { ConformanceCase } from '../harness.ts';
import { noAcceptedParents, routeStatus, zeroRoutes } from '../harness.ts';

export const HTTPRouteDisallowedKind: ConformanceCase = {
  name: 'HTTPRouteDisallowedKind',
  level: 'core',
  features: ['Gateway', 'HTTPRoute', 'TLSRoute'],
  description: 'a listener whose allowedRoutes.kinds lists only TLSRoute refuses an HTTPRoute: NotAllowedByListeners',
  gateways: [],
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: tlsroutes-only, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners:
    - {name: tls, port: 443, protocol: TLS, tls: {mode: Passthrough}, allowedRoutes: {namespaces: {from: Same}, kinds: [{kind: TLSRoute}]}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: disallowed-kind, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: tlsroutes-only, namespace: gateway-conformance-infra}]
  rules:
    - backendRefs: [{name: infra-backend-v1, port: 8080}]
`,
  status: [
    routeStatus('disallowed-kind', 'tlsroutes-only', { Accepted: ['False', 'NotAllowedByListeners'], ResolvedRefs: 'True' }),
    noAcceptedParents('disallowed-kind'),
    zeroRoutes('tlsroutes-only'),
  ],
};
