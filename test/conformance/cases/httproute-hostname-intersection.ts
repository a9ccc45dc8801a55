import type { ConformanceCase, RequestCase } from '../harness.ts';
import { acceptedRoutes, gatewayStatus, routeStatus } from '../harness.ts';
import { B1, B2, B3 } from '../fixtures.ts';

const GW = 'httproute-hostname-intersection';
const ALL = 'httproute-hostname-intersection-all';
const on = (host: string, path: string, expect: Partial<RequestCase>): RequestCase => ({ gateway: GW, host, path, ...expect });
const onAll = (host: string, expect: Partial<RequestCase>): RequestCase => ({ gateway: ALL, host, path: '/', ...expect });
const listener = (name: string, attachedRoutes: number) => ({ name, attachedRoutes, supportedKinds: ['HTTPRoute'], conditions: { Accepted: 'True', ResolvedRefs: 'True' } as const });

export const HTTPRouteHostnameIntersection: ConformanceCase = {
  name: 'HTTPRouteHostnameIntersection',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'route hostnames intersect listener hostnames (the more specific side wins); no intersection → NoMatchingListenerHostname; only accepted routes count in attachedRoutes',
  gateways: [],
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${GW}, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners:
    - {name: listener-1, port: 80, protocol: HTTP, hostname: very.specific.com, allowedRoutes: {namespaces: {from: Same}}}
    - {name: listener-2, port: 80, protocol: HTTP, hostname: "*.wildcard.io", allowedRoutes: {namespaces: {from: Same}}}
    - {name: listener-3, port: 80, protocol: HTTP, hostname: "*.anotherwildcard.io", allowedRoutes: {namespaces: {from: Same}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${ALL}, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners:
    - {name: listener-1, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: specific-host-matches-listener-specific-host, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: ${GW}, namespace: gateway-conformance-infra}]
  hostnames: [non.matching.com, "*.nonmatchingwildcard.io", very.specific.com]
  rules:
    - matches: [{path: {type: PathPrefix, value: /s1}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: specific-host-matches-listener-wildcard-host, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: ${GW}, namespace: gateway-conformance-infra}]
  hostnames: [non.matching.com, wildcard.io, foo.wildcard.io, bar.wildcard.io, foo.bar.wildcard.io]
  rules:
    - matches: [{path: {type: PathPrefix, value: /s2}}]
      backendRefs: [{name: infra-backend-v2, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: wildcard-host-matches-listener-specific-host, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: ${GW}, namespace: gateway-conformance-infra}]
  hostnames: [non.matching.com, "*.specific.com"]
  rules:
    - matches: [{path: {type: PathPrefix, value: /s3}}]
      backendRefs: [{name: infra-backend-v3, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: wildcard-host-matches-listener-wildcard-host, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: ${GW}, namespace: gateway-conformance-infra}]
  hostnames: ["*.anotherwildcard.io"]
  rules:
    - matches: [{path: {type: PathPrefix, value: /s4}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: no-intersecting-hosts, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: ${GW}, namespace: gateway-conformance-infra}]
  hostnames: [specific.but.wrong.com, wildcard.io]
  rules:
    - matches: [{path: {type: PathPrefix, value: /s5}}]
      backendRefs: [{name: infra-backend-v2, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${ALL}, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: ${ALL}, namespace: gateway-conformance-infra}]
  hostnames: [first.com, sub.first.com, second.com, sub.second.com]
  rules:
    - backendRefs: [{name: infra-backend-v2, port: 8080}]
`,
  status: [
    ...acceptedRoutes(GW, ['specific-host-matches-listener-specific-host', 'specific-host-matches-listener-wildcard-host', 'wildcard-host-matches-listener-specific-host', 'wildcard-host-matches-listener-wildcard-host']),
    routeStatus('no-intersecting-hosts', GW, { Accepted: ['False', 'NoMatchingListenerHostname'] }),
    gatewayStatus(GW, { listeners: [listener('listener-1', 2), listener('listener-2', 1), listener('listener-3', 1)] }),
    ...acceptedRoutes(ALL, [ALL]),
  ],
  requests: [
    on('very.specific.com', '/s1', { backend: B1 }),
    on('very.specific.com:1234', '/s1', { backend: B1 }),
    on('non.matching.com', '/s1', { status: 404 }),
    on('foo.nonmatchingwildcard.io', '/s1', { status: 404 }),
    on('foo.wildcard.io', '/s1', { status: 404 }),
    on('very.specific.com', '/non-matching-prefix', { status: 404 }),
    on('foo.wildcard.io', '/s2', { backend: B2 }),
    on('bar.wildcard.io', '/s2', { backend: B2 }),
    on('foo.bar.wildcard.io', '/s2', { backend: B2 }),
    on('non.matching.com', '/s2', { status: 404 }),
    on('wildcard.io', '/s2', { status: 404 }),
    on('very.specific.com', '/s2', { status: 404 }),
    on('foo.wildcard.io', '/non-matching-prefix', { status: 404 }),
    on('very.specific.com', '/s3', { backend: B3 }),
    on('non.matching.com', '/s3', { status: 404 }),
    on('foo.specific.com', '/s3', { status: 404 }),
    on('foo.wildcard.io', '/s3', { status: 404 }),
    on('very.specific.com', '/non-matching-prefix', { status: 404, name: `${GW}: very.specific.com/non-matching-prefix (s3 route) → 404` }),
    on('foo.anotherwildcard.io', '/s4', { backend: B1 }),
    on('bar.anotherwildcard.io', '/s4', { backend: B1 }),
    on('foo.bar.anotherwildcard.io', '/s4', { backend: B1 }),
    on('anotherwildcard.io', '/s4', { status: 404 }),
    on('foo.wildcard.io', '/s4', { status: 404 }),
    on('very.specific.com', '/s4', { status: 404 }),
    on('foo.anotherwildcard.io', '/non-matching-prefix', { status: 404 }),
    on('specific.but.wrong.com', '/s5', { status: 404 }),
    on('wildcard.io', '/s5', { status: 404 }),
    onAll('first.com', { backend: B2 }),
    onAll('sub.first.com', { backend: B2 }),
    onAll('second.com', { backend: B2 }),
    onAll('sub.second.com', { backend: B2 }),
    onAll('third.com', { status: 404 }),
    onAll('sub.third.com', { status: 404 }),
  ],
};
