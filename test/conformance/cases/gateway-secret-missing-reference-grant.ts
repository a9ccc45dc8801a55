import type { ConformanceCase } from '../harness.ts';
import { gatewayStatus } from '../harness.ts';
import { secretGateway, secretGrant } from './shared/secret-grants.ts';

export const GatewaySecretMissingReferenceGrant: ConformanceCase = {
  name: 'GatewaySecretMissingReferenceGrant',
  level: 'core',
  features: ['Gateway', 'ReferenceGrant'],
  description: 'a certificateRef to a Secret in another namespace without a ReferenceGrant: ResolvedRefs=False RefNotPermitted',
  gateways: [],
  manifests: secretGateway('gateway-secret-missing-reference-grant') + secretGrant('MISSING'),
  status: [
    gatewayStatus('gateway-secret-missing-reference-grant', {
      listeners: [{ name: 'https', supportedKinds: ['HTTPRoute'], conditions: { ResolvedRefs: ['False', 'RefNotPermitted'] }, attachedRoutes: 0 }],
    }),
  ],
};
