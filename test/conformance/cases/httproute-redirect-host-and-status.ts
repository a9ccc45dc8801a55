import type { ConformanceCase } from '../harness.ts';
import { LISTENER_PORT, acceptedRoutes } from '../harness.ts';
import { redirect, redirectRule, routeDoc } from './shared/redirects.ts';

export const HTTPRouteRedirectHostAndStatus: ConformanceCase = {
  name: 'HTTPRouteRedirectHostAndStatus',
  level: 'core',
  features: ['Gateway', 'HTTPRoute'],
  description: 'RequestRedirect hostname; statusCode defaults to 302, 301 when set',
  manifests: routeDoc('redirect-host-and-status', redirectRule('/hostname-redirect', '{hostname: example.org}') + redirectRule('/host-and-status', '{statusCode: 301, hostname: example.org}')),
  status: acceptedRoutes('same-namespace', ['redirect-host-and-status']),
  requests: [
    redirect('/hostname-redirect', 302, { host: 'example.org', port: LISTENER_PORT }),
    redirect('/host-and-status', 301, { host: 'example.org', port: LISTENER_PORT }),
  ],
};
