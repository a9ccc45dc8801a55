import type { ConformanceCase, RequestCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1 } from '../fixtures.ts';

/** Request → what the backend sees; shared with HTTPRouteBackendRequestHeaderModifier. */
export const REQUEST_HEADER_MODIFIER_ROWS: readonly RequestCase[] = [
    { path: '/set', headers: { 'Some-Other-Header': 'val' }, backend: B1, expectedRequest: { headers: { 'Some-Other-Header': 'val', 'X-Header-Set': 'set-overwrites-values' } } },
    { path: '/set', headers: { 'Some-Other-Header': 'val', 'X-Header-Set': 'some-other-value' }, backend: B1, expectedRequest: { headers: { 'Some-Other-Header': 'val', 'X-Header-Set': 'set-overwrites-values' } } },
    { path: '/add', headers: { 'Some-Other-Header': 'val' }, backend: B1, expectedRequest: { headers: { 'Some-Other-Header': 'val', 'X-Header-Add': 'add-appends-values' } } },
    { path: '/add', headers: { 'Some-Other-Header': 'val', 'X-Header-Add': 'some-other-value' }, backend: B1, expectedRequest: { headers: { 'Some-Other-Header': 'val', 'X-Header-Add': 'some-other-value,add-appends-values' } } },
    { path: '/remove', headers: { 'X-Header-Remove': 'val' }, backend: B1, expectedRequest: { absentHeaders: ['X-Header-Remove'] } },
    {
      path: '/multiple',
      headers: { 'X-Header-Set-2': 'set-val-2', 'X-Header-Add-2': 'add-val-2', 'X-Header-Remove-2': 'remove-val-2', 'Another-Header': 'another-header-val' },
      backend: B1,
      expectedRequest: {
        headers: { 'X-Header-Set-1': 'header-set-1', 'X-Header-Set-2': 'header-set-2', 'X-Header-Add-1': 'header-add-1', 'X-Header-Add-2': 'add-val-2,header-add-2', 'X-Header-Add-3': 'header-add-3', 'Another-Header': 'another-header-val' },
        absentHeaders: ['X-Header-Remove-1', 'X-Header-Remove-2'],
      },
    },
    {
      path: '/case-insensitivity',
      headers: { 'x-header-set': 'original-val-set', 'x-header-add': 'original-val-add', 'x-header-remove': 'original-val-remove', 'Another-Header': 'another-header-val' },
      backend: B1,
      expectedRequest: { headers: { 'X-Header-Set': 'header-set', 'X-Header-Add': 'original-val-add,header-add', 'Another-Header': 'another-header-val' }, absentHeaders: ['x-header-remove', 'X-Header-Remove'] },
    },
  ];

export const HTTPRouteRequestHeaderModifier: ConformanceCase = {
  name: 'HTTPRouteRequestHeaderModifier',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'RequestHeaderModifier set overwrites, add appends with a comma, remove deletes; names are case-insensitive',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: request-header-modifier, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /set}}]
      filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Header-Set, value: set-overwrites-values}]}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /add}}]
      filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: X-Header-Add, value: add-appends-values}]}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /remove}}]
      filters: [{type: RequestHeaderModifier, requestHeaderModifier: {remove: [X-Header-Remove]}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /multiple}}]
      filters:
        - type: RequestHeaderModifier
          requestHeaderModifier:
            set: [{name: X-Header-Set-1, value: header-set-1}, {name: X-Header-Set-2, value: header-set-2}]
            add: [{name: X-Header-Add-1, value: header-add-1}, {name: X-Header-Add-2, value: header-add-2}, {name: X-Header-Add-3, value: header-add-3}]
            remove: [X-Header-Remove-1, X-Header-Remove-2]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /case-insensitivity}}]
      filters:
        - type: RequestHeaderModifier
          requestHeaderModifier:
            set: [{name: X-Header-Set, value: header-set}]
            add: [{name: X-Header-Add, value: header-add}]
            remove: [X-Header-Remove]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
`,
  status: acceptedRoutes('same-namespace', ['request-header-modifier']),
  requests: REQUEST_HEADER_MODIFIER_ROWS,
};
