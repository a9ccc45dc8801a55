import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { redirect, redirectRule, routeDoc } from './shared/redirects.ts';

export const HTTPRouteRedirectScheme: ConformanceCase = {
  name: 'HTTPRouteRedirectScheme',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteSchemeRedirect'],
  description: 'RequestRedirect scheme https (with hostname and status); the port becomes the scheme default and is omitted',
  manifests: routeDoc(
    'redirect-scheme',
    redirectRule('/scheme', '{scheme: https}') +
      redirectRule('/scheme-and-host', '{hostname: example.org, scheme: https}') +
      redirectRule('/scheme-and-status', '{scheme: https, statusCode: 301}') +
      redirectRule('/scheme-and-host-and-status', '{scheme: https, statusCode: 302, hostname: example.org}'),
  ),
  status: acceptedRoutes('same-namespace', ['redirect-scheme']),
  requests: [
    redirect('/scheme', 302, { scheme: 'https' }),
    redirect('/scheme-and-host', 302, { host: 'example.org', scheme: 'https' }),
    redirect('/scheme-and-status', 301, { scheme: 'https' }),
    redirect('/scheme-and-host-and-status', 302, { scheme: 'https', host: 'example.org' }),
  ],
};
