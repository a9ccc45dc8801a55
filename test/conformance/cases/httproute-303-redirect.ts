import type { ConformanceCase } from '../harness.ts';
import { LISTENER_PORT, acceptedRoutes } from '../harness.ts';
import { redirect, redirectRule, routeDoc } from './shared/redirects.ts';

export const HTTPRoute303Redirect: ConformanceCase = {
  name: 'HTTPRoute303Redirect',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRoute303RedirectStatusCode'],
  description: 'RequestRedirect statusCode 303 (for a POST)',
  manifests: routeDoc('303-redirect', redirectRule('/see-other', '{statusCode: 303}')),
  status: acceptedRoutes('same-namespace', ['303-redirect']),
  requests: [redirect('/see-other', 303, { path: '/see-other', port: LISTENER_PORT }, { method: 'POST' })],
};
