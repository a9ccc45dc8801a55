import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1 } from '../fixtures.ts';

export const HTTPRouteResponseHeaderModifier: ConformanceCase = {
  name: 'HTTPRouteResponseHeaderModifier',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteResponseHeaderModification'],
  description: 'ResponseHeaderModifier on headers the backend sets (X-Echo-Set-Header), alone and with a RequestHeaderModifier',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: response-header-modifier, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /set}}]
      filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: X-Header-Set, value: set-overwrites-values}]}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /add}}]
      filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {add: [{name: X-Header-Add, value: add-appends-values}]}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /remove}}]
      filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {remove: [X-Header-Remove]}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /multiple}}]
      filters:
        - type: ResponseHeaderModifier
          responseHeaderModifier:
            set: [{name: X-Header-Set-1, value: header-set-1}, {name: X-Header-Set-2, value: header-set-2}]
            add: [{name: X-Header-Add-1, value: header-add-1}, {name: X-Header-Add-2, value: header-add-2}, {name: X-Header-Add-3, value: header-add-3}]
            remove: [X-Header-Remove-1, X-Header-Remove-2]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /case-insensitivity}}]
      filters:
        - type: ResponseHeaderModifier
          responseHeaderModifier:
            set: [{name: X-Header-Set, value: header-set}]
            add:
              - {name: X-Header-Add, value: header-add}
              - {name: x-lowercase-add, value: lowercase-add}
              - {name: x-Mixedcase-ADD-1, value: mixedcase-add-1}
              - {name: X-mixeDcase-add-2, value: mixedcase-add-2}
              - {name: X-UPPERCASE-ADD, value: uppercase-add}
            remove: [X-Header-Remove]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: /response-and-request-header-modifiers}}]
      filters:
        - type: ResponseHeaderModifier
          responseHeaderModifier:
            set: [{name: X-Header-Set-1, value: header-set-1}, {name: X-Header-Set-2, value: header-set-2}]
            add: [{name: X-Header-Add-1, value: header-add-1}, {name: X-Header-Add-2, value: header-add-2}]
            remove: [X-Header-Remove-1, X-Header-Remove-2]
        - type: RequestHeaderModifier
          requestHeaderModifier:
            set: [{name: X-Header-Set, value: set-overwrites-values}]
            add: [{name: X-Header-Add, value: header-val-1}, {name: X-Header-Add-Append, value: header-val-2}]
            remove: [X-Header-Remove]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
`,
  status: acceptedRoutes('same-namespace', ['response-header-modifier']),
  requests: [
    { path: '/set', backendSetResponseHeaders: { 'Some-Other-Header': 'val' }, backend: B1, response: { headers: { 'Some-Other-Header': 'val', 'X-Header-Set': 'set-overwrites-values' } } },
    { path: '/set', backendSetResponseHeaders: { 'Some-Other-Header': 'val', 'X-Header-Set': 'some-other-value' }, backend: B1, response: { headers: { 'Some-Other-Header': 'val', 'X-Header-Set': 'set-overwrites-values' } } },
    { path: '/add', backendSetResponseHeaders: { 'Some-Other-Header': 'val' }, backend: B1, response: { headers: { 'Some-Other-Header': 'val', 'X-Header-Add': 'add-appends-values' } } },
    { path: '/add', backendSetResponseHeaders: { 'Some-Other-Header': 'val', 'X-Header-Add': 'some-other-value' }, backend: B1, response: { headers: { 'Some-Other-Header': 'val', 'X-Header-Add': 'some-other-value,add-appends-values' } } },
    { path: '/remove', backendSetResponseHeaders: { 'X-Header-Remove': 'val' }, backend: B1, response: { absentHeaders: ['X-Header-Remove'] } },
    {
      path: '/multiple',
      backendSetResponseHeaders: { 'X-Header-Set-2': 'set-val-2', 'X-Header-Add-2': 'add-val-2', 'X-Header-Remove-2': 'remove-val-2', 'Another-Header': 'another-header-val', 'X-Header-Remove-1': 'val' },
      backend: B1,
      response: {
        headers: { 'X-Header-Set-1': 'header-set-1', 'X-Header-Set-2': 'header-set-2', 'X-Header-Add-1': 'header-add-1', 'X-Header-Add-2': 'add-val-2,header-add-2', 'X-Header-Add-3': 'header-add-3', 'Another-Header': 'another-header-val' },
        absentHeaders: ['X-Header-Remove-1', 'X-Header-Remove-2'],
      },
    },
    {
      path: '/case-insensitivity',
      backendSetResponseHeaders: { 'x-header-set': 'original-val-set', 'x-header-add': 'original-val-add', 'x-header-remove': 'original-val-remove', 'Another-Header': 'another-header-val' },
      backend: B1,
      response: {
        headers: {
          'X-Header-Set': 'header-set',
          'X-Header-Add': 'original-val-add,header-add',
          'X-Lowercase-Add': 'lowercase-add',
          'X-Mixedcase-Add-1': 'mixedcase-add-1',
          'X-Mixedcase-Add-2': 'mixedcase-add-2',
          'X-Uppercase-Add': 'uppercase-add',
          'Another-Header': 'another-header-val',
        },
        absentHeaders: ['x-header-remove', 'X-Header-Remove'],
      },
    },
    {
      path: '/response-and-request-header-modifiers',
      headers: { 'X-Header-Remove': 'remove-val', 'X-Header-Add-Append': 'append-val-1', 'X-Header-Echo': 'echo' },
      backendSetResponseHeaders: { 'X-Header-Set-2': 'set-val-2', 'X-Header-Add-2': 'add-val-2', 'X-Header-Remove-2': 'remove-val-2', 'Another-Header': 'another-header-val', 'X-Header-Remove-1': 'remove-val-1', 'X-Header-Echo': 'echo' },
      backend: B1,
      expectedRequest: {
        headers: { 'X-Header-Add': 'header-val-1', 'X-Header-Set': 'set-overwrites-values', 'X-Header-Add-Append': 'append-val-1,header-val-2', 'X-Header-Echo': 'echo' },
        absentHeaders: ['X-Header-Remove'],
      },
      response: {
        headers: { 'X-Header-Set-1': 'header-set-1', 'X-Header-Set-2': 'header-set-2', 'X-Header-Add-1': 'header-add-1', 'X-Header-Add-2': 'add-val-2,header-add-2', 'Another-Header': 'another-header-val', 'X-Header-Echo': 'echo' },
        absentHeaders: ['X-Header-Remove-1', 'X-Header-Remove-2'],
      },
    },
  ],
};
