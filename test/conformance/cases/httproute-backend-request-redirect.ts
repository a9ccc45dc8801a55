import type { ConformanceCase } from '../harness.ts';
import { LISTENER_PORT, acceptedRoutes } from '../harness.ts';

export const HTTPRouteBackendRequestRedirect: ConformanceCase = {
  name: 'HTTPRouteBackendRequestRedirect',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteBackendRequestRedirect'],
  description: 'RequestRedirect on a backendRef: ReplaceFullPath and ReplacePrefixMatch (upstream main)',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: backend-request-redirect, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /full}}]
      backendRefs: [{name: infra-backend-v1, port: 8080, filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: /redirected-full}}}]}]
    - matches: [{path: {type: PathPrefix, value: /prefix}}]
      backendRefs: [{name: infra-backend-v1, port: 8080, filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /redirected-prefix}}}]}]
`,
  status: acceptedRoutes('same-namespace', ['backend-request-redirect']),
  requests: [
    { path: '/full/original', status: 302, redirect: { path: '/redirected-full', port: LISTENER_PORT } },
    { path: '/prefix/original', status: 302, redirect: { path: '/redirected-prefix/original', port: LISTENER_PORT } },
  ],
};
