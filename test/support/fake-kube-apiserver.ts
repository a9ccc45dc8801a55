// TEST DOUBLE: a fake Kubernetes API server for tests. It is NOT a Kubernetes API server and must never
// be used as one. It is a small node:http server on 127.0.0.1:0 that speaks the real wire protocol for
// the part of the API the Sluice controller uses, so the controller's real HTTP code runs against it:
//
// - discovery-free resource paths: /api/v1/..., /apis/GROUP/VERSION/..., namespaced and cluster-wide;
// - list (kind XxxList, metadata.resourceVersion, limit/continue paging, label and field selectors);
//   as the real server does, items of built-in kinds in a list carry no apiVersion/kind;
// - watch (?watch=1&resourceVersion=...): chunked newline-delimited JSON events ADDED, MODIFIED,
//   DELETED, BOOKMARK (allowWatchBookmarks) and ERROR; a watch from a resourceVersion older than the
//   last compaction gets an ERROR event with a Status of code 410 (or an HTTP 410, if configured);
//   timeoutSeconds ends a watch; without a resourceVersion (or "0") a watch starts with ADDED events
//   for the current objects;
// - get / create / update (PUT) / merge-patch / delete on objects, and GET/PUT/PATCH on the `/status`
//   subresource: optimistic concurrency on metadata.resourceVersion (409 Conflict), generation bumps
//   on changes outside metadata and status, status ignored by main-resource writes (and everything but
//   status ignored by status writes) for types with a status subresource, no-op writes that change
//   nothing (no new resourceVersion, no event), AlreadyExists, NotFound;
// - 404 for resource types that are not installed (a CRD missing), 401 without the bearer token;
// - plain HTTP by default, HTTPS with a given certificate (to test CA and in-cluster configuration).
//
// Test hooks: apply (YAML or objects, create-or-replace like `kubectl apply`), delete, updateStatus,
// compact (make every earlier resourceVersion too old), dropWatches (cut watch connections),
// expireWatches (410 on live watches), bookmark, intercept (inspect, fail or drop a request), a request
// log, installing and removing resource types, and a kubeconfig file pointing at the server.
//
// Simplifications (not needed by the controller): no conversion between versions of a CRD (as with
// conversion strategy None: the object is served under the requested apiVersion as stored), no
// admission, defaulting, pruning or schema validation, no garbage collection, no namespace lifecycle
// (objects may live in namespaces that do not exist), strategic merge patch treated as JSON merge patch,
// no JSON patch, no server-side apply, paging without consistent snapshots.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface FakeResourceType {
  /** `''` for the core group. */
  readonly group: string;
  /** Served versions; the first is the preferred one. */
  readonly versions: readonly string[];
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  readonly statusSubresource: boolean;
  /** Built-in kinds: list items are sent without apiVersion and kind, as the real server does. */
  readonly builtin: boolean;
}

type Obj = Record<string, unknown> & { metadata: Meta };
interface Meta extends Record<string, unknown> {
  name: string;
  namespace?: string;
  resourceVersion?: string;
  generation?: number;
  uid?: string;
  creationTimestamp?: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface FakeRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly watch: boolean;
  /** The parsed JSON body (POST, PUT, PATCH). */
  readonly body: unknown;
  readonly contentType: string;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly watch: boolean;
  /** Response status (200 for a watch that started). */
  status: number;
}

/** What an interceptor returns: undefined lets the request through; a response answers it; `drop` cuts the connection. */
export type InterceptResult = undefined | { readonly status: number; readonly body?: unknown } | 'drop';

export interface FakeKubeApiServerOptions {
  /** Resource types served; default: BUILTIN_TYPES + SLUICE_CRDS. */
  readonly types?: readonly FakeResourceType[];
  /** Kinds (or `group/Kind`) to leave out of the default types, as if their CRD were not installed. */
  readonly without?: readonly string[];
  /** Bearer token required on every request (default `fake-token`); empty string = no authentication. */
  readonly token?: string;
  /** How a watch from a too-old resourceVersion fails: an ERROR event (default, as current servers do) or HTTP 410. */
  readonly expiredAs?: 'event' | 'status';
  /** Serve HTTPS with this certificate (PEM); the kubeconfig then carries it as the CA. Default: plain HTTP. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Host name to listen on and to put in URLs (default 127.0.0.1; with tls, the certificate's name). */
  readonly host?: string;
}

function type(group: string, versions: readonly string[], kind: string, plural: string, namespaced: boolean, statusSubresource: boolean, builtin = false): FakeResourceType {
  return { group, versions, kind, plural, namespaced, statusSubresource, builtin };
}

/** Built-in kinds a controller and the seed manifests touch. */
export const BUILTIN_TYPES: readonly FakeResourceType[] = [
  type('', ['v1'], 'Namespace', 'namespaces', false, true, true),
  type('', ['v1'], 'Pod', 'pods', true, true, true),
  type('', ['v1'], 'Service', 'services', true, true, true),
  type('', ['v1'], 'Secret', 'secrets', true, false, true),
  type('', ['v1'], 'ConfigMap', 'configmaps', true, false, true),
  type('', ['v1'], 'ServiceAccount', 'serviceaccounts', true, false, true),
  type('', ['v1'], 'Endpoints', 'endpoints', true, false, true),
  type('apps', ['v1'], 'Deployment', 'deployments', true, true, true),
  type('discovery.k8s.io', ['v1'], 'EndpointSlice', 'endpointslices', true, false, true),
  type('coordination.k8s.io', ['v1'], 'Lease', 'leases', true, false, true),
  type('rbac.authorization.k8s.io', ['v1'], 'Role', 'roles', true, false, true),
  type('rbac.authorization.k8s.io', ['v1'], 'RoleBinding', 'rolebindings', true, false, true),
  type('rbac.authorization.k8s.io', ['v1'], 'ClusterRole', 'clusterroles', false, false, true),
  type('rbac.authorization.k8s.io', ['v1'], 'ClusterRoleBinding', 'clusterrolebindings', false, false, true),
];

const GW = 'gateway.networking.k8s.io';
const GIE = 'inference.networking.k8s.io';
const GIE_X = 'inference.networking.x-k8s.io';
const AIGW = 'aigateway.envoyproxy.io';
const EG = 'gateway.envoyproxy.io';

/** The CRDs of every API group Sluice reads, with the versions their upstream projects serve. */
export const SLUICE_CRDS: readonly FakeResourceType[] = [
  type(GW, ['v1', 'v1beta1'], 'GatewayClass', 'gatewayclasses', false, true),
  type(GW, ['v1', 'v1beta1'], 'Gateway', 'gateways', true, true),
  type(GW, ['v1', 'v1beta1'], 'HTTPRoute', 'httproutes', true, true),
  type(GW, ['v1'], 'GRPCRoute', 'grpcroutes', true, true),
  type(GW, ['v1', 'v1alpha3', 'v1alpha2'], 'TLSRoute', 'tlsroutes', true, true),
  type(GW, ['v1', 'v1beta1'], 'ReferenceGrant', 'referencegrants', true, false),
  type(GIE, ['v1'], 'InferencePool', 'inferencepools', true, true),
  type(GIE_X, ['v1alpha2'], 'InferencePool', 'inferencepools', true, true),
  type(GIE_X, ['v1alpha2'], 'InferenceObjective', 'inferenceobjectives', true, true),
  type(GIE_X, ['v1alpha2'], 'InferenceModel', 'inferencemodels', true, true),
  type(GIE_X, ['v1alpha2'], 'InferenceModelRewrite', 'inferencemodelrewrites', true, true),
  type(AIGW, ['v1beta1', 'v1alpha1'], 'AIGatewayRoute', 'aigatewayroutes', true, true),
  type(AIGW, ['v1beta1', 'v1alpha1'], 'AIServiceBackend', 'aiservicebackends', true, true),
  type(AIGW, ['v1beta1', 'v1alpha1'], 'BackendSecurityPolicy', 'backendsecuritypolicies', true, true),
  type(AIGW, ['v1beta1', 'v1alpha1'], 'GatewayConfig', 'gatewayconfigs', true, true),
  type(EG, ['v1alpha1'], 'Backend', 'backends', true, true),
  type(EG, ['v1alpha1'], 'BackendTrafficPolicy', 'backendtrafficpolicies', true, true),
  type(EG, ['v1alpha1'], 'SecurityPolicy', 'securitypolicies', true, true),
  type(EG, ['v1alpha1'], 'EnvoyProxy', 'envoyproxies', true, true),
];

interface Watcher {
  readonly type: FakeResourceType;
  readonly version: string;
  readonly namespace: string | undefined;
  readonly selector: (o: Obj) => boolean;
  readonly bookmarks: boolean;
  readonly res: ServerResponse;
  closed: boolean;
}

interface HistoryEntry {
  readonly rv: number;
  readonly type: FakeResourceType;
  readonly event: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: Obj;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export class FakeKubeApiServer {
  readonly #server: Server;
  readonly #options: FakeKubeApiServerOptions;
  readonly #token: string;
  #types: FakeResourceType[];
  /** `group/Kind` → `namespace/name` → object as stored. */
  readonly #store = new Map<string, Map<string, Obj>>();
  #rv = 1000;
  /** Watches from a resourceVersion below this get 410. */
  #compactedRv = 0;
  #history: HistoryEntry[] = [];
  readonly #watchers = new Set<Watcher>();
  readonly #interceptors: ((req: FakeRequest) => InterceptResult)[] = [];
  /** Every request, in arrival order (cleared by clearRequests). */
  readonly requests: RecordedRequest[] = [];
  #url = '';

  private constructor(options: FakeKubeApiServerOptions) {
    this.#options = options;
    this.#token = options.token ?? 'fake-token';
    const without = new Set(options.without ?? []);
    this.#types = [...(options.types ?? [...BUILTIN_TYPES, ...SLUICE_CRDS])].filter((t) => !without.has(t.kind) && !without.has(`${t.group}/${t.kind}`));
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.#handle(req, res);
    this.#server = options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, handler) : createServer(handler);
  }

  static async start(options: FakeKubeApiServerOptions = {}): Promise<FakeKubeApiServer> {
    const s = new FakeKubeApiServer(options);
    await new Promise<void>((resolve, reject) => {
      s.#server.once('error', reject);
      s.#server.listen(0, options.host ?? '127.0.0.1', () => resolve());
    });
    s.#url = `${options.tls ? 'https' : 'http'}://${options.host ?? '127.0.0.1'}:${(s.#server.address() as AddressInfo).port}`;
    return s;
  }

  get url(): string {
    return this.#url;
  }

  get token(): string {
    return this.#token;
  }

  /** The latest resourceVersion handed out. */
  get resourceVersion(): string {
    return String(this.#rv);
  }

  async close(): Promise<void> {
    for (const w of this.#watchers) this.#endWatch(w);
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ------------------------------------------------------------------------------------------------
  // Test helpers

  /** A kubeconfig (YAML) for this server: current context `fake`, token auth, plain HTTP (or HTTPS with the CA). */
  kubeconfig(options: { namespace?: string } = {}): string {
    const user = this.#token ? `{token: ${this.#token}}` : '{}';
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      this.#options.tls
        ? `- name: fake\n  cluster: {server: "${this.#url}", certificate-authority-data: ${Buffer.from(this.#options.tls.cert).toString('base64')}}`
        : `- name: fake\n  cluster: {server: "${this.#url}", insecure-skip-tls-verify: true}`,
      'users:',
      `- name: fake\n  user: ${user}`,
      'contexts:',
      `- name: fake\n  context: {cluster: fake, user: fake, namespace: ${options.namespace ?? 'default'}}`,
      'current-context: fake',
      '',
    ].join('\n');
  }

  /** Writes the kubeconfig to a file (in a new temporary directory unless `path` is given) and returns its path. */
  writeKubeconfig(path?: string, options: { namespace?: string } = {}): string {
    const file = path ?? join(mkdtempSync(join(tmpdir(), 'fake-kube-')), 'kubeconfig');
    writeFileSync(file, this.kubeconfig(options));
    return file;
  }

  /** Serves another resource type (e.g. a CRD installed during a test). */
  install(t: FakeResourceType): void {
    this.#types = [...this.#types.filter((x) => !(x.group === t.group && x.kind === t.kind)), t];
  }

  /** Stops serving a resource type, as if its CRD were deleted (stored objects are dropped). */
  uninstall(kind: string, group?: string): void {
    const t = this.#typeOf(kind, group);
    this.#types = this.#types.filter((x) => x !== t);
    this.#store.delete(typeKey(t));
    for (const w of [...this.#watchers]) if (w.type === t) this.#endWatch(w);
  }

  /**
   * Creates or replaces objects as `kubectl apply` would (replacing, not merging, the given fields), from
   * YAML text (multi-document) or objects. A `status` in the input is written afterwards through the
   * status subresource, as a controller would. Namespaced objects default to namespace `default`.
   * Returns the stored objects.
   */
  apply(input: string | object | readonly object[]): Obj[] {
    const docs: unknown[] = typeof input === 'string' ? parseYaml(input) : Array.isArray(input) ? [...(input as object[])] : [input];
    const out: Obj[] = [];
    for (const doc of docs) {
      const o = clone(doc) as Obj;
      const t = this.#typeFor(String(o['apiVersion'] ?? ''), String(o['kind'] ?? ''));
      if (!o.metadata?.name) throw new Error(`apply: ${String(o['kind'])} without metadata.name`);
      const ns = t.namespaced ? (o.metadata.namespace ?? 'default') : undefined;
      const existing = this.#objects(t).get(objKey(ns, o.metadata.name));
      let stored = existing ? this.#update(t, ns, o.metadata.name, { ...o, metadata: { ...o.metadata, resourceVersion: undefined } as unknown as Meta }, false) : this.#create(t, ns, o);
      if (o['status'] !== undefined && t.statusSubresource) stored = this.#update(t, ns, o.metadata.name, { ...stored, status: o['status'] }, true);
      out.push(stored);
    }
    return out;
  }

  /** Applies every .yaml/.yml/.json file of the given files and directories (directories not recursive). */
  applyFiles(paths: readonly string[], options: { skipUnknownKinds?: boolean } = {}): Obj[] {
    const out: Obj[] = [];
    for (const p of paths) {
      const files = statSync(p).isDirectory()
        ? readdirSync(p).filter((n) => /\.(ya?ml|json)$/i.test(n)).sort().map((n) => join(p, n))
        : [p];
      for (const f of files) {
        for (const doc of parseYaml(readFileSync(f, 'utf8'))) {
          const o = doc as { apiVersion?: unknown; kind?: unknown };
          if (options.skipUnknownKinds && !this.#findType(String(o.apiVersion ?? ''), String(o.kind ?? ''))) continue;
          out.push(...this.apply(doc as object));
        }
      }
    }
    return out;
  }

  /** The stored object (a copy), or undefined. */
  get(kind: string, namespace: string | undefined, name: string, group?: string): Obj | undefined {
    const t = this.#typeOf(kind, group);
    const o = this.#objects(t).get(objKey(t.namespaced ? (namespace ?? 'default') : undefined, name));
    return o ? clone(o) : undefined;
  }

  /** Stored objects of a kind (copies). */
  list(kind: string, group?: string): Obj[] {
    return [...this.#objects(this.#typeOf(kind, group)).values()].map(clone);
  }

  delete(kind: string, namespace: string | undefined, name: string, group?: string): boolean {
    const t = this.#typeOf(kind, group);
    try {
      this.#delete(t, t.namespaced ? (namespace ?? 'default') : undefined, name);
      return true;
    } catch {
      return false;
    }
  }

  /** Replaces an object's status through the status subresource (as another controller would). */
  updateStatus(kind: string, namespace: string | undefined, name: string, status: unknown, group?: string): Obj {
    const t = this.#typeOf(kind, group);
    const ns = t.namespaced ? (namespace ?? 'default') : undefined;
    const cur = this.#objects(t).get(objKey(ns, name));
    if (!cur) throw new Error(`${kind} ${ns ?? ''}/${name} not found`);
    return this.#update(t, ns, name, { ...clone(cur), status, metadata: { ...cur.metadata, resourceVersion: undefined } as unknown as Meta }, true);
  }

  /** Makes every resourceVersion handed out so far too old to watch from (as an etcd compaction does). */
  compact(): void {
    this.#rv++;
    this.#compactedRv = this.#rv;
    this.#history = [];
  }

  /** Cuts open watch connections (all, or of one kind) without a proper end; returns how many. */
  dropWatches(kind?: string, group?: string): number {
    let n = 0;
    for (const w of [...this.#watchers]) {
      if (kind !== undefined && (w.type.kind !== kind || (group !== undefined && w.type.group !== group))) continue;
      this.#watchers.delete(w);
      w.closed = true;
      w.res.socket?.destroy();
      n++;
    }
    return n;
  }

  /** Sends an ERROR event with code 410 on open watches (all, or of one kind) and ends them. */
  expireWatches(kind?: string): number {
    let n = 0;
    for (const w of [...this.#watchers]) {
      if (kind !== undefined && w.type.kind !== kind) continue;
      this.#send(w, { type: 'ERROR', object: statusObject(410, 'Expired', 'too old resource version') });
      this.#endWatch(w);
      n++;
    }
    return n;
  }

  /** Sends a BOOKMARK with the current resourceVersion to watches that asked for bookmarks. */
  bookmark(): void {
    for (const w of this.#watchers) {
      if (!w.bookmarks) continue;
      this.#send(w, { type: 'BOOKMARK', object: { kind: w.type.kind, apiVersion: apiVersionOf(w.type.group, w.version), metadata: { resourceVersion: String(this.#rv) } } });
    }
  }

  /** Open watches (all, or of one kind). */
  openWatches(kind?: string): number {
    return [...this.#watchers].filter((w) => kind === undefined || w.type.kind === kind).length;
  }

  /**
   * Adds a hook run for every request after its body is read and before it is served. It may change the
   * store (e.g. update the object to provoke a conflict), change the parsed body in place (e.g. drop a
   * field, as a server pruning unknown fields does), answer the request itself, or cut the connection.
   * Returns a function that removes the hook.
   */
  intercept(fn: (req: FakeRequest) => InterceptResult): () => void {
    this.#interceptors.push(fn);
    return () => {
      const i = this.#interceptors.indexOf(fn);
      if (i >= 0) this.#interceptors.splice(i, 1);
    };
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  // ------------------------------------------------------------------------------------------------
  // HTTP

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = (req.method ?? 'GET').toUpperCase();
    const watch = url.searchParams.get('watch') === '1' || url.searchParams.get('watch') === 'true';
    const record: RecordedRequest = { method, path: url.pathname, query: url.search, watch, status: 0 };
    this.requests.push(record);
    const reply = (status: number, body: unknown) => {
      record.status = status;
      if (res.headersSent || res.destroyed) return;
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    try {
      if (this.#token && req.headers.authorization !== `Bearer ${this.#token}`) throw new HttpError(401, 'Unauthorized', 'Unauthorized');
      const raw = await readBody(req);
      let body: unknown;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw);
        } catch {
          throw new HttpError(400, 'BadRequest', 'the request body is not valid JSON');
        }
      }
      const contentType = String(req.headers['content-type'] ?? '').split(';')[0]!.trim();
      for (const fn of [...this.#interceptors]) {
        const r = fn({ method, path: url.pathname, query: url.searchParams, watch, body, contentType });
        if (r === 'drop') {
          record.status = -1;
          req.socket.destroy();
          return;
        }
        if (r) return reply(r.status, r.body ?? statusObject(r.status, 'Intercepted', 'answered by a test interceptor'));
      }
      if (url.pathname === '/version') return reply(200, { major: '1', minor: '31', gitVersion: 'v1.31.0-fake' });
      const route = this.#route(url.pathname);
      if (watch) {
        if (method !== 'GET' || route.name !== undefined) throw new HttpError(405, 'MethodNotAllowed', 'watch is a GET on a collection');
        record.status = 200;
        this.#startWatch(route, url.searchParams, res, record);
        return;
      }
      reply(...this.#serve(method, route, url.searchParams, body, contentType));
    } catch (err) {
      if (err instanceof HttpError) return reply(err.status, statusObject(err.status, err.reason, err.message, err.details));
      reply(500, statusObject(500, 'InternalError', (err as Error).message));
    }
  }

  #route(path: string): Route {
    const segs = path.split('/').filter(Boolean);
    let group: string;
    let version: string | undefined;
    let rest: string[];
    if (segs[0] === 'api') {
      group = '';
      version = segs[1];
      rest = segs.slice(2);
    } else if (segs[0] === 'apis') {
      group = segs[1] ?? '';
      version = segs[2];
      rest = segs.slice(3);
    } else {
      throw notFoundPath();
    }
    if (version === undefined || rest.length === 0) throw notFoundPath();
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const [plural, name, sub, ...more] = rest;
    const t = this.#types.find((x) => x.group === group && x.plural === plural && x.versions.includes(version));
    if (!t || more.length > 0 || (namespace !== undefined && !t.namespaced)) throw notFoundPath();
    if (sub !== undefined && (sub !== 'status' || !t.statusSubresource)) throw notFoundPath();
    return { type: t, version, namespace, name, status: sub === 'status' };
  }

  #serve(method: string, r: Route, query: URLSearchParams, body: unknown, contentType: string): [number, unknown] {
    const t = r.type;
    if (r.name === undefined) {
      if (method === 'GET') return [200, this.#list(r, query)];
      if (method === 'POST') {
        if (r.status) throw notFoundPath();
        const o = asObject(body);
        if (t.namespaced && r.namespace === undefined) throw new HttpError(404, 'NotFound', 'the namespace of the object must be in the path');
        if (o.metadata?.namespace !== undefined && r.namespace !== undefined && o.metadata.namespace !== r.namespace) {
          throw new HttpError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
        }
        this.#checkKind(t, o, r.version);
        return [201, this.#served(this.#create(t, r.namespace, o), r.version)];
      }
      throw new HttpError(405, 'MethodNotAllowed', `${method} is not supported on a collection by the fake server`);
    }
    if (t.namespaced && r.namespace === undefined) throw notFoundPath();
    const key = objKey(r.namespace, r.name);
    switch (method) {
      case 'GET': {
        const o = this.#objects(t).get(key);
        if (!o) throw notFound(t, r.name);
        return [200, this.#served(o, r.version)];
      }
      case 'PUT': {
        const o = asObject(body);
        if (o.metadata?.name !== undefined && o.metadata.name !== r.name) throw new HttpError(400, 'BadRequest', 'the name of the object does not match the name on the URL');
        this.#checkKind(t, o, r.version);
        return [200, this.#served(this.#update(t, r.namespace, r.name, o, r.status), r.version)];
      }
      case 'PATCH': {
        if (contentType !== 'application/merge-patch+json' && contentType !== 'application/strategic-merge-patch+json') {
          throw new HttpError(415, 'UnsupportedMediaType', `the fake server supports merge patches only, not ${contentType || 'no content type'}`);
        }
        const cur = this.#objects(t).get(key);
        if (!cur) throw notFound(t, r.name);
        const patch = asObject(body);
        const patched = mergePatch(clone(cur), patch) as Obj;
        // A patch is unconditional unless it names a resourceVersion (then that is a precondition).
        const precondition = patch.metadata?.resourceVersion ?? cur.metadata.resourceVersion;
        if (precondition !== undefined) patched.metadata.resourceVersion = precondition;
        return [200, this.#served(this.#update(t, r.namespace, r.name, patched, r.status), r.version)];
      }
      case 'DELETE':
        if (r.status) throw new HttpError(405, 'MethodNotAllowed', 'cannot delete a status subresource');
        this.#delete(t, r.namespace, r.name);
        return [200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: r.name, group: t.group, kind: t.plural } }];
      default:
        throw new HttpError(405, 'MethodNotAllowed', `${method} is not supported`);
    }
  }

  #list(r: Route, query: URLSearchParams): unknown {
    const selector = selectorOf(query);
    const all = [...this.#objects(r.type).values()]
      .filter((o) => (r.namespace === undefined || o.metadata.namespace === r.namespace) && selector(o))
      .sort((a, b) => objKey(a.metadata.namespace, a.metadata.name).localeCompare(objKey(b.metadata.namespace, b.metadata.name)));
    let offset = 0;
    let listRv = this.#rv;
    const token = query.get('continue');
    if (token) {
      try {
        const c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset: number; rv: number };
        offset = c.offset;
        listRv = c.rv;
      } catch {
        throw new HttpError(400, 'BadRequest', 'invalid continue token');
      }
      if (listRv < this.#compactedRv) throw new HttpError(410, 'Expired', 'The provided continue parameter is too old; restart the list without it');
    }
    const limit = Number(query.get('limit') ?? '0');
    const page = limit > 0 ? all.slice(offset, offset + limit) : all.slice(offset);
    const next = limit > 0 && offset + limit < all.length ? Buffer.from(JSON.stringify({ offset: offset + limit, rv: listRv })).toString('base64url') : undefined;
    return {
      kind: `${r.type.kind}List`,
      apiVersion: apiVersionOf(r.type.group, r.version),
      metadata: { resourceVersion: String(listRv), ...(next ? { continue: next } : {}) },
      items: page.map((o) => {
        const s = this.#served(o, r.version);
        if (r.type.builtin) {
          delete s['apiVersion'];
          delete s['kind'];
        }
        return s;
      }),
    };
  }

  #startWatch(r: Route, query: URLSearchParams, res: ServerResponse, record: RecordedRequest): void {
    const rvText = query.get('resourceVersion') ?? '';
    const fromRv = rvText === '' || rvText === '0' ? undefined : Number(rvText);
    if (fromRv !== undefined && (!Number.isFinite(fromRv) || fromRv < this.#compactedRv) && this.#options.expiredAs === 'status') {
      record.status = 410;
      const text = JSON.stringify(statusObject(410, 'Expired', `too old resource version: ${rvText} (${this.#compactedRv})`));
      res.writeHead(410, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const w: Watcher = { type: r.type, version: r.version, namespace: r.namespace, selector: selectorOf(query), bookmarks: query.get('allowWatchBookmarks') === 'true', res, closed: false };
    if (fromRv !== undefined && (!Number.isFinite(fromRv) || fromRv < this.#compactedRv)) {
      this.#send(w, { type: 'ERROR', object: statusObject(410, 'Expired', `too old resource version: ${rvText} (${this.#compactedRv})`) });
      res.end();
      return;
    }
    if (fromRv === undefined) {
      for (const o of this.#objects(r.type).values()) if (this.#matches(w, o)) this.#send(w, { type: 'ADDED', object: this.#served(o, w.version) });
    } else {
      for (const h of this.#history) if (h.rv > fromRv && h.type === r.type && this.#matches(w, h.object)) this.#send(w, { type: h.event, object: this.#served(h.object, w.version) });
    }
    this.#watchers.add(w);
    const timeout = Number(query.get('timeoutSeconds') ?? '0');
    const timer = timeout > 0 ? setTimeout(() => this.#endWatch(w), timeout * 1000) : undefined;
    timer?.unref();
    res.on('close', () => {
      if (timer) clearTimeout(timer);
      w.closed = true;
      this.#watchers.delete(w);
    });
  }

  #matches(w: Watcher, o: Obj): boolean {
    return (w.namespace === undefined || o.metadata.namespace === w.namespace) && w.selector(o);
  }

  #send(w: Watcher, event: { type: WatchEventType; object: unknown }): void {
    if (w.closed || w.res.destroyed) return;
    w.res.write(JSON.stringify(event) + '\n');
  }

  #endWatch(w: Watcher): void {
    this.#watchers.delete(w);
    if (w.closed) return;
    w.closed = true;
    w.res.end();
  }

  // ------------------------------------------------------------------------------------------------
  // Store

  #objects(t: FakeResourceType): Map<string, Obj> {
    let m = this.#store.get(typeKey(t));
    if (!m) this.#store.set(typeKey(t), (m = new Map()));
    return m;
  }

  #create(t: FakeResourceType, namespace: string | undefined, input: Obj): Obj {
    const meta = { ...(input.metadata ?? {}) } as Meta;
    if (!meta.name) {
      const prefix = typeof meta['generateName'] === 'string' ? meta['generateName'] : undefined;
      if (!prefix) throw new HttpError(422, 'Invalid', 'metadata.name: Required value: name or generateName is required');
      meta.name = prefix + randomUUID().slice(0, 5);
    }
    const key = objKey(t.namespaced ? namespace : undefined, meta.name);
    const objects = this.#objects(t);
    if (objects.has(key)) {
      throw new HttpError(409, 'AlreadyExists', `${resourceName(t)} "${meta.name}" already exists`, { name: meta.name, group: t.group, kind: t.plural });
    }
    const o = clone(input) as Obj;
    if (t.statusSubresource) delete o['status'];
    delete meta.resourceVersion;
    o.metadata = {
      ...meta,
      ...(t.namespaced ? { namespace } : {}),
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      generation: 1,
      resourceVersion: String(++this.#rv),
    } as Meta;
    if (!t.namespaced) delete o.metadata.namespace;
    objects.set(key, o);
    this.#emit(t, 'ADDED', o);
    return clone(o);
  }

  #update(t: FakeResourceType, namespace: string | undefined, name: string, input: Obj, statusOnly: boolean): Obj {
    const objects = this.#objects(t);
    const key = objKey(namespace, name);
    const cur = objects.get(key);
    if (!cur) throw notFound(t, name);
    const wanted = input.metadata?.resourceVersion;
    if (wanted !== undefined && wanted !== '' && wanted !== cur.metadata.resourceVersion) {
      throw new HttpError(409, 'Conflict', `Operation cannot be fulfilled on ${resourceName(t)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, {
        name,
        group: t.group,
        kind: t.plural,
      });
    }
    let next: Obj;
    if (statusOnly) {
      next = { ...clone(cur), status: clone(input['status']) };
      if (input['status'] === undefined) delete next['status'];
    } else {
      next = clone(input) as Obj;
      if (t.statusSubresource) {
        if (cur['status'] === undefined) delete next['status'];
        else next['status'] = clone(cur['status']);
      }
      const m = input.metadata ?? ({} as Meta);
      next.metadata = {
        ...m,
        name: cur.metadata.name,
        ...(t.namespaced ? { namespace: cur.metadata.namespace } : {}),
        uid: cur.metadata.uid,
        creationTimestamp: cur.metadata.creationTimestamp,
        generation: cur.metadata.generation,
        resourceVersion: cur.metadata.resourceVersion,
      } as Meta;
      if (!t.namespaced) delete next.metadata.namespace;
      if (cur.metadata['deletionTimestamp'] !== undefined) next.metadata['deletionTimestamp'] = cur.metadata['deletionTimestamp'];
      if (JSON.stringify(specOf(next)) !== JSON.stringify(specOf(cur))) next.metadata.generation = (cur.metadata.generation ?? 1) + 1;
    }
    next['apiVersion'] = cur['apiVersion'];
    next['kind'] = cur['kind'];
    // A write that changes nothing is not a change: no new resourceVersion, no event (as the real server).
    if (canonical(next) === canonical(cur)) return clone(cur);
    next.metadata.resourceVersion = String(++this.#rv);
    objects.set(key, next);
    this.#emit(t, 'MODIFIED', next);
    return clone(next);
  }

  #delete(t: FakeResourceType, namespace: string | undefined, name: string): void {
    const objects = this.#objects(t);
    const key = objKey(namespace, name);
    const cur = objects.get(key);
    if (!cur) throw notFound(t, name);
    objects.delete(key);
    const gone = { ...clone(cur), metadata: { ...clone(cur.metadata), resourceVersion: String(++this.#rv) } };
    this.#emit(t, 'DELETED', gone);
  }

  #emit(t: FakeResourceType, event: 'ADDED' | 'MODIFIED' | 'DELETED', o: Obj): void {
    const object = clone(o);
    this.#history.push({ rv: this.#rv, type: t, event, object });
    for (const w of this.#watchers) if (w.type === t && this.#matches(w, object)) this.#send(w, { type: event, object: this.#served(object, w.version) });
  }

  /** The object as served under `version`: a copy with that apiVersion (no conversion). */
  #served(o: Obj, version: string): Obj {
    const s = clone(o);
    const t = this.#typeFor(String(o['apiVersion']), String(o['kind']));
    return { apiVersion: apiVersionOf(t.group, version), kind: t.kind, ...omit(s, ['apiVersion', 'kind']) } as unknown as Obj;
  }

  #checkKind(t: FakeResourceType, o: Obj, version: string): void {
    if (o['kind'] !== undefined && o['kind'] !== t.kind) throw new HttpError(400, 'BadRequest', `kind ${String(o['kind'])} does not match the resource ${t.plural}`);
    if (o['apiVersion'] === undefined) o['apiVersion'] = apiVersionOf(t.group, version);
    if (o['kind'] === undefined) o['kind'] = t.kind;
  }

  #findType(apiVersion: string, kind: string): FakeResourceType | undefined {
    const slash = apiVersion.lastIndexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    return this.#types.find((t) => t.group === group && t.kind === kind && t.versions.includes(version));
  }

  #typeFor(apiVersion: string, kind: string): FakeResourceType {
    const t = this.#findType(apiVersion, kind);
    if (!t) throw new HttpError(404, 'NotFound', `no matches for kind "${kind}" in version "${apiVersion}"`);
    return t;
  }

  #typeOf(kind: string, group?: string): FakeResourceType {
    const t = this.#types.find((x) => x.kind === kind && (group === undefined || x.group === group));
    if (!t) throw new Error(`the fake API server does not serve kind ${kind}${group !== undefined ? ` in group ${group}` : ''}`);
    return t;
  }
}

interface Route {
  readonly type: FakeResourceType;
  readonly version: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly status: boolean;
}

function typeKey(t: FakeResourceType): string {
  return `${t.group}/${t.kind}`;
}

function objKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

function resourceName(t: FakeResourceType): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}

function statusObject(code: number, reason: string, message: string, details?: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

function notFoundPath(): HttpError {
  return new HttpError(404, 'NotFound', 'the server could not find the requested resource');
}

function notFound(t: FakeResourceType, name: string): HttpError {
  return new HttpError(404, 'NotFound', `${resourceName(t)} "${name}" not found`, { name, group: t.group, kind: t.plural });
}

function asObject(body: unknown): Obj {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'BadRequest', 'the request body must be a JSON object');
  const o = body as Obj;
  if (o.metadata !== undefined && (typeof o.metadata !== 'object' || o.metadata === null)) throw new HttpError(400, 'BadRequest', 'metadata must be an object');
  if (o.metadata === undefined) o.metadata = {} as Meta;
  return o;
}

/** What a generation bump watches: everything but metadata and status. */
function specOf(o: Obj): unknown {
  return omit(o, ['metadata', 'status', 'apiVersion', 'kind']);
}

function omit(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!keys.includes(k)) out[k] = v;
  return out;
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** JSON with sorted keys, for comparisons that ignore key order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return clone(patch);
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** labelSelector (`a=b`, `a==b`, `a!=b`, `a`, `!a`, comma-separated) and fieldSelector (metadata.name, metadata.namespace). */
function selectorOf(query: URLSearchParams): (o: Obj) => boolean {
  const tests: ((o: Obj) => boolean)[] = [];
  const labels = query.get('labelSelector');
  if (labels) {
    for (const term of labels.split(',').map((s) => s.trim()).filter(Boolean)) {
      const labelsOf = (o: Obj) => (o.metadata['labels'] ?? {}) as Record<string, string>;
      let m: RegExpExecArray | null;
      if ((m = /^([^!=]+)!=(.*)$/.exec(term))) {
        const [, k, v] = m;
        tests.push((o) => labelsOf(o)[k!.trim()] !== v!.trim());
      } else if ((m = /^([^!=]+)==?(.*)$/.exec(term))) {
        const [, k, v] = m;
        tests.push((o) => labelsOf(o)[k!.trim()] === v!.trim());
      } else if (term.startsWith('!')) {
        tests.push((o) => !(term.slice(1) in labelsOf(o)));
      } else {
        tests.push((o) => term in labelsOf(o));
      }
    }
  }
  const fields = query.get('fieldSelector');
  if (fields) {
    for (const term of fields.split(',').map((s) => s.trim()).filter(Boolean)) {
      const m = /^([^!=]+)(!=|==?)(.*)$/.exec(term);
      if (!m) throw new HttpError(400, 'BadRequest', `invalid field selector ${term}`);
      const [, field, op, value] = m;
      const get = (o: Obj) => (field === 'metadata.name' ? o.metadata.name : field === 'metadata.namespace' ? o.metadata.namespace : undefined);
      if (field !== 'metadata.name' && field !== 'metadata.namespace') throw new HttpError(400, 'BadRequest', `field label not supported: ${field!}`);
      tests.push(op === '!=' ? (o) => get(o) !== value : (o) => get(o) === value);
    }
  }
  return (o) => tests.every((t) => t(o));
}

function parseYaml(text: string): unknown[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`YAML: ${d.errors[0]!.message}`);
      return d.toJS() as unknown;
    })
    .filter((v) => v !== null && v !== undefined);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

// --------------------------------------------------------------------------------------------------
// Helpers for tests that use the fake server

/** Polls `check` until it holds (a bounded number of times); throws naming `what` otherwise. Measures no time. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, attempts = 500, stepMs = 20): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

/** Sample objects. */
export const sample = {
  gatewayClass: (name: string, controllerName: string) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name }, spec: { controllerName } }),
  gateway: (name: string, className: string, namespace = 'default') => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace },
    spec: { gatewayClassName: className, listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] },
  }),
  httpRoute: (name: string, parents: readonly string[], namespace = 'default', backend = 'svc') => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace },
    spec: { parentRefs: parents.map((p) => ({ name: p })), rules: [{ backendRefs: [{ name: backend, port: 80 }] }] },
  }),
  service: (name: string, selector: Record<string, string>, namespace = 'default') => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector, ports: [{ port: 80, targetPort: 8000 }] },
  }),
};
