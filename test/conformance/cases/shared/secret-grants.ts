// Manifests shared by the Gateway Secret ReferenceGrant cases: an HTTPS listener whose certificate is
// the Secret `certificate` in gateway-conformance-web-backend, and the grants of each case.

export const secretGateway = (name: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: gateway-conformance-infra}
spec:
  gatewayClassName: sluice-conformance
  listeners:
    - name: https
      port: 443
      protocol: HTTPS
      allowedRoutes: {namespaces: {from: All}}
      tls: {certificateRefs: [{group: "", kind: Secret, name: certificate, namespace: gateway-conformance-web-backend}]}
`;

const grant = (name: string, namespace: string, from: string, to: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: ReferenceGrant
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  from: [${from}]
  to: [${to}]
`;
const WEB = 'gateway-conformance-web-backend';
const FROM = '{group: gateway.networking.k8s.io, kind: Gateway, namespace: gateway-conformance-infra}';

export function secretGrant(kind: 'MISSING' | 'INVALID' | 'ALL' | 'SPECIFIC'): string {
  switch (kind) {
    case 'MISSING':
      return '';
    case 'ALL':
      return grant('reference-grant-all-in-namespace', WEB, FROM, '{group: "", kind: Secret}');
    case 'SPECIFIC':
      return grant('reference-grant-specific', WEB, FROM, '{group: "", kind: Secret, name: certificate}');
    case 'INVALID':
      return (
        grant('reference-grant-wrong-namespace', 'gateway-conformance-app-backend', FROM, '{group: "", kind: Secret, name: certificate}') +
        grant('reference-grant-wrong-from-group', WEB, '{group: not-the-group-youre-looking-for, kind: Gateway, namespace: gateway-conformance-infra}', '{group: "", kind: Secret, name: certificate}') +
        grant('reference-grant-wrong-from-kind', WEB, '{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: gateway-conformance-infra}', '{group: "", kind: Secret, name: certificate}') +
        grant('reference-grant-wrong-from-namespace', WEB, '{group: gateway.networking.k8s.io, kind: Gateway, namespace: not-the-namespace-youre-looking-for}', '{group: "", kind: Secret, name: certificate}') +
        grant('reference-grant-wrong-to-group', WEB, FROM, '{group: not-the-group-youre-looking-for, kind: Secret, name: not-the-certificate-youre-looking-for}') +
        grant('reference-grant-wrong-to-kind', WEB, FROM, '{group: "", kind: Service, name: certificate}') +
        grant('reference-grant-wrong-to-name', WEB, FROM, '{group: "", kind: Secret, name: not-the-certificate-youre-looking-for}')
      );
  }
}
