// Model name patterns, as allow lists and budgets write them: an exact name (`gpt-4o-mini`), or a glob
// where `*` matches any run of characters (slashes included: `meta-llama/*`) and `?` one character.
// `*` alone matches every model. Compiled once; a test is a Set lookup plus, for globs only, a
// precompiled RegExp per pattern.

export class ModelMatcher {
  /** The patterns as configured. */
  readonly patterns: readonly string[];
  /** True when the list matches every model (it contains `*`). */
  readonly matchesAll: boolean;
  private readonly exact: ReadonlySet<string>;
  private readonly globs: readonly RegExp[];

  constructor(patterns: readonly string[]) {
    this.patterns = [...patterns];
    const exact = new Set<string>();
    const globs: RegExp[] = [];
    let all = false;
    for (const p of patterns) {
      if (p === '*') all = true;
      else if (p.includes('*') || p.includes('?')) globs.push(globToRegExp(p));
      else exact.add(p);
    }
    this.exact = exact;
    this.globs = globs;
    this.matchesAll = all;
  }

  /** An empty matcher matches nothing. */
  test(model: string): boolean {
    if (this.matchesAll || this.exact.has(model)) return true;
    for (let i = 0; i < this.globs.length; i++) if (this.globs[i]!.test(model)) return true;
    return false;
  }

  /** The models of `models` that match, in their order. */
  filter<T extends string>(models: readonly T[]): T[] {
    return this.matchesAll ? [...models] : models.filter((m) => this.test(m));
  }
}

export function globToRegExp(glob: string): RegExp {
  let source = '^';
  for (const ch of glob) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(source + '$', 's');
}
