// Loads multi-document YAML from files, directories and stdin, keeping each document's position so
// that later validation errors can point at the exact line of a field.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, isMap, isScalar, parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';
import type { Problem, SourceLocation } from './problems.ts';

export interface SourceDocument {
  readonly file: string;
  /** 1-based index within the file. */
  readonly document: number;
  /** 1-based line where the document starts. */
  readonly line: number;
  /** The plain JS value of the document. */
  readonly value: unknown;
  /** The line of a field path inside this document (the nearest existing ancestor when absent). */
  lineOf(path: readonly PropertyKey[]): number;
  locationOf(path: readonly PropertyKey[]): SourceLocation;
}

export interface LoadResult {
  readonly documents: SourceDocument[];
  readonly problems: Problem[];
  /** Every file read, for the watcher. */
  readonly files: string[];
}

const YAML_FILE = /\.(ya?ml|json)$/i;

/** Expands `-f` arguments: a directory yields its YAML/JSON files (sorted, not recursive, like kubectl). */
export function expandPaths(paths: readonly string[]): { files: string[]; problems: Problem[] } {
  const files: string[] = [];
  const problems: Problem[] = [];
  for (const p of paths) {
    if (p === '-') {
      files.push('-');
      continue;
    }
    let st;
    try {
      st = statSync(p);
    } catch {
      problems.push({ severity: 'error', message: `cannot read ${p}: no such file or directory (check the -f argument)` });
      continue;
    }
    if (st.isDirectory()) {
      const entries = readdirSync(p).filter((n) => YAML_FILE.test(n)).sort();
      if (entries.length === 0) problems.push({ severity: 'warning', message: `directory ${p} holds no .yaml, .yml or .json files` });
      for (const n of entries) files.push(join(p, n));
    } else {
      files.push(p);
    }
  }
  return { files, problems };
}

export function loadFiles(paths: readonly string[], readStdin: () => string = () => readFileSync(0, 'utf8')): LoadResult {
  const { files, problems } = expandPaths(paths);
  const documents: SourceDocument[] = [];
  for (const file of files) {
    const name = file === '-' ? '<stdin>' : file;
    let text: string;
    try {
      text = file === '-' ? readStdin() : readFileSync(file, 'utf8');
    } catch (err) {
      problems.push({ severity: 'error', message: `cannot read ${name}: ${(err as Error).message}` });
      continue;
    }
    const parsed = parseYamlText(name, text);
    documents.push(...parsed.documents);
    problems.push(...parsed.problems);
  }
  return { documents, problems, files: files.filter((f) => f !== '-') };
}

/** Parses one file's text into documents; empty documents (e.g. a trailing `---`) are skipped. */
export function parseYamlText(file: string, text: string, env: Readonly<Record<string, string | undefined>> = process.env): { documents: SourceDocument[]; problems: Problem[] } {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const documents: SourceDocument[] = [];
  const problems: Problem[] = [];
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const index = i + 1;
    const startOffset = doc.contents?.range?.[0] ?? doc.range?.[0] ?? 0;
    const line = lineCounter.linePos(startOffset).line;
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const at = e.pos?.[0] !== undefined ? lineCounter.linePos(e.pos[0]).line : line;
        problems.push({ severity: 'error', location: { file, document: index, line: at }, message: `YAML syntax: ${firstLine(e.message)}` });
      }
      return;
    }
    const raw: unknown = doc.toJS({ maxAliasCount: 100 });
    if (raw === null || raw === undefined) return;
    const missing = new Set<string>();
    const value = expandEnv(raw, env, missing);
    for (const name of missing) {
      problems.push({ severity: 'error', location: { file, document: index, line }, message: `environment variable ${name} is not set (the document uses \${${name}}); export it, or write $\${${name}} for a literal \${${name}}` });
    }
    documents.push(makeSourceDocument(file, index, line, value, doc, lineCounter));
  });
  return { documents, problems };
}

function makeSourceDocument(file: string, index: number, line: number, value: unknown, doc: Document.Parsed, lc: LineCounter): SourceDocument {
  const lineOf = (path: readonly PropertyKey[]): number => {
    // Walk down to the deepest existing node on the path; for a mapping key, report the key's line.
    for (let n = path.length; n >= 0; n--) {
      const last = path[n - 1];
      if (n > 0 && typeof last === 'string') {
        const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1) as unknown[], true);
        if (isMap(parent)) {
          const pair = parent.items.find((it) => isScalar(it.key) && it.key.value === last);
          const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
          if (range) return lc.linePos(range[0]).line;
        }
      }
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) return lc.linePos(range[0]).line;
    }
    return line;
  };
  return {
    file,
    document: index,
    line,
    value,
    lineOf,
    locationOf: (path) => ({ file, document: index, line: lineOf(path) }),
  };
}

const ENV_REFERENCE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * `${NAME}` in string values is replaced by the environment variable NAME, as Envoy AI Gateway's
 * `aigw run` does, so keys can stay out of the files (e.g. a Secret's `stringData: {apiKey: ${OPENAI_API_KEY}}`).
 * `$${NAME}` stays a literal `${NAME}`. Only string values are expanded, never keys.
 */
export function expandEnv(value: unknown, env: Readonly<Record<string, string | undefined>>, missing: Set<string>): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    return value.replace(ENV_REFERENCE, (whole, escape: string, name: string) => {
      if (escape) return whole.slice(1);
      const v = env[name];
      if (v === undefined) {
        missing.add(name);
        return whole;
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v) => expandEnv(v, env, missing));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expandEnv(v, env, missing);
    return out;
  }
  return value;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
