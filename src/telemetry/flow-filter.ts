// Flow filters, as `GET /api/flows` takes them in its query string and `sluice observe` as flags
// (Hubble's habits): values of one filter are alternatives (OR), different filters must all hold
// (AND). Also the time arguments (`since`, `until`) and label selectors.
//
//   namespace  route, backend or pool namespace          model     original, request or response model
//   route      `ns/name` or `name`                        pool      `ns/name` or `name`
//   endpoint   `address:port`, pod name or origin         identity  principal id
//   team       principal team                             verdict   FORWARDED|RETRIED|DROPPED|ERROR
//   status     `200`, `5xx`                               reason    drop reason (`shed`, `no-endpoint`, …)
//   from-label selector over the source labels (identity, team, auth)
//   to-label   selector over the destination pod's labels
//
// A selector is comma-separated requirements that must all hold: `k=v` (or `k==v`), `k!=v`, `k`
// (present), `!k` (absent).
import { FLOW_VERDICTS, flowModel } from './flow-record.ts';
import type { FlowRecord, FlowVerdict } from './flow-record.ts';

export class FlowQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlowQueryError';
  }
}

type Requirement = { readonly key: string; readonly op: '=' | '!=' | 'exists' | '!exists'; readonly value: string };
export type LabelSelector = readonly Requirement[];

export interface FlowFilter {
  readonly namespace: readonly string[];
  readonly model: readonly string[];
  readonly route: readonly string[];
  readonly pool: readonly string[];
  readonly endpoint: readonly string[];
  readonly identity: readonly string[];
  readonly team: readonly string[];
  readonly verdict: readonly FlowVerdict[];
  readonly status: readonly string[];
  readonly reason: readonly string[];
  readonly fromLabel: readonly LabelSelector[];
  readonly toLabel: readonly LabelSelector[];
}

/** Query-string names of the filters (the CLI flags have the same names). */
export const FILTER_PARAMS = ['namespace', 'model', 'route', 'pool', 'endpoint', 'identity', 'team', 'verdict', 'status', 'reason', 'from-label', 'to-label'] as const;
export type FilterParam = (typeof FILTER_PARAMS)[number];

const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

export function parseLabelSelector(text: string): LabelSelector {
  const reqs: Requirement[] = [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (part === '') throw new FlowQueryError(`empty requirement in label selector "${text}"`);
    let m: RegExpExecArray | null;
    if ((m = /^([^!=\s]+)\s*(!=|==|=)\s*(.*)$/.exec(part))) {
      const key = m[1]!;
      if (!LABEL_KEY.test(key)) throw new FlowQueryError(`invalid label key "${key}" in selector "${text}"`);
      reqs.push({ key, op: m[2] === '!=' ? '!=' : '=', value: m[3]!.trim() });
    } else if ((m = /^!\s*(\S+)$/.exec(part))) {
      if (!LABEL_KEY.test(m[1]!)) throw new FlowQueryError(`invalid label key "${m[1]}" in selector "${text}"`);
      reqs.push({ key: m[1]!, op: '!exists', value: '' });
    } else if (LABEL_KEY.test(part)) {
      reqs.push({ key: part, op: 'exists', value: '' });
    } else {
      throw new FlowQueryError(`cannot read label selector "${text}": use k=v, k!=v, k or !k, comma-separated`);
    }
  }
  return reqs;
}

export function selectorMatches(sel: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const r of sel) {
    const v = Object.hasOwn(labels, r.key) ? labels[r.key] : undefined;
    switch (r.op) {
      case '=':
        if (v !== r.value) return false;
        break;
      case '!=':
        if (v === r.value) return false;
        break;
      case 'exists':
        if (v === undefined) return false;
        break;
      case '!exists':
        if (v !== undefined) return false;
        break;
    }
  }
  return true;
}

export function parseVerdict(v: string): FlowVerdict {
  const u = v.trim().toUpperCase();
  if ((FLOW_VERDICTS as readonly string[]).includes(u)) return u as FlowVerdict;
  throw new FlowQueryError(`unknown verdict "${v}": one of ${FLOW_VERDICTS.join(', ')}`);
}

function parseStatus(v: string): string {
  const s = v.trim().toLowerCase();
  if (/^[1-5](\d\d|xx)$/.test(s) || s === '0') return s;
  throw new FlowQueryError(`cannot read status "${v}": a code like 429 or a class like 5xx`);
}

/** Reads the filters from a query string; repeated parameters and comma-separated values are alternatives (not for selectors). */
export function parseFlowFilter(params: URLSearchParams): FlowFilter {
  const list = (name: FilterParam): string[] =>
    params
      .getAll(name)
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter((v) => v !== '');
  return {
    namespace: list('namespace'),
    model: params.getAll('model').filter((v) => v !== ''), // model names may contain commas? never split them
    route: list('route'),
    pool: list('pool'),
    endpoint: list('endpoint'),
    identity: params.getAll('identity').filter((v) => v !== ''),
    team: params.getAll('team').filter((v) => v !== ''),
    verdict: list('verdict').map(parseVerdict),
    status: list('status').map(parseStatus),
    reason: list('reason'),
    fromLabel: params.getAll('from-label').map(parseLabelSelector),
    toLabel: params.getAll('to-label').map(parseLabelSelector),
  };
}

export function emptyFilter(): FlowFilter {
  return { namespace: [], model: [], route: [], pool: [], endpoint: [], identity: [], team: [], verdict: [], status: [], reason: [], fromLabel: [], toLabel: [] };
}

function namespaceOf(key: string | undefined): string | undefined {
  if (!key) return undefined;
  const name = key.includes(' ') ? key.slice(key.indexOf(' ') + 1) : key; // `Kind ns/name` → `ns/name`
  const slash = name.indexOf('/');
  return slash > 0 ? name.slice(0, slash) : undefined;
}

/** `ns/name` matches `ns/name` and `name`. */
function nameMatches(key: string | undefined, wanted: readonly string[]): boolean {
  if (!key) return false;
  const name = key.includes(' ') ? key.slice(key.indexOf(' ') + 1) : key;
  const short = name.slice(name.indexOf('/') + 1);
  return wanted.some((w) => w === name || w === short || w === key);
}

function statusMatches(status: number, wanted: readonly string[]): boolean {
  const s = String(status);
  return wanted.some((w) => (w.endsWith('xx') ? s.length === 3 && s[0] === w[0] : s === w));
}

export function flowMatches(f: FlowFilter, r: FlowRecord): boolean {
  const d = r.destination;
  if (f.namespace.length > 0) {
    const ns = [namespaceOf(d.route), namespaceOf(d.backend), namespaceOf(d.pool)];
    if (!f.namespace.some((n) => ns.includes(n))) return false;
  }
  if (f.model.length > 0 && !f.model.some((m) => m === r.model.original || m === r.model.request || m === r.model.response || (m === '' && flowModel(r) === ''))) return false;
  if (f.route.length > 0 && !nameMatches(d.route, f.route)) return false;
  if (f.pool.length > 0 && !nameMatches(d.pool, f.pool)) return false;
  if (f.endpoint.length > 0 && !f.endpoint.some((e) => e === d.endpoint || e === d.pod)) return false;
  if (f.identity.length > 0 && (r.source.identity === undefined || !f.identity.includes(r.source.identity))) return false;
  if (f.team.length > 0 && (r.source.team === undefined || !f.team.includes(r.source.team))) return false;
  if (f.verdict.length > 0 && !f.verdict.includes(r.verdict)) return false;
  if (f.status.length > 0 && !statusMatches(r.status, f.status)) return false;
  if (f.reason.length > 0 && (r.dropReason === undefined || !f.reason.includes(r.dropReason))) return false;
  if (f.fromLabel.length > 0 && !f.fromLabel.some((s) => selectorMatches(s, r.source.labels))) return false;
  if (f.toLabel.length > 0 && !f.toLabel.some((s) => selectorMatches(s, d.labels))) return false;
  return true;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `5m`, `1h30m`, `250ms` → milliseconds; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return total;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/;

/** A point in time: a duration back from `now` (`5m`), RFC 3339 (`2025-01-02T03:04:05Z`), or epoch milliseconds. */
export function parseTime(text: string, now: number = Date.now()): number {
  const d = parseDuration(text);
  if (d !== undefined) return now - d;
  const s = text.trim();
  if (RFC3339.test(s)) {
    const t = Date.parse(s.replace(' ', 'T'));
    if (Number.isFinite(t)) return t;
  }
  if (/^\d{10,}$/.test(s)) return Number(s);
  throw new FlowQueryError(`cannot read time "${text}": a duration back from now (5m, 1h30m) or RFC 3339 (2025-01-02T15:04:05Z)`);
}
