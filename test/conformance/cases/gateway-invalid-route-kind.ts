import type { ConformanceCase } from '../harness.ts';
import { gatewayStatus } from '../harness.ts';

export const GatewayInvalidRouteKind: ConformanceCase = {
  name: 'GatewayInvalidRouteKind',
  level: 'core',
  features: ['Gateway'],
  description: 'allowedRoutes.kinds naming an unknown kind: listener ResolvedRefs=False InvalidRouteKinds; supportedKinds lists only the valid kinds',
  gateways: [],
  manifests: `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gateway-only-invalid-route-kind, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}, kinds: [{kind: InvalidRoute}]}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gateway-supported-and-invalid-route-kind, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}, kinds: [{kind: InvalidRoute}, {kind: HTTPRoute}]}}]
`,
  status: [
    gatewayStatus('gateway-only-invalid-route-kind', { listeners: [{ name: 'http', supportedKinds: [], conditions: { ResolvedRefs: ['False', 'InvalidRouteKinds'] }, attachedRoutes: 0 }] }),
    gatewayStatus('gateway-supported-and-invalid-route-kind', { listeners: [{ name: 'http', supportedKinds: ['HTTPRoute'], conditions: { ResolvedRefs: ['False', 'InvalidRouteKinds'] }, attachedRoutes: 0 }] }),
  ],
};
