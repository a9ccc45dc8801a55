import type { ConformanceCase } from '../harness.ts';
import { LISTENER_PORT, acceptedRoutes } from '../harness.ts';
import { redirect, redirectRule, routeDoc } from './shared/redirects.ts';

export const HTTPRouteRedirectPath: ConformanceCase = {
  name: 'HTTPRouteRedirectPath',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRoutePathRedirect'],
  description: 'RequestRedirect path: ReplacePrefixMatch and ReplaceFullPath, with hostname and status',
  manifests: routeDoc(
    'redirect-path',
    redirectRule('/original-prefix', '{path: {type: ReplacePrefixMatch, replacePrefixMatch: /replacement-prefix}}') +
      redirectRule('/full', '{path: {type: ReplaceFullPath, replaceFullPath: /full-path-replacement}}') +
      redirectRule('/path-and-host', '{hostname: example.org, path: {type: ReplacePrefixMatch, replacePrefixMatch: /replacement-prefix}}') +
      redirectRule('/path-and-status', '{path: {type: ReplacePrefixMatch, replacePrefixMatch: /replacement-prefix}, statusCode: 301}') +
      redirectRule('/full-path-and-host', '{hostname: example.org, path: {type: ReplaceFullPath, replaceFullPath: /replacement-full}}') +
      redirectRule('/full-path-and-status', '{path: {type: ReplaceFullPath, replaceFullPath: /replacement-full}, statusCode: 301}'),
  ),
  status: acceptedRoutes('same-namespace', ['redirect-path']),
  requests: [
    redirect('/original-prefix/lemon', 302, { path: '/replacement-prefix/lemon', port: LISTENER_PORT }),
    redirect('/full/path/original', 302, { path: '/full-path-replacement', port: LISTENER_PORT }),
    redirect('/path-and-host', 302, { host: 'example.org', path: '/replacement-prefix', port: LISTENER_PORT }),
    redirect('/path-and-status', 301, { path: '/replacement-prefix', port: LISTENER_PORT }),
    redirect('/full-path-and-host', 302, { host: 'example.org', path: '/replacement-full', port: LISTENER_PORT }),
    redirect('/full-path-and-status', 301, { path: '/replacement-full', port: LISTENER_PORT }),
  ],
};
