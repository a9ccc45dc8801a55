import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { retryCheck } from './shared/retry-rows.ts';

const PATH = '/retry/no-status-code-attempts-3';

export const HTTPRouteRetryConnectionError: ConformanceCase = {
  name: 'HTTPRouteRetryConnectionError',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteRetry', 'HTTPRouteRetryConnectionError'],
  description: 'a configured retry also retries connections the backend resets (upstream main)',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: retries-connection-error, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: PathPrefix, value: ${PATH}}}]
      retry: {attempts: 3}
      backendRefs: [{name: infra-backend-v3, port: 8080}]
`,
  status: acceptedRoutes('same-namespace', ['retries-connection-error']),
  checks: [
    retryCheck(PATH, { succeedAfter: '2' }, 200, 'succeeds after 2 retried connection resets'),
    retryCheck(PATH, { succeedAfter: '4' }, [500, 503], '500 or 503 when resets exceed the retries'),
  ],
};
