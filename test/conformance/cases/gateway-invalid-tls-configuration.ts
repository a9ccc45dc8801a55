import type { ConformanceCase } from '../harness.ts';
import { gatewayStatus } from '../harness.ts';

const gateway = (name: string, ref: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners: [{name: https, port: 443, protocol: HTTPS, allowedRoutes: {namespaces: {from: All}}, tls: {certificateRefs: [${ref}]}}]
`;
const NAMES = ['gateway-certificate-nonexistent-secret', 'gateway-certificate-unsupported-group', 'gateway-certificate-unsupported-kind', 'gateway-certificate-malformed-secret'];

export const GatewayInvalidTLSConfiguration: ConformanceCase = {
  name: 'GatewayInvalidTLSConfiguration',
  level: 'core',
  features: ['Gateway'],
  description: 'certificateRefs to a missing Secret, a wrong group, a wrong kind or a malformed Secret: listener ResolvedRefs=False InvalidCertificateRef',
  gateways: [],
  manifests:
    gateway(NAMES[0]!, '{group: "", kind: Secret, name: nonexistent-certificate}') +
    gateway(NAMES[1]!, '{group: wrong.group.company.io, kind: Secret, name: tls-validity-checks-certificate}') +
    gateway(NAMES[2]!, '{group: "", kind: WrongKind, name: tls-validity-checks-certificate}') +
    gateway(NAMES[3]!, '{group: "", kind: Secret, name: malformed-certificate}') +
    `---
apiVersion: v1
kind: Secret
metadata: {name: malformed-certificate, namespace: gateway-conformance-infra}
type: kubernetes.io/tls
data: {tls.crt: SGVsbG8gd29ybGQK, tls.key: SGVsbG8gd29ybGQK}
`,
  status: NAMES.map((n) => gatewayStatus(n, { listeners: [{ name: 'https', supportedKinds: ['HTTPRoute'], conditions: { ResolvedRefs: ['False', 'InvalidCertificateRef'] }, attachedRoutes: 0 }] })),
};
