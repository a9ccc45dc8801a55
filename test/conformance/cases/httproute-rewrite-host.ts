import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1, B2 } from '../fixtures.ts';

export const HTTPRouteRewriteHost: ConformanceCase = {
  name: 'HTTPRouteRewriteHost',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteHostRewrite'],
  description: 'URLRewrite hostname replaces the Host the backend sees, alone and with a RequestHeaderModifier',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: rewrite-host, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  hostnames: [rewrite.example]
  rules:
    - matches: [{path: {type: PathPrefix, value: /one}}]
      filters: [{type: URLRewrite, urlRewrite: {hostname: one.example.org}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - filters: [{type: URLRewrite, urlRewrite: {hostname: example.org}}]
      backendRefs: [{name: infra-backend-v2, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /rewrite-host-and-modify-headers}}]
      filters:
        - {type: URLRewrite, urlRewrite: {hostname: test.example.org}}
        - type: RequestHeaderModifier
          requestHeaderModifier:
            set: [{name: X-Header-Set, value: set-overwrites-values}]
            add: [{name: X-Header-Add, value: header-val-1}, {name: X-Header-Add-Append, value: header-val-2}]
            remove: [X-Header-Remove]
      backendRefs: [{name: infra-backend-v2, port: 8080}]
`,
  status: acceptedRoutes('same-namespace', ['rewrite-host']),
  requests: [
    { host: 'rewrite.example', path: '/one', backend: B1, expectedRequest: { host: 'one.example.org' } },
    { host: 'rewrite.example', path: '/two', backend: B2, expectedRequest: { host: 'example.org' } },
    {
      host: 'rewrite.example',
      path: '/rewrite-host-and-modify-headers',
      headers: { 'X-Header-Remove': 'remove-val', 'X-Header-Add-Append': 'append-val-1' },
      backend: B2,
      expectedRequest: {
        host: 'test.example.org',
        headers: { 'X-Header-Add': 'header-val-1', 'X-Header-Add-Append': 'append-val-1,header-val-2', 'X-Header-Set': 'set-overwrites-values' },
        absentHeaders: ['X-Header-Remove'],
      },
    },
  ],
};
