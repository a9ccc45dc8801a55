// The route-matching contract carried in the snapshot: a listener's compiled table answers
// (host, method, path, headers, query) → the rule that serves it, with the Gateway API precedence.
// routing/route-table.ts implements it; compile/ builds it; the route stage calls `match`.

export type PathMatchType = 'Exact' | 'PathPrefix' | 'RegularExpression';
export type ValueMatchType = 'Exact' | 'RegularExpression';

export interface MatchSpec {
  readonly path: { readonly type: PathMatchType; readonly value: string };
  readonly headers: readonly { readonly type: ValueMatchType; readonly name: string; readonly value: string }[];
  readonly queryParams: readonly { readonly type: ValueMatchType; readonly name: string; readonly value: string }[];
  readonly method?: string | undefined;
}

export interface RouteEntry<R> {
  /** Effective hostnames for this listener (already intersected); empty means any host. */
  readonly hostnames: readonly string[];
  readonly matches: readonly MatchSpec[];
  readonly rule: R;
  /** Creation order of the route (standalone stand-in for creationTimestamp). */
  readonly routeOrder: number;
  /** `{namespace}/{name}` of the route, the last precedence key across routes. */
  readonly routeKey: string;
  readonly ruleIndex: number;
}

export interface MatchInput {
  /** Host without port, lower case. */
  readonly host: string;
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** Query string without `?` ('' when absent). */
  readonly query: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface RouteMatch<R> {
  readonly rule: R;
  readonly match: MatchSpec;
}

export interface RouteMatcher<R> {
  /** Rules in the table. */
  readonly size: number;
  /** The highest-precedence rule whose matches accept the request, or undefined. Allocates nothing on the common path. */
  match(input: MatchInput): RouteMatch<R> | undefined;
}
