import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { REQUEST_HEADER_MODIFIER_ROWS } from './httproute-request-header-modifier.ts';

const rule = (prefix: string, modifier: string) => `    - matches: [{path: {type: PathPrefix, value: ${prefix}}}]
      backendRefs:
        - name: infra-backend-v1
          port: 8080
          filters: [{type: RequestHeaderModifier, requestHeaderModifier: ${modifier}}]
`;

export const HTTPRouteBackendRequestHeaderModifier: ConformanceCase = {
  name: 'HTTPRouteBackendRequestHeaderModifier',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteBackendRequestHeaderModification'],
  description: 'the RequestHeaderModifier table with the filter on the backendRef instead of the rule',
  manifests:
    `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: request-header-modifier, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
` +
    rule('/set', '{set: [{name: X-Header-Set, value: set-overwrites-values}]}') +
    rule('/add', '{add: [{name: X-Header-Add, value: add-appends-values}]}') +
    rule('/remove', '{remove: [X-Header-Remove]}') +
    rule(
      '/multiple',
      '{set: [{name: X-Header-Set-1, value: header-set-1}, {name: X-Header-Set-2, value: header-set-2}], add: [{name: X-Header-Add-1, value: header-add-1}, {name: X-Header-Add-2, value: header-add-2}, {name: X-Header-Add-3, value: header-add-3}], remove: [X-Header-Remove-1, X-Header-Remove-2]}',
    ) +
    rule('/case-insensitivity', '{set: [{name: X-Header-Set, value: header-set}], add: [{name: X-Header-Add, value: header-add}], remove: [X-Header-Remove]}'),
  status: acceptedRoutes('same-namespace', ['request-header-modifier']),
  requests: REQUEST_HEADER_MODIFIER_ROWS,
};
