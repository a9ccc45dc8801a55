import type { ConformanceCase } from '../harness.ts';
import { gatewayStatus } from '../harness.ts';

export const GatewayListenerUnsupportedProtocol: ConformanceCase = {
  name: 'GatewayListenerUnsupportedProtocol',
  level: 'core',
  features: ['Gateway'],
  description: 'a listener with an unsupported protocol: Accepted=False UnsupportedProtocol; the Gateway is Accepted only if another listener is (reason ListenersNotValid either way)',
  gateways: [],
  manifests: `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gateway-only-unsupported-protocols, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners: [{name: invalid, port: 1111, protocol: INVALID}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gateway-supported-and-unsupported-protocols, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners: [{name: http, port: 80, protocol: HTTP}, {name: invalid, port: 1111, protocol: INVALID}]
`,
  status: [
    gatewayStatus('gateway-only-unsupported-protocols', {
      conditions: { Accepted: ['False', 'ListenersNotValid'] },
      listeners: [{ name: 'invalid', supportedKinds: [], conditions: { Accepted: ['False', 'UnsupportedProtocol'] }, attachedRoutes: 0 }],
    }),
    gatewayStatus('gateway-supported-and-unsupported-protocols', {
      conditions: { Accepted: ['True', 'ListenersNotValid'] },
      listeners: [
        { name: 'http', supportedKinds: ['HTTPRoute'], conditions: { Accepted: ['True', 'Accepted'] }, attachedRoutes: 0 },
        { name: 'invalid', supportedKinds: [], conditions: { Accepted: ['False', 'UnsupportedProtocol'] }, attachedRoutes: 0 },
      ],
    }),
  ],
};
