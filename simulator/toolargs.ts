// Values that satisfy a JSON schema, for tool-call arguments and JSON-mode answers.
//
// Contract: for the schemas tool definitions use (objects whose properties are strings, numbers,
// integers, booleans, enums, arrays and nested objects, with `required`), the generated value has
// every required property, each of the declared primitive type; enum and const values are taken from
// the schema; numeric bounds (minimum, maximum, exclusive*), string lengths (minLength, maxLength),
// array sizes (minItems, maxItems) and string formats date, date-time, time, email, uri/url, uuid are
// honoured. `pattern`, `multipleOf`, `not`, `if/then/else` and `patternProperties` are not: a value
// may miss those constraints. anyOf/oneOf take their first branch, allOf merges object branches,
// local `$ref`s (#/$defs/…, #/definitions/…) are followed, type lists take their first non-null
// type. Type names are case-insensitive, so Gemini's OpenAPI-style schemas ("OBJECT", "STRING")
// work as they are. Deeper than MAX_DEPTH levels, objects come back empty and arrays with no items.
//
// Optional properties are included with probability 1/2; with `minimal` none are, strings are one
// word and arrays hold minItems items: the smallest value that still satisfies the schema, used when
// the full one would not fit the token limit.

import type { Random } from './random.ts';
import { WORDS } from './textgen.ts';

export interface SchemaValueOptions {
  /** Required properties only, one-word strings, minimal arrays. */
  minimal: boolean;
}

type Schema = Record<string, unknown>;

const MAX_DEPTH = 8;

function isSchema(x: unknown): x is Schema {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function num(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}

/** The schema's type, lower-cased: the first non-null one of a list, else inferred from its keywords. */
function typeOf(s: Schema): string | undefined {
  const t = s['type'];
  if (typeof t === 'string') return t.toLowerCase();
  if (Array.isArray(t)) {
    const names = t.filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase());
    return names.find((x) => x !== 'null') ?? names[0];
  }
  if (isSchema(s['properties'])) return 'object';
  if (s['items'] !== undefined) return 'array';
  return undefined;
}

function resolveRef(root: Schema, ref: string): Schema | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isSchema(node)) return undefined;
    node = node[key];
  }
  return isSchema(node) ? node : undefined;
}

class Generator {
  constructor(
    private readonly rng: Random,
    private readonly root: Schema,
    private readonly opts: SchemaValueOptions,
  ) {}

  value(schema: unknown, depth: number): unknown {
    if (!isSchema(schema)) return this.words(1, 3);
    let s = schema;
    for (let hops = 0; typeof s['$ref'] === 'string' && hops < MAX_DEPTH; hops++) {
      const target = resolveRef(this.root, s['$ref']);
      if (!target) break;
      s = { ...target, ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== '$ref')) };
    }
    if ('const' in s) return s['const'];
    const en = s['enum'];
    if (Array.isArray(en) && en.length > 0) return this.opts.minimal ? en[0] : this.rng.pick(en);
    for (const key of ['anyOf', 'oneOf'] as const) {
      const branches = s[key];
      if (Array.isArray(branches) && branches.length > 0) {
        const usable = branches.filter((b) => !(isSchema(b) && typeOf(b) === 'null'));
        const { [key]: _, ...rest } = s;
        return this.value({ ...rest, ...(usable[0] ?? branches[0]) }, depth);
      }
    }
    const all = s['allOf'];
    if (Array.isArray(all) && all.length > 0) {
      const { allOf: _, ...rest } = s;
      return this.value(all.filter(isSchema).reduce<Schema>((acc, b) => mergeObjects(acc, b), rest), depth);
    }
    switch (typeOf(s)) {
      case 'object':
        return this.object(s, depth);
      case 'array':
        return this.array(s, depth);
      case 'string':
        return this.string(s);
      case 'integer':
        return this.integer(s);
      case 'number':
        return this.number(s);
      case 'boolean':
        return this.opts.minimal ? false : this.rng.next() < 0.5;
      case 'null':
        return null;
      default:
        return this.words(1, 3);
    }
  }

  private object(s: Schema, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (depth >= MAX_DEPTH) return out;
    const props = isSchema(s['properties']) ? s['properties'] : {};
    const required = new Set(Array.isArray(s['required']) ? s['required'].filter((x): x is string => typeof x === 'string') : []);
    for (const [name, sub] of Object.entries(props)) {
      if (required.has(name) || (!this.opts.minimal && this.rng.next() < 0.5)) out[name] = this.value(sub, depth + 1);
    }
    // A required name with no declared schema still has to be there.
    for (const name of required) if (!(name in out)) out[name] = this.words(1, 2);
    return out;
  }

  private array(s: Schema, depth: number): unknown[] {
    if (depth >= MAX_DEPTH) return [];
    const min = Math.max(0, Math.floor(num(s['minItems']) ?? 0));
    const max = Math.max(min, Math.floor(num(s['maxItems']) ?? Math.max(min, 3)));
    const count = this.opts.minimal ? min : this.rng.int(Math.max(min, Math.min(1, max)), max);
    const items = s['items'];
    return Array.from({ length: count }, (_, i) => this.value(Array.isArray(items) ? items[i] ?? items[items.length - 1] : items, depth + 1));
  }

  private string(s: Schema): string {
    const min = Math.max(0, Math.floor(num(s['minLength']) ?? 0));
    const max = num(s['maxLength']);
    let text: string;
    switch (typeof s['format'] === 'string' ? s['format'].toLowerCase() : '') {
      case 'date':
        text = '2024-05-17';
        break;
      case 'date-time':
        text = '2024-05-17T09:30:00Z';
        break;
      case 'time':
        text = '09:30:00';
        break;
      case 'email':
        text = `${this.rng.pick(WORDS)}@example.com`;
        break;
      case 'uri':
      case 'url':
        text = `https://example.com/${this.rng.pick(WORDS)}`;
        break;
      case 'uuid':
        text = this.uuid();
        break;
      default:
        text = this.opts.minimal ? this.rng.pick(WORDS) : this.words(1, 4);
    }
    while (text.length < min) text += ' ' + this.rng.pick(WORDS);
    if (max !== undefined && text.length > max) text = text.slice(0, Math.max(min, Math.floor(max)));
    return text;
  }

  private bounds(s: Schema, integer: boolean): [number, number] {
    const step = integer ? 1 : 0.01;
    let lo = num(s['minimum']) ?? Number.NEGATIVE_INFINITY;
    let hi = num(s['maximum']) ?? Number.POSITIVE_INFINITY;
    const exLo = num(s['exclusiveMinimum']);
    const exHi = num(s['exclusiveMaximum']);
    if (exLo !== undefined) lo = Math.max(lo, exLo + step);
    else if (s['exclusiveMinimum'] === true && Number.isFinite(lo)) lo += step; // draft-4 boolean form
    if (exHi !== undefined) hi = Math.min(hi, exHi - step);
    else if (s['exclusiveMaximum'] === true && Number.isFinite(hi)) hi -= step;
    if (!Number.isFinite(lo) && !Number.isFinite(hi)) return [0, 100];
    if (!Number.isFinite(lo)) return [hi - 100, hi];
    if (!Number.isFinite(hi)) return [lo, lo + 100];
    return hi < lo ? [lo, lo] : [lo, hi];
  }

  private integer(s: Schema): number {
    const [lo, hi] = this.bounds(s, true);
    const a = Math.ceil(lo);
    const b = Math.max(a, Math.floor(hi));
    return this.opts.minimal ? a : this.rng.int(a, b);
  }

  private number(s: Schema): number {
    const [lo, hi] = this.bounds(s, false);
    if (this.opts.minimal) return lo;
    const x = Math.round((lo + this.rng.next() * (hi - lo)) * 100) / 100;
    return Math.min(hi, Math.max(lo, x));
  }

  private words(min: number, max: number): string {
    const n = this.rng.int(min, max);
    return Array.from({ length: n }, () => this.rng.pick(WORDS)).join(' ');
  }

  private uuid(): string {
    const hex = Array.from({ length: 32 }, () => this.rng.int(0, 15).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
  }
}

function mergeObjects(a: Schema, b: Schema): Schema {
  const props = { ...(isSchema(a['properties']) ? a['properties'] : {}), ...(isSchema(b['properties']) ? b['properties'] : {}) };
  const required = [...(Array.isArray(a['required']) ? a['required'] : []), ...(Array.isArray(b['required']) ? b['required'] : [])];
  const merged: Schema = { ...a, ...b };
  if (Object.keys(props).length > 0) merged['properties'] = props;
  if (required.length > 0) merged['required'] = required;
  return merged;
}

/** A value satisfying `schema` (see the header for what is honoured). */
export function valueForSchema(rng: Random, schema: unknown, opts: SchemaValueOptions = { minimal: false }): unknown {
  return new Generator(rng, isSchema(schema) ? schema : {}, opts).value(schema, 0);
}

/**
 * Tool-call arguments: an object satisfying the tool's parameter schema. A missing or empty schema
 * (a tool without parameters) gives `{}`; a schema whose value would not be an object is wrapped as
 * OpenAI requires arguments to be an object: `{}` for it too.
 */
export function argumentsForSchema(rng: Random, schema: unknown, opts: SchemaValueOptions = { minimal: false }): Record<string, unknown> {
  if (!isSchema(schema) || Object.keys(schema).length === 0) return {};
  const v = valueForSchema(rng, schema, opts);
  return isSchema(v) ? v : {};
}
