import type { ConformanceCase } from '../harness.ts';
import { LISTENER_PORT, acceptedRoutes } from '../harness.ts';
import { redirect, redirectRule, routeDoc } from './shared/redirects.ts';

export const HTTPRoute307Redirect: ConformanceCase = {
  name: 'HTTPRoute307Redirect',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRoute307RedirectStatusCode'],
  description: 'RequestRedirect statusCode 307',
  manifests: routeDoc('307-redirect', redirectRule('/temporary', '{statusCode: 307}')),
  status: acceptedRoutes('same-namespace', ['307-redirect']),
  requests: [redirect('/temporary', 307, { path: '/temporary', port: LISTENER_PORT })],
};
