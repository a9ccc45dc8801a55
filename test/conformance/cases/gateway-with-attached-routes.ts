import type { ConformanceCase } from '../harness.ts';
import { gatewayStatus, routeStatus } from '../harness.ts';

const selector = '{namespaces: {from: Selector, selector: {matchLabels: {kubernetes.io/metadata.name: gateway-conformance-infra}}}, kinds: [{kind: HTTPRoute}]}';
const route = (name: string, gateway: string, extra = '', backend = 'infra-backend-v1') => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{kind: Gateway, name: ${gateway}, namespace: gateway-conformance-infra${extra}}]
  rules: [{backendRefs: [{name: ${backend}, port: 8080}]}]
`;

export const GatewayWithAttachedRoutes: ConformanceCase = {
  name: 'GatewayWithAttachedRoutes',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'listeners count accepted routes in attachedRoutes (also on a listener with unresolved refs); a route whose hostnames miss the listener is not counted',
  gateways: [],
  manifests: `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gateway-with-one-attached-route, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: ${selector}}]
${route('http-route-1', 'gateway-with-one-attached-route')}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gateway-with-two-attached-routes, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners: [{name: http, port: 80, protocol: HTTP, hostname: foo.example.com, allowedRoutes: ${selector}}]
${route('http-route-2', 'gateway-with-two-attached-routes')}${route('http-route-3', 'gateway-with-two-attached-routes')}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: http-route-not-accepted, namespace: gateway-conformance-infra}
spec:
  hostnames: [not-accepted.test.com]
  parentRefs: [{kind: Gateway, name: gateway-with-two-attached-routes, namespace: gateway-conformance-infra}]
  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: unresolved-gateway-with-one-attached-unresolved-route, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners:
    - name: tls
      port: 443
      protocol: HTTPS
      allowedRoutes: ${selector}
      tls: {mode: Terminate, certificateRefs: [{group: "", kind: Secret, name: does-not-exist}]}
${route('http-route-4', 'unresolved-gateway-with-one-attached-unresolved-route', ', sectionName: tls', 'does-not-exist')}`,
  status: [
    gatewayStatus('gateway-with-one-attached-route', { listeners: [{ name: 'http', supportedKinds: ['HTTPRoute'], conditions: { Accepted: 'True', ResolvedRefs: 'True' }, attachedRoutes: 1 }] }),
    gatewayStatus('gateway-with-two-attached-routes', { listeners: [{ name: 'http', supportedKinds: ['HTTPRoute'], conditions: { Accepted: 'True', ResolvedRefs: 'True' }, attachedRoutes: 2 }] }),
    routeStatus('http-route-not-accepted', 'gateway-with-two-attached-routes', { Accepted: ['False', 'NoMatchingListenerHostname'] }),
    gatewayStatus('unresolved-gateway-with-one-attached-unresolved-route', { listeners: [{ name: 'tls', supportedKinds: ['HTTPRoute'], conditions: { Programmed: 'False', ResolvedRefs: 'False' }, attachedRoutes: 1 }] }),
    routeStatus('http-route-4', 'unresolved-gateway-with-one-attached-unresolved-route', { ResolvedRefs: 'False' }),
  ],
};
