import type { ConformanceCase } from '../harness.ts';
import { gatewayStatus } from '../harness.ts';

export const GatewayInvalidParametersRef: ConformanceCase = {
  name: 'GatewayInvalidParametersRef',
  level: 'core',
  features: ['Gateway'],
  description: 'spec.infrastructure.parametersRef to a resource that does not exist: Gateway Accepted=False InvalidParameters',
  gateways: [],
  manifests: `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gateway-invalid-parameters-ref, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners: [{name: http, port: 80, protocol: HTTP}]
  infrastructure: {parametersRef: {group: invalid.io, kind: InvalidParameters, name: invalid}}
`,
  status: [gatewayStatus('gateway-invalid-parameters-ref', { conditions: { Accepted: ['False', 'InvalidParameters'] } })],
};
