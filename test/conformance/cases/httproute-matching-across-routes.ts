import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1, B2 } from '../fixtures.ts';

export const HTTPRouteMatchingAcrossRoutes: ConformanceCase = {
  name: 'HTTPRouteMatchingAcrossRoutes',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'matches of two routes with overlapping hostnames are merged; a route serves only its own hostnames',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: matching-part1, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  hostnames: [example.com, example.net]
  rules:
    - matches: [{path: {type: PathPrefix, value: /}}, {headers: [{name: version, value: one}]}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: matching-part2, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  hostnames: [example.com]
  rules:
    - matches: [{path: {type: PathPrefix, value: /v2}}, {headers: [{name: version, value: two}]}]
      backendRefs: [{name: infra-backend-v2, port: 8080}]
`,
  status: acceptedRoutes('same-namespace', ['matching-part1', 'matching-part2']),
  requests: [
    { host: 'example.com', path: '/', backend: B1 },
    { host: 'example.net', path: '/', backend: B1 },
    { host: 'example.com', path: '/example', backend: B1 },
    { host: 'example.net', path: '/example', backend: B1 },
    { host: 'example.com', path: '/example', headers: { Version: 'one' }, backend: B1 },
    { host: 'example.com', path: '/v2', backend: B2 },
    { host: 'example.com', path: '/v2/example', backend: B2 },
    { host: 'example.com', path: '/', headers: { Version: 'two' }, backend: B2 },
    { host: 'example.net', path: '/v2', backend: B1 },
    { host: 'example.net', path: '/', headers: { Version: 'two' }, backend: B1 },
  ],
};
