import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RouteTable, regexError } from './route-table.ts';
import type { MatchInput, MatchSpec, RouteEntry } from './route-table.ts';
import { intersectHostnames, hostnameCovers, selectListener } from './hostnames.ts';

const prefix = (value: string, extra: Partial<MatchSpec> = {}): MatchSpec => ({ path: { type: 'PathPrefix', value }, headers: [], queryParams: [], ...extra });
const exact = (value: string, extra: Partial<MatchSpec> = {}): MatchSpec => ({ path: { type: 'Exact', value }, headers: [], queryParams: [], ...extra });

function entry(rule: string, matches: MatchSpec[], opts: Partial<RouteEntry<string>> = {}): RouteEntry<string> {
  return { hostnames: [], matches, rule, routeOrder: 0, routeKey: 'default/r', ruleIndex: 0, ...opts };
}

function req(path: string, opts: Partial<MatchInput> = {}): MatchInput {
  const [p, q = ''] = path.split('?');
  return { host: 'example.com', method: 'GET', path: p!, query: q, headers: {}, ...opts };
}

describe('RouteTable path matching', () => {
  const table = new RouteTable([entry('v2', [prefix('/v2')]), entry('two', [exact('/two')]), entry('slash', [prefix('/abc/')])]);
  const hit = (path: string) => table.match(req(path))?.rule;

  it('PathPrefix uses segment semantics', () => {
    assert.equal(hit('/v2'), 'v2');
    assert.equal(hit('/v2/'), 'v2');
    assert.equal(hit('/v2/example'), 'v2');
    assert.equal(hit('/v2example'), undefined);
    assert.equal(hit('/foo/v2/example'), undefined);
  });
  it('a trailing slash on the prefix has no effect', () => {
    assert.equal(hit('/abc'), 'slash');
    assert.equal(hit('/abc/def'), 'slash');
    assert.equal(hit('/abcd'), undefined);
  });
  it('Exact is whole-path and case-sensitive', () => {
    assert.equal(hit('/two'), 'two');
    assert.equal(hit('/two/'), undefined);
    assert.equal(hit('/Two'), undefined);
  });
});

describe('RouteTable precedence', () => {
  it('Exact beats prefix; longer prefix beats shorter', () => {
    const t = new RouteTable([
      entry('match', [prefix('/match/')]),
      entry('prefix-one', [prefix('/match/prefix/one')], { routeOrder: 1 }),
      entry('prefix', [prefix('/match/prefix/')], { routeOrder: 2 }),
      entry('exact-one', [exact('/match/exact/one')], { routeOrder: 3 }),
    ]);
    assert.equal(t.match(req('/match/exact/one'))?.rule, 'exact-one');
    assert.equal(t.match(req('/match/prefix/one'))?.rule, 'prefix-one');
    assert.equal(t.match(req('/match/prefix/two'))?.rule, 'prefix');
    assert.equal(t.match(req('/match/other'))?.rule, 'match');
  });

  it('prefix length outranks method; method outranks headers; headers outrank query', () => {
    const t = new RouteTable([
      entry('path5', [prefix('/path5')], { ruleIndex: 0 }),
      entry('patch', [prefix('/', { method: 'PATCH' })], { ruleIndex: 1 }),
      entry('header', [prefix('/', { headers: [{ type: 'Exact', name: 'version', value: 'four' }] })], { ruleIndex: 2 }),
      entry('query', [prefix('/', { queryParams: [{ type: 'Exact', name: 'animal', value: 'hydra' }] })], { ruleIndex: 3 }),
    ]);
    assert.equal(t.match(req('/path5', { method: 'PATCH' }))?.rule, 'path5');
    assert.equal(t.match(req('/', { method: 'PATCH', headers: { version: 'four' } }))?.rule, 'patch');
    assert.equal(t.match(req('/?animal=hydra', { headers: { version: 'four' } }))?.rule, 'header');
    assert.equal(t.match(req('/?animal=hydra'))?.rule, 'query');
    assert.equal(t.match(req('/?animal=hydrax')), undefined);
  });

  it('older route wins a tie, then namespace/name, then rule order', () => {
    const h = (name: string, value: string) => prefix('/', { headers: [{ type: 'Exact', name, value }] });
    const t = new RouteTable([
      entry('newer', [h('x-ai-eg-model', 'm')], { routeOrder: 5, routeKey: 'a/a' }),
      entry('older', [h('x-ai-eg-model', 'm')], { routeOrder: 1, routeKey: 'z/z' }),
    ]);
    assert.equal(t.match(req('/', { headers: { 'x-ai-eg-model': 'm' } }))?.rule, 'older');
    const t2 = new RouteTable([
      entry('rule2', [h('version', 'two')], { ruleIndex: 1 }),
      entry('rule4', [h('color', 'blue')], { ruleIndex: 3 }),
    ]);
    assert.equal(t2.match(req('/', { headers: { version: 'two', color: 'blue' } }))?.rule, 'rule2');
  });

  it('header names are case-insensitive, values case-sensitive; regex is anchored', () => {
    const t = new RouteTable([
      entry('exact', [prefix('/', { headers: [{ type: 'Exact', name: 'X-Model', value: 'Llama' }] })]),
      entry('regex', [prefix('/', { headers: [{ type: 'RegularExpression', name: 'x-model', value: 'gpt-.*' }] })], { routeOrder: 1 }),
    ]);
    assert.equal(t.match(req('/', { headers: { 'x-model': 'Llama' } }))?.rule, 'exact');
    assert.equal(t.match(req('/', { headers: { 'x-model': 'llama' } })), undefined);
    assert.equal(t.match(req('/', { headers: { 'x-model': 'gpt-4o' } }))?.rule, 'regex');
    assert.equal(t.match(req('/', { headers: { 'x-model': 'my-gpt-4o' } })), undefined);
  });
});

describe('RouteTable hostnames', () => {
  it('more specific hostnames win, and wildcards do not cover the bare domain', () => {
    const t = new RouteTable([
      entry('any', [prefix('/')]),
      entry('wild', [prefix('/')], { hostnames: ['*.example.com'] }),
      entry('exact', [prefix('/')], { hostnames: ['foo.example.com'] }),
    ]);
    assert.equal(t.match(req('/', { host: 'foo.example.com' }))?.rule, 'exact');
    assert.equal(t.match(req('/', { host: 'bar.example.com' }))?.rule, 'wild');
    assert.equal(t.match(req('/', { host: 'a.b.example.com' }))?.rule, 'wild');
    assert.equal(t.match(req('/', { host: 'example.com' }))?.rule, 'any');
  });
  it('falls through to less specific hostnames when the specific one has no matching rule', () => {
    const t = new RouteTable([entry('any', [prefix('/')]), entry('exact-api', [prefix('/api')], { hostnames: ['foo.example.com'] })]);
    assert.equal(t.match(req('/other', { host: 'foo.example.com' }))?.rule, 'any');
  });
});

describe('hostname intersection', () => {
  it('keeps the more specific side', () => {
    assert.deepEqual(intersectHostnames('very.specific.com', ['very.specific.com']), ['very.specific.com']);
    assert.deepEqual(intersectHostnames('*.wildcard.io', ['foo.wildcard.io', 'wildcard.io']), ['foo.wildcard.io']);
    assert.deepEqual(intersectHostnames('very.specific.com', ['*.specific.com']), ['very.specific.com']);
    assert.deepEqual(intersectHostnames('*.foo.example.com', ['*.example.com']), ['*.foo.example.com']);
    assert.deepEqual(intersectHostnames(undefined, []), []);
    assert.deepEqual(intersectHostnames('a.com', []), ['a.com']);
    assert.equal(intersectHostnames('a.com', ['b.com']), undefined);
    assert.equal(hostnameCovers('*.example.com', 'example.com'), false);
  });
});

describe('regexError', () => {
  it('reports an invalid pattern', () => {
    assert.equal(regexError('gpt-.*'), undefined);
    assert.match(regexError('gpt-(') ?? '', /Invalid regular expression/);
  });
});

describe('RouteTable index', () => {
  /** A small seeded generator, so a failure can be replayed. */
  function rng(seed: number) {
    let x = seed >>> 0 || 1;
    return (n: number) => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
  }
  const models = ['m0', 'm1', 'm2', 'm3', 'm4'];
  const paths = ['/', '/v1', '/v1/chat', '/a', '/a/b'];

  it('answers exactly as a linear scan, for random rule sets and requests', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const r = rng(seed);
      const entries: RouteEntry<string>[] = [];
      const n = 16 + r(40);
      for (let i = 0; i < n; i++) {
        const headers = r(4) > 0 ? [{ type: (r(5) === 0 ? 'RegularExpression' : 'Exact') as 'Exact' | 'RegularExpression', name: r(2) ? 'x-ai-eg-model' : 'X-AI-EG-MODEL', value: models[r(models.length)]! }] : [];
        if (r(4) === 0) headers.push({ type: 'Exact', name: 'x-tenant', value: `t${r(2)}` });
        const pathType = (['Exact', 'PathPrefix', 'PathPrefix'] as const)[r(3)]!;
        entries.push(entry(`rule${i}`, [{ path: { type: pathType, value: paths[r(paths.length)]! }, headers, queryParams: [] }], { routeOrder: r(5), routeKey: `ns/r${r(7)}`, ruleIndex: i }));
      }
      const indexed = new RouteTable(entries);
      const linear = new RouteTable(entries, { index: false });
      for (let k = 0; k < 40; k++) {
        const headers: Record<string, string> = {};
        if (r(5) > 0) headers['x-ai-eg-model'] = models[r(models.length)]!;
        if (r(2)) headers['x-tenant'] = `t${r(2)}`;
        const input = req(paths[r(paths.length)]! + (r(3) === 0 ? '/x' : ''), { headers });
        assert.equal(indexed.match(input)?.rule, linear.match(input)?.rule, `seed ${seed}, request ${JSON.stringify(input)}`);
      }
    }
  });
});

describe('selectListener', () => {
  it('prefers the exact hostname, then the longest wildcard, then no hostname', () => {
    const ls = [{ name: 'any' }, { name: 'wild', hostname: '*.example.com' }, { name: 'deeper', hostname: '*.foo.example.com' }, { name: 'exact', hostname: 'a.foo.example.com' }];
    assert.equal(selectListener(ls, 'a.foo.example.com')?.name, 'exact');
    assert.equal(selectListener(ls, 'b.foo.example.com')?.name, 'deeper');
    assert.equal(selectListener(ls, 'b.example.com')?.name, 'wild');
    assert.equal(selectListener(ls, 'example.com')?.name, 'any');
    assert.equal(selectListener(ls.slice(1), 'other.test'), undefined);
  });
});
