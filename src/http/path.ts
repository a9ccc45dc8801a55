// The canonical request path: what the route table matches AND what is forwarded upstream (DESIGN.md
// §5, trust boundaries: "paths are normalised before matching"). Because the same string is matched
// and forwarded, an upstream that resolves the path again (RFC 3986 dot segments, WHATWG URL parsing,
// decoding of unreserved escapes, slash merging) arrives at the string the route was judged by: the
// output is a fixed point of all of those. The tests check this as a property.
//
// Rules, in order (the order is Envoy's: normalize_path first, merge_slashes after):
//  1. The path must start with '/'. Asterisk-form (`OPTIONS *`) and absolute-form request targets
//     are the caller's business and are rejected here.
//  2. Raw control characters (0x00–0x1F, 0x7F), space and '#' are rejected: none is allowed in an
//     origin-form request target (RFC 9112 §3.2.1, RFC 3986 §3.3), and a '#' would start a fragment
//     for any URL parser downstream.
//  3. Percent escapes must be '%' + two hex digits; '%00' is rejected (an encoded NUL is never a
//     legitimate path byte and is truncation bait for C upstreams). Escapes of unreserved characters
//     (ALPHA / DIGIT / '-' / '.' / '_' / '~') are decoded, as RFC 3986 §6.2.2.2 and Envoy's
//     normalize_path do (%41 → A, %2E → '.'). Every other escape is kept byte for byte (its hex case
//     too: nothing here changes case, and routes decide case-sensitivity).
//  4. Encoded slashes and backslashes (%2F, %5C, any case) follow `escapedSlashes`:
//       'reject' (default here): the request is answered 400. This is the only action under which an
//         upstream that decodes %2F after routing cannot see segments the gateway never judged.
//       'keep': left as they are, inside their segment (Envoy's own default, KEEP_UNCHANGED).
//       'decode-and-merge': decoded to '/' and then treated as separators (UNESCAPE_AND_FORWARD).
//       'decode-and-redirect': as decode-and-merge, and the result says `redirect: true` so the
//         caller answers with a redirect to the canonical path (Envoy Gateway's ClientTrafficPolicy
//         default, UnescapeAndRedirect).
//     The upstream defaults, for reference: Envoy's path_with_escaped_slashes_action defaults to
//     KEEP_UNCHANGED; Envoy Gateway's `path.escapedSlashesAction` defaults to UnescapeAndRedirect.
//     Sluice defaults to 'reject' on purpose: a path whose segments depend on who decodes it is
//     refused at the trust boundary rather than forwarded with a guess.
//  5. A raw backslash is a separator, as the WHATWG URL parser treats it for http(s) and as many
//     upstream servers do; it becomes '/'.
//  6. Dot segments ('.', '..', after step 3's decoding) are removed per RFC 3986 §5.2.4; '..' above
//     the root stays at the root. A path ending in a dot segment keeps a trailing '/' ('/a/b/..' →
//     '/a/').
//  7. Repeated slashes are merged (Envoy's merge_slashes; Envoy Gateway merges by default).
//  A trailing slash is kept: '/v1/chat/completions/' stays as it is; Exact matches decide.
//
// Fast path: a path with none of '%', '\\', '//', a dot segment, a control character, space or '#'
// is returned as the very input string (no string is built; the only allocation is the small result
// object). Micro-benchmark (Node 20.20, tsx, 2 shared cores under load; median of 7 runs of 5M calls,
// with a bare loop reading every char code of the same string as the same-run reference):
//   '/v1/chat/completions'         ~45 ns/op (min 36)   1.7x the bare scan   fast path
//   '/v1//chat/./completions'     ~170 ns/op            5.4x                 merge + dot removal
//   '/public/%2e%2e/admin/%41bc'  ~270 ns/op            6.4x                 decoding + dot removal
// Absolute figures on this machine moved by 2x between runs; the ratios held.

/** What to do with %2F and %5C (encoded '/' and '\'). */
export type EscapedSlashesAction = 'reject' | 'keep' | 'decode-and-merge' | 'decode-and-redirect';

export interface PathOptions {
  /** Default 'reject' (see rule 4 above for the upstream defaults). */
  readonly escapedSlashes?: EscapedSlashesAction;
  /** Merge repeated slashes (default true, as Envoy Gateway's `disableMergeSlashes: false`). */
  readonly mergeSlashes?: boolean;
}

export type PathErrorReason =
  | 'not-absolute'
  | 'control-character'
  | 'fragment'
  | 'invalid-escape'
  | 'encoded-nul'
  | 'encoded-slash';

/** The request is answered 400; `reason` is for logs (never echo the path itself). */
export interface PathError {
  readonly error: 'bad-request';
  readonly reason: PathErrorReason;
}

export interface PathOk {
  /** The canonical path: match on it and forward it (append the original query unchanged). */
  readonly path: string;
  /**
   * True only under 'decode-and-redirect' when an encoded slash was decoded: answer with a redirect
   * to `path` (plus the original query) instead of routing.
   */
  readonly redirect: boolean;
}

export type PathResult = PathOk | PathError;

// One frozen object per reason: errors allocate nothing.
const ERRORS: { readonly [R in PathErrorReason]: PathError } = {
  'not-absolute': Object.freeze({ error: 'bad-request', reason: 'not-absolute' }),
  'control-character': Object.freeze({ error: 'bad-request', reason: 'control-character' }),
  fragment: Object.freeze({ error: 'bad-request', reason: 'fragment' }),
  'invalid-escape': Object.freeze({ error: 'bad-request', reason: 'invalid-escape' }),
  'encoded-nul': Object.freeze({ error: 'bad-request', reason: 'encoded-nul' }),
  'encoded-slash': Object.freeze({ error: 'bad-request', reason: 'encoded-slash' }),
};

export function isPathError(r: PathResult): r is PathError {
  return 'error' in r;
}

const SLASH = 0x2f;
const DOT = 0x2e;
const PERCENT = 0x25;
const BACKSLASH = 0x5c;
const HASH = 0x23;

/**
 * The canonical form of `raw` (the request target's path, without '?' and the query), or why the
 * request must be refused with 400. Pure; never throws.
 */
export function normalizePath(raw: string, options?: PathOptions): PathResult {
  const n = raw.length;
  if (n === 0 || raw.charCodeAt(0) !== SLASH) return ERRORS['not-absolute'];
  // Scan for anything that needs work. Most requests ('/v1/chat/completions') need none.
  // Letters and digits (> 0x2f) cost one comparison plus the '\\'/DEL test.
  for (let i = 0; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (c > SLASH) {
      if (c === BACKSLASH || c === 0x7f) return slowPath(raw, options);
    } else if (c === SLASH) {
      if (i + 1 < n) {
        const d = raw.charCodeAt(i + 1);
        if (d === SLASH || (d === DOT && isDotSegmentAt(raw, i + 1))) return slowPath(raw, options);
      }
    } else if (c <= 0x20 || c === PERCENT || c === HASH) {
      return slowPath(raw, options);
    }
  }
  return { path: raw, redirect: false };
}

/** Whether the segment starting at `start` (just after a '/') is '.' or '..' in raw form. */
function isDotSegmentAt(s: string, start: number): boolean {
  const n = s.length;
  // s[start] is '.'
  if (start + 1 === n || s.charCodeAt(start + 1) === SLASH) return true;
  if (s.charCodeAt(start + 1) !== DOT) return false;
  return start + 2 === n || s.charCodeAt(start + 2) === SLASH;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20; // ASCII lower case
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** RFC 3986 §2.3 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~". */
function isUnreserved(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === DOT || b === 0x5f || b === 0x7e
  );
}

function slowPath(raw: string, options: PathOptions | undefined): PathResult {
  const action = options?.escapedSlashes ?? 'reject';
  const merge = options?.mergeSlashes ?? true;
  let redirect = false;

  // Pass 1: validate, decode unreserved escapes, turn separators ('/', '\', decoded %2F/%5C) into '/'.
  let s = '';
  let runStart = 0; // start of the pending run of characters copied verbatim
  const n = raw.length;
  for (let i = 0; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return ERRORS['control-character'];
    if (c === HASH) return ERRORS.fragment;
    if (c === BACKSLASH) {
      s += raw.slice(runStart, i) + '/';
      runStart = i + 1;
      continue;
    }
    if (c !== PERCENT) continue;
    if (i + 2 >= n) return ERRORS['invalid-escape'];
    const hi = hexValue(raw.charCodeAt(i + 1));
    const lo = hexValue(raw.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) return ERRORS['invalid-escape'];
    const b = (hi << 4) | lo;
    if (b === 0) return ERRORS['encoded-nul'];
    if (isUnreserved(b)) {
      s += raw.slice(runStart, i) + String.fromCharCode(b);
      runStart = i + 3;
    } else if (b === SLASH || b === BACKSLASH) {
      if (action === 'reject') return ERRORS['encoded-slash'];
      if (action !== 'keep') {
        s += raw.slice(runStart, i) + '/';
        runStart = i + 3;
        if (action === 'decode-and-redirect') redirect = true;
      }
    }
    i += 2; // other escapes (and kept %2F/%5C) stay in the verbatim run
  }
  s += raw.slice(runStart);

  // Pass 2: dot-segment removal over the '/'-separated segments, then merging of empty segments.
  // Envoy removes dot segments with empty segments still present and merges afterwards
  // ('/a//../b' → '/a/b'); so does the WHATWG parser before any merge. The same order here.
  const out: string[] = [];
  let trailing = false; // the path ends in '/' (or in a dot segment, which leaves one)
  let segStart = 1;
  const m = s.length;
  for (let i = 1; i <= m; i++) {
    if (i < m && s.charCodeAt(i) !== SLASH) continue;
    const len = i - segStart;
    const last = i === m;
    if (len === 1 && s.charCodeAt(segStart) === DOT) {
      trailing = last;
    } else if (len === 2 && s.charCodeAt(segStart) === DOT && s.charCodeAt(segStart + 1) === DOT) {
      out.pop();
      trailing = last;
    } else {
      // An empty segment ('//' or the final '/') is kept here and merged below.
      out.push(s.slice(segStart, i));
      trailing = false;
    }
    segStart = i + 1;
  }
  let path = '';
  if (merge) {
    for (const seg of out) if (seg.length > 0) path += '/' + seg;
    // A final empty segment (the path ended in '/') or a final dot segment leaves a trailing slash.
    if (trailing || (out.length > 0 && out[out.length - 1] === '')) path += '/';
    if (path.length === 0) path = '/';
  } else {
    path = '/' + out.join('/');
    if (trailing && out.length > 0) path += '/';
  }
  return { path, redirect };
}
