import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1 } from '../fixtures.ts';

export const HTTPRouteBackendURLRewrite: ConformanceCase = {
  name: 'HTTPRouteBackendURLRewrite',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteBackendURLRewrite'],
  description: 'URLRewrite on a backendRef: ReplaceFullPath and ReplacePrefixMatch (upstream main)',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: backend-url-rewrite, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /full}}]
      backendRefs: [{name: infra-backend-v1, port: 8080, filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /rewritten-full}}}]}]
    - matches: [{path: {type: PathPrefix, value: /prefix}}]
      backendRefs: [{name: infra-backend-v1, port: 8080, filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /rewritten-prefix}}}]}]
`,
  status: acceptedRoutes('same-namespace', ['backend-url-rewrite']),
  requests: [
    { path: '/full/original', backend: B1, expectedRequest: { path: '/rewritten-full' } },
    { path: '/prefix/original', backend: B1, expectedRequest: { path: '/rewritten-prefix/original' } },
  ],
};
