import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1, B2, B3 } from '../fixtures.ts';

export const HTTPRouteQueryParamMatching: ConformanceCase = {
  name: 'HTTPRouteQueryParamMatching',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteQueryParamMatching'],
  description: 'query parameter matches (case-sensitive names, whole values) combined with path and header matches, with precedence',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: query-param-matching, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{queryParams: [{name: animal, value: whale}]}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{queryParams: [{name: animal, value: dolphin}]}]
      backendRefs: [{name: infra-backend-v2, port: 8080}]
    - matches:
        - queryParams: [{name: animal, value: dolphin}, {name: color, value: blue}]
        - queryParams: [{name: ANIMAL, value: Whale}]
      backendRefs: [{name: infra-backend-v3, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /path1}, queryParams: [{name: animal, value: whale}]}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{headers: [{name: version, value: one}], queryParams: [{name: animal, value: whale}]}]
      backendRefs: [{name: infra-backend-v2, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /path2}, headers: [{name: version, value: two}], queryParams: [{name: animal, value: whale}]}]
      backendRefs: [{name: infra-backend-v3, port: 8080}]
    - matches:
        - {path: {type: PathPrefix, value: /path3}, queryParams: [{name: animal, value: shark}]}
        - {path: {type: PathPrefix, value: /path4}, headers: [{name: version, value: three}], queryParams: [{name: animal, value: kraken}]}
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /path5}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{queryParams: [{name: animal, value: hydra}]}]
      backendRefs: [{name: infra-backend-v2, port: 8080}]
    - matches: [{headers: [{name: version, value: four}]}]
      backendRefs: [{name: infra-backend-v3, port: 8080}]
`,
  status: acceptedRoutes('same-namespace', ['query-param-matching']),
  requests: [
    { path: '/?animal=whale', backend: B1 },
    { path: '/?animal=dolphin', backend: B2 },
    { path: '/?animal=dolphin&color=blue', backend: B3 },
    { path: '/?ANIMAL=Whale', backend: B3 },
    { path: '/?animal=whale&otherparam=irrelevant', backend: B1 },
    { path: '/?animal=dolphin&color=yellow', backend: B2 },
    { path: '/?color=blue', status: 404 },
    { path: '/?animal=dog', status: 404 },
    { path: '/?animal=whaledolphin', status: 404 },
    { path: '/', status: 404 },
    { path: '/path1?animal=whale', backend: B1 },
    { path: '/?animal=whale', headers: { version: 'one' }, backend: B2 },
    { path: '/path2?animal=whale', headers: { version: 'two' }, backend: B3 },
    { path: '/path3?animal=shark', backend: B1 },
    { path: '/path4?animal=kraken', headers: { version: 'three' }, backend: B1 },
    { path: '/?animal=shark', status: 404 },
    { path: '/path4?animal=kraken', status: 404 },
    { path: '/path5?animal=hydra', backend: B1 },
    { path: '/?animal=hydra', headers: { version: 'four' }, backend: B3 },
  ],
};
