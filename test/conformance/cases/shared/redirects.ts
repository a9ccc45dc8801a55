// The RequestRedirect cases. Upstream expects the listener's port (80) to be omitted from Location
// when no port is configured; here the listener is served on a mapped port (fixtures.ts), so those
// rows expect that port instead (LISTENER_PORT). Explicit ports and scheme defaults are unchanged.
import type { RequestCase } from '../../harness.ts';

export const routeDoc = (name: string, rules: string, parent = 'same-namespace') => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: ${parent}}]
  rules:
${rules}`;
export const redirectRule = (prefix: string, redirect: string) => `    - matches: [{path: {type: PathPrefix, value: ${prefix}}}]
      filters: [{type: RequestRedirect, requestRedirect: ${redirect}}]
`;
export const redirect = (path: string, status: number, expect: NonNullable<RequestCase['redirect']>, extra: Partial<RequestCase> = {}): RequestCase => ({ path, status, redirect: expect, ...extra });
