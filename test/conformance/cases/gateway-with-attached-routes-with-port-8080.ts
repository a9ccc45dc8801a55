import type { ConformanceCase } from '../harness.ts';
import { gatewayStatus } from '../harness.ts';

const route = (name: string, gateway: string, extra = '', backend = 'infra-backend-v1') => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{kind: Gateway, name: ${gateway}, namespace: gateway-conformance-infra${extra}}]
  rules: [{backendRefs: [{name: ${backend}, port: 8080}]}]
`;

export const GatewayWithAttachedRoutesWithPort8080: ConformanceCase = {
  name: 'GatewayWithAttachedRoutesWithPort8080',
  level: 'extended',
  features: ['Gateway', 'GatewayPort8080', 'HTTPRoute'],
  description: 'a route attached by sectionName counts on that listener only',
  gateways: [],
  manifests: `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gateway-with-two-listeners-and-one-attached-route, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners:
    - {name: http-unattached, port: 8080, protocol: HTTP, allowedRoutes: {kinds: [{kind: HTTPRoute}], namespaces: {from: All}}}
    - {name: http, port: 80, protocol: HTTP, allowedRoutes: {kinds: [{kind: HTTPRoute}], namespaces: {from: All}}}
${route('http-route-4-port-8080', 'gateway-with-two-listeners-and-one-attached-route', ', sectionName: http')}`,
  status: [
    gatewayStatus('gateway-with-two-listeners-and-one-attached-route', {
      listeners: [
        { name: 'http-unattached', supportedKinds: ['HTTPRoute'], conditions: { Accepted: 'True', ResolvedRefs: 'True' }, attachedRoutes: 0 },
        { name: 'http', supportedKinds: ['HTTPRoute'], conditions: { Accepted: 'True', ResolvedRefs: 'True' }, attachedRoutes: 1 },
      ],
    }),
  ],
};
