// The compiled, immutable route table of one listener: (host, method, path, headers, query) → rule,
// with the Gateway API precedence rules (gateway-api reference §2.2 and §2.5):
//   1. hostname: routes whose matching hostname is most specific come first (exact by length, then
//      wildcard by length, then routes without hostnames);
//   2. within that, Exact path, then the longest PathPrefix, then RegularExpression (longer first),
//      then a method match, more header matches, more query matches, older route, {namespace}/{name},
//      and finally rule and match order within a route.
// This is hot code: matching allocates nothing except on a query-parameter match. With many rules a
// host group is indexed on its most common exact condition (the x-ai-eg-model header of AI routes, or
// an Exact path): a request then tests only the rules indexed under its own value plus the rules
// without that condition, merged in precedence order, so 10,000 models cost about what 10 do.

import type { MatchInput, MatchSpec, PathMatchType, RouteEntry, RouteMatch, RouteMatcher, ValueMatchType } from '../runtime/routes.ts';

export type { MatchInput, MatchSpec, RouteEntry, RouteMatch };

interface CompiledMatch<R> {
  readonly rule: R;
  readonly spec: MatchSpec;
  readonly test: (input: MatchInput, query: () => URLSearchParams) => boolean;
  readonly sortKey: readonly (number | string)[];
}

/** Which exact condition a group's index is keyed on. */
type IndexKey = { readonly kind: 'header'; readonly name: string } | { readonly kind: 'path' };

interface MatchIndex {
  readonly key: IndexKey;
  /** Value → positions in `matches` (ascending) of the rules that require it. */
  readonly byValue: ReadonlyMap<string, readonly number[]>;
  /** Positions (ascending) of the rules without the indexed condition: always candidates. */
  readonly rest: readonly number[];
}

interface HostGroup<R> {
  readonly hostname: string; // '' = any host
  readonly wildcard: boolean;
  readonly suffix: string; // for wildcards: '.example.com'
  readonly matches: CompiledMatch<R>[];
  index?: MatchIndex | undefined;
}

/** Groups with fewer rules are scanned; an index only pays off beyond this. */
const INDEX_THRESHOLD = 16;
const NONE: readonly number[] = [];

export class RouteTable<R> implements RouteMatcher<R> {
  readonly #groups: HostGroup<R>[];
  readonly size: number;

  /** `index: false` scans every group linearly (the reference the index is tested against). */
  constructor(entries: readonly RouteEntry<R>[], options: { index?: boolean } = {}) {
    const groups = new Map<string, HostGroup<R>>();
    let size = 0;
    for (const entry of entries) {
      const hostnames = entry.hostnames.length === 0 ? [''] : entry.hostnames;
      entry.matches.forEach((spec, matchIndex) => {
        const compiled = compileMatch(entry, spec, matchIndex);
        size++;
        for (const h of hostnames) {
          const key = h.toLowerCase();
          let g = groups.get(key);
          if (!g) {
            g = { hostname: key, wildcard: key.startsWith('*.'), suffix: key.startsWith('*.') ? key.slice(1) : '', matches: [] };
            groups.set(key, g);
          }
          g.matches.push(compiled);
        }
      });
    }
    for (const g of groups.values()) {
      g.matches.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
      if (options.index !== false && g.matches.length >= INDEX_THRESHOLD) g.index = buildIndex(g.matches);
    }
    this.#groups = [...groups.values()].sort(compareGroups);
    this.size = size;
  }

  match(input: MatchInput): RouteMatch<R> | undefined {
    let parsedQuery: URLSearchParams | undefined;
    const query = (): URLSearchParams => (parsedQuery ??= new URLSearchParams(input.query));
    for (const g of this.#groups) {
      if (!hostMatches(g, input.host)) continue;
      const matches = g.matches;
      const index = g.index;
      if (!index) {
        for (const m of matches) if (m.test(input, query)) return { rule: m.rule, match: m.spec };
        continue;
      }
      // Merge the rules indexed under this request's value with the unindexed ones, in precedence order.
      const value = index.key.kind === 'path' ? input.path : headerValue(input.headers[index.key.name]);
      const a = value === undefined ? NONE : (index.byValue.get(value) ?? NONE);
      const b = index.rest;
      let i = 0;
      let j = 0;
      while (i < a.length || j < b.length) {
        const pos = j >= b.length || (i < a.length && a[i]! < b[j]!) ? a[i++]! : b[j++]!;
        const m = matches[pos]!;
        if (m.test(input, query)) return { rule: m.rule, match: m.spec };
      }
    }
    return undefined;
  }
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return v === undefined ? undefined : typeof v === 'string' ? v : v.join(', ');
}

/** Indexes a group's sorted matches on its most common exact condition (header or path). */
function buildIndex<R>(matches: readonly CompiledMatch<R>[]): MatchIndex | undefined {
  const counts = new Map<string, number>();
  for (const m of matches) {
    if (m.spec.path.type === 'Exact') counts.set('', (counts.get('') ?? 0) + 1);
    for (const name of new Set(m.spec.headers.filter((h) => h.type === 'Exact').map((h) => h.name.toLowerCase()))) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  let best = '';
  let bestCount = 0;
  for (const [name, count] of counts) if (count > bestCount) [best, bestCount] = [name, count];
  if (bestCount < INDEX_THRESHOLD / 2) return undefined;
  const key: IndexKey = best === '' ? { kind: 'path' } : { kind: 'header', name: best };
  const byValue = new Map<string, number[]>();
  const rest: number[] = [];
  matches.forEach((m, pos) => {
    // The first header entry with a name counts (the spec: later duplicates are ignored).
    const v = key.kind === 'path' ? (m.spec.path.type === 'Exact' ? m.spec.path.value : undefined) : m.spec.headers.find((h) => h.name.toLowerCase() === key.name)?.type === 'Exact' ? m.spec.headers.find((h) => h.name.toLowerCase() === key.name)!.value : undefined;
    if (v === undefined) rest.push(pos);
    else {
      let list = byValue.get(v);
      if (!list) byValue.set(v, (list = []));
      list.push(pos);
    }
  });
  return { key, byValue, rest };
}

function hostMatches(g: HostGroup<unknown>, host: string): boolean {
  if (g.hostname === '') return true;
  if (!g.wildcard) return g.hostname === host;
  // `*.example.com` covers `a.example.com` and `a.b.example.com`, not `example.com`.
  return host.length > g.suffix.length && host.endsWith(g.suffix);
}

function compareGroups(a: HostGroup<unknown>, b: HostGroup<unknown>): number {
  const rank = (g: HostGroup<unknown>) => (g.hostname === '' ? 2 : g.wildcard ? 1 : 0);
  return rank(a) - rank(b) || b.hostname.length - a.hostname.length || (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0);
}

function compareKeys(a: readonly (number | string)[], b: readonly (number | string)[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

function compileMatch<R>(entry: RouteEntry<R>, spec: MatchSpec, matchIndex: number): CompiledMatch<R> {
  const { path } = spec;
  const pathTest = compilePath(path.type, path.value);
  const headerTests = spec.headers.map((h) => {
    const name = h.name.toLowerCase();
    const valueTest = compileValue(h.type, h.value);
    return (headers: MatchInput['headers']) => {
      const v = headers[name];
      if (v === undefined) return false;
      return valueTest(typeof v === 'string' ? v : v.join(', '));
    };
  });
  const queryTests = spec.queryParams.map((q) => {
    const valueTest = compileValue(q.type, q.value);
    return (params: URLSearchParams) => {
      const v = params.get(q.name); // first value, as the spec recommends
      return v !== null && valueTest(v);
    };
  });
  const method = spec.method;
  const test = (input: MatchInput, query: () => URLSearchParams): boolean => {
    if (method !== undefined && input.method !== method) return false;
    if (!pathTest(input.path)) return false;
    for (const t of headerTests) if (!t(input.headers)) return false;
    if (queryTests.length > 0) {
      const params = query();
      for (const t of queryTests) if (!t(params)) return false;
    }
    return true;
  };
  // Precedence keys, ascending = higher precedence.
  const pathRank = path.type === 'Exact' ? 0 : path.type === 'PathPrefix' ? 1 : 2;
  const sortKey = [
    pathRank,
    -path.value.length,
    method !== undefined ? 0 : 1,
    -spec.headers.length,
    -spec.queryParams.length,
    entry.routeOrder,
    entry.routeKey,
    entry.ruleIndex,
    matchIndex,
  ];
  return { rule: entry.rule, spec, test, sortKey };
}

function compilePath(type: PathMatchType, value: string): (path: string) => boolean {
  switch (type) {
    case 'Exact':
      return (p) => p === value;
    case 'PathPrefix': {
      // Segment semantics: a trailing '/' in the configured prefix has no effect.
      const prefix = value.length > 1 && value.endsWith('/') ? value.slice(0, -1) : value;
      if (prefix === '/') return () => true;
      return (p) => p.startsWith(prefix) && (p.length === prefix.length || p.charCodeAt(prefix.length) === 47 /* '/' */);
    }
    case 'RegularExpression': {
      const re = new RegExp(`^(?:${value})$`);
      return (p) => re.test(p);
    }
  }
}

function compileValue(type: ValueMatchType, value: string): (v: string) => boolean {
  if (type === 'Exact') return (v) => v === value;
  const re = new RegExp(`^(?:${value})$`);
  return (v) => re.test(v);
}

/** Checks a regular expression the way the route table will compile it; returns the error text or undefined. */
export function regexError(pattern: string): string | undefined {
  try {
    new RegExp(`^(?:${pattern})$`);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
