// Envoy AI Gateway `llmRequestCosts`: the numbers written under each `metadataKey` at the end of a
// request (namespace io.envoy.ai_gateway), which token rate limits (limits/rate-limit.ts, response
// cost from Metadata) and telemetry read.
//
// Types: InputToken, CachedInputToken, CacheCreationInputToken, OutputToken, TotalToken,
// ReasoningToken take that count from the usage; CEL evaluates an expression (with @bufbuild/cel)
// over exactly the variables of the reference (§2.2): strings `model`, `backend` (`name.namespace`),
// `route_name`; unsigned integers `input_tokens`, `cached_input_tokens`,
// `cache_creation_input_tokens`, `output_tokens`, `total_tokens`, `reasoning_tokens`.
// The result must be an integer (int or uint) ≥ 0; anything else is an evaluation error for that
// key (reported, the key omitted), never a crash.
//
// Expressions are parsed and planned once, at construction. A syntax error is a configuration
// problem naming the expression and its line:column; like upstream, each expression is also run once
// with zero tokens so that unknown variables, type errors (`input_tokens * 0.1`: uint × double) and
// non-integer results are caught as configuration problems too.
import { CelScalar, celEnv, celUint, isCelError, isCelUint, parse, plan } from '@bufbuild/cel';
import type { CelValue } from '@bufbuild/cel';
import type { TokenUsage } from '../../runtime/usage.ts';

export const LLM_REQUEST_COST_TYPES = ['OutputToken', 'InputToken', 'CachedInputToken', 'CacheCreationInputToken', 'TotalToken', 'ReasoningToken', 'CEL'] as const;
export type LlmRequestCostType = (typeof LLM_REQUEST_COST_TYPES)[number];

export interface LlmRequestCostConfig {
  readonly metadataKey: string;
  readonly type: LlmRequestCostType;
  readonly cel?: string | undefined;
}

/** The strings a CEL cost sees besides token counts. */
export interface CostContext {
  readonly model: string;
  /** `name.namespace` of the AIServiceBackend. */
  readonly backend: string;
  readonly routeName: string;
}

/** A configuration problem of one cost entry. */
export interface CostConfigProblem {
  /** Field path, e.g. `llmRequestCosts[2].cel`. */
  readonly path: string;
  readonly message: string;
  readonly expression?: string | undefined;
  /** 1-based position in the expression, for syntax errors. */
  readonly line?: number | undefined;
  readonly column?: number | undefined;
}

export interface CostEvaluation {
  /** metadataKey → cost, for every entry that evaluated. */
  readonly values: Record<string, number>;
  /** Entries that failed at runtime (negative, not an integer, overflow): key and reason. */
  readonly errors: readonly { readonly metadataKey: string; readonly message: string }[];
}

const ENV = celEnv({
  variables: {
    model: CelScalar.STRING,
    backend: CelScalar.STRING,
    route_name: CelScalar.STRING,
    input_tokens: CelScalar.UINT,
    cached_input_tokens: CelScalar.UINT,
    cache_creation_input_tokens: CelScalar.UINT,
    output_tokens: CelScalar.UINT,
    total_tokens: CelScalar.UINT,
    reasoning_tokens: CelScalar.UINT,
  },
});

type Program = (bindings: Record<string, unknown>) => unknown;

interface CompiledCost {
  readonly metadataKey: string;
  readonly type: LlmRequestCostType;
  readonly program: Program | undefined;
  readonly expression: string | undefined;
}

/** Route-level entries replace global ones with the same metadataKey (reference §6 precedence). */
export function mergeRequestCosts(route: readonly LlmRequestCostConfig[] | undefined, global: readonly LlmRequestCostConfig[] | undefined): LlmRequestCostConfig[] {
  const byKey = new Map<string, LlmRequestCostConfig>();
  for (const c of global ?? []) byKey.set(c.metadataKey, c);
  for (const c of route ?? []) byKey.set(c.metadataKey, c);
  return [...byKey.values()];
}

/** Compiles one CEL cost expression; a problem (with position for syntax errors) when it cannot be used. */
export function compileCostExpression(expression: string, path = 'cel'): { program: Program } | { problem: CostConfigProblem } {
  let parsed;
  try {
    parsed = parse(expression);
  } catch (err) {
    const e = err as { rawMessage?: string; message?: string; location?: { start?: { line?: number; column?: number } } };
    const line = e.location?.start?.line;
    const column = e.location?.start?.column;
    const where = line !== undefined && column !== undefined ? ` at ${line}:${column}` : '';
    return { problem: { path, expression, line, column, message: `CEL syntax error${where} in "${expression}": ${e.rawMessage ?? e.message ?? String(err)}` } };
  }
  let program: Program;
  try {
    program = plan(ENV, parsed) as unknown as Program;
  } catch (err) {
    return { problem: { path, expression, message: `CEL expression "${expression}" cannot be planned: ${err instanceof Error ? err.message : String(err)}` } };
  }
  // Sanity run with zero tokens: unknown variables and overload errors surface here.
  // (A negative or overflowing value is a runtime matter of the actual counts, not a config problem.)
  const value = program(bindings({ inputTokens: 0, outputTokens: 0, totalTokens: 0, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0 }, { model: '', backend: '', routeName: '' }));
  if (isCelError(value) || !(isCelUint(value) || typeof value === 'bigint')) {
    return { problem: { path, expression, message: `CEL expression "${expression}" fails with zero tokens: ${toCost(value)}` } };
  }
  return { program };
}

export class LlmRequestCosts {
  readonly problems: readonly CostConfigProblem[];
  private readonly costs: readonly CompiledCost[];
  private readonly hasCel: boolean;

  /** `pathPrefix` names the config field in problems (`spec.llmRequestCosts`, `spec.globalLLMRequestCosts`). */
  constructor(configs: readonly LlmRequestCostConfig[], pathPrefix = 'llmRequestCosts') {
    const problems: CostConfigProblem[] = [];
    const costs: CompiledCost[] = [];
    const seen = new Set<string>();
    configs.forEach((c, i) => {
      const path = `${pathPrefix}[${i}]`;
      if (seen.has(c.metadataKey)) problems.push({ path: `${path}.metadataKey`, message: `metadataKey "${c.metadataKey}" is used by an earlier entry` });
      seen.add(c.metadataKey);
      if (!(LLM_REQUEST_COST_TYPES as readonly string[]).includes(c.type)) {
        problems.push({ path: `${path}.type`, message: `unknown cost type "${c.type}"` });
        return;
      }
      if (c.type !== 'CEL') {
        costs.push({ metadataKey: c.metadataKey, type: c.type, program: undefined, expression: undefined });
        return;
      }
      if (c.cel === undefined || c.cel.trim() === '') {
        problems.push({ path: `${path}.cel`, message: 'is required when type is CEL' });
        return;
      }
      const compiled = compileCostExpression(c.cel, `${path}.cel`);
      if ('problem' in compiled) problems.push(compiled.problem);
      else costs.push({ metadataKey: c.metadataKey, type: 'CEL', program: compiled.program, expression: c.cel });
    });
    this.costs = costs;
    this.problems = problems;
    this.hasCel = costs.some((c) => c.type === 'CEL');
  }

  get size(): number {
    return this.costs.length;
  }

  /** The metadata values of one finished request. */
  evaluate(usage: TokenUsage, ctx: CostContext): CostEvaluation {
    const values: Record<string, number> = {};
    let errors: { metadataKey: string; message: string }[] | undefined;
    const vars = this.hasCel ? bindings(usage, ctx) : undefined;
    for (const c of this.costs) {
      if (c.program === undefined) {
        values[c.metadataKey] = tokenCost(c.type, usage);
        continue;
      }
      const r = toCost(c.program(vars!));
      if (typeof r === 'number') values[c.metadataKey] = r;
      else (errors ??= []).push({ metadataKey: c.metadataKey, message: `CEL expression "${c.expression}": ${r}` });
    }
    return { values, errors: errors ?? [] };
  }
}

function tokenCost(type: LlmRequestCostType, u: TokenUsage): number {
  switch (type) {
    case 'InputToken':
      return u.inputTokens;
    case 'CachedInputToken':
      return u.cachedInputTokens;
    case 'CacheCreationInputToken':
      return u.cacheCreationInputTokens;
    case 'OutputToken':
      return u.outputTokens;
    case 'TotalToken':
      return u.totalTokens;
    case 'ReasoningToken':
      return u.reasoningTokens;
    case 'CEL':
      return 0;
  }
}

function uint(n: number) {
  return celUint(BigInt(Number.isFinite(n) && n > 0 ? Math.floor(n) : 0));
}

function bindings(u: TokenUsage, ctx: CostContext): Record<string, unknown> {
  return {
    model: ctx.model,
    backend: ctx.backend,
    route_name: ctx.routeName,
    input_tokens: uint(u.inputTokens),
    cached_input_tokens: uint(u.cachedInputTokens),
    cache_creation_input_tokens: uint(u.cacheCreationInputTokens),
    output_tokens: uint(u.outputTokens),
    total_tokens: uint(u.totalTokens),
    reasoning_tokens: uint(u.reasoningTokens),
  };
}

/** A CEL result as a cost, or the reason it is not one. */
function toCost(v: unknown): number | string {
  if (isCelError(v)) return v.message;
  let n: bigint;
  if (isCelUint(v)) n = v.value;
  else if (typeof v === 'bigint') n = v;
  else return `the result must be an integer, got ${describe(v as CelValue)}`;
  if (n < 0n) return `the result is negative (${n})`;
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) return `the result is too large (${n})`;
  return Number(n);
}

function describe(v: CelValue): string {
  if (typeof v === 'number') return `a double (${v})`;
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'boolean') return 'a bool';
  if (v === null) return 'null';
  return typeof v;
}
