import type { ConformanceCase } from '../harness.ts';
import { LISTENER_PORT, acceptedRoutes } from '../harness.ts';
import { redirect, redirectRule, routeDoc } from './shared/redirects.ts';

const HTTPS_GW = 'same-namespace-with-https-listener';
const GW_8080 = 'same-namespace-with-http-listener-on-8080';
const hostRedirect = (prefix: string, extra: string) => redirectRule(prefix, `{${extra ? extra + ', ' : ''}hostname: example.org}`);

export const HTTPRouteRedirectPortAndScheme: ConformanceCase = {
  name: 'HTTPRouteRedirectPortAndScheme',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRoutePortRedirect', 'GatewayPort8080'],
  description: 'the Location port when port and scheme are each set or not, on HTTP :80, HTTP :8080 and HTTPS :443 listeners',
  gateways: ['same-namespace', HTTPS_GW],
  manifests:
    `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${GW_8080}, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners: [{name: http, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}}]
` +
    routeDoc(
      'http-route-for-listener-on-port-80',
      hostRedirect('/scheme-nil-and-port-nil', '') +
        hostRedirect('/scheme-nil-and-port-80', 'port: 80') +
        hostRedirect('/scheme-nil-and-port-8080', 'port: 8080') +
        hostRedirect('/scheme-https-and-port-nil', 'scheme: https') +
        hostRedirect('/scheme-https-and-port-443', 'scheme: https, port: 443') +
        hostRedirect('/scheme-https-and-port-8443', 'scheme: https, port: 8443'),
    ) +
    routeDoc(
      'http-route-for-listener-on-port-8080',
      hostRedirect('/scheme-nil-and-port-nil', '') + hostRedirect('/scheme-nil-and-port-80', 'port: 80') + hostRedirect('/scheme-https-and-port-nil', 'scheme: https'),
      GW_8080,
    ) +
    routeDoc(
      'http-route-for-listener-on-port-443',
      hostRedirect('/scheme-nil-and-port-nil', '') +
        hostRedirect('/scheme-nil-and-port-443', 'port: 443') +
        hostRedirect('/scheme-nil-and-port-8443', 'port: 8443') +
        hostRedirect('/scheme-http-and-port-nil', 'scheme: http') +
        hostRedirect('/scheme-http-and-port-80', 'scheme: http, port: 80') +
        hostRedirect('/scheme-http-and-port-8080', 'scheme: http, port: 8080'),
      HTTPS_GW,
    ),
  status: [
    ...acceptedRoutes('same-namespace', ['http-route-for-listener-on-port-80']),
    ...acceptedRoutes(GW_8080, ['http-route-for-listener-on-port-8080']),
    ...acceptedRoutes(HTTPS_GW, ['http-route-for-listener-on-port-443']),
  ],
  requests: [
    // HTTP listener on :80 (served on a mapped port: "port nil" keeps that port).
    redirect('/scheme-nil-and-port-nil', 302, { scheme: 'http', host: 'example.org', port: LISTENER_PORT }),
    redirect('/scheme-nil-and-port-80', 302, { scheme: 'http', host: 'example.org' }),
    redirect('/scheme-nil-and-port-8080', 302, { scheme: 'http', host: 'example.org', port: '8080' }),
    redirect('/scheme-https-and-port-nil', 302, { scheme: 'https', host: 'example.org' }),
    redirect('/scheme-https-and-port-443', 302, { scheme: 'https', host: 'example.org' }),
    redirect('/scheme-https-and-port-8443', 302, { scheme: 'https', host: 'example.org', port: '8443' }),
    // HTTP listener on :8080.
    redirect('/scheme-nil-and-port-nil', 302, { scheme: 'http', host: 'example.org', port: LISTENER_PORT }, { gateway: GW_8080, listenerPort: 8080 }),
    redirect('/scheme-nil-and-port-80', 302, { scheme: 'http', host: 'example.org' }, { gateway: GW_8080, listenerPort: 8080 }),
    redirect('/scheme-https-and-port-nil', 302, { scheme: 'https', host: 'example.org' }, { gateway: GW_8080, listenerPort: 8080 }),
    // HTTPS listener on :443.
    ...(
      [
        ['/scheme-nil-and-port-nil', { scheme: 'https', host: 'example.org', port: LISTENER_PORT }],
        ['/scheme-nil-and-port-443', { scheme: 'https', host: 'example.org' }],
        ['/scheme-nil-and-port-8443', { scheme: 'https', host: 'example.org', port: '8443' }],
        ['/scheme-http-and-port-nil', { scheme: 'http', host: 'example.org' }],
        ['/scheme-http-and-port-80', { scheme: 'http', host: 'example.org' }],
        ['/scheme-http-and-port-8080', { scheme: 'http', host: 'example.org', port: '8080' }],
      ] as const
    ).map(([path, expect]) => redirect(path, 302, expect, { gateway: HTTPS_GW, tls: { serverName: 'example.org' }, host: 'example.org' })),
  ],
};
