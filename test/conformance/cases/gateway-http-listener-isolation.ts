import type { ConformanceCase, RequestCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1 } from '../fixtures.ts';

const GW = 'http-listener-isolation';
const GW2 = 'http-listener-isolation-with-hostname-intersection';
const LISTENERS = ['empty-hostname', 'wildcard-example-com', 'wildcard-foo-example-com', 'abc-foo-example-com'] as const;
/** Host → the only path (listener) that serves it. */
const HOSTS: Record<string, (typeof LISTENERS)[number]> = {
  'bar.com': 'empty-hostname',
  'bar.example.com': 'wildcard-example-com',
  'bar.foo.example.com': 'wildcard-foo-example-com',
  'abc.foo.example.com': 'abc-foo-example-com',
};

function rows(gateway: string): RequestCase[] {
  return Object.entries(HOSTS).flatMap(([host, owner]) =>
    LISTENERS.map((path): RequestCase => (path === owner ? { gateway, host, path: `/${path}`, backend: B1 } : { gateway, host, path: `/${path}`, status: 404 })),
  );
}

const gateway = (name: string) => `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners:
    - {name: empty-hostname, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
    - {name: wildcard-example-com, port: 80, protocol: HTTP, hostname: "*.example.com", allowedRoutes: {namespaces: {from: All}}}
    - {name: wildcard-foo-example-com, port: 80, protocol: HTTP, hostname: "*.foo.example.com", allowedRoutes: {namespaces: {from: All}}}
    - {name: abc-foo-example-com, port: 80, protocol: HTTP, hostname: abc.foo.example.com, allowedRoutes: {namespaces: {from: All}}}
`;

const route = (gw: string, listener: string, name: string, hostnames?: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: ${gw}, namespace: gateway-conformance-infra, sectionName: ${listener}}]
${hostnames ? `  hostnames: ${hostnames}\n` : ''}  rules:
    - matches: [{path: {type: PathPrefix, value: /${listener}}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
`;

const INTERSECTING = '[bar.com, "*.example.com", "*.foo.example.com", abc.foo.example.com]';

export const GatewayHTTPListenerIsolation: ConformanceCase = {
  name: 'GatewayHTTPListenerIsolation',
  level: 'extended',
  features: ['Gateway', 'GatewayHTTPListenerIsolation', 'HTTPRoute'],
  description: 'a request is served only by the most specific listener for its host, never by a less specific one, also when route hostnames intersect several listeners',
  gateways: [],
  manifests:
    gateway(GW) +
    LISTENERS.map((l) => route(GW, l, `attaches-to-${l}`)).join('') +
    '---' +
    gateway(GW2) +
    LISTENERS.map((l) => route(GW2, l, `attaches-to-${l}-with-hostname-intersection`, INTERSECTING)).join(''),
  status: [
    ...acceptedRoutes(GW, LISTENERS.map((l) => `attaches-to-${l}`)),
    ...acceptedRoutes(GW2, LISTENERS.map((l) => `attaches-to-${l}-with-hostname-intersection`)),
  ],
  requests: [...rows(GW), ...rows(GW2)],
};
