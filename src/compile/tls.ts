// TLS towards backends: Envoy Gateway `Backend.spec.tls` and Gateway API `BackendTLSPolicy` (targeting
// a Service or a Backend) say which CA to trust (a ConfigMap or Secret key `ca.crt`, or the system
// roots) and which name the certificate must carry (SNI). A backend with TLS settings is reached over
// https; an fqdn endpoint on port 443 is https with the system roots and its hostname.
import { createHash } from 'node:crypto';
import { resourceLabel } from '../config/validate.ts';
import type { Resource } from '../config/validate.ts';
import type { ConfigMapView, SecretView } from '../config/views.ts';
import type { UpstreamTls } from '../runtime/snapshot.ts';
import { EG_GROUP, all, get } from './context.ts';
import type { Ctx } from './context.ts';

interface CaRefView {
  readonly group?: string | undefined;
  readonly kind?: string | undefined;
  readonly name: string;
}

interface BackendTlsView {
  readonly caCertificateRefs?: readonly CaRefView[] | undefined;
  readonly wellKnownCACertificates?: string | undefined;
  readonly insecureSkipVerify?: boolean | undefined;
  readonly sni?: string | undefined;
}

interface BackendTlsPolicyView {
  readonly spec: {
    readonly targetRefs: readonly { readonly group: string; readonly kind: string; readonly name: string }[];
    readonly validation: { readonly caCertificateRefs?: readonly CaRefView[] | undefined; readonly wellKnownCACertificates?: string | undefined; readonly hostname: string };
  };
}

function tls(ca: string | undefined, servername: string | undefined, insecureSkipVerify: boolean): UpstreamTls {
  const key = createHash('sha256').update(`${ca ?? ''}|${servername ?? ''}|${insecureSkipVerify}`).digest('hex').slice(0, 16);
  return { ca, servername, insecureSkipVerify, key };
}

/** The PEM bundle of CA refs (ConfigMap or Secret, key `ca.crt`), or a reason it cannot be read. */
function caBundle(ctx: Ctx, namespace: string, refs: readonly CaRefView[]): { pem: string } | { error: string } {
  const parts: string[] = [];
  for (const ref of refs) {
    const kind = ref.kind ?? 'ConfigMap';
    let text: string | undefined;
    if (kind === 'ConfigMap') text = get<ConfigMapView>(ctx.index, 'ConfigMap', namespace, ref.name)?.object.data?.['ca.crt'];
    else if (kind === 'Secret') {
      const s = get<SecretView>(ctx.index, 'Secret', namespace, ref.name)?.object;
      text = s?.stringData?.['ca.crt'] ?? (s?.data?.['ca.crt'] !== undefined ? Buffer.from(s.data['ca.crt'], 'base64').toString('utf8') : undefined);
    } else return { error: `caCertificateRef kind ${kind} is not supported (use a ConfigMap or Secret with key ca.crt)` };
    if (text === undefined) return { error: `${kind} ${namespace}/${ref.name} not found or has no key ca.crt` };
    parts.push(text);
  }
  return { pem: parts.join('\n') };
}

/**
 * The TLS settings of an Envoy Gateway Backend (its own `spec.tls`, else a BackendTLSPolicy targeting
 * it), or undefined when it has none. Problems name the resource and field.
 */
export function backendTls(ctx: Ctx, b: Resource<{ spec: { tls?: BackendTlsView | undefined } }>): UpstreamTls | undefined {
  const own = b.object.spec.tls;
  const label = resourceLabel('Backend', b.namespace, b.name);
  if (own && (own.caCertificateRefs !== undefined || own.wellKnownCACertificates !== undefined || own.insecureSkipVerify !== undefined || own.sni !== undefined)) {
    let ca: string | undefined;
    if ((own.caCertificateRefs ?? []).length > 0) {
      const bundle = caBundle(ctx, b.namespace, own.caCertificateRefs!);
      if ('error' in bundle) {
        ctx.problems.push({ severity: 'error', location: b.source.locationOf(['spec', 'tls', 'caCertificateRefs']), resource: label, field: 'spec.tls.caCertificateRefs', message: `${bundle.error}; add the CA certificate as key ca.crt` });
        return undefined;
      }
      ca = bundle.pem;
    }
    return tls(ca, own.sni, own.insecureSkipVerify === true);
  }
  return policyTls(ctx, EG_GROUP, 'Backend', b.namespace, b.name);
}

/** The TLS settings a BackendTLSPolicy gives a Service or Backend, or undefined. */
export function policyTls(ctx: Ctx, group: string, kind: string, namespace: string, name: string): UpstreamTls | undefined {
  for (const p of all<BackendTlsPolicyView>(ctx.index, 'BackendTLSPolicy')) {
    if (p.namespace !== namespace || !p.object.spec.targetRefs.some((t) => t.kind === kind && (t.group ?? '') === group && t.name === name)) continue;
    const v = p.object.spec.validation;
    let ca: string | undefined;
    if ((v.caCertificateRefs ?? []).length > 0) {
      const bundle = caBundle(ctx, namespace, v.caCertificateRefs!);
      if ('error' in bundle) {
        ctx.problems.push({ severity: 'error', location: p.source.locationOf(['spec', 'validation', 'caCertificateRefs']), resource: resourceLabel('BackendTLSPolicy', p.namespace, p.name), field: 'spec.validation.caCertificateRefs', message: `${bundle.error}; add the CA certificate as key ca.crt` });
        return undefined;
      }
      ca = bundle.pem;
    }
    return tls(ca, v.hostname, false);
  }
  return undefined;
}
