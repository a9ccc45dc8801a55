import type { ConformanceCase } from '../harness.ts';
import { gatewayStatus } from '../harness.ts';

/** 253 characters, the maximum length of a Gateway name. */
const NAME = 'gateway-name-maximum-length-' + 'a'.repeat(253 - 'gateway-name-maximum-length-'.length);

export const GatewayNameMaximumLength: ConformanceCase = {
  name: 'GatewayNameMaximumLength',
  level: 'core',
  features: ['Gateway'],
  description: 'a Gateway with a 253-character name is accepted and programmed (upstream main)',
  gateways: [],
  manifests: `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${NAME}, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners: [{name: http, port: 80, protocol: HTTP}]
`,
  status: [gatewayStatus(NAME, { conditions: { Accepted: 'True', Programmed: 'True' } })],
};
