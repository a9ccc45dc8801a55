import type { ConformanceCase } from '../harness.ts';
import { routeStatus } from '../harness.ts';

/** Seven grants, each wrong in one way (namespace, from group/kind/namespace, to group/kind/name). */
const grant = (name: string, namespace: string, from: string, to: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: ReferenceGrant
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  from: [${from}]
  to: [${to}]
`;
const FROM = '{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: gateway-conformance-infra}';
const TO = '{group: "", kind: Service, name: web-backend}';
const WEB = 'gateway-conformance-web-backend';

export const HTTPRouteInvalidReferenceGrant: ConformanceCase = {
  name: 'HTTPRouteInvalidReferenceGrant',
  level: 'core',
  features: ['Gateway', 'HTTPRoute', 'ReferenceGrant'],
  description: 'ReferenceGrants that are each wrong in one field do not authorize the cross-namespace backendRef: RefNotPermitted and 500',
  manifests:
    grant('reference-grant-wrong-namespace', 'gateway-conformance-infra', FROM, TO) +
    grant('reference-grant-wrong-from-group', WEB, '{group: not-the-group-youre-looking-for, kind: HTTPRoute, namespace: gateway-conformance-infra}', TO) +
    grant('reference-grant-wrong-from-kind', WEB, '{group: gateway.networking.k8s.io, kind: Gateway, namespace: gateway-conformance-infra}', TO) +
    grant('reference-grant-wrong-from-namespace', WEB, '{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: not-the-namespace-youre-looking-for}', TO) +
    grant('reference-grant-wrong-to-group', WEB, FROM, '{group: not-the-group-youre-looking-for, kind: Service, name: web-backend}') +
    grant('reference-grant-wrong-to-kind', WEB, FROM, '{group: "", kind: Secret, name: web-backend}') +
    grant('reference-grant-wrong-to-name', WEB, FROM, '{group: "", kind: Service, name: not-the-service-youre-looking-for}') +
    `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: reference-grant, namespace: gateway-conformance-infra}
spec:
  parentRefs: [{name: same-namespace}]
  rules:
    - backendRefs: [{name: web-backend, namespace: ${WEB}, port: 8080}]
`,
  status: [routeStatus('reference-grant', 'same-namespace', { Accepted: 'True', ResolvedRefs: ['False', 'RefNotPermitted'] })],
  requests: [{ path: '/', status: 500 }],
};
