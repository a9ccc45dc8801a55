import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1, B2 } from '../fixtures.ts';

export const HTTPRouteMatching: ConformanceCase = {
  name: 'HTTPRouteMatching',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'path-prefix OR header matches; the longer prefix wins; prefixes match whole segments',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: matching, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /}}, {headers: [{name: version, value: one}]}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /v2}}, {headers: [{name: version, value: two}]}]
      backendRefs: [{name: infra-backend-v2, port: 8080}]
`,
  status: acceptedRoutes('same-namespace', ['matching']),
  requests: [
    { path: '/', backend: B1 },
    { path: '/example', backend: B1 },
    { path: '/', headers: { Version: 'one' }, backend: B1 },
    { path: '/v2', backend: B2 },
    { path: '/v2/', backend: B2 },
    { path: '/v2/example', backend: B2 },
    { path: '/', headers: { Version: 'two' }, backend: B2 },
    { path: '/v2example', backend: B1 },
    { path: '/foo/v2/example', backend: B1 },
  ],
};
