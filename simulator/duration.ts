// Duration values as llm-d-inference-sim accepts them on its command line: Go duration strings
// ("10ms", "1.5s", "250us", "1m30s") or, in the deprecated integer form, a plain number of milliseconds.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign, as Go accepts
  'μs': 1e-3, // U+03BC Greek mu, as Go accepts
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PLAIN_NUMBER = /^\d+(\.\d+)?$/;
const GO_TERM = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;

/**
 * Parses a non-negative duration into milliseconds. Returns undefined when the text is neither a plain
 * non-negative number nor a Go duration string, so the caller can report the flag by name.
 */
export function parseDurationMs(text: string): number | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  if (PLAIN_NUMBER.test(s)) return Number(s);
  let rest = s.startsWith('+') ? s.slice(1) : s;
  if (rest === '0') return 0;
  let total = 0;
  let terms = 0;
  while (rest.length > 0) {
    const m = GO_TERM.exec(rest);
    if (!m) return undefined;
    const [whole, amount, unit] = m;
    total += Number(amount) * (UNIT_MS[unit as string] ?? Number.NaN);
    rest = rest.slice(whole.length);
    terms++;
  }
  return terms > 0 && Number.isFinite(total) ? total : undefined;
}
