import type { ConformanceCase, RequestCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1, B2, B3 } from '../fixtures.ts';

const GW = 'same-namespace-with-https-listener';
const PATH = '/detect-misdirected-requests';
const row = (serverName: string, host: string, expect: Partial<RequestCase>): RequestCase => ({
  gateway: GW,
  tls: { serverName },
  host,
  path: PATH,
  name: `SNI ${serverName}, Host ${host} → ${expect.backend ?? expect.status}`,
  ...expect,
});
const route = (n: number, section: string, backend: string, hostnames = '') => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: https-listener-detect-misdirected-requests-test-${n}, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: ${GW}, sectionName: ${section}}]
${hostnames}  rules:
    - matches: [{path: {type: PathPrefix, value: ${PATH}}}]
      backendRefs: [{name: ${backend}, port: 8080}]
`;

export const HTTPRouteHTTPSListenerDetectMisdirectedRequests: ConformanceCase = {
  name: 'HTTPRouteHTTPSListenerDetectMisdirectedRequests',
  level: 'extended',
  features: ['Gateway', 'GatewayHTTPSListenerDetectMisdirectedRequests', 'HTTPRoute'],
  description: '421 when the TLS SNI chose a listener that does not serve the Host while another listener does (upstream sends HTTP/2; these requests are HTTP/1.1 because Sluice HTTPS listeners do not negotiate h2 — the SNI/Host logic is the same)',
  gateways: [GW],
  manifests:
    route(1, 'https', 'infra-backend-v1', '  hostnames: [example.org]\n') +
    route(2, 'https-with-hostname', 'infra-backend-v2') +
    route(3, 'https-with-wildcard-hostname', 'infra-backend-v3') +
    route(4, 'https-with-hostname-matching-wildcard', 'infra-backend-v1'),
  status: acceptedRoutes(GW, [1, 2, 3, 4].map((n) => `https-listener-detect-misdirected-requests-test-${n}`)),
  requests: [
    row('example.org', 'example.org', { backend: B1 }),
    row('example.org', 'second-example.org', { status: 421 }),
    row('example.org', 'unknown-example.org', { status: 404 }),
    row('second-example.org', 'second-example.org', { backend: B2 }),
    row('second-example.org', 'example.org', { status: 421 }),
    row('second-example.org', 'unknown-example.org', { status: 421 }),
    row('third-example.wildcard.org', 'third-example.wildcard.org', { backend: B3 }),
    row('third-example.wildcard.org', 'fith-example.wildcard.org', { backend: B3 }),
    row('third-example.wildcard.org', 'fourth-example.wildcard.org', { status: 421 }),
    row('third-example.wildcard.org', 'second-example.org', { status: 421 }),
    row('third-example.wildcard.org', 'unknown-example.org', { status: 421 }),
    row('fourth-example.wildcard.org', 'fourth-example.wildcard.org', { backend: B1 }),
    row('fourth-example.wildcard.org', 'fith-example.wildcard.org', { status: 421 }),
    row('unknown-example.org', 'example.org', { backend: B1 }),
    row('unknown-example.org', 'unknown-example.org', { status: 404 }),
  ],
};
