// The money cost of token usage, from a price table per model.
//
// Prices are USD per million tokens, written as decimal strings ("2.50", "0.075") or numbers, and
// parsed exactly into integer micro-dollars per million tokens (at most 6 decimals; more would be
// rounded silently, so it is a configuration problem). Then, with no floating point anywhere:
//   cost in pico-dollars = tokens × (micro-dollars per million tokens)
// and a request's cost in micro-dollars is that sum divided by 10^6, rounded up. Rounding happens
// once per request, on the cumulative usage, so summing a stream's deltas gives the same total.
//
// Token classes (runtime/usage.ts): input tokens include cached and cache-creation tokens, so
//   cost = (input − cached − cacheCreation) × input + cached × cachedInput
//        + cacheCreation × cacheCreationInput + output × output
// `cachedInput` and `cacheCreationInput` default to the input price. Reasoning tokens are part of
// output tokens (as providers bill them) and cost the output price.
import type { TokenUsage } from '../../runtime/usage.ts';
import { ModelMatcher } from '../auth/model-match.ts';

export interface ModelPriceConfig {
  /** USD per million input tokens. */
  readonly input: string | number;
  /** USD per million cached input tokens (default: input). */
  readonly cachedInput?: string | number | undefined;
  /** USD per million cache-write input tokens (default: input). */
  readonly cacheCreationInput?: string | number | undefined;
  /** USD per million output tokens. */
  readonly output: string | number;
}

export interface PriceTableConfig {
  /** Model name or glob (`gpt-4o*`) → prices. Exact names win over globs; globs in order. */
  readonly models: Readonly<Record<string, ModelPriceConfig>>;
  /** Prices for models no entry matches (none: such usage costs nothing and `priceOf` is undefined). */
  readonly default?: ModelPriceConfig | undefined;
}

/** Integer micro-dollars per million tokens of each class. */
export interface ModelPrice {
  readonly input: number;
  readonly cachedInput: number;
  readonly cacheCreationInput: number;
  readonly output: number;
}

const MICROS_PER_DOLLAR = 1_000_000;

/** Parses a USD amount exactly into integer micro-dollars; undefined when malformed, negative or finer than 1e-6. */
export function parseUsdMicros(value: string | number): number | undefined {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? numberToPlain(value) : '') : value.trim().replace(/^\$/, '');
  const m = /^(\d+)(?:\.(\d*))?$/.exec(text);
  if (m === null) return undefined;
  const whole = m[1]!;
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > 6) return undefined;
  const micros = Number(whole) * MICROS_PER_DOLLAR + Number(frac.padEnd(6, '0') || '0');
  return Number.isSafeInteger(micros) ? micros : undefined;
}

/** `1234567` → `"1.234567"` (USD, exact). */
export function formatUsd(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  const whole = Math.floor(abs / MICROS_PER_DOLLAR);
  const frac = String(abs % MICROS_PER_DOLLAR).padStart(6, '0');
  return `${sign}${whole}.${frac}`;
}

function numberToPlain(n: number): string {
  if (n < 0) return '-';
  // Shortest round-trip text; expand exponents (1e-7 → 0.0000001) so the decimal check sees them.
  const s = String(n);
  if (!/e/i.test(s)) return s;
  return n.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

/**
 * Cost of `usage` in pico-dollars (10^-12 USD). Exact: Number while the products stay below 2^53,
 * BigInt otherwise.
 */
export function costPicos(usage: TokenUsage, price: ModelPrice): bigint {
  const cached = Math.max(0, usage.cachedInputTokens);
  const creation = Math.max(0, usage.cacheCreationInputTokens);
  const plain = Math.max(0, usage.inputTokens - cached - creation);
  const output = Math.max(0, usage.outputTokens);
  const parts: readonly (readonly [number, number])[] = [
    [plain, price.input],
    [cached, price.cachedInput],
    [creation, price.cacheCreationInput],
    [output, price.output],
  ];
  let small = 0;
  let big = 0n;
  for (const [tokens, unit] of parts) {
    const p = tokens * unit;
    if (Number.isSafeInteger(p) && Number.isSafeInteger(small + p)) small += p;
    else big += BigInt(tokens) * BigInt(unit);
  }
  return big + BigInt(small);
}

/** Cost of `usage` in micro-dollars, rounded up. */
export function costMicros(usage: TokenUsage, price: ModelPrice): number {
  const picos = costPicos(usage, price);
  return Number((picos + 999_999n) / 1_000_000n);
}

export class PriceTable {
  readonly problems: readonly string[];
  private readonly exact = new Map<string, ModelPrice>();
  private readonly globs: readonly { readonly matcher: ModelMatcher; readonly price: ModelPrice }[];
  private readonly fallback: ModelPrice | undefined;
  /** Glob lookups remembered per model name (bounded). */
  private readonly memo = new Map<string, ModelPrice | null>();

  constructor(config: PriceTableConfig) {
    const problems: string[] = [];
    const globs: { matcher: ModelMatcher; price: ModelPrice }[] = [];
    for (const [pattern, p] of Object.entries(config.models)) {
      const price = parsePrice(p, `prices.models["${pattern}"]`, problems);
      if (price === undefined) continue;
      if (pattern.includes('*') || pattern.includes('?')) globs.push({ matcher: new ModelMatcher([pattern]), price });
      else this.exact.set(pattern, price);
    }
    this.globs = globs;
    this.fallback = config.default !== undefined ? parsePrice(config.default, 'prices.default', problems) : undefined;
    this.problems = problems;
  }

  /** The price of a model: exact entry, else the first matching glob, else the default. */
  priceOf(model: string): ModelPrice | undefined {
    const exact = this.exact.get(model);
    if (exact !== undefined) return exact;
    const memo = this.memo.get(model);
    if (memo !== undefined) return memo ?? this.fallback;
    let found: ModelPrice | null = null;
    for (const g of this.globs) {
      if (g.matcher.test(model)) {
        found = g.price;
        break;
      }
    }
    if (this.memo.size >= 10_000) this.memo.clear();
    this.memo.set(model, found);
    return found ?? this.fallback;
  }

  /** Cost of `usage` on `model` in micro-dollars (0 when the model has no price). */
  costMicros(model: string, usage: TokenUsage): number {
    const price = this.priceOf(model);
    return price === undefined ? 0 : costMicros(usage, price);
  }
}

function parsePrice(p: ModelPriceConfig, where: string, problems: string[]): ModelPrice | undefined {
  const field = (name: keyof ModelPriceConfig, v: string | number | undefined, fallback?: number): number | undefined => {
    if (v === undefined) return fallback;
    const micros = parseUsdMicros(v);
    if (micros === undefined) problems.push(`${where}.${name}: "${v}" is not a non-negative USD amount with at most 6 decimals`);
    return micros;
  };
  const input = field('input', p.input);
  const output = field('output', p.output);
  if (input === undefined || output === undefined) return undefined;
  const cachedInput = field('cachedInput', p.cachedInput, input);
  const cacheCreationInput = field('cacheCreationInput', p.cacheCreationInput, input);
  if (cachedInput === undefined || cacheCreationInput === undefined) return undefined;
  return Object.freeze({ input, cachedInput, cacheCreationInput, output });
}
