// A small REST client for the Kubernetes API server: JSON requests and streaming watches over
// node:http/https. Where to connect and how to authenticate come from @kubernetes/client-node's
// KubeConfig (kubeconfig file and context, or the in-cluster service account, whose token file the
// library re-reads every minute so a rotated token is picked up; client certificates, exec and OIDC
// plugins, proxies).
//
// Why not the library's generated API classes: their typed list calls turn objects into class
// instances (Date timestamps, renamed fields) while watch events stay plain JSON, and custom resources
// come back plain either way. Sluice validates every object with its own schemas, exactly as it does
// files, so it wants the raw JSON the server sent, always.
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';

/** A Kubernetes object as JSON; only metadata is typed. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: KubeMeta;
  [field: string]: unknown;
}

export interface KubeMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid?: string; controller?: boolean }[];
  [field: string]: unknown;
}

export interface KubeList {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly resourceVersion?: string; readonly continue?: string };
  readonly items?: readonly KubeObject[] | null;
}

export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR' | string;
  readonly object: KubeObject & { code?: number; reason?: string; message?: string };
}

/** A non-2xx answer of the API server, with its Status reason (`NotFound`, `Conflict`, `Expired`...). */
export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.name = 'KubeApiError';
    this.status = status;
    this.reason = reason;
  }
}

export function isApiError(err: unknown, status?: number): err is KubeApiError {
  return err instanceof KubeApiError && (status === undefined || err.status === status);
}

export interface KubeClientOptions {
  /** A ready KubeConfig (wins over the other options). */
  readonly kubeConfig?: KubeConfig;
  /** `--kubeconfig`: a kubeconfig file; its current context unless `context` is given. */
  readonly kubeconfig?: string | undefined;
  /** `--context`: a context of the kubeconfig. */
  readonly context?: string | undefined;
  /**
   * Use the pod's service account. Default: when neither `kubeconfig` nor `$KUBECONFIG` is set and
   * `$KUBERNETES_SERVICE_HOST` is (i.e. running in a pod); otherwise `$KUBECONFIG` or `~/.kube/config`.
   */
  readonly inCluster?: boolean | undefined;
  /** Timeout of one non-watch request (default 30 s). */
  readonly requestTimeoutMs?: number | undefined;
}

export interface RequestOptions {
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: unknown;
  /** Default `application/json`; patches name theirs (`application/merge-patch+json`). */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/** Builds the KubeConfig the options describe (see KubeClientOptions). */
export function loadKubeConfig(options: KubeClientOptions = {}): KubeConfig {
  if (options.kubeConfig) return options.kubeConfig;
  const kc = new KubeConfig();
  const inCluster = options.inCluster ?? (options.kubeconfig === undefined && !process.env['KUBECONFIG'] && !!process.env['KUBERNETES_SERVICE_HOST']);
  if (options.kubeconfig !== undefined) kc.loadFromFile(options.kubeconfig);
  else if (inCluster) kc.loadFromCluster();
  else kc.loadFromDefault();
  if (options.context !== undefined) {
    if (!kc.getContextObject(options.context)) throw new Error(`kubeconfig has no context ${options.context}`);
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) throw new Error('kubeconfig has no current cluster (set a current-context or pass --context)');
  return kc;
}

export class KubeClient {
  readonly #kc: KubeConfig;
  readonly #server: string;
  readonly #timeoutMs: number;
  /** The namespace of the current context (in a pod: the pod's namespace), else `default`. */
  readonly defaultNamespace: string;

  constructor(kubeConfig: KubeConfig, options: { requestTimeoutMs?: number | undefined } = {}) {
    this.#kc = kubeConfig;
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.#server = cluster.server.replace(/\/+$/, '');
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.defaultNamespace = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace || 'default';
  }

  static create(options: KubeClientOptions = {}): KubeClient {
    return new KubeClient(loadKubeConfig(options), { requestTimeoutMs: options.requestTimeoutMs });
  }

  /** The API server's base URL. */
  get server(): string {
    return this.#server;
  }

  /** One JSON request; resolves with the parsed body of a 2xx answer, throws KubeApiError otherwise. */
  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? this.#timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const res = await this.#send(method, path, options.query, body, options.contentType, signal);
    const text = await readText(res);
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) throw apiError(status, text);
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new KubeApiError(status, 'InvalidResponse', `${method} ${path}: the API server answered with invalid JSON`);
    }
  }

  /**
   * A watch: calls `onEvent` for each event line until the server ends the stream (resolves), the
   * connection fails (rejects) or `signal` aborts (resolves). A non-200 answer rejects with KubeApiError.
   * `idleTimeoutMs` cuts a connection that stays silent that long (a peer that vanished without a FIN).
   */
  async watch(path: string, query: RequestOptions['query'], onEvent: (event: WatchEvent) => void, signal: AbortSignal, idleTimeoutMs = 0): Promise<void> {
    let res: IncomingMessage;
    try {
      res = await this.#send('GET', path, { ...query, watch: 1 }, undefined, undefined, signal, idleTimeoutMs);
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    if (res.statusCode !== 200) throw apiError(res.statusCode ?? 0, await readText(res));
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      let failed = false;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while (!failed && (nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line === '') continue;
          let event: WatchEvent;
          try {
            event = JSON.parse(line) as WatchEvent;
          } catch {
            failed = true;
            res.destroy();
            reject(new KubeApiError(200, 'InvalidResponse', `watch ${path}: a line that is not JSON`));
            return;
          }
          try {
            onEvent(event);
          } catch (err) {
            failed = true;
            res.destroy();
            reject(err as Error);
            return;
          }
        }
      });
      res.on('end', () => resolve());
      res.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
      res.on('close', () => {
        if (signal.aborted || res.complete) resolve();
        else reject(new Error(`watch ${path}: the connection closed before the stream ended`));
      });
    });
  }

  async #send(method: string, path: string, query: RequestOptions['query'], body: string | undefined, contentType: string | undefined, signal: AbortSignal, idleTimeoutMs = 0): Promise<IncomingMessage> {
    const url = new URL(this.#server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const opts: https.RequestOptions = {};
    // Applied per request: the library refreshes tokens (token files, exec and OIDC plugins) here.
    await this.#kc.applyToHTTPSOptions(opts);
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
    if (opts.auth) headers['authorization'] = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    if (body !== undefined) {
      headers['content-type'] = contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const mod = url.protocol === 'http:' ? http : https;
    return await new Promise<IncomingMessage>((resolve, reject) => {
      const req = mod.request(url, { method, headers, agent: opts.agent, signal }, resolve);
      req.on('error', reject);
      if (idleTimeoutMs > 0) req.setTimeout(idleTimeoutMs, () => req.destroy(new Error(`no data from the API server for ${idleTimeoutMs} ms`)));
      req.end(body);
    });
  }
}

function readText(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function apiError(status: number, text: string): KubeApiError {
  let reason = '';
  let message = text.slice(0, 500);
  try {
    const s = JSON.parse(text) as { reason?: string; message?: string };
    reason = s.reason ?? '';
    message = s.message ?? message;
  } catch {
    // Not a Status object (e.g. a proxy's error page): keep the text.
  }
  return new KubeApiError(status, reason || http.STATUS_CODES[status] || 'Unknown', `${status} ${reason || http.STATUS_CODES[status] || ''}: ${message}`.trim());
}
