import type { ConformanceCase } from '../harness.ts';
import { gatewayStatus } from '../harness.ts';

const httpsListener = `{name: https, port: 443, protocol: HTTPS, hostname: secure.test.com, allowedRoutes: {namespaces: {from: All}}, tls: {certificateRefs: [{group: "", kind: Secret, name: tls-validity-checks-certificate, namespace: gateway-conformance-infra}]}}`;
const gateway = (name: string, listeners: string[]) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners:
${listeners.map((l) => `    - ${l}\n`).join('')}`;
const route = (name: string, gateway: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{kind: Gateway, name: ${gateway}, namespace: gateway-conformance-infra}]
  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
`;
const ADD = 'gateway-add-listener';
const REMOVE = 'gateway-remove-listener';
const manifests = (addListeners: string[], removeListeners: string[]) => gateway(ADD, addListeners) + route('http-route-1', ADD) + gateway(REMOVE, removeListeners) + route('http-route-2', REMOVE);
const HTTP_ALL = '{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}';
const ok = { Accepted: 'True', ResolvedRefs: 'True' } as const;

export const GatewayModifyListeners: ConformanceCase = {
  name: 'GatewayModifyListeners',
  level: 'core',
  features: ['Gateway'],
  description: 'adding a listener makes it serve and count attached routes; removing one drops it from status (standalone: the update is a reload)',
  gateways: [],
  manifests: manifests([httpsListener], [httpsListener, HTTP_ALL]),
  checks: [
    {
      name: 'add a listener (reload): both listeners Accepted with the route attached; the new one serves',
      run: async (ctx) => {
        await ctx.reload(manifests([httpsListener, '{name: http, port: 80, protocol: HTTP, hostname: data.test.com, allowedRoutes: {namespaces: {from: All}}}'], [httpsListener, HTTP_ALL]));
        ctx.expectStatus([
          gatewayStatus(ADD, {
            listeners: [
              { name: 'https', supportedKinds: ['HTTPRoute'], conditions: ok, attachedRoutes: 1 },
              { name: 'http', supportedKinds: ['HTTPRoute'], conditions: ok, attachedRoutes: 1 },
            ],
          }),
        ]);
        await ctx.expect({ gateway: ADD, listenerPort: 80, host: 'data.test.com', path: '/', backend: 'infra-backend-v1' });
      },
    },
    {
      name: 'remove a listener (reload): only the remaining listener is in status',
      run: async (ctx) => {
        await ctx.reload(manifests([httpsListener], [HTTP_ALL]));
        ctx.expectStatus([gatewayStatus(REMOVE, { listeners: [{ name: 'http', supportedKinds: ['HTTPRoute'], conditions: ok, attachedRoutes: 1 }] })]);
        const s = ctx.gateway.gw.snapshot?.statuses.find((x) => x.kind === 'Gateway' && x.name === REMOVE);
        if (s?.sub?.some((l) => l.name === 'https')) throw new Error('the removed listener https is still in the Gateway status');
      },
    },
  ],
};
