// Gateways and listeners: ports, hostnames, protocols, TLS certificates from Secrets, allowedRoutes
// kinds, infrastructure parameters, and each listener's conditions.
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';

import { condition, ok } from '../runtime/conditions.ts';
import type { Condition } from '../runtime/conditions.ts';

import type { ResourceStatus, TlsCertificate } from '../runtime/snapshot.ts';
import type { Resource } from '../config/validate.ts';
import { resourceLabel } from '../config/validate.ts';
import type { GatewayView, SecretView } from '../config/views.ts';

import { EG_GROUP, GATEWAY_GROUP, all, get, referenceGranted } from './context.ts';
import type { CompileInput, CompiledListener, Ctx } from './context.ts';

export function compileGateways(ctx: Ctx, input: CompileInput, statuses: ResourceStatus[]): CompiledListener[] {
  const out: CompiledListener[] = [];
  const gateways = all<GatewayView>(ctx.index, 'Gateway').sort((a, b) => a.order - b.order);
  const httpListeners = gateways.flatMap((g) => g.object.spec.listeners.filter((l) => l.protocol === 'HTTP').map((l) => ({ g, l })));
  if (input.portOverride !== undefined && httpListeners.length > 1) {
    ctx.problems.push({
      severity: 'error',
      message: `--port ${input.portOverride} can only override the port of a single HTTP listener, but there are ${httpListeners.length} (${httpListeners.map(({ g, l }) => `${g.namespace}/${g.name}/${l.name}`).join(', ')}); set the ports in the Gateway instead`,
    });
  }
  const seen = new Map<string, string>();
  for (const g of gateways) {
    const label = resourceLabel('Gateway', g.namespace, g.name);
    const className = g.object.spec.gatewayClassName;
    const gcExists = get(ctx.index, 'GatewayClass', '', className) !== undefined;
    let acceptedCount = 0;
    const invalidParameters = gatewayParameters(ctx, g);
    g.object.spec.listeners.forEach((l, i) => {
      const field = `spec.listeners[${i}]`;
      let certificates: TlsCertificate[] = [];
      if (l.protocol === 'HTTPS') {
        const tls = resolveCertificates(ctx, g, i);
        if ('error' in tls) {
          ctx.problems.push({ severity: 'error', location: g.source.locationOf(['spec', 'listeners', i, 'tls', 'certificateRefs']), resource: label, field: `${field}.tls.certificateRefs`, message: `${tls.reason}: ${tls.error}` });
          out.push({ gateway: g, spec: l, index: i, port: l.port, accepted: false, attachable: true, entries: [], grpcEntries: [], tlsEntries: [], models: [], hasAIRoutes: false, attachedRoutes: 0, certificates: [], supportedKinds: routeKinds(l).supported,
            conditions: [condition('Accepted', 'True', 'Accepted'), condition('ResolvedRefs', 'False', tls.reason, tls.error), condition('Programmed', 'False', 'Invalid', tls.error)] });
          return;
        }
        certificates = tls.certificates;
      } else if (l.protocol === 'TLS' && l.tls?.mode === 'Passthrough') {
        // TLS passthrough: routed by SNI to TLSRoute backends; the bytes are not decrypted.
      } else if (l.protocol !== 'HTTP') {
        const msg = `protocol ${l.protocol} is not served yet (TLS passthrough arrives with TLSRoute); HTTP and HTTPS listeners are served`;
        ctx.problems.push({ severity: 'warning', location: g.source.locationOf(['spec', 'listeners', i, 'protocol']), resource: label, field: `${field}.protocol`, message: msg });
        out.push({ gateway: g, spec: l, index: i, port: l.port, accepted: false, entries: [], grpcEntries: [], tlsEntries: [], models: [], hasAIRoutes: false, attachedRoutes: 0, certificates: [], supportedKinds: [],
          conditions: [condition('Accepted', 'False', 'UnsupportedProtocol', msg), condition('Programmed', 'False', 'Invalid', msg)] });
        return;
      }
      const remap = input.listenerPorts;
      const mapped = remap && (remap.get(`${g.namespace}/${g.name}/${l.name}`) ?? remap.get(`${g.name}/${l.name}`) ?? remap.get(l.name));
      const port = mapped ?? (input.portOverride !== undefined && httpListeners.length === 1 && l.protocol === 'HTTP' ? input.portOverride : l.port);
      const key = `${port}|${(l.hostname ?? '').toLowerCase()}`;
      const previous = seen.get(key);
      if (previous) {
        const msg = `listener conflicts with ${previous}: same port ${port} and hostname "${l.hostname ?? ''}"`;
        ctx.problems.push({ severity: 'error', location: g.source.locationOf(['spec', 'listeners', i]), resource: label, field, message: msg });
        out.push({ gateway: g, spec: l, index: i, port, accepted: false, entries: [], grpcEntries: [], tlsEntries: [], models: [], hasAIRoutes: false, attachedRoutes: 0, certificates: [], supportedKinds: routeKinds(l).supported,
          conditions: [condition('Conflicted', 'True', 'HostnameConflict', msg), condition('Accepted', 'False', 'Pending', msg)] });
        return;
      }
      if (invalidParameters) {
        out.push({ gateway: g, spec: l, index: i, port, accepted: false, entries: [], grpcEntries: [], tlsEntries: [], models: [], hasAIRoutes: false, attachedRoutes: 0, certificates: [], supportedKinds: routeKinds(l).supported,
          conditions: [condition('Accepted', 'False', 'Pending', invalidParameters), condition('Programmed', 'False', 'Invalid', invalidParameters)] });
        return;
      }
      seen.set(key, `${g.namespace}/${g.name}/${l.name}`);
      acceptedCount++;
      const kinds = routeKinds(l);
      const listener: CompiledListener = { gateway: g, spec: l, index: i, port, accepted: true, entries: [], grpcEntries: [], tlsEntries: [], models: [], hasAIRoutes: false, attachedRoutes: 0, certificates, supportedKinds: kinds.supported };
      if (kinds.invalid.length > 0) {
        const msg = `allowedRoutes.kinds ${kinds.invalid.join(', ')} cannot be served on a ${l.protocol} listener (supported: HTTPRoute, GRPCRoute)`;
        ctx.problems.push({ severity: 'warning', location: g.source.locationOf(['spec', 'listeners', i, 'allowedRoutes', 'kinds']), resource: label, field: `${field}.allowedRoutes.kinds`, message: `InvalidRouteKinds: ${msg}` });
        listener.conditions = [ok('Accepted'), condition('ResolvedRefs', 'False', 'InvalidRouteKinds', msg), ok('Programmed')];
      }
      out.push(listener);
    });
    const conditions: Condition[] = [];
    const classNote = gcExists ? '' : ` (GatewayClass ${className} is not in the loaded files; standalone Sluice serves the Gateway anyway)`;
    if (invalidParameters) conditions.push(condition('Accepted', 'False', 'InvalidParameters', invalidParameters), condition('Programmed', 'False', 'Invalid', invalidParameters));
    else if (acceptedCount === g.object.spec.listeners.length) conditions.push(ok('Accepted', classNote.trim()), ok('Programmed'));
    else if (acceptedCount > 0) conditions.push(condition('Accepted', 'True', 'ListenersNotValid', `some listeners are not valid${classNote}`), ok('Programmed'));
    else conditions.push(condition('Accepted', 'False', 'ListenersNotValid', `no listener can be served${classNote}`), condition('Programmed', 'False', 'Invalid', 'no listener can be served'));
    statuses.push({ kind: 'Gateway', namespace: g.namespace, name: g.name, conditions });
  }
  return out;
}

/** Route kinds a listener asks for that Sluice serves on its protocol, and those it cannot. */
function routeKinds(l: GatewayView['spec']['listeners'][number]): { supported: { group: string; kind: string }[]; invalid: string[] } {
  const served = l.protocol === 'HTTP' || l.protocol === 'HTTPS' ? ['HTTPRoute', 'GRPCRoute'] : l.protocol === 'TLS' && l.tls?.mode === 'Passthrough' ? ['TLSRoute'] : [];
  const asked = l.allowedRoutes?.kinds;
  if (!asked || asked.length === 0) return { supported: served.map((kind) => ({ group: GATEWAY_GROUP, kind })), invalid: [] };
  const supported: { group: string; kind: string }[] = [];
  const invalid: string[] = [];
  for (const k of asked) {
    const group = k.group ?? GATEWAY_GROUP;
    if (group === GATEWAY_GROUP && served.includes(k.kind)) supported.push({ group, kind: k.kind });
    else invalid.push(`${group}/${k.kind}`);
  }
  return { supported, invalid };
}

/**
 * Why a Gateway's `infrastructure.parametersRef` makes it invalid, or undefined. An Envoy Gateway
 * `EnvoyProxy` (Envoy deployment settings) is ignored with a warning; a reference to an object that
 * does not exist is InvalidParameters, as the spec asks.
 */
function gatewayParameters(ctx: Ctx, g: Resource<GatewayView>): string | undefined {
  const ref = (g.object.spec as { infrastructure?: { parametersRef?: { group: string; kind: string; name: string } } }).infrastructure?.parametersRef;
  if (!ref) return undefined;
  if (ref.group === EG_GROUP && ref.kind === 'EnvoyProxy') {
    ctx.problems.push({ severity: 'warning', location: g.source.locationOf(['spec', 'infrastructure', 'parametersRef']), resource: resourceLabel('Gateway', g.namespace, g.name), field: 'spec.infrastructure.parametersRef', message: `EnvoyProxy ${ref.name} configures the Envoy deployment; Sluice ignores it` });
    return undefined;
  }
  if (get(ctx.index, ref.kind, g.namespace, ref.name)) return undefined;
  const msg = `infrastructure.parametersRef ${ref.group}/${ref.kind} ${ref.name} not found`;
  ctx.problems.push({ severity: 'error', location: g.source.locationOf(['spec', 'infrastructure', 'parametersRef']), resource: resourceLabel('Gateway', g.namespace, g.name), field: 'spec.infrastructure.parametersRef', message: `InvalidParameters: ${msg}` });
  return msg;
}

/** The certificates of an HTTPS listener: `kubernetes.io/tls` Secrets (cross-namespace needs a ReferenceGrant). */
function resolveCertificates(ctx: Ctx, g: Resource<GatewayView>, index: number): { certificates: TlsCertificate[] } | { reason: string; error: string } {
  const l = g.object.spec.listeners[index]!;
  const certificates: TlsCertificate[] = [];
  for (const ref of l.tls?.certificateRefs ?? []) {
    const namespace = ref.namespace ?? g.namespace;
    if ((ref.kind ?? 'Secret') !== 'Secret' || (ref.group ?? '') !== '') return { reason: 'InvalidCertificateRef', error: `certificateRef ${ref.kind} ${ref.name} is not a core Secret` };
    if (namespace !== g.namespace && !referenceGranted(ctx, g, '', 'Secret', namespace, ref.name)) {
      return { reason: 'RefNotPermitted', error: `Secret ${namespace}/${ref.name} is in another namespace and no ReferenceGrant in ${namespace} allows it` };
    }
    const secret = get<SecretView>(ctx.index, 'Secret', namespace, ref.name);
    if (!secret) return { reason: 'InvalidCertificateRef', error: `Secret ${namespace}/${ref.name} not found` };
    const pem = (k: string) => secret.object.stringData?.[k] ?? (secret.object.data?.[k] !== undefined ? Buffer.from(secret.object.data[k]!, 'base64').toString('utf8') : undefined);
    const cert = pem('tls.crt');
    const key = pem('tls.key');
    if (!cert || !key) return { reason: 'InvalidCertificateRef', error: `Secret ${namespace}/${ref.name} lacks tls.crt or tls.key (type kubernetes.io/tls)` };
    let names: string[];
    try {
      names = certificateNames(cert);
      createSecureContext({ cert, key });
    } catch (err) {
      return { reason: 'InvalidCertificateRef', error: `Secret ${namespace}/${ref.name}: the certificate or key is not valid PEM (${(err as Error).message})` };
    }
    certificates.push({ secret: `${namespace}/${ref.name}`, cert, key, names });
  }
  if (certificates.length === 0) return { reason: 'InvalidCertificateRef', error: 'an HTTPS listener needs tls.certificateRefs' };
  return { certificates };
}

/** DNS names a certificate covers: its subjectAltName DNS entries, else its subject CN. */
function certificateNames(pem: string): string[] {
  const x = new X509Certificate(pem);
  const sans = (x.subjectAltName ?? '').split(',').map((s) => s.trim()).filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4).toLowerCase());
  if (sans.length > 0) return sans;
  const cn = /CN=([^\n,]+)/.exec(x.subject)?.[1];
  return cn ? [cn.toLowerCase()] : [];
}

