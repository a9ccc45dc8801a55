// Token and money budgets that streams and parallel requests cannot overshoot (upstream #680/#2394
// check before and charge after, so every request in flight passes the same check).
//
// Lifecycle, as the pipeline calls it:
// 1. request start (after authentication): `guard.begin({requestId, principal, model, body})`
//    reserves, in every budget the request is charged to, the estimate (estimate.ts; money budgets
//    price it with the model's price table), atomically. A budget that cannot hold it refuses the
//    request: 429 budget_exhausted with retry-after (seconds to the window's end).
// 2. each time usage grows (streamed usage, cumulative TokenUsage): `reservation.update(usage)`.
//    While usage stays within the reservation this is local bookkeeping (no store call, returns
//    synchronously); beyond it, the excess is charged to the store, and when the budget cannot
//    cover it the result carries a 429 error: end the stream with an error event.
// 3. the end (success, error or client gone): `reservation.end(finalUsage)` records the actual
//    usage and releases the unused reservation. Never throws.
//
// Guarantee: the amount recorded equals the sum of actual usage; while every request's usage stays
// within its reservation, spent never exceeds the limit (the reservation is made before the request
// runs, so parallel requests cannot all pass one check). A request that outgrows its reservation
// overshoots by at most the usage reported in the update that found the budget exhausted, since
// the caller stops it there.
//
// Which budgets a request is charged to: the budget its virtual key names (`claims.budget`), and
// every budget whose `appliesTo` selects the principal (all, ids, teams); a budget with `models`
// counts only requests to those models. A budget counts per principal, per team, or shared.
//
// Store unreachable: `failureMode` 'open' (default) admits the request uncounted (degraded);
// 'closed' refuses with 503. A money budget that applies to a model without a price refuses the
// request (403) rather than let it through unpriced, unless `unpricedModels: 'free'`.
import { GatewayError } from '../../errors.ts';
import type { Principal } from '../../runtime/context.ts';
import type { TokenUsage } from '../../runtime/usage.ts';
import { ModelMatcher } from '../auth/model-match.ts';
import { costMicros, formatUsd, parseUsdMicros } from '../costs/pricing.ts';
import type { ModelPrice, PriceTable } from '../costs/pricing.ts';
import type { MaybePromise } from '../limits/limit-store.ts';
import { formatReset } from '../limits/rate-limit.ts';
import type { BudgetLine, BudgetOpResult, BudgetStore } from './budget-store.ts';
import { estimateTokens } from './estimate.ts';
import type { EstimateOptions, TokenEstimate } from './estimate.ts';
import { describeWindow, windowAt } from './windows.ts';
import type { BudgetWindow } from './windows.ts';

export interface BudgetConfig {
  /** Unique name; virtual keys refer to it. */
  readonly name: string;
  /** `tokens`, or `usd` (amounts are micro-dollars, priced with the price table). */
  readonly unit: 'tokens' | 'usd';
  /** Tokens (integer) or USD (decimal string such as "250.00", or a number). */
  readonly limit: number | string;
  readonly window: BudgetWindow;
  /** Which tokens a token budget counts (default total). */
  readonly tokens?: 'total' | 'input' | 'output' | undefined;
  /** One counter per principal (default), per team, or one shared by all. */
  readonly per?: 'principal' | 'team' | 'shared' | undefined;
  /** Principals charged besides virtual keys that name this budget. */
  readonly appliesTo?: { readonly all?: boolean | undefined; readonly ids?: readonly string[] | undefined; readonly teams?: readonly string[] | undefined } | undefined;
  /** Only requests to these models (names or globs) count; omitted = every model. */
  readonly models?: readonly string[] | undefined;
}

export interface BudgetGuardOptions {
  /** Required for `usd` budgets. */
  readonly prices?: PriceTable | undefined;
  readonly estimate?: EstimateOptions | undefined;
  /** How long a reservation is held without news before the store releases it (default 15 min; renewed by charges). */
  readonly leaseMs?: number | undefined;
  readonly failureMode?: 'open' | 'closed' | undefined;
  readonly unpricedModels?: 'refuse' | 'free' | undefined;
  readonly now?: (() => number) | undefined;
}

export interface BudgetRequest {
  /** Unique per request (the request id): names the reservation in the store. */
  readonly requestId: string;
  readonly principal: Principal | undefined;
  readonly model: string;
  /** The parsed request body, for the estimate. */
  readonly body?: Readonly<Record<string, unknown>> | undefined;
  /** Overrides the estimate (e.g. embeddings: `{inputTokens, outputTokens: 0}`). */
  readonly estimate?: TokenEstimate | undefined;
}

export type BudgetAdmission =
  | { readonly ok: true; readonly reservation: BudgetReservation | undefined; readonly degraded: boolean }
  | { readonly ok: false; readonly error: GatewayError; readonly budget: string };

export interface BudgetChargeResult {
  readonly ok: boolean;
  /** Set when !ok: the 429 (budget exhausted) or 503 (store unavailable, failing closed) to end the stream with. */
  readonly error?: GatewayError | undefined;
  /** The store could not be reached; the usage was not recorded. */
  readonly degraded?: boolean | undefined;
}

interface CompiledBudget {
  readonly config: BudgetConfig;
  readonly limit: number;
  readonly models: ModelMatcher | undefined;
}

/** One budget a request is charged to. */
interface Line {
  readonly budget: CompiledBudget;
  readonly line: BudgetLine;
  readonly reserved: number;
  /** Amount already sent to the store with charge(). */
  charged: number;
  /** Amount of the latest known usage. */
  accounted: number;
}

const OK: BudgetChargeResult = Object.freeze({ ok: true });
const NOTHING: BudgetAdmission = Object.freeze({ ok: true as const, reservation: undefined, degraded: false });

export class BudgetGuard {
  readonly problems: readonly string[];
  private readonly byName = new Map<string, CompiledBudget>();
  private readonly forAll: readonly CompiledBudget[];
  private readonly byId = new Map<string, CompiledBudget[]>();
  private readonly byTeam = new Map<string, CompiledBudget[]>();
  private readonly options: BudgetGuardOptions;
  private readonly now: () => number;
  private readonly leaseMs: number;

  constructor(
    configs: readonly BudgetConfig[],
    private readonly store: BudgetStore,
    options: BudgetGuardOptions = {},
  ) {
    const problems: string[] = [];
    const forAll: CompiledBudget[] = [];
    this.options = options;
    this.now = options.now ?? Date.now;
    this.leaseMs = options.leaseMs ?? 15 * 60_000;
    configs.forEach((c, i) => {
      const where = `budgets[${i}] (${c.name})`;
      if (this.byName.has(c.name)) {
        problems.push(`${where}: the name is used by an earlier budget; this one is ignored`);
        return;
      }
      const limit = c.unit === 'usd' ? parseUsdMicros(c.limit) : typeof c.limit === 'number' && Number.isSafeInteger(c.limit) && c.limit >= 0 ? c.limit : undefined;
      if (limit === undefined) {
        problems.push(`${where}: limit must be ${c.unit === 'usd' ? 'a USD amount with at most 6 decimals' : 'a non-negative integer number of tokens'}; this budget is ignored`);
        return;
      }
      if ('durationMs' in c.window && !(c.window.durationMs > 0)) {
        problems.push(`${where}: window.durationMs must be positive; this budget is ignored`);
        return;
      }
      if (c.unit === 'usd' && options.prices === undefined) problems.push(`${where}: a usd budget needs a price table`);
      const b: CompiledBudget = { config: c, limit, models: c.models !== undefined ? new ModelMatcher(c.models) : undefined };
      this.byName.set(c.name, b);
      if (c.appliesTo?.all === true) forAll.push(b);
      for (const id of c.appliesTo?.ids ?? []) push(this.byId, id, b);
      for (const team of c.appliesTo?.teams ?? []) push(this.byTeam, team, b);
    });
    this.forAll = forAll;
    this.problems = problems;
  }

  /** Names of the configured budgets (for checking virtual-key references). */
  get names(): readonly string[] {
    return [...this.byName.keys()];
  }

  /** Names of the budgets a request of `principal` to `model` is charged to. */
  budgetNamesFor(principal: Principal | undefined, model: string): string[] {
    return this.budgetsFor(principal, model).map((b) => b.config.name);
  }

  private budgetsFor(principal: Principal | undefined, model: string): CompiledBudget[] {
    const out: CompiledBudget[] = [];
    const add = (b: CompiledBudget | undefined) => {
      if (b !== undefined && !out.includes(b) && (b.models === undefined || b.models.test(model))) out.push(b);
    };
    const ref = principal?.claims?.['budget'];
    if (principal?.kind === 'virtual-key' && typeof ref === 'string') add(this.byName.get(ref));
    for (const b of this.forAll) add(b);
    if (principal !== undefined) {
      for (const b of this.byId.get(principal.id) ?? []) add(b);
      if (principal.team !== undefined) for (const b of this.byTeam.get(principal.team) ?? []) add(b);
    }
    return out;
  }

  /** Request start: reserves the estimate in every applicable budget, atomically. */
  begin(req: BudgetRequest): MaybePromise<BudgetAdmission> {
    const budgets = this.budgetsFor(req.principal, req.model);
    if (budgets.length === 0) return NOTHING;
    const now = this.now();
    const estimate = req.estimate ?? estimateTokens(req.body, this.options.estimate);
    const estimateUsage = usageOf(estimate);
    let price: ModelPrice | undefined;
    const lines: Line[] = [];
    for (const b of budgets) {
      if (b.config.unit === 'usd') {
        price ??= this.options.prices?.priceOf(req.model);
        if (price === undefined && this.options.unpricedModels !== 'free') {
          return { ok: false, budget: b.config.name, error: new GatewayError('forbidden', `The model '${req.model}' has no price, so the USD budget '${b.config.name}' cannot be applied to it.`, { param: 'model' }) };
        }
      }
      const w = windowAt(b.config.window, now);
      lines.push({
        budget: b,
        line: { key: `${b.config.name}|${scopeOf(b.config, req.principal)}`, limit: b.limit, windowStartMs: w.start, windowEndMs: w.end },
        reserved: amountOf(b.config, estimateUsage, price),
        charged: 0,
        accounted: 0,
      });
    }
    const amounts = lines.map((l) => l.reserved);
    const finish = (r: BudgetOpResult): BudgetAdmission => {
      if (r.ok) return { ok: true, reservation: new BudgetReservation(this.store, lines, req.requestId, price, this.now, this.leaseMs, this.options.failureMode ?? 'open'), degraded: false };
      const l = lines[r.failed] ?? lines[0]!;
      return { ok: false, budget: l.budget.config.name, error: exhaustedError(l, r.states[r.failed]?.spent ?? 0, now) };
    };
    const failed = (): BudgetAdmission =>
      (this.options.failureMode ?? 'open') === 'open'
        ? { ok: true, reservation: undefined, degraded: true }
        : { ok: false, budget: lines[0]!.budget.config.name, error: unavailableError() };
    let pending;
    try {
      pending = this.store.reserve(
        lines.map((l) => l.line),
        amounts,
        req.requestId,
        now + this.leaseMs,
        now,
      );
    } catch {
      return failed();
    }
    return pending instanceof Promise ? pending.then(finish, failed) : finish(pending);
  }
}

export class BudgetReservation {
  private inflight: Promise<unknown> | undefined;
  private ended = false;
  private lastTouch: number;

  constructor(
    private readonly store: BudgetStore,
    private readonly lines: Line[],
    readonly requestId: string,
    private readonly price: ModelPrice | undefined,
    private readonly now: () => number,
    private readonly leaseMs: number,
    private readonly failureMode: 'open' | 'closed',
  ) {
    this.lastTouch = now();
  }

  /** The budgets charged and what each reserved (for logs and response headers). */
  get reservations(): readonly { readonly budget: string; readonly reserved: number; readonly unit: 'tokens' | 'usd' }[] {
    return this.lines.map((l) => ({ budget: l.budget.config.name, reserved: l.reserved, unit: l.budget.config.unit }));
  }

  /**
   * Usage grew (cumulative). Synchronous and free while within the reservation; otherwise charges
   * the excess to the store. `ok: false` → end the request with `error`.
   */
  update(usage: TokenUsage): MaybePromise<BudgetChargeResult> {
    if (this.ended) return OK;
    let beyond = false;
    for (const l of this.lines) {
      l.accounted = Math.max(l.accounted, amountOf(l.budget.config, usage, this.price));
      if (l.accounted > l.reserved) beyond = true;
    }
    const now = this.now();
    // Renew the lease of a long stream before it lapses, even within the reservation.
    if (!beyond && now - this.lastTouch < this.leaseMs / 2) return OK;
    return this.enqueue(() => this.charge(now));
  }

  /** The request ended: records the final usage and releases the rest. Idempotent; never throws. */
  async end(usage?: TokenUsage): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (usage !== undefined) for (const l of this.lines) l.accounted = Math.max(l.accounted, amountOf(l.budget.config, usage, this.price));
    await this.enqueue(async () => {
      const deltas = this.lines.map((l) => l.accounted - l.charged);
      try {
        await this.store.settle(
          this.lines.map((l) => l.line),
          deltas,
          this.requestId,
          this.now(),
        );
        for (const l of this.lines) l.charged = l.accounted;
      } catch {
        // Reflected in the store's health; the usage of this request is lost.
      }
      return OK;
    });
  }

  private async charge(now: number): Promise<BudgetChargeResult> {
    const deltas = this.lines.map((l) => l.accounted - l.charged);
    let r: BudgetOpResult;
    try {
      r = await this.store.charge(
        this.lines.map((l) => l.line),
        deltas,
        this.requestId,
        now + this.leaseMs,
        now,
      );
    } catch {
      return this.failureMode === 'open' ? { ok: true, degraded: true } : { ok: false, degraded: true, error: unavailableError() };
    }
    this.lastTouch = now;
    for (const l of this.lines) l.charged = l.accounted;
    if (r.ok) return OK;
    const l = this.lines[r.failed] ?? this.lines[0]!;
    return { ok: false, error: exhaustedError(l, r.states[r.failed]?.spent ?? 0, now) };
  }

  /** Store operations of one request run one after another. */
  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = (this.inflight ?? Promise.resolve()).then(op, op);
    this.inflight = run;
    return run;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function scopeOf(c: BudgetConfig, p: Principal | undefined): string {
  switch (c.per ?? 'principal') {
    case 'shared':
      return '*';
    case 'team':
      return `t:${p?.team ?? ''}`;
    case 'principal':
      return `p:${p?.id ?? ''}`;
  }
}

function usageOf(e: TokenEstimate): TokenUsage {
  return { inputTokens: e.inputTokens, outputTokens: e.outputTokens, totalTokens: e.inputTokens + e.outputTokens, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0 };
}

/** What a usage amounts to in a budget's unit (tokens, or micro-dollars rounded up). */
function amountOf(c: BudgetConfig, u: TokenUsage, price: ModelPrice | undefined): number {
  if (c.unit === 'usd') return price === undefined ? 0 : costMicros(u, price);
  switch (c.tokens ?? 'total') {
    case 'input':
      return Math.max(0, Math.ceil(u.inputTokens));
    case 'output':
      return Math.max(0, Math.ceil(u.outputTokens));
    case 'total':
      return Math.max(0, Math.ceil(u.totalTokens || u.inputTokens + u.outputTokens));
  }
}

function exhaustedError(l: Line, spent: number, now: number): GatewayError {
  const c = l.budget.config;
  const fmt = (n: number) => (c.unit === 'usd' ? `$${formatUsd(n)}` : `${n} tokens`);
  const resetMs = Math.max(0, l.line.windowEndMs - now);
  const retryAfter = Math.max(1, Math.ceil(resetMs / 1000));
  return new GatewayError(
    'budget_exhausted',
    `The budget '${c.name}' is exhausted: ${fmt(Math.min(spent, Number.MAX_SAFE_INTEGER))} of ${fmt(l.line.limit)} used in the current ${describeWindow(c.window)} window, which resets in ${formatReset(resetMs)}.`,
    { headers: { 'retry-after': String(retryAfter) } },
  );
}

function unavailableError(): GatewayError {
  return new GatewayError('overloaded', 'Budgets cannot be checked right now; the request was not admitted. Try again shortly.', { headers: { 'retry-after': '1' } });
}
