// A renderer for the subset of Helm templates (Go text/template + a few sprig/Helm functions) that
// deploy/helm/sluice uses, so the chart can be rendered and checked in tests without a helm binary.
// It is NOT Helm: it implements exactly what the chart needs and throws on anything else, so a template
// that leaves the subset fails the tests instead of rendering differently from Helm.
//
// Supported:
// - actions `{{ }}` with trim markers `{{- ` / ` -}}`, comments `{{/* */}}`;
// - if / else if / else, range (lists, maps in sorted key order, `$k, $v :=`), with / else, define, end;
// - pipelines `a | b`, parentheses, variables (`$`, `$x :=`, `$x =`), fields `.A.b`, `$x.a`;
// - literals: "strings" (Go escapes as JSON), `raw strings`, numbers, true, false, nil;
// - functions: include, toYaml, toJson, nindent, indent, quote, default, required, fail, printf (%s %v %q),
//   trunc, trimSuffix, contains, hasKey, empty, and, or (short-circuit, Go ≥ 1.18), not, eq and ne on
//   strings and booleans only (Helm's values hold float64 and template literals are int: comparing
//   numbers differs between the two, so it is refused here), list, dict.
// Values follow Helm: numbers are float64 (printed as Go's %v does: 1e+06 for a million), a missing
// key is nil and prints as nothing, a field of nil is an error, maps range in key order, and toYaml
// sorts keys and drops the final newline. Values are merged like Helm's (maps deep, lists replaced,
// null deletes a default).
import { stringify } from 'yaml';

type Value = unknown;
type Scope = Map<string, Value>;

interface FieldArg {
  readonly t: 'field';
  /** '.' for dot, '$' or '$name' for a variable. */
  readonly base: string;
  readonly path: readonly string[];
}
type Arg = FieldArg | { readonly t: 'ident'; readonly name: string } | { readonly t: 'lit'; readonly v: Value } | { readonly t: 'sub'; readonly pipe: Pipe; readonly path: readonly string[] };
interface Pipe {
  readonly decl?: { readonly names: readonly string[]; readonly assign: boolean };
  readonly cmds: readonly (readonly Arg[])[];
}
type Node =
  | { readonly t: 'text'; readonly s: string }
  | { readonly t: 'action'; readonly pipe: Pipe }
  | { readonly t: 'if' | 'with'; readonly pipe: Pipe; readonly body: Node[]; readonly alt: Node[] }
  | { readonly t: 'range'; readonly pipe: Pipe; readonly body: Node[]; readonly alt: Node[] };

export class TemplateError extends Error {}

// ---------------------------------------------------------------------------------------------------
// Lexing and parsing

interface RawAction {
  readonly text: string;
  readonly line: number;
}

/** Splits a template into text and action pieces, applying trim markers. */
function split(src: string, file: string): (string | RawAction)[] {
  const out: (string | RawAction)[] = [];
  let pos = 0;
  while (pos < src.length) {
    const open = src.indexOf('{{', pos);
    if (open < 0) {
      out.push(src.slice(pos));
      break;
    }
    const close = src.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError(`${file}: unclosed action`);
    let text = src.slice(pos, open);
    let inner = src.slice(open + 2, close);
    const line = src.slice(0, open).split('\n').length;
    if (/^-[ \t\r\n]/.test(inner)) {
      text = text.replace(/[ \t\r\n]+$/, '');
      inner = inner.slice(1);
    }
    let trimRight = false;
    if (/[ \t\r\n]-$/.test(inner)) {
      trimRight = true;
      inner = inner.slice(0, -1);
    }
    out.push(text);
    out.push({ text: inner.trim(), line });
    pos = close + 2;
    if (trimRight) {
      const m = /^[ \t\r\n]*/.exec(src.slice(pos));
      pos += m ? m[0].length : 0;
    }
  }
  return out;
}

const TOKEN = /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|(\$[A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)|((?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.)|([A-Za-z_][A-Za-z0-9_]*)|(:=|=|\||\(|\)|,))/y;

/** `sp`: whitespace came before the token (`(x).F` chains a field, `(x) .F` is another argument). */
type Tok = { k: 'str' | 'num' | 'var' | 'field' | 'ident' | 'punct'; v: string; sp?: boolean };

function tokenize(text: string, where: string): Tok[] {
  const toks: Tok[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) throw new TemplateError(`${where}: cannot read ${JSON.stringify(text.slice(start))}`);
    const sp = /^\s/.test(m[0]);
    if (m[1] !== undefined) toks.push({ k: 'str', v: JSON.parse(m[1]) as string , sp });
    else if (m[2] !== undefined) toks.push({ k: 'str', v: m[2].slice(1, -1) , sp });
    else if (m[3] !== undefined) toks.push({ k: 'num', v: m[3] , sp });
    else if (m[4] !== undefined) toks.push({ k: 'var', v: m[4] , sp });
    else if (m[5] !== undefined) toks.push({ k: 'field', v: m[5] , sp });
    else if (m[6] !== undefined) toks.push({ k: 'ident', v: m[6] , sp });
    else toks.push({ k: 'punct', v: m[7] ?? '' , sp });
  }
  return toks;
}

function parsePipe(toks: Tok[], where: string): Pipe {
  let i = 0;
  let decl: Pipe['decl'];
  // `$a :=`, `$a, $b :=` or `$a =`
  const names: string[] = [];
  let j = 0;
  while (toks[j]?.k === 'var' && !toks[j]!.v.includes('.')) {
    names.push(toks[j]!.v);
    if (toks[j + 1]?.v === ',') j += 2;
    else break;
  }
  const op = toks[j + 1];
  if (names.length > 0 && op?.k === 'punct' && (op.v === ':=' || op.v === '=')) {
    decl = { names, assign: op.v === '=' };
    i = j + 2;
  }
  const parseUntil = (stop: (t: Tok) => boolean): Pipe['cmds'] => {
    const cmds: Arg[][] = [[]];
    while (i < toks.length && !stop(toks[i]!)) {
      const t = toks[i++]!;
      const cmd = cmds[cmds.length - 1]!;
      if (t.k === 'punct' && t.v === '|') {
        cmds.push([]);
      } else if (t.k === 'punct' && t.v === '(') {
        const sub = parseUntil((x) => x.k === 'punct' && x.v === ')');
        if (toks[i]?.v !== ')') throw new TemplateError(`${where}: unclosed (`);
        i++;
        let path: string[] = [];
        if (toks[i]?.k === 'field' && !toks[i]!.sp && toks[i]!.v !== '.') path = toks[i++]!.v.slice(1).split('.');
        cmd.push({ t: 'sub', pipe: { cmds: sub }, path });
      } else if (t.k === 'str') {
        cmd.push({ t: 'lit', v: t.v });
      } else if (t.k === 'num') {
        cmd.push({ t: 'lit', v: Number(t.v) });
      } else if (t.k === 'var') {
        const [base, ...path] = t.v.split('.');
        cmd.push({ t: 'field', base: base!, path });
      } else if (t.k === 'field') {
        cmd.push({ t: 'field', base: '.', path: t.v === '.' ? [] : t.v.slice(1).split('.') });
      } else if (t.k === 'ident') {
        if (t.v === 'true' || t.v === 'false') cmd.push({ t: 'lit', v: t.v === 'true' });
        else if (t.v === 'nil') cmd.push({ t: 'lit', v: null });
        else cmd.push({ t: 'ident', name: t.v });
      } else {
        throw new TemplateError(`${where}: unexpected ${t.v}`);
      }
    }
    if (cmds.some((c) => c.length === 0)) throw new TemplateError(`${where}: empty command in pipeline`);
    return cmds;
  };
  const cmds = parseUntil(() => false);
  return decl ? { decl, cmds } : { cmds };
}

interface Parsed {
  readonly nodes: Node[];
  readonly defines: Map<string, Node[]>;
}

/** Parses one template file: its nodes and the templates it defines. */
export function parseTemplate(src: string, file: string): Parsed {
  const pieces = split(src, file);
  const defines = new Map<string, Node[]>();
  let i = 0;
  // Returns the nodes up to a closing keyword, and that keyword's action text.
  const block = (ctx: string): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (i < pieces.length) {
      const p = pieces[i++]!;
      if (typeof p === 'string') {
        if (p) nodes.push({ t: 'text', s: p });
        continue;
      }
      const where = `${file}:${p.line}`;
      const text = p.text;
      if (text.startsWith('/*')) {
        if (!text.endsWith('*/')) throw new TemplateError(`${where}: unclosed comment`);
        continue;
      }
      const [word] = /^[a-z]+/.exec(text) ?? [''];
      const rest = text.slice(word.length);
      if (word === 'end' || word === 'else') {
        if (ctx === 'top') throw new TemplateError(`${where}: unexpected ${word}`);
        return { nodes, end: text };
      }
      if (word === 'if' || word === 'with' || word === 'range') {
        nodes.push(control(word, rest, where));
      } else if (word === 'define') {
        const m = /^\s*"([^"]+)"\s*$/.exec(rest);
        if (!m) throw new TemplateError(`${where}: define needs a quoted name`);
        const body = block('define');
        if (body.end !== 'end') throw new TemplateError(`${where}: define ends with ${body.end}`);
        defines.set(m[1]!, body.nodes);
      } else if (['template', 'block', 'break', 'continue'].includes(word)) {
        throw new TemplateError(`${where}: "${word}" is outside the supported subset (use include)`);
      } else {
        nodes.push({ t: 'action', pipe: parsePipe(tokenize(text, where), where) });
      }
    }
    if (ctx !== 'top') throw new TemplateError(`${file}: missing {{ end }} for ${ctx}`);
    return { nodes, end: '' };
  };
  const control = (word: 'if' | 'with' | 'range', rest: string, where: string): Node => {
    const pipe = parsePipe(tokenize(rest, where), where);
    const body = block(word);
    let alt: Node[] = [];
    if (body.end === 'else') {
      const tail = block(word);
      if (tail.end !== 'end') throw new TemplateError(`${where}: else must be followed by end`);
      alt = tail.nodes;
    } else if (body.end.startsWith('else if ') && word === 'if') {
      // `else if X` is `else {{ if X }} ... {{ end }}` sharing the outer end.
      alt = [control('if', body.end.slice('else if'.length), where)];
    } else if (body.end !== 'end') {
      throw new TemplateError(`${where}: unsupported ${body.end}`);
    }
    return { t: word, pipe, body: body.nodes, alt };
  };
  const { nodes } = block('top');
  return { nodes, defines };
}

// ---------------------------------------------------------------------------------------------------
// Evaluation

function isMap(v: Value): v is Record<string, Value> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go template truth: false, 0, nil, "" and empty collections are false. */
export function truthy(v: Value): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

/** fmt's %v of a float64 (Helm values are float64): shortest digits, exponent form below 1e-4 and from 1e+06. */
export function goFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return '0';
  const [mant, pow] = n.toExponential().split('e') as [string, string];
  const exp = Number(pow);
  if (exp >= -4 && exp < 6) return String(n);
  return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** How an action prints a value (fmt's %v, with Helm's "<no value>" → ""). */
function show(v: Value): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(show).join(' ')}]`;
  if (isMap(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${show(v[k])}`).join(' ')}]`;
  throw new TemplateError(`cannot print ${typeof v}`);
}

export function toYaml(v: Value): string {
  if (v === undefined || v === null) return 'null';
  return stringify(v, { sortMapEntries: true, indentSeq: false, lineWidth: 0 }).replace(/\n$/, '');
}

function indentLines(n: number, s: string): string {
  const pad = ' '.repeat(n);
  return pad + s.replace(/\n/g, `\n${pad}`);
}

function mustInt(v: Value, fn: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TemplateError(`${fn}: expected a whole number, got ${show(v)}`);
  return v;
}

function mustString(v: Value, fn: string): string {
  if (typeof v !== 'string') throw new TemplateError(`${fn}: expected a string, got ${typeof v}`);
  return v;
}

function comparable(v: Value, fn: string): string | boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  throw new TemplateError(`${fn}: only strings and booleans are compared in this subset (got ${typeof v})`);
}

function printf(format: string, args: Value[]): string {
  let i = 0;
  const out = format.replace(/%([svq%])/g, (_m, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) throw new TemplateError(`printf: missing argument for %${verb}`);
    const a = args[i++];
    if (verb === 's' && typeof a !== 'string') throw new TemplateError(`printf: %s of a ${typeof a} (Go prints %!s(...)); use %v`);
    return verb === 'q' ? JSON.stringify(show(a)) : show(a);
  });
  if (/%[^svq%]/.test(format)) throw new TemplateError(`printf: only %s, %v and %q are in the subset (${JSON.stringify(format)})`);
  if (i < args.length) throw new TemplateError(`printf: ${args.length - i} extra argument(s)`);
  return out;
}

export interface RenderContext {
  readonly Values: Record<string, Value>;
  readonly Release: Record<string, Value>;
  readonly Chart: Record<string, Value>;
  readonly Capabilities?: Record<string, Value>;
}

export class Renderer {
  readonly #defines = new Map<string, Node[]>();
  #depth = 0;

  addDefines(defines: Map<string, Node[]>): void {
    for (const [k, v] of defines) this.#defines.set(k, v);
  }

  render(nodes: Node[], data: Value): string {
    const scopes: Scope[] = [new Map([['$', data]])];
    return this.#exec(nodes, data, scopes);
  }

  #exec(nodes: readonly Node[], dot: Value, scopes: Scope[]): string {
    let out = '';
    for (const n of nodes) {
      switch (n.t) {
        case 'text':
          out += n.s;
          break;
        case 'action': {
          const v = this.#pipe(n.pipe, dot, scopes);
          if (!n.pipe.decl) out += show(v);
          break;
        }
        case 'if':
        case 'with': {
          const inner: Scope[] = [...scopes, new Map()];
          const v = this.#pipe(n.pipe, dot, inner);
          if (truthy(v)) out += this.#exec(n.body, n.t === 'with' ? v : dot, inner);
          else out += this.#exec(n.alt, dot, [...scopes, new Map()]);
          break;
        }
        case 'range': {
          const inner: Scope[] = [...scopes, new Map()];
          const names = n.pipe.decl?.names ?? [];
          const v = this.#pipe(n.pipe.decl ? { cmds: n.pipe.cmds } : n.pipe, dot, inner);
          const entries: [Value, Value][] = Array.isArray(v)
            ? v.map((x, i) => [i, x])
            : isMap(v)
              ? Object.keys(v).sort().map((k) => [k, v[k]])
              : v === undefined || v === null
                ? []
                : (() => {
                    throw new TemplateError(`range over ${typeof v}`);
                  })();
          if (entries.length === 0) {
            out += this.#exec(n.alt, dot, [...scopes, new Map()]);
            break;
          }
          for (const [k, x] of entries) {
            const scope: Scope = new Map();
            if (names.length === 1) scope.set(names[0]!, x);
            if (names.length === 2) {
              scope.set(names[0]!, k);
              scope.set(names[1]!, x);
            }
            out += this.#exec(n.body, x, [...scopes, scope]);
          }
          break;
        }
      }
    }
    return out;
  }

  #lookupVar(name: string, scopes: Scope[]): Value {
    for (let i = scopes.length - 1; i >= 0; i--) if (scopes[i]!.has(name)) return scopes[i]!.get(name);
    throw new TemplateError(`undefined variable ${name}`);
  }

  #field(base: Value, path: readonly string[], label: string): Value {
    let v = base;
    for (const seg of path) {
      if (v === undefined || v === null) throw new TemplateError(`nil pointer evaluating ${label}.${seg}`);
      if (!isMap(v)) throw new TemplateError(`can't evaluate field ${seg} in ${typeof v} (${label})`);
      v = v[seg];
    }
    return v;
  }

  #arg(a: Arg, dot: Value, scopes: Scope[]): Value {
    switch (a.t) {
      case 'lit':
        return a.v;
      case 'field':
        return this.#field(a.base === '.' ? dot : this.#lookupVar(a.base, scopes), a.path, a.base);
      case 'sub':
        return this.#field(this.#pipe(a.pipe, dot, scopes), a.path, '(...)');
      case 'ident':
        return this.#call(a.name, [], dot, scopes);
    }
  }

  #pipe(pipe: Pipe, dot: Value, scopes: Scope[]): Value {
    let final: Value;
    let first = true;
    for (const cmd of pipe.cmds) {
      const [head, ...rest] = cmd;
      if (head?.t === 'ident') {
        final = this.#call(head.name, rest, dot, scopes, first ? undefined : { v: final });
      } else {
        if (rest.length > 0 || !first) throw new TemplateError('only functions take arguments in this subset');
        final = this.#arg(head!, dot, scopes);
      }
      first = false;
    }
    if (pipe.decl) {
      const [name] = pipe.decl.names;
      if (pipe.decl.names.length !== 1 || !name) throw new TemplateError('only range declares two variables');
      if (pipe.decl.assign) {
        const owner = [...scopes].reverse().find((s) => s.has(name));
        if (!owner) throw new TemplateError(`undefined variable ${name}`);
        owner.set(name, final);
      } else {
        scopes[scopes.length - 1]!.set(name, final);
      }
    }
    return final;
  }

  #call(name: string, argNodes: readonly Arg[], dot: Value, scopes: Scope[], piped?: { v: Value }): Value {
    const lazy = argNodes.map((a) => () => this.#arg(a, dot, scopes));
    if (piped) lazy.push(() => piped.v);
    if (name === 'and' || name === 'or') {
      if (lazy.length < 1) throw new TemplateError(`${name}: needs arguments`);
      let v: Value;
      for (const f of lazy) {
        v = f();
        if (name === 'and' ? !truthy(v) : truthy(v)) return v;
      }
      return v;
    }
    const args = lazy.map((f) => f());
    const arity = (n: number) => {
      if (args.length !== n) throw new TemplateError(`${name}: wants ${n} argument(s), got ${args.length}`);
    };
    switch (name) {
      case 'include': {
        arity(2);
        const body = this.#defines.get(mustString(args[0], name));
        if (!body) throw new TemplateError(`include: no template "${String(args[0])}"`);
        if (++this.#depth > 100) throw new TemplateError('include: too deep');
        try {
          return this.render(body, args[1]);
        } finally {
          this.#depth--;
        }
      }
      case 'toYaml':
        arity(1);
        return toYaml(args[0]);
      case 'toJson':
        arity(1);
        return JSON.stringify(args[0] ?? null);
      case 'nindent':
        arity(2);
        return '\n' + indentLines(mustInt(args[0], name), show(args[1]));
      case 'indent':
        arity(2);
        return indentLines(mustInt(args[0], name), show(args[1]));
      case 'quote':
        return args.filter((a) => a !== undefined && a !== null).map((a) => JSON.stringify(show(a))).join(' ');
      case 'default':
        arity(2);
        return truthy(args[1]) ? args[1] : args[0];
      case 'empty':
        arity(1);
        return !truthy(args[0]);
      case 'required':
        arity(2);
        if (args[1] === undefined || args[1] === null || args[1] === '') throw new TemplateError(`required: ${show(args[0])}`);
        return args[1];
      case 'fail':
        arity(1);
        throw new TemplateError(`fail: ${show(args[0])}`);
      case 'printf':
        return printf(mustString(args[0], name), args.slice(1));
      case 'trunc': {
        arity(2);
        const n = mustInt(args[0], name);
        const s = show(args[1]);
        return n >= 0 ? s.slice(0, n) : s.slice(n);
      }
      case 'trimSuffix': {
        arity(2);
        const suffix = mustString(args[0], name);
        const s = show(args[1]);
        return suffix && s.endsWith(suffix) ? s.slice(0, -suffix.length) : s;
      }
      case 'contains':
        arity(2);
        return show(args[1]).includes(show(args[0]));
      case 'hasKey':
        arity(2);
        return isMap(args[0]) && Object.prototype.hasOwnProperty.call(args[0], mustString(args[1], name));
      case 'not':
        arity(1);
        return !truthy(args[0]);
      case 'eq': {
        if (args.length < 2) throw new TemplateError('eq: needs 2 or more arguments');
        const first = comparable(args[0], name);
        return args.slice(1).some((a) => comparable(a, name) === first);
      }
      case 'ne':
        arity(2);
        return comparable(args[0], name) !== comparable(args[1], name);
      case 'list':
        return args;
      case 'dict': {
        if (args.length % 2 !== 0) throw new TemplateError('dict: needs key/value pairs');
        const d: Record<string, Value> = {};
        for (let i = 0; i < args.length; i += 2) d[mustString(args[i], name)] = args[i + 1];
        return d;
      }
      default:
        throw new TemplateError(`function "${name}" is outside the supported subset`);
    }
  }
}

/** Helm's value merge: maps merge deeply, anything else (lists too) replaces, null deletes. */
export function mergeValues(base: Value, override: Value): Value {
  if (!isMap(base) || !isMap(override)) return override === undefined ? base : override;
  const out: Record<string, Value> = { ...base };
  for (const [k, v] of Object.entries(override)) {
    if (v === null) delete out[k];
    else out[k] = mergeValues(base[k], v);
  }
  return out;
}
