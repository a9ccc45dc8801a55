import type { ConformanceCase } from '../harness.ts';
import { LISTENER_PORT, acceptedRoutes } from '../harness.ts';
import { redirect, redirectRule, routeDoc } from './shared/redirects.ts';

export const HTTPRoute308Redirect: ConformanceCase = {
  name: 'HTTPRoute308Redirect',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRoute308RedirectStatusCode'],
  description: 'RequestRedirect statusCode 308',
  manifests: routeDoc('308-redirect', redirectRule('/permanent', '{statusCode: 308}')),
  status: acceptedRoutes('same-namespace', ['308-redirect']),
  requests: [redirect('/permanent', 308, { path: '/permanent', port: LISTENER_PORT })],
};
