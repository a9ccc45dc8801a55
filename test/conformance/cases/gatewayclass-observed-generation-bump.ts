import type { ConformanceCase } from '../harness.ts';
import { assertGenerationBumps } from './shared/observed-generation.ts';

const manifests = (description: string) => `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: gatewayclass-observed-generation-bump}
spec: {controllerName: sluice.dev/gateway-controller, description: ${description}}
`;

export const GatewayClassObservedGenerationBump: ConformanceCase = {
  name: 'GatewayClassObservedGenerationBump',
  level: 'core',
  features: ['Gateway'],
  description: 'after the GatewayClass description changes, its conditions report the new observedGeneration',
  gateways: [],
  manifests: manifests('old'),
  checks: [
    {
      name: 'conditions carry observedGeneration, and it grows with the update',
      run: (ctx) => assertGenerationBumps(ctx, 'GatewayClass', '', 'gatewayclass-observed-generation-bump', manifests('new')),
    },
  ],
};
