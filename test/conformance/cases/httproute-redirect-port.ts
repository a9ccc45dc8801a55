import type { ConformanceCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { redirect, redirectRule, routeDoc } from './shared/redirects.ts';

export const HTTPRouteRedirectPort: ConformanceCase = {
  name: 'HTTPRouteRedirectPort',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRoutePortRedirect'],
  description: 'RequestRedirect port, with hostname and status',
  manifests: routeDoc(
    'redirect-port',
    redirectRule('/port', '{port: 8083}') +
      redirectRule('/port-and-host', '{hostname: example.org, port: 8083}') +
      redirectRule('/port-and-status', '{port: 8083, statusCode: 301}') +
      redirectRule('/port-and-host-and-status', '{port: 8083, hostname: example.org, statusCode: 302}'),
  ),
  status: acceptedRoutes('same-namespace', ['redirect-port']),
  requests: [
    redirect('/port', 302, { port: '8083' }),
    redirect('/port-and-host', 302, { host: 'example.org', port: '8083' }),
    redirect('/port-and-status', 301, { port: '8083' }),
    redirect('/port-and-host-and-status', 302, { port: '8083', host: 'example.org' }),
  ],
};
