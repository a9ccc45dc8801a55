// The runnable snippets of the project's Markdown: a fenced block whose opening fence is preceded by a
// line `<!-- runnable -->` (blank lines between are allowed) is run by test/docs/snippets.test.ts.
// Options go inside the marker: `<!-- runnable with=examples/quickstart/gateway.yaml -->` validates a
// YAML block together with those files (comma-separated, relative to the repository root), for a
// snippet that refers to a Gateway it does not define; `warnings-ok` lets a YAML block validate with
// warnings (for a doc that shows one on purpose).
//
// Fences follow CommonMark's basics: three or more backticks or tildes, closed by a fence of the same
// character at least as long; an unclosed block runs to the end of the document (and is reported).

export interface Snippet {
  /** The info string's first word, lower-cased (`sh`, `yaml`, `ts` …; empty when none). */
  readonly lang: string;
  readonly code: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly with: readonly string[];
  readonly warningsOk: boolean;
  /** false when the document ended before the closing fence. */
  readonly closed: boolean;
}

const MARKER = /^\s*<!--\s*runnable\b(.*?)-->\s*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/;

/** Every block marked runnable, in document order. */
export function runnableSnippets(markdown: string): Snippet[] {
  const lines = markdown.split(/\r?\n/);
  const out: Snippet[] = [];
  let marker: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = MARKER.exec(line);
    if (m) {
      marker = m[1]!;
      continue;
    }
    const fence = FENCE.exec(line);
    if (!fence) {
      if (line.trim() !== '') marker = undefined;
      continue;
    }
    // A block, marked or not: find its end so that fences inside it are not read as openings.
    const open = fence[1]!;
    const body: string[] = [];
    let closed = false;
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(lines[j]!);
      if (close && close[1]![0] === open[0] && close[1]!.length >= open.length) {
        closed = true;
        break;
      }
      body.push(lines[j]!);
    }
    if (marker !== undefined) {
      const opts = marker.trim().split(/\s+/).filter(Boolean);
      const withOpt = opts.find((o) => o.startsWith('with='));
      out.push({
        lang: fence[2]!.toLowerCase(),
        code: body.join('\n') + (body.length > 0 ? '\n' : ''),
        line: i + 1,
        with: withOpt ? withOpt.slice('with='.length).split(',').filter(Boolean) : [],
        warningsOk: opts.includes('warnings-ok'),
        closed,
      });
    }
    marker = undefined;
    i = j;
  }
  return out;
}

/** The quickstart's documented origins, and what a test serves them on instead. */
export interface Origins {
  readonly listener: string;
  readonly admin: string;
}

/**
 * A snippet written for the quickstart (`npm start`: http://127.0.0.1:8080, admin :9901) made to run
 * against a gateway on other ports, with `npx sluice` run from source (`sluiceCommand`).
 */
export function retarget(code: string, origins: Origins, sluiceCommand: string): string {
  return code
    .replace(/http:\/\/(?:127\.0\.0\.1|localhost):8080/g, origins.listener)
    .replace(/http:\/\/(?:127\.0\.0\.1|localhost):9901/g, origins.admin)
    .replace(/\bnpx sluice\b/g, sluiceCommand);
}
