import type { ConformanceCase } from '../harness.ts';
import { gatewayStatus } from '../harness.ts';
import { secretGateway, secretGrant } from './shared/secret-grants.ts';

export const GatewaySecretInvalidReferenceGrant: ConformanceCase = {
  name: 'GatewaySecretInvalidReferenceGrant',
  level: 'core',
  features: ['Gateway', 'ReferenceGrant'],
  description: 'ReferenceGrants each wrong in one field do not authorize the Secret: RefNotPermitted',
  gateways: [],
  manifests: secretGateway('gateway-secret-invalid-reference-grant') + secretGrant('INVALID'),
  status: [
    gatewayStatus('gateway-secret-invalid-reference-grant', {
      listeners: [{ name: 'https', supportedKinds: ['HTTPRoute'], conditions: { ResolvedRefs: ['False', 'RefNotPermitted'] }, attachedRoutes: 0 }],
    }),
  ],
};
