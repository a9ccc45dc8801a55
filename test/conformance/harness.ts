// The conformance case model and its checks: a case is manifests (upstream-shaped, see fixtures.ts)
// plus a table of requests with what the client and the echo backend must see, plus the status
// conditions upstream asserts. The request comparison follows upstream's CompareRoundTrip
// (gateway-api reference §4.3): status in the expected set; on 200/204 the backend's path (with
// query), host, method, namespace, expected/absent request headers, response headers and pod-name
// prefix; on 3xx the Location's scheme, host, port and path.
import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TestGateway } from '../support/gateway.ts';
import type { Condition, ConditionStatus } from '../../src/runtime/conditions.ts';
import type { ResourceStatus } from '../../src/runtime/snapshot.ts';
import type { EchoBody } from './echo.ts';
import { INFRA_NS, backendNamespace, portKey } from './fixtures.ts';
import type { BaseGateway, Fixtures, PortMap } from './fixtures.ts';

/** In `redirect.port`: the port the request's listener is served on (its configured port, mapped). */
export const LISTENER_PORT = Symbol('listener port');

export interface RequestCase {
  /** Test name; generated from the request and expectation when absent. */
  readonly name?: string;
  /** Gateway to send to (namespace gateway-conformance-infra unless `gatewayNamespace`); default same-namespace. */
  readonly gateway?: string;
  readonly gatewayNamespace?: string;
  /** The listener port as configured in the manifests (default: the Gateway's first listener port). */
  readonly listenerPort?: number;
  /** Send over TLS with this SNI (the certificate is not verified, as upstream pins its own). */
  readonly tls?: { readonly serverName: string };
  readonly method?: string;
  /** Host header; default the gateway address (`127.0.0.1:port`), as upstream's client does. */
  readonly host?: string;
  /** Path with query. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Headers the echo backend is asked to set on its response (`X-Echo-Set-Header`). */
  readonly backendSetResponseHeaders?: Readonly<Record<string, string>>;

  /** Expected status or statuses (default 200). */
  readonly status?: number | readonly number[];
  /** Pod-name prefix of the backend that must answer (a backend Service name). */
  readonly backend?: string;
  /** Namespace the echo must report; default the backend's, else gateway-conformance-infra; '' = not proxied. */
  readonly namespace?: string;
  /** What the backend must receive; each field defaults to the request's (host only when the request sets one). */
  readonly expectedRequest?: {
    readonly path?: string;
    readonly host?: string;
    readonly method?: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly absentHeaders?: readonly string[];
  };
  readonly response?: {
    readonly headers?: Readonly<Record<string, string>>;
    readonly validHeaderValues?: Readonly<Record<string, readonly string[]>>;
    readonly absentHeaders?: readonly string[];
    readonly ignoreWhitespace?: boolean;
  };
  /** Expected redirect Location parts; unset ones default to the request's (port: 80/443 or absent). */
  readonly redirect?: { readonly scheme?: string; readonly host?: string; readonly port?: string | typeof LISTENER_PORT; readonly path?: string };
  readonly todo?: string;
}

type CondSpec = Readonly<Record<string, ConditionStatus | readonly [ConditionStatus, string]>>;

export interface ListenerExpectation {
  readonly name: string;
  readonly conditions?: CondSpec;
  readonly attachedRoutes?: number;
  /** Route kinds (group gateway.networking.k8s.io) the listener must list in supportedKinds. */
  readonly supportedKinds?: readonly string[];
}

export type StatusCheck =
  | { readonly kind: 'route'; readonly route: string; readonly namespace: string; readonly parent: string; readonly parentNamespace: string; readonly conditions: CondSpec; readonly todo?: string }
  | { readonly kind: 'routeNoAcceptedParents'; readonly route: string; readonly namespace: string; readonly todo?: string }
  | { readonly kind: 'gateway'; readonly gateway: string; readonly namespace: string; readonly conditions?: CondSpec; readonly listeners?: readonly ListenerExpectation[]; readonly todo?: string }
  | { readonly kind: 'gatewayZeroRoutes'; readonly gateway: string; readonly namespace: string; readonly todo?: string };

export interface CaseContext {
  readonly gateway: TestGateway;
  readonly fixtures: Fixtures;
  readonly ports: PortMap;
  /** Sends a request row and returns what came back (no assertion). */
  send(row: RequestCase): Promise<RoundTrip>;
  /** Sends a request row and asserts its expectations (throws with every mismatch). */
  expect(row: RequestCase): Promise<RoundTrip>;
  /** Replaces the case manifests (same base Gateways and ports for known listeners) and reloads, as a kubectl apply would. */
  reload(manifests: string): Promise<void>;
  /** Asserts status checks against the current snapshot. */
  expectStatus(checks: readonly StatusCheck[]): void;
}

export interface CustomCheck {
  readonly name: string;
  readonly run: (ctx: CaseContext) => Promise<void>;
  readonly todo?: string;
}

export interface ConformanceCase {
  /** The upstream test's ShortName. */
  readonly name: string;
  readonly level: 'core' | 'extended';
  /** Upstream feature names the test needs. */
  readonly features: readonly string[];
  readonly description: string;
  /** Upstream-shaped manifests (Service backendRefs; rewritten by the generator), or a function of the fixtures when they need echo ports. */
  readonly manifests: string | ((fixtures: Fixtures) => string);
  /** Base Gateways the case uses (default same-namespace). */
  readonly gateways?: readonly BaseGateway[];
  /** Keep backendRefs to Services as written (cases about Service semantics). */
  readonly keepServiceRefs?: boolean;
  /** Marks every check as node:test `todo`, with the reason (a feature Sluice does not implement yet). */
  readonly todo?: string;
  readonly requests?: readonly RequestCase[];
  readonly status?: readonly StatusCheck[];
  readonly checks?: readonly CustomCheck[];
}

// ---------------------------------------------------------------------------------------------
// Helpers for writing cases

export function routeStatus(route: string, parent: string, conditions: CondSpec, options: { namespace?: string; parentNamespace?: string; todo?: string } = {}): StatusCheck {
  return { kind: 'route', route, namespace: options.namespace ?? INFRA_NS, parent, parentNamespace: options.parentNamespace ?? INFRA_NS, conditions, ...(options.todo ? { todo: options.todo } : {}) };
}

/** Accepted=True and ResolvedRefs=True on `parent` for each route, as GatewayAndHTTPRoutesMustBeAccepted + ResolvedRefs checks do. */
export function acceptedRoutes(parent: string, routes: readonly string[], options: { namespace?: string; parentNamespace?: string } = {}): StatusCheck[] {
  return routes.map((r) => routeStatus(r, parent, { Accepted: 'True', ResolvedRefs: 'True' }, options));
}

export function noAcceptedParents(route: string, namespace = INFRA_NS): StatusCheck {
  return { kind: 'routeNoAcceptedParents', route, namespace };
}

export function gatewayStatus(gateway: string, expectation: { conditions?: CondSpec; listeners?: readonly ListenerExpectation[]; namespace?: string; todo?: string }): StatusCheck {
  return {
    kind: 'gateway',
    gateway,
    namespace: expectation.namespace ?? INFRA_NS,
    ...(expectation.conditions ? { conditions: expectation.conditions } : {}),
    ...(expectation.listeners ? { listeners: expectation.listeners } : {}),
    ...(expectation.todo ? { todo: expectation.todo } : {}),
  };
}

export function zeroRoutes(gateway: string, namespace = INFRA_NS): StatusCheck {
  return { kind: 'gatewayZeroRoutes', gateway, namespace };
}

// ---------------------------------------------------------------------------------------------
// Requests

export interface RoundTrip {
  readonly status: number;
  /** Lower-case name → values (repeated headers kept apart). */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: string;
  /** The echo's report when the body is one. */
  readonly echo: EchoBody | undefined;
  /** The listener port the request was sent to (served port). */
  readonly port: number;
  readonly scheme: 'http' | 'https';
}

function servedPort(ports: PortMap, row: RequestCase, gatewayFirstPort: (ns: string, gw: string) => number | undefined): number {
  const ns = row.gatewayNamespace ?? INFRA_NS;
  const gw = row.gateway ?? 'same-namespace';
  const configured = row.listenerPort ?? gatewayFirstPort(ns, gw);
  const port = configured === undefined ? undefined : ports.get(portKey(ns, gw, configured));
  if (port === undefined) throw new Error(`no listener port ${configured ?? '?'} on Gateway ${ns}/${gw} in the manifests`);
  return port;
}

export async function sendRequest(ports: PortMap, row: RequestCase, timeoutMs = 10_000): Promise<RoundTrip> {
  const port = servedPort(ports, row, (ns, gw) => {
    const prefix = `${ns}/${gw}/`;
    for (const k of ports.keys()) if (k.startsWith(prefix)) return Number(k.slice(prefix.length));
    return undefined;
  });
  const scheme = row.tls ? 'https' : 'http';
  const setHeader = Object.entries(row.backendSetResponseHeaders ?? {}).map(([n, v]) => `${n}:${v}`).join(',');
  const headers: Record<string, string> = { ...(row.headers ?? {}), 'X-Echo-Set-Header': setHeader };
  if (row.host !== undefined) headers['host'] = row.host;
  const options = { host: '127.0.0.1', port, method: row.method ?? 'GET', path: row.path, headers, agent: false as const, timeout: timeoutMs };
  return new Promise<RoundTrip>((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let echo: EchoBody | undefined;
        try {
          const parsed = JSON.parse(body) as Partial<EchoBody>;
          if (parsed && typeof parsed === 'object' && typeof parsed.pod === 'string' && typeof parsed.path === 'string') echo = parsed as EchoBody;
        } catch {
          echo = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: distinct(res), body, echo, port, scheme });
      });
    };
    const req = row.tls
      ? httpsRequest({ ...options, servername: row.tls.serverName, rejectUnauthorized: false }, onResponse)
      : httpRequest(options, onResponse);
    req.on('timeout', () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

function distinct(res: IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(res.headersDistinct as IncomingHttpHeaders & Record<string, string[] | undefined>)) if (Array.isArray(v)) out[k.toLowerCase()] = v;
  return out;
}

/** The namespace the echo must report for a row. */
function expectedNamespace(row: RequestCase): string {
  if (row.namespace !== undefined) return row.namespace;
  if (row.backend !== undefined) return backendNamespace(row.backend) ?? INFRA_NS;
  return INFRA_NS;
}

/** Every way the round trip differs from the row's expectations (empty = pass). */
export function compareRoundTrip(row: RequestCase, rt: RoundTrip): string[] {
  const problems: string[] = [];
  const statuses = row.status === undefined ? [200] : typeof row.status === 'number' ? [row.status] : [...row.status];
  if (!statuses.includes(rt.status)) {
    const detail = rt.echo ? ` from pod ${rt.echo.pod}` : rt.body ? `: ${rt.body.slice(0, 300)}` : '';
    return [`expected status ${statuses.join(' or ')}, got ${rt.status}${detail}`];
  }
  if (rt.status === 200 || rt.status === 204) {
    const method = row.method ?? 'GET';
    const exp = row.expectedRequest ?? {};
    const echo: Partial<EchoBody> = rt.echo ?? { method };
    const expPath = exp.path ?? row.path;
    const expHost = exp.host ?? row.host;
    const expMethod = exp.method ?? method;
    if (expHost !== undefined && expHost !== '' && echo.host !== expHost) problems.push(`backend saw host ${JSON.stringify(echo.host)}, expected ${JSON.stringify(expHost)}`);
    if ((echo.path ?? '') !== expPath) problems.push(`backend saw path ${JSON.stringify(echo.path ?? '')}, expected ${JSON.stringify(expPath)}`);
    if (echo.method !== expMethod) problems.push(`backend saw method ${echo.method ?? '(none)'}, expected ${expMethod}`);
    const ns = expectedNamespace(row);
    if ((echo.namespace ?? '') !== ns) problems.push(ns === '' ? `the request was proxied to ${echo.namespace}/${echo.pod}; the gateway should have answered it` : `backend namespace ${JSON.stringify(echo.namespace ?? '')}, expected ${ns}`);
    const seen: Record<string, string> = {};
    for (const [k, v] of Object.entries(echo.headers ?? {})) seen[k.toLowerCase()] = v.join(',');
    for (const [name, value] of Object.entries(exp.headers ?? (row.expectedRequest ? {} : (row.headers ?? {})))) {
      const got = seen[name.toLowerCase()];
      if (got === undefined) problems.push(`backend did not receive header ${name} (expected ${JSON.stringify(value)})`);
      else if (got !== value) problems.push(`backend saw ${name}: ${JSON.stringify(got)}, expected ${JSON.stringify(value)}`);
    }
    for (const name of exp.absentHeaders ?? []) {
      const got = seen[name.toLowerCase()];
      if (got !== undefined) problems.push(`backend received header ${name}: ${JSON.stringify(got)}, expected it absent`);
    }
    const res = row.response ?? {};
    const ws = (s: string) => (res.ignoreWhitespace ? s.replaceAll(' ', '') : s);
    const responseHeader = (name: string) => rt.headers[name.toLowerCase()]?.join(',');
    for (const [name, values] of Object.entries(res.validHeaderValues ?? {})) {
      const got = responseHeader(name);
      if (got === undefined) problems.push(`response lacks header ${name} (expected one of ${JSON.stringify(values)})`);
      else if (!values.map(ws).includes(ws(got))) problems.push(`response ${name}: ${JSON.stringify(got)}, expected one of ${JSON.stringify(values)}`);
    }
    for (const [name, value] of Object.entries(res.headers ?? {})) {
      const got = responseHeader(name);
      if (got === undefined) problems.push(`response lacks header ${name} (expected ${JSON.stringify(value)})`);
      else if (ws(got) !== ws(value)) problems.push(`response ${name}: ${JSON.stringify(got)}, expected ${JSON.stringify(value)}`);
    }
    for (const name of res.absentHeaders ?? []) {
      const got = responseHeader(name);
      if (got !== undefined) problems.push(`response has header ${name}: ${JSON.stringify(got)}, expected it absent`);
    }
    const pod = echo.pod ?? '';
    if (row.backend !== undefined && !pod.startsWith(row.backend)) problems.push(`answered by pod ${JSON.stringify(pod)}, expected a pod of ${row.backend}`);
  } else if (rt.status >= 300 && rt.status < 400 && row.redirect) {
    const location = rt.headers['location']?.[0];
    if (location === undefined) return [`${rt.status} without a Location header`];
    let url: URL;
    try {
      url = new URL(location);
    } catch {
      return [`Location ${JSON.stringify(location)} is not an absolute URL`];
    }
    const scheme = url.protocol.slice(0, -1);
    // URL drops a port equal to the scheme's default; "" then means 80/443 or absent, as upstream accepts.
    const gotPort = url.port;
    const expScheme = row.redirect.scheme ?? rt.scheme;
    const expHost = row.redirect.host ?? url.hostname;
    const expPath = row.redirect.path ?? row.path.split('?')[0]!;
    if (url.hostname !== expHost) problems.push(`redirect host ${JSON.stringify(url.hostname)}, expected ${JSON.stringify(expHost)} (Location ${location})`);
    const expPort = row.redirect.port === LISTENER_PORT ? String(rt.port) : row.redirect.port;
    if (expPort === undefined) {
      if (gotPort !== '') problems.push(`redirect port ${gotPort}, expected the ${scheme} default (absent) (Location ${location})`);
    } else if (expPort !== gotPort && !(gotPort === '' && ((scheme === 'http' && expPort === '80') || (scheme === 'https' && expPort === '443')))) {
      problems.push(`redirect port ${JSON.stringify(gotPort)}, expected ${expPort} (Location ${location})`);
    }
    if (scheme !== expScheme) problems.push(`redirect scheme ${scheme}, expected ${expScheme} (Location ${location})`);
    if (url.pathname !== expPath) problems.push(`redirect path ${JSON.stringify(url.pathname)}, expected ${JSON.stringify(expPath)} (Location ${location})`);
  }
  return problems;
}

/** A short test name for a row: `GET foo.com/path [version=one] → infra-backend-v1`. */
export function describeRow(row: RequestCase): string {
  if (row.name) return row.name;
  const hdrs = Object.entries(row.headers ?? {}).map(([k, v]) => `${k}=${v}`);
  const where = `${row.tls ? `https(sni=${row.tls.serverName}) ` : ''}${row.gateway && row.gateway !== 'same-namespace' ? `${row.gateway}:${row.listenerPort ?? ''} ` : row.listenerPort ? `:${row.listenerPort} ` : ''}`;
  const statuses = row.status === undefined ? [200] : typeof row.status === 'number' ? [row.status] : [...row.status];
  const outcome = row.backend ? row.backend : row.redirect ? `${statuses.join('/')} redirect` : statuses.join('/');
  return `${where}${row.method ?? 'GET'} ${row.host ?? ''}${row.path}${hdrs.length ? ` [${hdrs.join(', ')}]` : ''} → ${outcome}`;
}

// ---------------------------------------------------------------------------------------------
// Status

function findStatus(statuses: readonly ResourceStatus[], kind: string, namespace: string, name: string): ResourceStatus | undefined {
  return statuses.find((s) => s.kind === kind && s.namespace === namespace && s.name === name);
}

function conditionProblems(where: string, conditions: readonly Condition[], spec: CondSpec): string[] {
  const out: string[] = [];
  for (const [type, want] of Object.entries(spec)) {
    const [status, reason] = typeof want === 'string' ? [want, undefined] : want;
    const c = conditions.find((x) => x.type === type);
    if (!c) out.push(`${where}: no ${type} condition (has ${conditions.map((x) => `${x.type}=${x.status}/${x.reason}`).join(', ') || 'none'})`);
    else if (c.status !== status || (reason !== undefined && c.reason !== reason)) out.push(`${where}: ${type}=${c.status} reason ${c.reason}${c.message ? ` (${c.message})` : ''}, expected ${status}${reason ? ` reason ${reason}` : ''}`);
  }
  return out;
}

/** Reads a listener status field Sluice may or may not expose (attachedRoutes, supportedKinds). */
function listenerField(entry: object, field: string): unknown {
  return (entry as Record<string, unknown>)[field];
}

export function statusProblems(statuses: readonly ResourceStatus[], check: StatusCheck): string[] {
  switch (check.kind) {
    case 'route': {
      const s = findStatus(statuses, 'HTTPRoute', check.namespace, check.route);
      if (!s) return [`no status for HTTPRoute ${check.namespace}/${check.route}`];
      const parent = `${check.parentNamespace}/${check.parent}`;
      const entries = (s.sub ?? []).filter((p) => p.name === parent);
      if (entries.length === 0) return [`HTTPRoute ${check.namespace}/${check.route} has no status for parent ${parent} (parents: ${(s.sub ?? []).map((p) => p.name).join(', ') || 'none'})`];
      // Every parentRef entry to that Gateway must satisfy the expectation.
      return entries.flatMap((e, i) => conditionProblems(`HTTPRoute ${check.route} parent ${parent}${entries.length > 1 ? ` #${i}` : ''}`, e.conditions, check.conditions));
    }
    case 'routeNoAcceptedParents': {
      const s = findStatus(statuses, 'HTTPRoute', check.namespace, check.route);
      if (!s) return [`no status for HTTPRoute ${check.namespace}/${check.route}`];
      const accepted = (s.sub ?? []).filter((p) => p.conditions.some((c) => c.type === 'Accepted' && c.status === 'True'));
      return accepted.map((p) => `HTTPRoute ${check.route} is Accepted by parent ${p.name}`);
    }
    case 'gateway': {
      const s = findStatus(statuses, 'Gateway', check.namespace, check.gateway);
      if (!s) return [`no status for Gateway ${check.namespace}/${check.gateway}`];
      const out = check.conditions ? conditionProblems(`Gateway ${check.gateway}`, s.conditions, check.conditions) : [];
      for (const l of check.listeners ?? []) {
        const entry = (s.sub ?? []).find((x) => x.name === l.name);
        if (!entry) {
          out.push(`Gateway ${check.gateway} has no status for listener ${l.name} (listeners: ${(s.sub ?? []).map((x) => x.name).join(', ') || 'none'})`);
          continue;
        }
        if (l.conditions) out.push(...conditionProblems(`Gateway ${check.gateway} listener ${l.name}`, entry.conditions, l.conditions));
        if (l.attachedRoutes !== undefined) {
          const got = listenerField(entry, 'attachedRoutes');
          if (typeof got !== 'number') out.push(`Gateway ${check.gateway} listener ${l.name}: status has no attachedRoutes field (expected ${l.attachedRoutes})`);
          else if (got !== l.attachedRoutes) out.push(`Gateway ${check.gateway} listener ${l.name}: attachedRoutes ${got}, expected ${l.attachedRoutes}`);
        }
        if (l.supportedKinds !== undefined) {
          const got = listenerField(entry, 'supportedKinds');
          if (!Array.isArray(got)) out.push(`Gateway ${check.gateway} listener ${l.name}: status has no supportedKinds field (expected [${l.supportedKinds.join(', ')}])`);
          else {
            // As upstream's harness: every expected kind must be listed; an implementation may support
            // more route kinds than the test names (Sluice also serves GRPCRoute on HTTP listeners),
            // but an empty expectation means no kind at all.
            const kinds = got.map((k: unknown) => (typeof k === 'object' && k !== null ? String((k as { kind?: unknown }).kind) : String(k))).sort();
            const missing = l.supportedKinds.filter((k) => !kinds.includes(k));
            if (missing.length > 0 || (l.supportedKinds.length === 0 && kinds.length > 0)) out.push(`Gateway ${check.gateway} listener ${l.name}: supportedKinds [${kinds.join(', ')}], expected [${l.supportedKinds.join(', ')}]`);
          }
        }
      }
      return out;
    }
    case 'gatewayZeroRoutes': {
      const s = findStatus(statuses, 'Gateway', check.namespace, check.gateway);
      if (!s) return [`no status for Gateway ${check.namespace}/${check.gateway}`];
      return (s.sub ?? []).flatMap((l) => {
        const got = listenerField(l, 'attachedRoutes');
        if (typeof got !== 'number') return [`Gateway ${check.gateway} listener ${l.name}: status has no attachedRoutes field (expected 0)`];
        return got === 0 ? [] : [`Gateway ${check.gateway} listener ${l.name}: attachedRoutes ${got}, expected 0`];
      });
    }
  }
}

export function describeStatus(check: StatusCheck): string {
  const conds = (spec: CondSpec | undefined) =>
    Object.entries(spec ?? {})
      .map(([t, w]) => (typeof w === 'string' ? `${t}=${w}` : `${t}=${w[0]}(${w[1]})`))
      .join(' ');
  switch (check.kind) {
    case 'route':
      return `status: HTTPRoute ${check.route} on ${check.parent}: ${conds(check.conditions)}`;
    case 'routeNoAcceptedParents':
      return `status: HTTPRoute ${check.route} has no accepted parents`;
    case 'gateway':
      return `status: Gateway ${check.gateway}: ${[conds(check.conditions), ...(check.listeners ?? []).map((l) => `listener ${l.name} ${conds(l.conditions)}${l.attachedRoutes !== undefined ? ` attachedRoutes=${l.attachedRoutes}` : ''}${l.supportedKinds ? ` supportedKinds=[${l.supportedKinds.join(',')}]` : ''}`)].filter(Boolean).join('; ')}`;
    case 'gatewayZeroRoutes':
      return `status: Gateway ${check.gateway} has 0 attached routes`;
  }
}

// ---------------------------------------------------------------------------------------------
// Mirrors (upstream checks the mirror backend's echo log for the request, keyed by a request id)

const REQUEST_ID_PARAM = 'gateway-api-conformance-request-id';

function withRequestId(path: string, id: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}${REQUEST_ID_PARAM}=${id}`;
}

function mirrorLogCount(ctx: CaseContext, namespace: string, backend: string, path: string): number {
  const needle = `Echoing back request made to ${path} to client`;
  return ctx.fixtures
    .podsOf(namespace, backend)
    .flatMap((e) => e.log)
    .filter((l) => l.startsWith(needle)).length;
}

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The request is answered as `row` says and a copy reaches each mirror backend (within 5 s). */
export function mirrorCheck(row: RequestCase, mirrors: readonly string[], namespace = INFRA_NS): CustomCheck {
  return {
    name: `${describeRow(row)}, mirrored to ${mirrors.join(' and ')}`,
    run: async (ctx) => {
      const id = globalThis.crypto.randomUUID();
      const path = withRequestId(row.path, id);
      const expectedPath = withRequestId(row.expectedRequest?.path ?? row.path, id);
      await ctx.expect({ ...row, path, expectedRequest: { ...(row.expectedRequest ?? {}), path: expectedPath } });
      for (const m of mirrors) {
        const deadline = Date.now() + 5000;
        while (mirrorLogCount(ctx, namespace, m, path) === 0) {
          if (Date.now() > deadline) throw new Error(`no "Echoing back request made to ${path}" in the logs of ${namespace}/${m} within 5 s`);
          await wait(50);
        }
      }
    },
  };
}

/** 500 requests (10 concurrent); the mirror backend sees percent% of them within 3 standard deviations (up to 3 tries). */
export function percentMirrorCheck(row: RequestCase, mirror: string, percent: number, namespace = INFRA_NS): CustomCheck {
  return {
    name: `${describeRow(row)}, ${percent}% mirrored to ${mirror}`,
    run: async (ctx) => {
      const total = 500;
      const p = percent / 100;
      const margin = 3 * Math.sqrt(total * p * (1 - p));
      let last = '';
      for (let attempt = 0; attempt < 3; attempt++) {
        const id = globalThis.crypto.randomUUID();
        const path = withRequestId(row.path, id);
        const expectedPath = withRequestId(row.expectedRequest?.path ?? row.path, id);
        let sent = 0;
        const worker = async () => {
          while (sent < total) {
            sent++;
            await ctx.expect({ ...row, path, expectedRequest: { ...(row.expectedRequest ?? {}), path: expectedPath } });
          }
        };
        await Promise.all(Array.from({ length: 10 }, worker));
        await wait(300); // mirrored copies are fire-and-forget
        const got = mirrorLogCount(ctx, namespace, mirror, path);
        if (Math.abs(got - total * p) <= margin) return;
        last = `${mirror} received ${got} of ${total} mirrored requests, expected ${total * p} ± ${margin.toFixed(1)}`;
      }
      throw new Error(last);
    },
  };
}
