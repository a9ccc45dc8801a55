// Fixtures for the Gateway API conformance cases in standalone mode (docs/conformance.md).
//
// Upstream's base manifests (gateway-api `conformance/base/manifests.yaml`) create namespaces,
// Gateways, and backend Services whose Deployments run the echo-basic image. Standalone Sluice has no
// Kubernetes and cannot run arbitrary images, so:
//   - every pod of a backend Deployment is an in-process conformance echo server (./echo.ts), named
//     like a Kubernetes pod (`<deployment>-<hash>-<hash>`) and reporting its namespace;
//   - every backend Service is replaced by a `gateway.envoyproxy.io/v1alpha1` Backend of the same name
//     and namespace whose ip endpoints are those echo servers, and the generator rewrites each
//     backendRef (and RequestMirror backendRef) to such a Service into a ref to that Backend, and each
//     ReferenceGrant `to: {group: "", kind: Service}` into `to: {group: gateway.envoyproxy.io, kind:
//     Backend}` (same name), so cross-namespace rules are exercised unchanged. A case that depends on
//     Service semantics sets `keepServiceRefs` and is left as written;
//   - each Gateway gets its own address in Kubernetes, so two Gateways can both listen on :80; here
//     they share 127.0.0.1, so every (Gateway, listener port) pair is mapped to its own free port
//     (parentRefs[].port follows the mapping). Requests name the Gateway and its configured port.
//   - the TLS Secrets the upstream suite generates (`tls-validity-checks-certificate`, `certificate`)
//     are self-signed certificates made with the openssl CLI, for the same host names.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { startConformanceEcho } from './echo.ts';
import type { ConformanceEcho } from './echo.ts';

export const INFRA_NS = 'gateway-conformance-infra';
export const APP_NS = 'gateway-conformance-app-backend';
export const WEB_NS = 'gateway-conformance-web-backend';
export const GATEWAY_CLASS = 'sluice-conformance';
export const EG_GROUP = 'gateway.envoyproxy.io';

/** The backend Services of the base manifests, with their Deployments' replica counts. */
export const BACKEND_SERVICES: readonly { readonly namespace: string; readonly name: string; readonly replicas: number }[] = [
  { namespace: INFRA_NS, name: 'infra-backend-v1', replicas: 2 },
  { namespace: INFRA_NS, name: 'infra-backend-v2', replicas: 2 },
  // Upstream runs v3 with one replica: the retry simulation counts attempts in memory.
  { namespace: INFRA_NS, name: 'infra-backend-v3', replicas: 1 },
  { namespace: APP_NS, name: 'app-backend-v1', replicas: 2 },
  { namespace: APP_NS, name: 'app-backend-v2', replicas: 2 },
  { namespace: WEB_NS, name: 'web-backend', replicas: 2 },
];

/** The namespace of a backend Service by name (backend names are unique across namespaces). */
export function backendNamespace(service: string): string | undefined {
  return BACKEND_SERVICES.find((b) => b.name === service)?.namespace;
}

export interface Pem {
  readonly cert: string;
  readonly key: string;
}

export interface Fixtures {
  readonly echoes: readonly ConformanceEcho[];
  /** `tls-validity-checks-certificate` (hosts `*`, `*.org`, `*.wildcard.org`). */
  readonly validityCert: Pem;
  /** `certificate` in the web-backend namespace (host `*`). */
  readonly webCert: Pem;
  podsOf(namespace: string, service: string): readonly ConformanceEcho[];
  close(): Promise<void>;
}

function alnum(seed: string, length: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const digest = createHash('sha256').update(seed).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[digest[i]! % alphabet.length];
  return out;
}

/** A Kubernetes-looking pod name: `<deployment>-<replicaset hash>-<pod hash>`. */
export function podName(deployment: string, replica: number): string {
  return `${deployment}-${alnum(deployment, 10)}-${alnum(`${deployment}/${replica}`, 5)}`;
}

/** A self-signed certificate for `hosts` (subjectAltName DNS entries), made with the openssl CLI. */
function selfSigned(dir: string, name: string, hosts: readonly string[]): Pem {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${hosts[0] ?? name}`, '-addext', `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(',')}`],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

/** Starts one echo server per backend pod and makes the TLS certificates. */
export async function startFixtures(): Promise<Fixtures> {
  const echoes = await Promise.all(
    BACKEND_SERVICES.flatMap((b) => Array.from({ length: b.replicas }, (_, i) => startConformanceEcho({ pod: podName(b.name, i), namespace: b.namespace, service: b.name }))),
  );
  const dir = mkdtempSync(join(tmpdir(), 'sluice-conformance-certs-'));
  let validityCert: Pem;
  let webCert: Pem;
  try {
    validityCert = selfSigned(dir, 'tls-validity-checks-certificate', ['*', '*.org', '*.wildcard.org']);
    webCert = selfSigned(dir, 'certificate', ['*']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    echoes,
    validityCert,
    webCert,
    podsOf: (namespace, service) => echoes.filter((e) => e.identity.namespace === namespace && e.identity.service === service),
    close: async () => {
      await Promise.all(echoes.map((e) => e.close()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Base manifests

/** The base Gateways (upstream names, listeners and allowedRoutes), by name. */
export const BASE_GATEWAYS = ['same-namespace', 'same-namespace-with-https-listener', 'all-namespaces', 'backend-namespaces'] as const;
export type BaseGateway = (typeof BASE_GATEWAYS)[number];

const httpsListener = (name: string, hostname?: string) => ({
  name,
  port: 443,
  protocol: 'HTTPS',
  ...(hostname ? { hostname } : {}),
  allowedRoutes: { namespaces: { from: 'Same' } },
  tls: { certificateRefs: [{ group: '', kind: 'Secret', name: 'tls-validity-checks-certificate', namespace: INFRA_NS }] },
});

function baseGateway(name: BaseGateway): Record<string, unknown> {
  const listeners =
    name === 'same-namespace'
      ? [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }]
      : name === 'all-namespaces'
        ? [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }]
        : name === 'backend-namespaces'
          ? [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { 'gateway-conformance': 'backend' } } } } }]
          : [httpsListener('https'), httpsListener('https-with-hostname', 'second-example.org'), httpsListener('https-with-wildcard-hostname', '*.wildcard.org'), httpsListener('https-with-hostname-matching-wildcard', 'fourth-example.wildcard.org')];
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name, namespace: INFRA_NS }, spec: { gatewayClassName: GATEWAY_CLASS, listeners } };
}

function tlsSecret(name: string, namespace: string, pem: Pem): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': pem.cert, 'tls.key': pem.key } };
}

/** The base documents: GatewayClass, Namespaces (with upstream's labels), Backends standing in for the Services, Secrets, and the chosen Gateways. */
export function baseDocuments(fixtures: Fixtures, gateways: readonly BaseGateway[]): Record<string, unknown>[] {
  const docs: Record<string, unknown>[] = [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: GATEWAY_CLASS }, spec: { controllerName: 'sluice.dev/gateway-controller' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: INFRA_NS, labels: { 'gateway-conformance': 'infra' } } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: APP_NS, labels: { 'gateway-conformance': 'backend' } } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: WEB_NS, labels: { 'gateway-conformance': 'backend' } } },
  ];
  for (const b of BACKEND_SERVICES) {
    docs.push({
      apiVersion: `${EG_GROUP}/v1alpha1`,
      kind: 'Backend',
      metadata: { name: b.name, namespace: b.namespace },
      spec: { endpoints: fixtures.podsOf(b.namespace, b.name).map((e) => ({ ip: { address: '127.0.0.1', port: e.port } })) },
    });
  }
  docs.push(tlsSecret('tls-validity-checks-certificate', INFRA_NS, fixtures.validityCert));
  docs.push(tlsSecret('certificate', WEB_NS, fixtures.webCert));
  for (const g of gateways) docs.push(baseGateway(g));
  return docs;
}

// ---------------------------------------------------------------------------------------------
// The generator: case manifests (upstream-shaped) → Sluice manifests

/** `namespace/gateway/configuredPort` → the port it is served on. */
export type PortMap = ReadonlyMap<string, number>;

export function portKey(namespace: string, gateway: string, port: number): string {
  return `${namespace}/${gateway}/${port}`;
}

/** Ports nobody listens on right now (held open together so they are distinct, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = createServer();
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve());
      });
      servers.push(s);
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const meta = (doc: Obj): { name: string; namespace: string } => {
  const m = isObj(doc['metadata']) ? doc['metadata'] : {};
  return { name: String(m['name'] ?? ''), namespace: typeof m['namespace'] === 'string' ? m['namespace'] : 'default' };
};

const isBackendService = (namespace: string, name: string) => BACKEND_SERVICES.some((b) => b.namespace === namespace && b.name === name);

/** Rewrites a backendRef to a conformance Service into a ref to the Backend standing in for it. */
function rewriteBackendRef(ref: Obj, routeNamespace: string): Obj {
  const group = (ref['group'] as string | undefined) ?? '';
  const kind = (ref['kind'] as string | undefined) ?? 'Service';
  const namespace = (ref['namespace'] as string | undefined) ?? routeNamespace;
  const name = String(ref['name'] ?? '');
  if (group !== '' || kind !== 'Service' || !isBackendService(namespace, name)) return ref;
  const out: Obj = { group: EG_GROUP, kind: 'Backend', name };
  if (ref['namespace'] !== undefined) out['namespace'] = ref['namespace'];
  for (const [k, v] of Object.entries(ref)) if (!['group', 'kind', 'name', 'namespace', 'port'].includes(k)) out[k] = v;
  return out;
}

function rewriteFilters(filters: unknown, routeNamespace: string): void {
  if (!Array.isArray(filters)) return;
  for (const f of filters) {
    if (!isObj(f)) continue;
    const mirror = f['requestMirror'];
    if (isObj(mirror) && isObj(mirror['backendRef'])) mirror['backendRef'] = rewriteBackendRef(mirror['backendRef'], routeNamespace);
  }
}

export interface GeneratedManifests {
  readonly yaml: string;
  readonly ports: PortMap;
}

/**
 * Base documents for `gateways` + the case's documents, with the standalone substitutions applied
 * (Backends for backend Services unless `keepServiceRefs`, one port per Gateway listener port).
 */
export async function generateManifests(
  fixtures: Fixtures,
  caseYaml: string,
  options: { gateways: readonly BaseGateway[]; keepServiceRefs?: boolean | undefined; ports?: PortMap | undefined },
): Promise<GeneratedManifests> {
  const caseDocs: Obj[] = [];
  for (const d of parseAllDocuments(caseYaml)) {
    if (d.errors.length > 0) throw new Error(`case manifest: ${d.errors[0]!.message}`);
    const v: unknown = d.toJS();
    if (isObj(v)) caseDocs.push(v);
  }
  const docs = [...baseDocuments(fixtures, options.gateways), ...caseDocs];

  // One served port per (Gateway, configured listener port).
  const wanted: string[] = [];
  for (const doc of docs) {
    if (doc['kind'] !== 'Gateway') continue;
    const { name, namespace } = meta(doc);
    const spec = isObj(doc['spec']) ? doc['spec'] : {};
    for (const l of Array.isArray(spec['listeners']) ? spec['listeners'] : []) {
      if (!isObj(l) || typeof l['port'] !== 'number') continue;
      const key = portKey(namespace, name, l['port']);
      if (!wanted.includes(key)) wanted.push(key);
    }
  }
  // A regenerated configuration (a reload) keeps the ports it had.
  const ports = new Map(options.ports ?? []);
  const missing = wanted.filter((k) => !ports.has(k));
  const allocated = await freePorts(missing.length);
  missing.forEach((k, i) => ports.set(k, allocated[i]!));

  for (const doc of docs) {
    const { name, namespace } = meta(doc);
    const spec = isObj(doc['spec']) ? doc['spec'] : undefined;
    if (!spec) continue;
    if (doc['kind'] === 'Gateway') {
      for (const l of Array.isArray(spec['listeners']) ? spec['listeners'] : []) {
        if (isObj(l) && typeof l['port'] === 'number') l['port'] = ports.get(portKey(namespace, name, l['port']));
      }
    } else if (doc['kind'] === 'HTTPRoute' || doc['kind'] === 'GRPCRoute') {
      for (const p of Array.isArray(spec['parentRefs']) ? spec['parentRefs'] : []) {
        if (!isObj(p) || typeof p['port'] !== 'number') continue;
        const mapped = ports.get(portKey((p['namespace'] as string | undefined) ?? namespace, String(p['name']), p['port']));
        // A port no listener has stays as written: it must not match any listener.
        if (mapped !== undefined) p['port'] = mapped;
      }
      if (options.keepServiceRefs) continue;
      for (const rule of Array.isArray(spec['rules']) ? spec['rules'] : []) {
        if (!isObj(rule)) continue;
        rewriteFilters(rule['filters'], namespace);
        if (!Array.isArray(rule['backendRefs'])) continue;
        rule['backendRefs'] = rule['backendRefs'].map((r: unknown) => {
          if (!isObj(r)) return r;
          rewriteFilters(r['filters'], namespace);
          return rewriteBackendRef(r, namespace);
        });
      }
    } else if (doc['kind'] === 'ReferenceGrant' && !options.keepServiceRefs) {
      for (const to of Array.isArray(spec['to']) ? spec['to'] : []) {
        if (isObj(to) && (to['group'] ?? '') === '' && to['kind'] === 'Service') {
          to['group'] = EG_GROUP;
          to['kind'] = 'Backend';
        }
      }
    }
  }
  const yaml = docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
  return { yaml, ports };
}

/** Shorthands for the infra backends, as upstream's InfraBackendServiceNameV1..3. */
export const B1 = 'infra-backend-v1';
export const B2 = 'infra-backend-v2';
export const B3 = 'infra-backend-v3';
