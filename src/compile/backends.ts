// backendRefs → backend targets: InferencePools, AIServiceBackends, Envoy Gateway Backends (ip and fqdn
// endpoints) and Services (selected pods or EndpointSlices), with ReferenceGrant checks.

import type { RunningPod } from '../cluster/emulator.ts';
import { parseServiceHostname, selectPods, targetPortOf } from '../cluster/plan.ts';
import type { ServiceView } from '../cluster/plan.ts';

import type { EndpointState } from '../runtime/endpoint.ts';

import type { BackendTarget, UpstreamTarget, UpstreamTls } from '../runtime/snapshot.ts';
import { BACKEND_SCHEMA_NAMES } from '../runtime/translator.ts';
import type { BackendSchema, BackendSchemaName } from '../runtime/translator.ts';
import { backendTls, policyTls } from './tls.ts';
import type { Resource } from '../config/validate.ts';
import { resourceLabel } from '../config/validate.ts';
import type { AIServiceBackendView, BackendRefView, BackendView } from '../config/views.ts';

import { AIGW_GROUP, EG_GROUP, INFERENCE_GROUP, INFERENCE_X_GROUP, all, get, referenceGranted } from './context.ts';
import type { Ctx, Pod } from './context.ts';

interface EndpointSliceView {
  metadata?: { labels?: Record<string, string> | null | undefined } | undefined;
  ports?: { name?: string | null | undefined; port?: number | null | undefined }[] | null | undefined;
  endpoints?: { addresses?: string[] | undefined; conditions?: { ready?: boolean | null | undefined } | undefined }[] | null | undefined;
}

export type Resolved = { kind: 'ok'; backend: BackendTarget; note?: string | undefined } | { kind: 'invalid'; id: string; reason: string; message: string };

export function invalid(id: string, reason: string, message: string): Resolved {
  return { kind: 'invalid', id, reason, message };
}

export function resolveBackendRef(ctx: Ctx, route: Resource, ref: BackendRefView, isAI: boolean, path: (string | number)[]): Resolved {
  const namespace = ref.namespace ?? route.namespace;
  const label = resourceLabel(route.kind, route.namespace, route.name);
  const report = (r: Resolved): Resolved => {
    if (r.kind === 'invalid') ctx.problems.push({ severity: 'error', location: route.source.locationOf(path), resource: label, field: path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').slice(1).replace(/\.\[/g, '['), message: `${r.reason}: ${r.message}` });
    return r;
  };
  const group = ref.group ?? (isAI ? AIGW_GROUP : '');
  const kind = ref.kind ?? (isAI ? 'AIServiceBackend' : 'Service');
  const id = `${kind} ${namespace}/${ref.name}`;
  if (namespace !== route.namespace && !referenceGranted(ctx, route, group, kind, namespace, ref.name)) {
    return report(invalid(id, 'RefNotPermitted', `${id} is in another namespace and no ReferenceGrant in ${namespace} allows it`));
  }
  if (kind === 'InferencePool' && (group === INFERENCE_GROUP || group === INFERENCE_X_GROUP)) {
    const pool = ctx.pools.get(`${namespace}/${ref.name}`);
    if (!pool) return report(invalid(id, 'BackendNotFound', `InferencePool ${namespace}/${ref.name} not found`));
    return { kind: 'ok', backend: { kind: 'pool', id, pool } };
  }
  if (kind === 'AIServiceBackend' && group === AIGW_GROUP) {
    const asb = get<AIServiceBackendView>(ctx.index, 'AIServiceBackend', namespace, ref.name);
    if (asb) return report(resolveAIServiceBackend(ctx, asb));
    // Seed 001 names a Backend directly where upstream's example declares an AIServiceBackend:
    // use a Backend or Service of that name with the OpenAI schema, and say so.
    for (const fallbackKind of ['Backend', 'Service'] as const) {
      const r = get(ctx.index, fallbackKind, namespace, ref.name);
      if (!r) continue;
      const resolved = fallbackKind === 'Backend' ? resolveBackend(ctx, r as Resource<BackendView>, OPENAI_SCHEMA) : resolveService(ctx, r as Resource<ServiceView>, ref.port, OPENAI_SCHEMA);
      if (resolved.kind === 'ok') resolved.note = `backendRef ${ref.name}: no AIServiceBackend of that name, so ${fallbackKind} ${namespace}/${ref.name} is used with the OpenAI schema`;
      return report(resolved);
    }
    return report(invalid(id, 'BackendNotFound', `AIServiceBackend ${namespace}/${ref.name} not found (nor a Backend or Service of that name)`));
  }
  if (kind === 'Backend' && group === EG_GROUP) {
    const b = get<BackendView>(ctx.index, 'Backend', namespace, ref.name);
    if (!b) return report(invalid(id, 'BackendNotFound', `Backend ${namespace}/${ref.name} not found`));
    return report(resolveBackend(ctx, b, OPENAI_SCHEMA));
  }
  if (kind === 'Service' && group === '') {
    const s = get<ServiceView>(ctx.index, 'Service', namespace, ref.name);
    if (!s) return report(invalid(id, 'BackendNotFound', `Service ${namespace}/${ref.name} not found`));
    if (!isAI && ref.port === undefined) return report(invalid(id, 'BackendNotFound', `backendRef to Service ${ref.name} needs a port`));
    return report(resolveService(ctx, s, ref.port, OPENAI_SCHEMA));
  }
  return report(invalid(id, 'InvalidKind', `backendRef kind ${group ? group + '/' : ''}${kind} is not supported (use Service, InferencePool, ${isAI ? 'AIServiceBackend, ' : ''}or gateway.envoyproxy.io Backend)`));
}

/** Backend schemas Sluice translates to; Cohere (rerank) is not served. */
const SCHEMAS: ReadonlySet<string> = new Set(BACKEND_SCHEMA_NAMES);

/** Default path prefixes: OpenAI-compatible APIs live under /v1, Anthropic's too; the others are addressed by model path. */
function defaultPrefix(name: BackendSchemaName): string {
  return name === 'OpenAI' || name === 'Anthropic' ? 'v1' : '';
}

export function resolveAIServiceBackend(ctx: Ctx, asb: Resource<AIServiceBackendView>): Resolved {
  const id = `AIServiceBackend ${asb.namespace}/${asb.name}`;
  const spec = asb.object.spec.schema;
  if (!SCHEMAS.has(spec.name)) {
    return invalid(id, 'UnsupportedValue', `schema ${spec.name} is not served by Sluice (supported: ${BACKEND_SCHEMA_NAMES.join(', ')})`);
  }
  const name = spec.name as BackendSchemaName;
  const schema: BackendSchema = { name, prefix: normalisePrefix(spec.prefix ?? defaultPrefix(name)), version: spec.version };
  const ref = asb.object.spec.backendRef;
  const namespace = ref.namespace ?? asb.namespace;
  const kind = ref.kind ?? 'Backend';
  let resolved: Resolved;
  if (kind === 'Backend') {
    const b = get<BackendView>(ctx.index, 'Backend', namespace, ref.name);
    if (!b) return invalid(id, 'BackendNotFound', `its backendRef Backend ${namespace}/${ref.name} not found`);
    resolved = resolveBackend(ctx, b, schema);
  } else if (kind === 'Service') {
    const s = get<ServiceView>(ctx.index, 'Service', namespace, ref.name);
    if (!s) return invalid(id, 'BackendNotFound', `its backendRef Service ${namespace}/${ref.name} not found`);
    resolved = resolveService(ctx, s, undefined, schema);
  } else {
    return invalid(id, 'InvalidKind', `backendRef kind ${kind} is not supported (use a gateway.envoyproxy.io Backend)`);
  }
  if (resolved.kind !== 'ok' || resolved.backend.kind !== 'endpoints') return resolved;
  // The AIServiceBackend is the backend clients and logs hear of; its credential travels with it.
  const auth = ctx.credentials.get(id);
  if ((name === 'GCPVertexAI' || name === 'GCPAnthropic') && auth?.type !== 'GCPCredentials') {
    // Vertex paths start /v1/projects/{project}/locations/{region}/, which only the policy knows.
    return invalid(id, 'InvalidBackend', `schema ${name} needs a BackendSecurityPolicy of type GCPCredentials targeting it (the policy holds the project and region of Vertex's path, and the token); add one with targetRefs [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: ${asb.name}}]`);
  }
  return { ...resolved, backend: { ...resolved.backend, id, auth } };
}

export function normalisePrefix(prefix: string): string {
  const p = '/' + prefix.replace(/^\/+|\/+$/g, '');
  return p === '/' ? '' : p;
}

export function resolveBackend(ctx: Ctx, b: Resource<BackendView>, schema: BackendSchema): Resolved {
  const id = `Backend ${b.namespace}/${b.name}`;
  const targets: UpstreamTarget[] = [];
  const notes: string[] = [];
  // A Service with no ready pods right now is still a valid reference: requests get 503 until pods run.
  let resolvedServices = 0;
  const tls = backendTls(ctx, b as Resource<{ spec: { tls?: never } }>);
  for (const ep of b.object.spec.endpoints ?? []) {
    if (ep.ip) {
      const host = ep.ip.address.includes(':') ? `[${ep.ip.address}]` : ep.ip.address;
      targets.push(target(ctx, `${tls ? 'https' : 'http'}://${host}:${ep.ip.port}`, `${host}:${ep.ip.port}`, undefined, tls));
    } else if (ep.fqdn) {
      const svc = parseServiceHostname(ep.fqdn.hostname);
      const s = svc && get<ServiceView>(ctx.index, 'Service', svc.namespace, svc.name);
      if (s) {
        const r = resolveService(ctx, s, ep.fqdn.port, schema, tls);
        if (r.kind === 'ok' && r.backend.kind === 'endpoints') {
          targets.push(...r.backend.targets);
          resolvedServices++;
        }
        else if (r.kind === 'invalid') notes.push(r.message);
      } else {
        const https = tls !== undefined || ep.fqdn.port === 443;
        targets.push(target(ctx, `${https ? 'https' : 'http'}://${ep.fqdn.hostname}:${ep.fqdn.port}`, ep.fqdn.hostname, undefined, tls));
      }
    } else if (ep.unix) {
      notes.push(`unix socket endpoint ${ep.unix.path} is not supported`);
    }
  }
  if (targets.length === 0 && resolvedServices === 0) return invalid(id, 'BackendNotFound', `has no usable endpoints${notes.length ? ': ' + notes.join('; ') : ''}`);
  return { kind: 'ok', backend: { kind: 'endpoints', id, schema, targets, cursor: 0 } };
}

export function target(ctx: Ctx, origin: string, hostHeader: string, endpoint?: EndpointState, tls?: UpstreamTls): UpstreamTarget {
  ctx.origins.add(origin);
  if (endpoint) ctx.endpointKeys.add(endpoint.key);
  return tls ? { origin, hostHeader, endpoint, tls } : { origin, hostHeader, endpoint };
}

/** The schema of plain Service and Backend references: OpenAI-compatible under /v1. */
export const OPENAI_SCHEMA: BackendSchema = { name: 'OpenAI', prefix: '/v1' };

export function resolveService(ctx: Ctx, s: Resource<ServiceView>, port: number | undefined, schema: BackendSchema, inheritedTls?: UpstreamTls): Resolved {
  const id = `Service ${s.namespace}/${s.name}`;
  const ports = s.object.spec?.ports ?? [];
  const sp = port === undefined ? (ports.length === 1 ? ports[0] : undefined) : ports.find((p) => p.port === port);
  if (!sp) return invalid(id, 'BackendNotFound', port === undefined ? `has ${ports.length} ports; name one in the backendRef` : `has no port ${port} (ports: ${ports.map((p) => p.port).join(', ') || 'none'})`);
  const targets: UpstreamTarget[] = [];
  const hostHeader = `${s.name}.${s.namespace}.svc.cluster.local`;
  const tls = inheritedTls ?? policyTls(ctx, '', 'Service', s.namespace, s.name);
  const scheme = tls ? 'https' : 'http';
  if (s.object.spec?.selector && Object.keys(s.object.spec.selector).length > 0) {
    for (const pod of selectPods(ctx.pods, s.namespace, s.object.spec.selector)) {
      const ep = podEndpoint(ctx, pod, targetPortOf(pod, sp));
      if (ep) targets.push(target(ctx, tls ? `${scheme}://${ep.address}:${ep.port}` : ep.origin, hostHeader, ep, tls));
    }
  } else {
    // A Service without a selector takes its endpoints from EndpointSlices labelled with its name
    // (managed by hand, e.g. for addresses outside the cluster).
    for (const slice of all<EndpointSliceView>(ctx.index, 'EndpointSlice')) {
      if (slice.namespace !== s.namespace || slice.object.metadata?.labels?.['kubernetes.io/service-name'] !== s.name) continue;
      const slicePorts = slice.object.ports ?? [];
      const p = slicePorts.find((x) => (x.name ?? '') === (sp.name ?? '')) ?? (slicePorts.length === 1 ? slicePorts[0] : undefined);
      if (!p?.port) continue;
      for (const e of slice.object.endpoints ?? []) {
        if (e.conditions?.ready === false) continue;
        for (const address of e.addresses ?? []) {
          const host = address.includes(':') ? `[${address}]` : address;
          targets.push(target(ctx, `${scheme}://${host}:${p.port}`, hostHeader, undefined, tls));
        }
      }
    }
  }
  // No ready endpoint is not a config error: requests get 503 until pods appear.
  return { kind: 'ok', backend: { kind: 'endpoints', id, schema, targets, cursor: 0 } };
}

/** The live endpoint of a pod's port, when the pod runs and serves that port. */
export function podEndpoint(ctx: Ctx, pod: Pod, containerPort: number | undefined): EndpointState | undefined {
  const running = pod as Partial<RunningPod>;
  if (running.direct) {
    if (containerPort === undefined || !running.ready || !running.address) return undefined;
    const ep = ctx.endpoints.get(running.address, containerPort, { podName: pod.name, labels: { ...pod.labels } });
    ctx.endpointKeys.add(ep.key);
    ctx.origins.add(ep.origin);
    return ep;
  }
  if (containerPort === undefined || running.actualPort === undefined || !running.ready) return undefined;
  if (containerPort !== pod.servingPort) return undefined;
  const ep = ctx.endpoints.get(running.address ?? '127.0.0.1', running.actualPort, { podName: pod.name, labels: { ...pod.labels } });
  ctx.endpointKeys.add(ep.key);
  ctx.origins.add(ep.origin);
  return ep;
}

