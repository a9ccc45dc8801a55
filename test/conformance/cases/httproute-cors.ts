import type { ConformanceCase, RequestCase } from '../harness.ts';
import { acceptedRoutes } from '../harness.ts';
import { B1 } from '../fixtures.ts';

/** A preflight the gateway must answer itself (namespace '' = not proxied; the echo path is empty). */
const preflight = (path: string, headers: Record<string, string>, response: NonNullable<RequestCase['response']>, name: string): RequestCase => ({
  name,
  method: 'OPTIONS',
  path,
  headers,
  status: [200, 204],
  namespace: '',
  expectedRequest: { path: '', headers: {} },
  response: { ignoreWhitespace: true, ...response },
});
const both = (a: string, b: string) => [`${a}, ${b}`, `${b}, ${a}`];
const ALLOWED_CORS_1 = (origin: string) => ({
  'access-control-allow-origin': [origin],
  'access-control-allow-methods': both('GET', 'OPTIONS'),
  'access-control-allow-headers': both('x-header-1', 'x-header-2'),
  'access-control-expose-headers': both('x-header-3', 'x-header-4'),
  'access-control-max-age': ['3600'],
  'access-control-allow-credentials': ['true'],
});
const REQUEST_HEADERS = { 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-header-1, x-header-2' };

const route = (name: string, prefix: string, cors: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - matches: [{path: {type: PathPrefix, value: ${prefix}}}]
      filters: [{type: CORS, cors: ${cors}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
`;

export const HTTPRouteCORS: ConformanceCase = {
  name: 'HTTPRouteCORS',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteCORS'],
  description: 'CORS filter: preflights answered by the gateway (exact, wildcard and "*" origins, methods, headers, credentials, max-age); simple requests get Access-Control-Allow-Origin',
  manifests:
    route(
      'cors-multiple-origins-methods-headers',
      '/cors-1',
      '{allowOrigins: ["https://www.foo.com", "https://*.bar.com"], allowMethods: [GET, OPTIONS], allowHeaders: [x-header-1, x-header-2], exposeHeaders: [x-header-3, x-header-4], allowCredentials: true, maxAge: 3600}',
    ) +
    route('cors-wildcard-methods', '/cors-2', '{allowOrigins: ["https://www.foo.com"], allowMethods: ["*"]}') +
    route('cors-wildcard-origin', '/cors-wildcard-origin', '{allowOrigins: ["*"], allowMethods: [PUT], allowCredentials: false}') +
    route('cors-wildcard-methods-headers', '/cors-wildcard-methods-headers', '{allowOrigins: ["*"], allowMethods: ["*"], allowHeaders: ["*"], allowCredentials: true}') +
    `    - matches: [{path: {type: PathPrefix, value: /cors-wildcard-methods-headers-unauth}}]
      filters: [{type: CORS, cors: {allowOrigins: ["*"], allowMethods: ["*"], allowHeaders: ["*"], allowCredentials: false}}]
      backendRefs: [{name: infra-backend-v1, port: 8080}]
`,
  status: acceptedRoutes('same-namespace', ['cors-multiple-origins-methods-headers', 'cors-wildcard-methods', 'cors-wildcard-origin', 'cors-wildcard-methods-headers']),
  requests: [
    preflight('/cors-1', { Origin: 'https://www.foo.com', ...REQUEST_HEADERS }, { validHeaderValues: ALLOWED_CORS_1('https://www.foo.com') }, 'preflight from an exact origin is allowed'),
    preflight('/cors-1', { Origin: 'https://www.bar.com', ...REQUEST_HEADERS }, { validHeaderValues: ALLOWED_CORS_1('https://www.bar.com') }, 'preflight from a wildcard origin is allowed'),
    preflight('/cors-1', { Origin: 'https://xpto.www.bar.com', ...REQUEST_HEADERS }, { validHeaderValues: ALLOWED_CORS_1('https://xpto.www.bar.com') }, 'the origin wildcard spans dots'),
    {
      name: 'preflight from a non-matching origin gets no Access-Control-Allow-Origin',
      method: 'OPTIONS',
      path: '/cors-1',
      headers: { Origin: 'https://foobar.com', 'access-control-request-method': 'GET' },
      status: [200, 204, 403],
      namespace: '',
      expectedRequest: { path: '', headers: {} },
      response: { absentHeaders: ['access-control-allow-origin'] },
    },
    { name: 'simple GET from an exact origin', path: '/cors-1', headers: { Origin: 'https://www.foo.com', ...REQUEST_HEADERS }, backend: B1, response: { headers: { 'access-control-allow-origin': 'https://www.foo.com' } } },
    { name: 'simple GET from a wildcard origin', path: '/cors-1', headers: { Origin: 'https://www.bar.com', ...REQUEST_HEADERS }, backend: B1, response: { headers: { 'access-control-allow-origin': 'https://www.bar.com' } } },
    { name: 'simple GET from a non-matching origin', path: '/cors-1', headers: { Origin: 'https://foobar.com', 'access-control-request-method': 'GET' }, backend: B1, response: { absentHeaders: ['access-control-allow-origin'] } },
    preflight(
      '/cors-2',
      { Origin: 'https://www.foo.com', 'access-control-request-method': 'POST' },
      { validHeaderValues: { 'access-control-allow-methods': ['POST', '*'] }, headers: { 'access-control-allow-origin': 'https://www.foo.com' }, absentHeaders: ['access-control-allow-credentials'] },
      'allowMethods "*" allows POST; no credentials header unless allowCredentials',
    ),
    preflight(
      '/cors-wildcard-origin',
      { Origin: 'https://foobar.com', 'access-control-request-method': 'PUT' },
      { validHeaderValues: { 'access-control-allow-origin': ['https://foobar.com', '*'], 'access-control-allow-methods': ['PUT'] }, absentHeaders: ['access-control-allow-credentials'] },
      'preflight with allowOrigins "*"',
    ),
    preflight(
      '/cors-wildcard-origin',
      { Origin: 'https://foobar.com:12345', 'access-control-request-method': 'PUT' },
      { validHeaderValues: { 'access-control-allow-origin': ['https://foobar.com:12345', '*'], 'access-control-allow-methods': ['PUT'] }, absentHeaders: ['access-control-allow-credentials'] },
      'preflight with allowOrigins "*" from an origin with a port',
    ),
    { name: 'PUT with allowOrigins "*" from an origin with a port', method: 'PUT', path: '/cors-wildcard-origin', headers: { Origin: 'https://foobar.com:12345' }, backend: B1, response: { validHeaderValues: { 'access-control-allow-origin': ['https://foobar.com:12345', '*'] } } },
    { name: 'PUT with allowOrigins "*"', method: 'PUT', path: '/cors-wildcard-origin', headers: { Origin: 'https://foobar.com' }, backend: B1, response: { validHeaderValues: { 'access-control-allow-origin': ['https://foobar.com', '*'] }, absentHeaders: ['access-control-allow-credentials'] } },
    preflight(
      '/cors-wildcard-methods-headers',
      { Origin: 'https://other.foo.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-header-1, x-header-2' },
      { validHeaderValues: { 'access-control-allow-origin': ['https://other.foo.com'], 'access-control-allow-methods': ['PUT'], 'access-control-allow-headers': both('x-header-1', 'x-header-2'), 'access-control-allow-credentials': ['true'] } },
      'with allowCredentials, wildcards echo the concrete origin, method and headers',
    ),
    preflight(
      '/cors-wildcard-methods-headers-unauth',
      { Origin: 'https://other.foo.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-header-1, x-header-2' },
      {
        validHeaderValues: { 'access-control-allow-origin': ['https://other.foo.com', '*'], 'access-control-allow-methods': ['PUT', '*'], 'access-control-allow-headers': [...both('x-header-1', 'x-header-2'), '*'] },
        absentHeaders: ['access-control-allow-credentials'],
      },
      'without allowCredentials, no credentials header',
    ),
    { name: 'GET with allowCredentials gets the credentials header', path: '/cors-wildcard-methods-headers', headers: { Origin: 'https://other.foo.com' }, backend: B1, response: { validHeaderValues: { 'access-control-allow-origin': ['https://other.foo.com'], 'access-control-allow-credentials': ['true'] } } },
    { name: 'GET without allowCredentials gets no credentials header', path: '/cors-wildcard-methods-headers-unauth', headers: { Origin: 'https://other.foo.com' }, backend: B1, response: { validHeaderValues: { 'access-control-allow-origin': ['https://other.foo.com', '*'] }, absentHeaders: ['access-control-allow-credentials'] } },
  ],
};
