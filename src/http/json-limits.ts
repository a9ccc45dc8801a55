// Limits on the shape of a JSON request body, checked on the raw bytes before JSON.parse sees them.
//
// V8's JSON.parse is iterative, so a body of 100,000 nested arrays parses; but everything after it
// that walks the value recursively (JSON.stringify when a translator rewrites the body, prompt
// rendering, structuredClone) overflows the stack. And a body made of nothing but `[]` or `{}` is
// 15-30x larger once parsed than on the wire. So the gateway refuses, before parsing, a body that
// nests deeper than `maxDepth` or holds more than `maxContainers` arrays and objects.
//
// The scan is one pass over the bytes that counts brackets outside strings. Outside strings it looks at
// every byte through a class table; inside a string it looks at up to SHORT_STRING bytes itself and
// then lets Buffer#indexOf (native) find the closing quote, so the text of long prompts costs almost
// nothing. UTF-8 continuation and lead bytes are all ≥ 0x80 and never look like `"`, `\`, brackets.
// It stops at the first limit exceeded. It does not validate JSON: JSON.parse does that afterwards
// (an unterminated string or unbalanced brackets end the scan with no verdict, and the parser
// reports the syntax error).

/** Default limits: deeper or larger bodies are not plausible API requests. */
export const DEFAULT_MAX_JSON_DEPTH = 128;
/**
 * 100,000 arrays and objects: a request with 300 tool schemas has about 3,000; an embeddings batch of
 * 2,048 token-id lists about 2,050. Parsed, 100,000 empty objects take about 6 MB of heap.
 */
export const DEFAULT_MAX_JSON_CONTAINERS = 100_000;

export interface JsonShapeLimits {
  /** Deepest nesting of arrays and objects allowed (the top-level object is depth 1). */
  readonly maxDepth: number;
  /** Most arrays and objects allowed in the whole document. */
  readonly maxContainers: number;
}

export type JsonShapeVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly limit: 'depth' | 'containers'; /** Byte offset where the limit was crossed. */ readonly at: number };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** 0: nothing to do, 1: `"`, 2: `[` or `{`, 3: `]` or `}`. */
const CLASS = new Uint8Array(256);
CLASS[QUOTE] = 1;
CLASS[0x5b] = 2;
CLASS[0x7b] = 2;
CLASS[0x5d] = 3;
CLASS[0x7d] = 3;
/** Strings up to this many bytes are skipped in JavaScript; longer ones through the native search. */
const SHORT_STRING = 32;

const OK: JsonShapeVerdict = { ok: true };

/** Checks the nesting depth and the number of arrays and objects of the JSON text in `buf`. */
export function checkJsonShape(buf: Buffer, limits: JsonShapeLimits): JsonShapeVerdict {
  const { maxDepth, maxContainers } = limits;
  const n = buf.length;
  let depth = 0;
  let containers = 0;
  let i = 0;
  while (i < n) {
    const k = CLASS[buf[i]!]!;
    if (k === 0) {
      i++;
      continue;
    }
    if (k === 1) {
      const end = closingQuote(buf, i + 1, n);
      if (end < 0) return OK;
      i = end + 1;
      continue;
    }
    if (k === 2) {
      if (++depth > maxDepth) return { ok: false, limit: 'depth', at: i };
      if (++containers > maxContainers) return { ok: false, limit: 'containers', at: i };
    } else {
      depth--;
    }
    i++;
  }
  return OK;
}

/** The index of the quote that closes a string whose first content byte is at `from`, or -1. */
function closingQuote(buf: Buffer, from: number, n: number): number {
  let j = from;
  const limit = from + SHORT_STRING < n ? from + SHORT_STRING : n;
  while (j < limit) {
    const c = buf[j]!;
    if (c === QUOTE) return j;
    j += c === BACKSLASH ? 2 : 1;
  }
  // A long string: find a quote natively, then count the backslashes before it (an odd number
  // escapes it). The count stops at the opening quote at the latest.
  if (j > limit) j = limit;
  for (;;) {
    j = buf.indexOf(QUOTE, j);
    if (j < 0) return -1;
    let p = j - 1;
    while (buf[p] === BACKSLASH) p--;
    if (((j - 1 - p) & 1) === 0) return j;
    j++;
  }
}
