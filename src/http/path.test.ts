import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isPathError, normalizePath } from './path.ts';
import type { EscapedSlashesAction, PathOptions, PathResult } from './path.ts';

function ok(raw: string, options?: PathOptions): string {
  const r = normalizePath(raw, options);
  assert.ok(!isPathError(r), `${JSON.stringify(raw)} was refused: ${isPathError(r) ? r.reason : ''}`);
  return r.path;
}

function reason(raw: string, options?: PathOptions): string | undefined {
  const r = normalizePath(raw, options);
  return isPathError(r) ? r.reason : undefined;
}

describe('normalizePath examples', () => {
  const cases: [string, string][] = [
    // untouched (fast path)
    ['/', '/'],
    ['/v1/chat/completions', '/v1/chat/completions'],
    ['/v1/chat/completions/', '/v1/chat/completions/'],
    ['/V1/Chat', '/V1/Chat'],
    ['/.well-known/openid-configuration', '/.well-known/openid-configuration'],
    ['/a/..b/.c/...', '/a/..b/.c/...'],
    ['/a;b=c/d:e@f!$&\'()*+,=', '/a;b=c/d:e@f!$&\'()*+,='],
    // dot segments (RFC 3986 §5.2.4)
    ['/public/../admin/config', '/admin/config'],
    ['/a/./b', '/a/b'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['/a/b/../', '/a/'],
    ['/..', '/'],
    ['/../../etc/passwd', '/etc/passwd'],
    ['/a/../..', '/'],
    ['/.', '/'],
    // merged slashes
    ['/v1//chat/completions', '/v1/chat/completions'],
    ['//v1///chat//', '/v1/chat/'],
    ['//', '/'],
    // dots are removed before slashes are merged (as Envoy and the WHATWG parser): '..' pops the empty segment
    ['/a//../b', '/a/b'],
    ['/a/..//b', '/b'],
    // decoding of unreserved escapes (RFC 3986 §6.2.2.2)
    ['/%41%42c', '/ABc'],
    ['/%7euser/%2D%5f%30', '/~user/-_0'],
    ['/public/%2e%2e/admin', '/admin'],
    ['/public/.%2E/admin', '/admin'],
    ['/a/%2e/b', '/a/b'],
    ['/a%2eb', '/a.b'],
    // reserved and other escapes are kept, hex case included
    ['/a%20b/%3a%3F/%25', '/a%20b/%3a%3F/%25'],
    ['/%252e%252e/x', '/%252e%252e/x'],
    // raw backslash is a separator
    ['/a\\b', '/a/b'],
    ['/public\\..\\admin', '/admin'],
    // non-ASCII is left alone (Node hands it over as is)
    ['/café/☕', '/café/☕'],
  ];
  for (const [raw, expected] of cases) {
    it(`${JSON.stringify(raw)} → ${expected}`, () => assert.equal(ok(raw), expected));
  }

  it('returns the input string itself on the fast path, with redirect false', () => {
    const raw = ['/v1', 'chat', 'completions'].join('/');
    const r = normalizePath(raw);
    assert.deepEqual(r, { path: '/v1/chat/completions', redirect: false });
  });
});

describe('normalizePath refusals (400)', () => {
  const cases: [string, string][] = [
    ['', 'not-absolute'],
    ['*', 'not-absolute'],
    ['v1/chat', 'not-absolute'],
    ['http://h/x', 'not-absolute'],
    ['/a\u0000b', 'control-character'],
    ['/a\nb', 'control-character'],
    ['/a\tb', 'control-character'],
    ['/a\u007fb', 'control-character'],
    ['/a b', 'control-character'],
    ['/a#/../admin', 'fragment'],
    ['/a%zz', 'invalid-escape'],
    ['/a%4', 'invalid-escape'],
    ['/a%', 'invalid-escape'],
    ['/a%g1/b', 'invalid-escape'],
    ['/a%00b', 'encoded-nul'],
    ['/public/..%2fadmin', 'encoded-slash'],
    ['/public/..%2Fadmin', 'encoded-slash'],
    ['/a%5cb', 'encoded-slash'],
    ['/a%5Cb', 'encoded-slash'],
  ];
  for (const [raw, why] of cases) {
    it(`${JSON.stringify(raw)} → ${why}`, () => assert.equal(reason(raw), why));
  }
  it('error objects are shared constants (no allocation on refusal)', () => {
    assert.equal(normalizePath('/a%zz'), normalizePath('/b%yy'));
    assert.ok(Object.isFrozen(normalizePath('x')));
  });
});

describe('normalizePath options', () => {
  it("escapedSlashes 'keep' leaves %2F/%5C inside their segment", () => {
    assert.equal(ok('/public/..%2fadmin', { escapedSlashes: 'keep' }), '/public/..%2fadmin');
    assert.equal(ok('/a%5Cb/../c', { escapedSlashes: 'keep' }), '/c');
  });
  it("escapedSlashes 'decode-and-merge' turns them into separators before dot removal", () => {
    assert.equal(ok('/public/..%2fadmin', { escapedSlashes: 'decode-and-merge' }), '/admin');
    assert.equal(ok('/a%2F%2Fb%5cc', { escapedSlashes: 'decode-and-merge' }), '/a/b/c');
    assert.deepEqual(normalizePath('/a%2Fb', { escapedSlashes: 'decode-and-merge' }), { path: '/a/b', redirect: false });
  });
  it("escapedSlashes 'decode-and-redirect' says redirect only when it decoded one", () => {
    assert.deepEqual(normalizePath('/a%2Fb', { escapedSlashes: 'decode-and-redirect' }), { path: '/a/b', redirect: true });
    assert.deepEqual(normalizePath('/a//b', { escapedSlashes: 'decode-and-redirect' }), { path: '/a/b', redirect: false });
  });
  it('mergeSlashes false keeps empty segments but still removes dot segments', () => {
    assert.equal(ok('/a//b/./c', { mergeSlashes: false }), '/a//b/c');
    assert.equal(ok('/a//../b', { mergeSlashes: false }), '/a/b');
    assert.equal(ok('/a/b/..', { mergeSlashes: false }), '/a/');
    assert.equal(ok('/..', { mergeSlashes: false }), '/');
  });
  it("why 'reject' is the default: under 'keep' an upstream that decodes %2F resolves a different path", () => {
    const forwarded = ok('/public/..%2fadmin', { escapedSlashes: 'keep' });
    assert.equal(new URL('http://h' + forwarded.replace(/%2f/gi, '/')).pathname, '/admin');
  });
});

// ---------------------------------------------------------------------------------------------------
// Properties

const ACTIONS: readonly EscapedSlashesAction[] = ['reject', 'keep', 'decode-and-merge', 'decode-and-redirect'];

/** Pieces that exercise every rule; none is re-encoded by the WHATWG parser (see `valid`). */
const PIECES = [
  'a', 'b', 'Z', '0', '-', '_', '~', ';', ':', '@', '!', '$', '=', ',', '|',
  '.', '..', '...', '/', '//', '\\',
  '%2e', '%2E', '%2f', '%2F', '%5c', '%5C', '%41', '%7e', '%7E', '%30', '%25', '%20', '%3A', '%2525',
];
/** Pieces a valid request may not contain, to test refusals. */
const BAD_PIECES = ['%zz', '%4', '%', '%00', '#', '\u0000', ' ', '\t', '\u007f'];

const goodPath = fc.array(fc.constantFrom(...PIECES), { maxLength: 14 }).map((xs) => '/' + xs.join(''));
const anyPath = fc
  .tuple(fc.boolean(), fc.array(fc.constantFrom(...PIECES, ...BAD_PIECES), { maxLength: 14 }))
  .map(([slash, xs]) => (slash ? '/' : '') + xs.join(''));
const action = fc.constantFrom(...ACTIONS);
const options = fc.record({ escapedSlashes: action, mergeSlashes: fc.boolean() });

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** Decodes escapes of unreserved characters only (what the gateway does; never %25 or %2F). */
function decodeUnreserved(s: string): string {
  return s.replace(/%([0-9A-Fa-f]{2})/g, (m, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : m;
  });
}

/**
 * The reference: the WHATWG URL parser (Node's `URL`) resolves the raw path (after the same
 * encoded-slash rule), then slashes are merged and unreserved escapes decoded. The WHATWG parser
 * treats '\' as '/' and '.%2e', '%2E.' … as dot segments, exactly as a browser or a Node upstream would.
 */
function reference(raw: string, act: EscapedSlashesAction): string | undefined {
  if (act === 'reject' && /%(2f|5c)/i.test(raw)) return undefined;
  const pre = act === 'keep' ? raw : raw.replace(/%(2f|5c)/gi, '/');
  const resolved = new URL('http://h' + pre).pathname;
  return decodeUnreserved(resolved.replace(/\/{2,}/g, '/'));
}

/** Gateway API PathPrefix: segment-wise; a trailing '/' on the prefix has no effect. */
function under(prefix: string, path: string): boolean {
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return p === '' || path === p || path.startsWith(p + '/');
}

function pathOf(r: PathResult): string | undefined {
  return isPathError(r) ? undefined : r.path;
}

describe('normalizePath properties', () => {
  it('is idempotent under every option', () => {
    fc.assert(
      fc.property(anyPath, options, (raw, opts) => {
        const once = pathOf(normalizePath(raw, opts));
        if (once === undefined) return;
        assert.equal(pathOf(normalizePath(once, opts)), once);
      }),
      { numRuns: 3000 },
    );
  });

  it("output starts with '/', has no dot segment, no '//', no backslash and no encoded unreserved character", () => {
    fc.assert(
      fc.property(anyPath, action, (raw, act) => {
        const out = pathOf(normalizePath(raw, { escapedSlashes: act }));
        if (out === undefined) return;
        assert.ok(out.startsWith('/'));
        for (const bad of ['/./', '/../', '//', '\\']) assert.ok(!out.includes(bad), `${out} contains ${bad}`);
        assert.ok(!out.endsWith('/.') && !out.endsWith('/..'), out);
        assert.equal(decodeUnreserved(out), out);
        if (act !== 'keep') assert.ok(!/%(2f|5c)/i.test(out), out);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses exactly the paths with a bad character, a bad escape, or (reject) an encoded slash', () => {
    fc.assert(
      fc.property(anyPath, (raw) => {
        const refused = isPathError(normalizePath(raw));
        const bad =
          !raw.startsWith('/') ||
          [...raw].some((ch) => ch.charCodeAt(0) <= 0x20 || ch === '\u007f' || ch === '#') ||
          /%(?![0-9A-Fa-f]{2})/.test(raw) ||
          /%00|%2f|%5c/i.test(raw);
        assert.equal(refused, bad, raw);
      }),
      { numRuns: 3000 },
    );
  });

  it('equals the WHATWG reference (resolve, merge slashes, decode unreserved) for every valid path', () => {
    fc.assert(
      fc.property(goodPath, fc.constantFrom<EscapedSlashesAction>('reject', 'decode-and-merge'), (raw, act) => {
        assert.equal(pathOf(normalizePath(raw, { escapedSlashes: act })), reference(raw, act), raw);
      }),
      { numRuns: 5000 },
    );
  });

  it('never widens a match: if the canonical path is under a prefix, the reference resolution is too', () => {
    const prefix = goodPath.map((p) => pathOf(normalizePath(p))).filter((p): p is string => p !== undefined);
    fc.assert(
      fc.property(prefix, goodPath, fc.constantFrom<EscapedSlashesAction>('reject', 'decode-and-merge'), (P, raw, act) => {
        const out = pathOf(normalizePath(raw, { escapedSlashes: act }));
        if (out === undefined || !under(P, out)) return;
        const ref = reference(raw, act);
        assert.ok(ref !== undefined && under(P, ref), `${raw} → ${out} under ${P}, reference ${String(ref)}`);
      }),
      { numRuns: 5000 },
    );
  });

  it('what is forwarded is what was judged: an upstream resolving the output again gets the same string', () => {
    // The canonical path q is forwarded. Any upstream that applies WHATWG/RFC 3986 resolution,
    // unreserved decoding or slash merging to q arrives at q, so it serves the path the route (and
    // any prefix-based policy) was decided on. With 'reject' (the default) q holds no %2F/%5C, so an
    // upstream that decodes those cannot split a segment either.
    fc.assert(
      fc.property(goodPath, (raw) => {
        const q = pathOf(normalizePath(raw));
        if (q === undefined) return;
        assert.equal(new URL('http://h' + q).pathname, q);
        assert.equal(decodeUnreserved(q), q);
        assert.equal(q.replace(/\/{2,}/g, '/'), q);
        assert.equal(new URL('http://h' + q.replace(/%(2f|5c)/gi, '/')).pathname, q);
      }),
      { numRuns: 3000 },
    );
  });
});
