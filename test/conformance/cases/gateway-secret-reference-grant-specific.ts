import type { ConformanceCase } from '../harness.ts';
import { gatewayStatus } from '../harness.ts';
import { secretGateway, secretGrant } from './shared/secret-grants.ts';

export const GatewaySecretReferenceGrantSpecific: ConformanceCase = {
  name: 'GatewaySecretReferenceGrantSpecific',
  level: 'core',
  features: ['Gateway', 'ReferenceGrant'],
  description: 'a ReferenceGrant to the named Secret authorizes the certificateRef: Programmed',
  gateways: [],
  manifests: secretGateway('gateway-secret-reference-grant-specific') + secretGrant('SPECIFIC'),
  status: [
    gatewayStatus('gateway-secret-reference-grant-specific', {
      listeners: [{ name: 'https', supportedKinds: ['HTTPRoute'], conditions: { Programmed: ['True', 'Programmed'], ResolvedRefs: 'True' }, attachedRoutes: 0 }],
    }),
  ],
};
