import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1, INFRA_NS } from '../fixtures.ts';
import type { Fixtures } from '../fixtures.ts';

/** One IPv4 EndpointSlice per infra-backend-v1 pod (each echo listens on its own loopback port). */
function slices(f: Fixtures, service: string): string {
  return f
    .podsOf(INFRA_NS, B1)
    .map(
      (e, i) => `---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ${service}-ip4-${i}, namespace: gateway-conformance-infra, labels: {kubernetes.io/service-name: ${service}}}
addressType: IPv4
ports: [{name: first-port, port: ${e.port}, protocol: TCP}]
endpoints: [{addresses: [127.0.0.1], conditions: {ready: true}}]
`,
    )
    .join('');
}

export const HTTPRouteServiceTypes: ConformanceCase = {
  name: 'HTTPRouteServiceTypes',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'Services with manually managed EndpointSlices, headless Services, and headless Services with manual EndpointSlices all serve (keeps Service refs: this case is about Service semantics)',
  keepServiceRefs: true,
  manifests: (f) =>
    `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: service-types, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: Exact, value: /manual-endpointslices}}]
      backendRefs: [{name: manual-endpointslices, port: 8080}]
    - matches: [{path: {type: Exact, value: /headless}}]
      backendRefs: [{name: headless, port: 8080}]
    - matches: [{path: {type: Exact, value: /headless-manual-endpointslices}}]
      backendRefs: [{name: headless-manual-endpointslices, port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: manual-endpointslices, namespace: gateway-conformance-infra}
spec:
  ports: [{name: first-port, protocol: TCP, port: 8080, targetPort: 3000}]
---
apiVersion: v1
kind: Service
metadata: {name: headless, namespace: gateway-conformance-infra}
spec:
  clusterIP: None
  selector: {app: infra-backend-v1}
  ports: [{name: first-port, protocol: TCP, port: 8080, targetPort: 3000}]
---
apiVersion: v1
kind: Service
metadata: {name: headless-manual-endpointslices, namespace: gateway-conformance-infra}
spec:
  clusterIP: None
  ports: [{name: first-port, protocol: TCP, port: 8080, targetPort: 3000}]
` +
    slices(f, 'manual-endpointslices') +
    slices(f, 'headless-manual-endpointslices'),
  status: acceptedRoutes('same-namespace', ['service-types']),
  requests: [
    { path: '/manual-endpointslices', backend: B1 },
    { path: '/headless', backend: B1, todo: "a headless Service selecting the echo-basic Deployment's pods cannot be served in standalone mode, which cannot run that image (EndpointSlice-backed Services are served)" },
    { path: '/headless-manual-endpointslices', backend: B1 },
  ],
};
