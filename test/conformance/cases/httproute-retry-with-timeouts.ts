import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { retryCheck } from './shared/retry-rows.ts';

const BACKEND = '/retry/backend-request-timeout-200ms';
const REQUEST = '/retry/request-timeout-200ms';

export const HTTPRouteRetryWithTimeouts: ConformanceCase = {
  name: 'HTTPRouteRetryWithTimeouts',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteRetry', 'HTTPRouteRetryBackendTimeout', 'HTTPRouteRequestTimeout', 'HTTPRouteBackendTimeout'],
  description: 'per-attempt backendRequest timeouts are retried; all attempts together respect timeouts.request (upstream main)',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: retries-with-timeouts, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: PathPrefix, value: ${BACKEND}}}]
      retry: {attempts: 2}
      timeouts: {backendRequest: 200ms}
      backendRefs: [{name: infra-backend-v3, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: ${REQUEST}}}]
      retry: {codes: [500], attempts: 5}
      timeouts: {backendRequest: 200ms, request: 400ms}
      backendRefs: [{name: infra-backend-v3, port: 8080}]
`,
  status: acceptedRoutes('same-namespace', ['retries-with-timeouts']),
  checks: [
    retryCheck(BACKEND, { responseCode: '500', succeedAfter: '2', delayRetry: '300ms' }, 200, 'succeeds after 2 retries of timed-out attempts'),
    retryCheck(BACKEND, { responseCode: '500', succeedAfter: '3', delayRetry: '300ms' }, 504, '504 when timed-out attempts exceed the retries'),
    retryCheck(REQUEST, { responseCode: '500', succeedAfter: '1' }, 200, 'succeeds when the retries fit in the request timeout'),
    retryCheck(REQUEST, { responseCode: '500', succeedAfter: '4', delayRetry: '100ms' }, 504, '504 when the retries exceed the request timeout'),
  ],
};
