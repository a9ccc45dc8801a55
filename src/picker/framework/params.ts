// Plugin parameters: the raw `parameters` of an EndpointPickerConfig plugin, read with typed getters
// that throw a PickerConfigError naming the plugin (name and type), the parameter and the fix.
// Unknown parameters are errors (a typo would otherwise silently fall back to a default).

/** A configuration error: the plugin, the parameter (when one is at fault) and what to write instead. */
export class PickerConfigError extends Error {
  readonly plugin: string | undefined;
  readonly pluginType: string | undefined;
  readonly parameter: string | undefined;

  constructor(message: string, at: { plugin?: string | undefined; type?: string | undefined; parameter?: string | undefined } = {}) {
    super(message);
    this.name = 'PickerConfigError';
    this.plugin = at.plugin;
    this.pluginType = at.type;
    this.parameter = at.parameter;
  }
}

/** `plugin "my-prefix" (type prefix-cache-scorer)`, or just the type when the name is the type. */
export function describePlugin(name: string, type: string): string {
  return name === type ? `plugin ${type}` : `plugin "${name}" (type ${type})`;
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

export class Params {
  readonly #name: string;
  readonly #type: string;
  readonly #raw: Readonly<Record<string, unknown>>;
  readonly #read = new Set<string>();
  readonly #warnings: string[];

  /** `warnings` collects notes for parameters that are accepted but have no effect. */
  constructor(name: string, type: string, raw: unknown, warnings: string[] = []) {
    this.#name = name;
    this.#type = type;
    this.#warnings = warnings;
    if (raw === undefined || raw === null) this.#raw = {};
    else if (typeof raw === 'object' && !Array.isArray(raw)) this.#raw = raw as Record<string, unknown>;
    else throw this.error(undefined, `parameters must be a mapping of parameter names to values (got ${show(raw)})`);
  }

  /** An error about this plugin; `parameter` undefined = the plugin as a whole. */
  error(parameter: string | undefined, problem: string): PickerConfigError {
    const where = parameter === undefined ? '' : `parameters.${parameter}: `;
    return new PickerConfigError(`EndpointPickerConfig ${describePlugin(this.#name, this.#type)}: ${where}${problem}`, { plugin: this.#name, type: this.#type, parameter });
  }

  /** An integer in [min, max]; absent → `fallback`. */
  int(key: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const v = this.#take(key);
    if (v === undefined) return fallback;
    const min = range.min ?? Number.MIN_SAFE_INTEGER;
    const max = range.max ?? Number.MAX_SAFE_INTEGER;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw this.error(key, `must be an integer${bounds(range)} (got ${show(v)}); write e.g. ${key}: ${fallback}, or remove it for the default ${fallback}`);
    }
    return v;
  }

  /** A finite number in [min, max]; absent → `fallback`. */
  number(key: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const v = this.#take(key);
    if (v === undefined) return fallback;
    const min = range.min ?? -Infinity;
    const max = range.max ?? Infinity;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw this.error(key, `must be a number${bounds(range)} (got ${show(v)}); write e.g. ${key}: ${fallback}, or remove it for the default ${fallback}`);
    }
    return v;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.#take(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') throw this.error(key, `must be true or false (got ${show(v)})`);
    return v;
  }

  /** Records that `key` was accepted but has no effect, and why (reported as a warning). */
  warn(key: string, reason: string): void {
    this.#warnings.push(`EndpointPickerConfig ${describePlugin(this.#name, this.#type)}: parameters.${key} has no effect: ${reason}`);
  }

  /** Throws when a parameter was given that no getter read. Call after reading every parameter. */
  done(): void {
    const unknown = Object.keys(this.#raw).filter((k) => !this.#read.has(k));
    const first = unknown[0];
    if (first === undefined) return;
    const known = [...this.#read];
    throw this.error(first, `is not a parameter of ${this.#type}; ${known.length > 0 ? `its parameters are ${known.join(', ')}` : 'it takes no parameters'}`);
  }

  #take(key: string): unknown {
    this.#read.add(key);
    return Object.hasOwn(this.#raw, key) ? this.#raw[key] : undefined;
  }
}

function bounds(range: { min?: number; max?: number }): string {
  if (range.min !== undefined && range.max !== undefined) return ` from ${range.min} to ${range.max}`;
  if (range.min !== undefined) return ` of at least ${range.min}`;
  if (range.max !== undefined) return ` of at most ${range.max}`;
  return '';
}
