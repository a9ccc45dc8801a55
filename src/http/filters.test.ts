import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyHeaderOps, redirectLocation, rewritePath } from './filters.ts';
import { compileFilters } from '../compile/filters.ts';

describe('rewritePath ReplacePrefixMatch (the spec table)', () => {
  const cases: [string, string, string, string][] = [
    ['/foo/bar', '/foo', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo', '/xyz/', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz', '/xyz/bar'],
    ['/foo', '/foo', '/xyz', '/xyz'],
    ['/foo/', '/foo', '/xyz', '/xyz/'],
    ['/foo/bar', '/foo', '', '/bar'],
    ['/foo/', '/foo', '', '/'],
    ['/foo', '/foo', '', '/'],
    ['/foo/', '/foo', '/', '/'],
    ['/foo', '/foo', '/', '/'],
    ['/prefix/one/two', '/prefix/one', '/one', '/one/two'],
    ['/strip-prefix', '/strip-prefix', '/', '/'],
    ['/strip-prefix/three', '/strip-prefix', '/', '/three'],
  ];
  for (const [path, prefix, replacement, expected] of cases) {
    it(`${path} with ${prefix} → "${replacement}" gives ${expected}`, () => {
      assert.equal(rewritePath(path, { type: 'ReplacePrefixMatch', value: replacement }, prefix), expected);
    });
  }
  it('ReplaceFullPath replaces the whole path', () => {
    assert.equal(rewritePath('/full/one/two', { type: 'ReplaceFullPath', value: '/one' }, '/full'), '/one');
  });
});

describe('header modifiers', () => {
  it('set overwrites, add appends with a comma, remove deletes; names are case-insensitive', () => {
    const { filters } = compileFilters([
      { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Header-Set', value: 'set-overwrites-values' }], add: [{ name: 'X-Header-Add', value: 'add-appends-values' }], remove: ['X-Header-Remove'] } },
    ]);
    const headers: Record<string, string | string[] | undefined> = { 'x-header-set': 'some-other-value', 'x-header-add': 'some-other-value', 'x-header-remove': 'gone' };
    applyHeaderOps(headers, filters.requestHeaders!);
    assert.deepEqual(headers, { 'x-header-set': 'set-overwrites-values', 'x-header-add': 'some-other-value,add-appends-values' });
  });
  it('reports filters it cannot apply', () => {
    assert.deepEqual(compileFilters([{ type: 'ExtensionRef' }, { type: 'ExternalAuth' }]).unsupported, ['ExtensionRef', 'ExternalAuth']);
  });
});

describe('redirectLocation', () => {
  const req = { scheme: 'http' as const, host: 'example.org', path: '/p', query: '', listenerPort: 80, matchedPrefix: '/' };
  it('follows the port and scheme rules', () => {
    assert.equal(redirectLocation({ statusCode: 302 }, req), 'http://example.org/p');
    assert.equal(redirectLocation({ statusCode: 302 }, { ...req, listenerPort: 8080 }), 'http://example.org:8080/p');
    assert.equal(redirectLocation({ statusCode: 302, scheme: 'https' }, { ...req, listenerPort: 8080 }), 'https://example.org/p');
    assert.equal(redirectLocation({ statusCode: 302, scheme: 'http', port: 8080 }, req), 'http://example.org:8080/p');
    assert.equal(redirectLocation({ statusCode: 301, hostname: 'other.org', path: { type: 'ReplaceFullPath', value: '/new' } }, { ...req, query: 'a=1' }), 'http://other.org/new?a=1');
  });
});
