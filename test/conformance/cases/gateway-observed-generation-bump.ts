import type { ConformanceCase } from '../harness.ts';
import { gatewayStatus } from '../harness.ts';
import { assertGenerationBumps } from './shared/observed-generation.ts';

const manifests = (extraListener: string) => `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gateway-observed-generation-bump, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners:
    - {name: http, hostname: bar.com, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}${extraListener}
`;

export const GatewayObservedGenerationBump: ConformanceCase = {
  name: 'GatewayObservedGenerationBump',
  level: 'core',
  features: ['Gateway'],
  description: 'after a listener is added, the Gateway conditions report the new observedGeneration',
  gateways: [],
  manifests: manifests(''),
  status: [gatewayStatus('gateway-observed-generation-bump', { conditions: { Accepted: 'True', Programmed: 'True' } })],
  checks: [
    {
      name: 'conditions carry observedGeneration, and it grows when a listener is added',
      run: (ctx) =>
        assertGenerationBumps(ctx, 'Gateway', 'gateway-conformance-infra', 'gateway-observed-generation-bump', manifests('\n    - {name: http-2, hostname: foo.com, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}')),
    },
  ],
};
