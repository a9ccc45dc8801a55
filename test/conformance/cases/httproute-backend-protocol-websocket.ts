import type { ConformanceCase } from '../harness.ts';
import { B1 } from '../fixtures.ts';

export const HTTPRouteBackendProtocolWebSocket: ConformanceCase = {
  name: 'HTTPRouteBackendProtocolWebSocket',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteBackendProtocolWebSocket'],
  description: 'a Service port with appProtocol kubernetes.io/ws carries a WebSocket upgrade end to end (keeps Service refs: this case is about Service appProtocol)',
  keepServiceRefs: true,
  todo: 'Sluice does not proxy WebSocket upgrades or read Service appProtocol; standalone cannot run the echo Deployment behind the Service (this row only checks plain HTTP reaches it)',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: backend-protocol-ws, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules: [{backendRefs: [{name: infra-backend-v1, port: 8082}]}]
---
apiVersion: v1
kind: Service
metadata: {name: infra-backend-v1, namespace: gateway-conformance-infra}
spec:
  selector: {app: infra-backend-v1}
  ports:
    - {name: first-port, protocol: TCP, port: 8080, targetPort: 3000}
    - {name: third-port, protocol: TCP, appProtocol: kubernetes.io/ws, port: 8082, targetPort: 3000}
`,
  requests: [{ path: '/', backend: B1 }],
};
