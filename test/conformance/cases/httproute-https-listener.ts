import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1, B2 } from '../fixtures.ts';

const GW = 'same-namespace-with-https-listener';

export const HTTPRouteHTTPSListener: ConformanceCase = {
  name: 'HTTPRouteHTTPSListener',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'HTTPS listeners terminate TLS and route by Host; a host no route serves gets 404',
  gateways: [GW],
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: httproute-https-test, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: ${GW}}]
  hostnames: [example.org]
  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: httproute-https-test-no-hostname, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: ${GW}, sectionName: https-with-hostname}]
  rules: [{backendRefs: [{name: infra-backend-v2, port: 8080}]}]
`,
  status: acceptedRoutes(GW, ['httproute-https-test', 'httproute-https-test-no-hostname']),
  requests: [
    { gateway: GW, tls: { serverName: 'example.org' }, host: 'example.org', path: '/', backend: B1 },
    { gateway: GW, tls: { serverName: 'unknown-example.org' }, host: 'unknown-example.org', path: '/', status: 404 },
    { gateway: GW, tls: { serverName: 'second-example.org' }, host: 'second-example.org', path: '/', backend: B2 },
  ],
};
