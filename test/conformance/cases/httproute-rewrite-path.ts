import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1 } from '../fixtures.ts';

const modify = `
        - type: RequestHeaderModifier
          requestHeaderModifier:
            set: [{name: X-Header-Set, value: set-overwrites-values}]
            add: [{name: X-Header-Add, value: header-val-1}, {name: X-Header-Add-Append, value: header-val-2}]
            remove: [X-Header-Remove]`;
const modifiedHeaders = {
  headers: { 'X-Header-Add': 'header-val-1', 'X-Header-Add-Append': 'append-val-1,header-val-2', 'X-Header-Set': 'set-overwrites-values' },
  absentHeaders: ['X-Header-Remove'],
};
const sent = { 'X-Header-Remove': 'remove-val', 'X-Header-Add-Append': 'append-val-1', 'X-Header-Set': 'set-val' };

export const HTTPRouteRewritePath: ConformanceCase = {
  name: 'HTTPRouteRewritePath',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRoutePathRewrite'],
  description: 'URLRewrite path: ReplacePrefixMatch (including to "/") and ReplaceFullPath, alone and with a RequestHeaderModifier',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: rewrite-path, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /prefix/one}}]
      filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /one}}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /strip-prefix}}]
      filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /full/one}}]
      filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /one}}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /full/rewrite-path-and-modify-headers}}]
      filters:
        - {type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /test}}}${modify}
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /prefix/rewrite-path-and-modify-headers}}]
      filters:
        - {type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /prefix}}}${modify}
      backendRefs: [{name: infra-backend-v1, port: 8080}]
`,
  status: acceptedRoutes('same-namespace', ['rewrite-path']),
  requests: [
    { path: '/prefix/one/two', backend: B1, expectedRequest: { path: '/one/two' } },
    { path: '/strip-prefix/three', backend: B1, expectedRequest: { path: '/three' } },
    { path: '/strip-prefix', backend: B1, expectedRequest: { path: '/' } },
    { path: '/full/one/two', backend: B1, expectedRequest: { path: '/one' } },
    { path: '/full/rewrite-path-and-modify-headers/test', headers: sent, backend: B1, expectedRequest: { path: '/test', ...modifiedHeaders } },
    { path: '/prefix/rewrite-path-and-modify-headers/one', headers: sent, backend: B1, expectedRequest: { path: '/prefix/one', ...modifiedHeaders } },
  ],
};
