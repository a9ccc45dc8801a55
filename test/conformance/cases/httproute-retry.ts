import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { retryCheck } from './shared/retry-rows.ts';

const A3 = '/retry/code-500-attempts-3';
const A2 = '/retry/code-all-attempts-2';

export const HTTPRouteRetry: ConformanceCase = {
  name: 'HTTPRouteRetry',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteRetry'],
  description: 'retry.codes and retry.attempts (the maximum number of retries): retried codes succeed within the attempts, others pass through',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: retries, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: PathPrefix, value: ${A3}}}]
      retry: {codes: [500], attempts: 3}
      backendRefs: [{name: infra-backend-v3, port: 8080}]
    - matches: [{path: {type: PathPrefix, value: ${A2}}}]
      retry: {codes: [500, 502, 503, 504], attempts: 2}
      backendRefs: [{name: infra-backend-v3, port: 8080}]
`,
  status: acceptedRoutes('same-namespace', ['retries']),
  checks: [
    retryCheck(A3, { responseCode: '500', succeedAfter: '2' }, 200, 'succeeds after 2 retries'),
    retryCheck(A3, { responseCode: '500', succeedAfter: '4' }, 500, 'fails when more retries are needed than attempts'),
    retryCheck(A3, { responseCode: '503', succeedAfter: '2' }, 503, '503 is not retried when only 500 is configured'),
    ...(['500', '502', '503', '504'] as const).flatMap((code) => [
      retryCheck(A2, { responseCode: code, succeedAfter: '1' }, 200, `succeeds after 1 retry on ${code}`),
      retryCheck(A2, { responseCode: code, succeedAfter: '3' }, Number(code), `${code} when retries on ${code} exceed attempts`),
    ]),
  ],
};
