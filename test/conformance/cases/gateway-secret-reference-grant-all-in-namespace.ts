import type { ConformanceCase } from '../harness.ts';
import { gatewayStatus } from '../harness.ts';
import { secretGateway, secretGrant } from './shared/secret-grants.ts';

export const GatewaySecretReferenceGrantAllInNamespace: ConformanceCase = {
  name: 'GatewaySecretReferenceGrantAllInNamespace',
  level: 'core',
  features: ['Gateway', 'ReferenceGrant'],
  description: 'a ReferenceGrant to every Secret of the namespace authorizes the certificateRef: Programmed',
  gateways: [],
  manifests: secretGateway('gateway-secret-reference-grant-all-in-namespace') + secretGrant('ALL'),
  status: [
    gatewayStatus('gateway-secret-reference-grant-all-in-namespace', {
      listeners: [{ name: 'https', supportedKinds: ['HTTPRoute'], conditions: { Programmed: ['True', 'Programmed'], ResolvedRefs: 'True' }, attachedRoutes: 0 }],
    }),
  ],
};
