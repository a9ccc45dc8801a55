import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1, B2 } from '../fixtures.ts';

export const HTTPRouteHeaderMatching: ConformanceCase = {
  name: 'HTTPRouteHeaderMatching',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'header matches: ANDed within a match, ORed across matches; more header matches win; ties go to the earlier rule',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: header-matching, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{headers: [{name: version, value: one}]}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{headers: [{name: version, value: two}]}]
      backendRefs: [{name: infra-backend-v2, port: 8080}]
    - matches: [{headers: [{name: version, value: two}, {name: color, value: orange}]}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{headers: [{name: color, value: blue}]}, {headers: [{name: color, value: green}]}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{headers: [{name: color, value: red}]}, {headers: [{name: color, value: yellow}]}]
      backendRefs: [{name: infra-backend-v2, port: 8080}]
`,
  status: acceptedRoutes('same-namespace', ['header-matching']),
  requests: [
    { path: '/', headers: { Version: 'one' }, backend: B1 },
    { path: '/', headers: { Version: 'two' }, backend: B2 },
    { path: '/', headers: { Version: 'two', Color: 'orange' }, backend: B1 },
    { path: '/', headers: { Version: 'two', Color: 'blue' }, backend: B2 },
    { path: '/', headers: { Color: 'blue' }, backend: B1 },
    { path: '/', headers: { Color: 'green' }, backend: B1 },
    { path: '/', headers: { Color: 'red' }, backend: B2 },
    { path: '/', headers: { Color: 'yellow' }, backend: B2 },
    { path: '/', headers: { Color: 'orange' }, status: 404 },
    { path: '/', headers: { 'Some-Other-Header': 'one' }, status: 404 },
    { path: '/', headers: { Color: 'purple' }, status: 404 },
  ],
};
