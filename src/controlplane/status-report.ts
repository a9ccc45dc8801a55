// Status of a running gateway (admin /api/status) and its kubectl-style text rendering (`sluice status`).
import { withoutSecretValues } from '../config/problems.ts';
import type { Problem } from '../config/problems.ts';
import type { ResourceStatus, RuntimeSnapshot } from '../runtime/snapshot.ts';
import type { Condition } from '../runtime/conditions.ts';

export interface StatusReport {
  readonly generation: number;
  readonly resources: readonly ResourceStatus[];
  readonly ignored: readonly { kind: string; namespace: string; name: string }[];
  readonly pools: readonly {
    namespace: string;
    name: string;
    pickerConfigSource: string;
    endpoints: readonly { pod: string; address: string; ready: boolean; waiting: number; running: number; kvCacheUsage: number; inflight: number }[];
  }[];
  readonly problems: readonly Problem[];
  readonly lastRejected?: { at: string; problems: readonly Problem[] } | undefined;
}

export interface StatusSource {
  readonly snapshot: RuntimeSnapshot | undefined;
  /** Objects of kinds Sluice has no use for. */
  readonly ignored: readonly { readonly kind: string; readonly namespace: string; readonly name: string }[];
  readonly problems: readonly Problem[];
  readonly lastRejected?: { at: string; problems: readonly Problem[] } | undefined;
}

export function statusReport(src: StatusSource): StatusReport {
  const snap = src.snapshot;
  return {
    generation: snap?.generation ?? 0,
    resources: snap?.statuses ?? [],
    ignored: src.ignored.map((i) => ({ kind: i.kind, namespace: i.namespace, name: i.name })),
    pools: [...(snap?.pools.values() ?? [])].map((p) => ({
      namespace: p.namespace,
      name: p.name,
      pickerConfigSource: p.pickerConfigSource,
      endpoints: p.endpoints.map((e) => ({ pod: e.podName, address: e.key, ready: e.ready, waiting: e.metrics.waiting, running: e.metrics.running, kvCacheUsage: e.metrics.kvCacheUsage, inflight: e.inflight })),
    })),
    // Problems about what a Secret holds never quote a value (config/problems.ts).
    problems: src.problems.map(withoutSecretValues),
    lastRejected: src.lastRejected && { at: src.lastRejected.at, problems: src.lastRejected.problems.map(withoutSecretValues) },
  };
}

const COLUMNS = ['Accepted', 'ResolvedRefs', 'Programmed'] as const;

/** Renders resources and their conditions as `kubectl get` would: one row per resource (and listener/parent). */
export function renderStatusTable(report: StatusReport): string {
  const rows: string[][] = [['KIND', 'NAMESPACE', 'NAME', 'ACCEPTED', 'RESOLVEDREFS', 'PROGRAMMED', 'MESSAGE']];
  for (const r of report.resources) {
    rows.push([r.kind, r.namespace, r.name, ...cells(r.conditions), message(r.conditions)]);
    for (const s of r.sub ?? []) {
      const what = r.kind === 'Gateway' ? `listener/${s.name}` : `parent/${s.name}`;
      rows.push(['', '', `└ ${what}`, ...cells(s.conditions), message(s.conditions)]);
    }
  }
  let out = table(rows);
  if (report.pools.length > 0) {
    const poolRows: string[][] = [['POOL', 'ENDPOINT', 'POD', 'READY', 'WAITING', 'RUNNING', 'KV', 'INFLIGHT']];
    for (const p of report.pools) {
      if (p.endpoints.length === 0) poolRows.push([`${p.namespace}/${p.name}`, '(none)', '', '', '', '', '', '']);
      for (const e of p.endpoints) poolRows.push([`${p.namespace}/${p.name}`, e.address, e.pod, String(e.ready), String(e.waiting), String(e.running), e.kvCacheUsage.toFixed(2), String(e.inflight)]);
    }
    out += '\n' + table(poolRows);
  }
  if (report.ignored.length > 0) {
    out += `\nIgnored (not used by Sluice): ${report.ignored.map((i) => `${i.kind} ${i.namespace ? i.namespace + '/' : ''}${i.name}`).join(', ')}\n`;
  }
  return out;
}

function cells(conditions: readonly Condition[]): string[] {
  return COLUMNS.map((type) => {
    const c = conditions.find((x) => x.type === type);
    if (!c) return '-';
    return c.reason === c.type || c.status === 'True' && c.reason === 'Accepted' ? c.status : `${c.status} (${c.reason})`;
  });
}

function message(conditions: readonly Condition[]): string {
  const bad = conditions.find((c) => c.status !== 'True' && c.message);
  const any = bad ?? conditions.find((c) => c.message);
  return any?.message ?? '';
}

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, i === r.length - 1 ? 0 : c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}
