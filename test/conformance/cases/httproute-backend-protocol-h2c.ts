import type { ConformanceCase } from '../harness.ts';
import { B1 } from '../fixtures.ts';

export const HTTPRouteBackendProtocolH2C: ConformanceCase = {
  name: 'HTTPRouteBackendProtocolH2C',
  level: 'extended',
  features: ['Gateway', 'HTTPRoute', 'HTTPRouteBackendProtocolH2C'],
  description: 'a Service port with appProtocol kubernetes.io/h2c is reached over HTTP/2 cleartext (keeps Service refs: this case is about Service appProtocol)',
  keepServiceRefs: true,
  todo: 'Sluice speaks HTTP/1.1 to backends and does not read Service appProtocol; standalone cannot run the echo Deployment behind the Service',
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: backend-protocol-h2c, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules: [{backendRefs: [{name: infra-backend-v1, port: 8081}]}]
---
apiVersion: v1
kind: Service
metadata: {name: infra-backend-v1, namespace: gateway-conformance-infra}
spec:
  selector: {app: infra-backend-v1}
  ports:
    - {name: first-port, protocol: TCP, port: 8080, targetPort: 3000}
    - {name: second-port, protocol: TCP, appProtocol: kubernetes.io/h2c, port: 8081, targetPort: 3001}
`,
  requests: [{ path: '/', backend: B1, expectedRequest: { path: '/' } }],
};
