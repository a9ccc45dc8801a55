// A problem found while loading, validating or resolving configuration. Every problem names where it
// is (file, document, line), what it is about (Kind namespace/name), the field path and the reason,
// so a user can go straight to the line and fix it.

export type Severity = 'error' | 'warning';

export interface SourceLocation {
  /** File path as given by the user (or `<stdin>`). */
  readonly file: string;
  /** 1-based index of the YAML document within the file. */
  readonly document: number;
  /** 1-based line of the document (or of the offending field, when known). */
  readonly line: number;
}

export interface Problem {
  readonly severity: Severity;
  readonly location?: SourceLocation | undefined;
  /** `Kind namespace/name` (or `Kind name` for cluster-scoped kinds). */
  readonly resource?: string | undefined;
  /** Dotted field path such as `spec.listeners[0].port`. */
  readonly field?: string | undefined;
  readonly message: string;
}

export function formatProblem(p: Problem): string {
  const parts: string[] = [];
  if (p.location) parts.push(`${p.location.file}:${p.location.line} (document ${p.location.document})`);
  parts.push(p.severity);
  if (p.resource) parts.push(p.resource);
  if (p.field) parts.push(p.field);
  return `${parts.join(': ')}: ${p.message}`;
}

/** Formats a path such as ['spec', 'listeners', 0, 'port'] as `spec.listeners[0].port`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}
