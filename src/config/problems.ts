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

export function formatProblem(problem: Problem): string {
  const p = withoutSecretValues(problem);
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

/** Fields of a Secret that say what it is, not what it holds. */
const SECRET_ENVELOPE = /^(apiVersion|kind|metadata)(\.|\[|$)/;

/** Whether a problem is about what a Secret holds (any field but apiVersion, kind and metadata). */
export function isAboutSecretContent(p: Problem): boolean {
  return p.resource !== undefined && p.resource.startsWith('Secret ') && !SECRET_ENVELOPE.test(p.field ?? '');
}

/**
 * A problem about what a Secret holds, with anything that quotes a received value taken out: the
 * messages Sluice writes for Secrets never quote values (config/validate.ts), and this is the last
 * guard wherever problems are shown (log lines, /api/status), against a message that still does
 * ("(got …)", the form every schema message uses). Other problems are returned as they are.
 */
export function withoutSecretValues(p: Problem): Problem {
  if (!isAboutSecretContent(p) || !/\(got /.test(p.message)) return p;
  return { ...p, message: p.message.replace(/\s*\(got [^)]*\)?/g, ' (the value is not shown)') };
}

/**
 * Replaces every occurrence of `values` in a problem's message with `<redacted>`. Values shorter than
 * four characters are left alone: they cannot be told from ordinary words and numbers.
 */
export function redactValues(p: Problem, values: ReadonlySet<string>): Problem {
  let message = p.message;
  for (const v of values) if (v.length >= 4 && message.includes(v)) message = message.split(v).join('<redacted>');
  return message === p.message ? p : { ...p, message };
}
