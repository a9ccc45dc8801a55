// Envoy Gateway BackendTrafficPolicy `rateLimit` rules, evaluated in-process against a LimitStore.
//
// Semantics (EG api/v1alpha1 RateLimitRule, Envoy's ratelimit service):
// - A rule applies when all its clientSelectors hold (none = every request). Selector parts:
//   headers (Exact / RegularExpression, full match as RE2 does, with `invert`; Distinct: one
//   counter per distinct value, no match when the header is absent), methods (any of, each with
//   `invert`), path (Exact / PathPrefix on segment boundaries / RegularExpression, `invert`) and
//   sourceCIDR (Exact: one counter for the range; Distinct: one per client address).
//   A header selector on `x-ai-eg-model` reads the model the gateway derived from the body
//   (`RateLimitRequest.model`), never a client-sent header: the gateway owns that header.
// - Counters are per route unless the rule is `shared` (one counter across every target).
// - `limit {requests, unit}`: fixed windows aligned to the Unix epoch, as Envoy's ratelimit service
//   counts them (window start = now - now mod unit; Month = 30 days, Year = 365 days there too).
// - cost.request (Number, default 1) is consumed when the request is admitted; 0 only checks.
//   A request is denied when count + cost > limit for any matching enforced rule. Unlike Envoy's
//   service, a denied request consumes nothing from any counter.
// - cost.response (Number, or Metadata `io.envoy.ai_gateway` key such as llm_total_token) is added
//   after the response, in the window current at that time, unconditionally. With a Metadata
//   response cost the rule counts tokens: `requests` then means tokens.
// - shadowMode: counted, never denies.
// - Store unreachable: `failureMode` 'open' (default, as EG's rate limit without failClosed) admits
//   and marks the decision degraded; 'closed' refuses with 503 and retry-after.
//
// Answer for clients: `retry-after` (seconds until every denying window has ended) and the
// OpenAI-style `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` of the most constrained
// matching rule of each kind (reset as OpenAI writes it: `1s`, `6m0s`, `250ms`).
import { createHash } from 'node:crypto';
import { GatewayError } from '../../errors.ts';
import { CidrSet, normaliseAddress, parseCidr } from '../auth/cidr.ts';
import { headerValue } from '../auth/credentials.ts';
import type { HeaderMap } from '../auth/credentials.ts';
import type { LimitCounter, LimitStore, MaybePromise } from './limit-store.ts';

export type RateLimitUnit = 'Second' | 'Minute' | 'Hour' | 'Day' | 'Month' | 'Year';

/** Window lengths as Envoy's ratelimit service divides time. */
export const UNIT_MS: Readonly<Record<RateLimitUnit, number>> = {
  Second: 1_000,
  Minute: 60_000,
  Hour: 3_600_000,
  Day: 86_400_000,
  Month: 30 * 86_400_000,
  Year: 365 * 86_400_000,
};

/** The epoch-aligned fixed window containing `nowMs`. */
export function fixedWindow(nowMs: number, windowMs: number): { start: number; end: number } {
  const start = nowMs - (((nowMs % windowMs) + windowMs) % windowMs);
  return { start, end: start + windowMs };
}

export interface RateLimitHeaderMatch {
  readonly name: string;
  readonly type?: 'Exact' | 'RegularExpression' | 'Distinct' | undefined;
  readonly value?: string | undefined;
  readonly invert?: boolean | undefined;
}

export interface RateLimitSelectCondition {
  readonly headers?: readonly RateLimitHeaderMatch[] | undefined;
  readonly methods?: readonly { readonly value: string; readonly invert?: boolean | undefined }[] | undefined;
  readonly path?: { readonly type?: 'Exact' | 'PathPrefix' | 'RegularExpression' | undefined; readonly value: string; readonly invert?: boolean | undefined } | undefined;
  readonly sourceCIDR?: { readonly type?: 'Exact' | 'Distinct' | undefined; readonly value: string } | undefined;
}

export interface RateLimitCostSpecifier {
  readonly from: 'Number' | 'Metadata';
  readonly number?: number | undefined;
  readonly metadata?: { readonly namespace: string; readonly key: string } | undefined;
}

export interface RateLimitRuleConfig {
  readonly clientSelectors?: readonly RateLimitSelectCondition[] | undefined;
  readonly limit: { readonly requests: number; readonly unit: RateLimitUnit };
  readonly cost?: { readonly request?: RateLimitCostSpecifier | undefined; readonly response?: RateLimitCostSpecifier | undefined } | undefined;
  readonly shared?: boolean | undefined;
  readonly shadowMode?: boolean | undefined;
}

export interface RateLimitPolicyConfig {
  /** Stable identity of the policy (`namespace/name`): part of every counter key. */
  readonly name: string;
  /** Global (shared store) or Local (per process); Local rules cannot have a response cost (EG). */
  readonly scope?: 'Global' | 'Local' | undefined;
  readonly rules: readonly RateLimitRuleConfig[];
  /** When the store is unreachable (Sluice; default 'open'). */
  readonly failureMode?: 'open' | 'closed' | undefined;
}

/** The dynamic-metadata namespace of Envoy AI Gateway's token costs. */
export const AI_GATEWAY_METADATA_NAMESPACE = 'io.envoy.ai_gateway';

/** What rate limiting looks at: plain values, no HTTP objects. */
export interface RateLimitRequest {
  readonly headers: HeaderMap;
  readonly clientAddress: string;
  readonly method: string;
  /** Normalised path without query. */
  readonly path: string;
  /** Route id (`namespace/name`): counters are per route unless a rule is shared. */
  readonly route: string;
  /** The model the gateway derived from the request (what `x-ai-eg-model` carries). */
  readonly model?: string | undefined;
}

/** What the response phase and refunds need: the counters a request touched. */
export interface RateLimitTicket {
  readonly counters: readonly LimitCounter[];
  readonly rules: readonly CompiledRule[];
}

export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Why a request was refused: a limit, or an unreachable store under failureMode closed. */
  readonly reason: 'limit' | 'unavailable' | undefined;
  /** True when the store failed and the policy failed open (nothing was counted). */
  readonly degraded: boolean;
  /** Seconds until the request may succeed (set when refused). */
  readonly retryAfterSeconds: number | undefined;
  /** OpenAI-style x-ratelimit-* headers (and retry-after when refused). */
  readonly headers: Readonly<Record<string, string>>;
  /** For settle() and refund(); undefined when no rule matched or nothing was counted. */
  readonly ticket: RateLimitTicket | undefined;
  /** The denying rule, for messages and logs. */
  readonly deniedBy?: { readonly limit: number; readonly unit: RateLimitUnit; readonly counts: 'requests' | 'tokens' } | undefined;
}

type Descriptor = (req: RateLimitRequest) => string | undefined | false;

export interface CompiledRule {
  readonly index: number;
  readonly limit: number;
  readonly unit: RateLimitUnit;
  readonly windowMs: number;
  /** Each returns false (no match), undefined (match, no descriptor value) or a descriptor value. */
  readonly parts: readonly Descriptor[];
  readonly requestCost: number;
  readonly responseCost: { readonly number: number } | { readonly metadataKey: string } | undefined;
  readonly shared: boolean;
  readonly enforce: boolean;
  readonly counts: 'requests' | 'tokens';
}

const NO_MATCH = Object.freeze({ allowed: true, reason: undefined, degraded: false, retryAfterSeconds: undefined, headers: Object.freeze({}), ticket: undefined }) as RateLimitDecision;

export class RateLimiter {
  readonly name: string;
  readonly problems: readonly string[];
  private readonly rules: readonly CompiledRule[];
  private readonly failOpen: boolean;
  private readonly now: () => number;

  constructor(
    config: RateLimitPolicyConfig,
    private readonly store: LimitStore,
    options: { now?: () => number } = {},
  ) {
    const problems: string[] = [];
    this.name = config.name;
    this.rules = config.rules.map((r, i) => compileRule(r, i, config.scope ?? 'Global', problems));
    this.failOpen = (config.failureMode ?? 'open') === 'open';
    this.now = options.now ?? Date.now;
    this.problems = problems;
  }

  /** The request phase: checks and consumes every matching rule, in one store operation. */
  check(req: RateLimitRequest): MaybePromise<RateLimitDecision> {
    const now = this.now();
    const counters: LimitCounter[] = [];
    const rules: CompiledRule[] = [];
    for (const rule of this.rules) {
      const key = this.counterKey(rule, req);
      if (key === undefined) continue;
      const w = fixedWindow(now, rule.windowMs);
      counters.push({ key, limit: rule.limit, windowStartMs: w.start, windowMs: rule.windowMs, cost: rule.requestCost, enforce: rule.enforce });
      rules.push(rule);
    }
    if (counters.length === 0) return NO_MATCH;
    let pending;
    try {
      pending = this.store.consume(counters);
    } catch (err) {
      return this.storeFailed(err);
    }
    if (pending instanceof Promise) {
      return pending.then(
        (r) => this.decide(r.allowed, r.counts, counters, rules, now),
        (err: unknown) => this.storeFailed(err),
      );
    }
    return this.decide(pending.allowed, pending.counts, counters, rules, now);
  }

  /**
   * The response phase: adds each matching rule's response cost. `metadata` holds the request's
   * `io.envoy.ai_gateway` values (costs/llm-request-costs.ts), e.g. `{ llm_total_token: 1234 }`.
   * Never throws: a store failure is only reflected in the store's health.
   */
  async settle(ticket: RateLimitTicket | undefined, metadata: Readonly<Record<string, number>>): Promise<void> {
    if (ticket === undefined) return;
    const now = this.now();
    const add: LimitCounter[] = [];
    ticket.rules.forEach((rule, i) => {
      const rc = rule.responseCost;
      if (rc === undefined) return;
      const cost = 'number' in rc ? rc.number : toCost(metadata[rc.metadataKey]);
      if (cost <= 0) return;
      const w = fixedWindow(now, rule.windowMs);
      add.push({ ...ticket.counters[i]!, cost, windowStartMs: w.start });
    });
    if (add.length === 0) return;
    try {
      await this.store.add(add);
    } catch {
      // Reflected in store health; the response already went out.
    }
  }

  /** Gives back the request cost (e.g. the request never reached an upstream). Never throws. */
  async refund(ticket: RateLimitTicket | undefined): Promise<void> {
    if (ticket === undefined) return;
    const back = ticket.counters.filter((c) => c.cost > 0);
    if (back.length === 0) return;
    try {
      await this.store.refund(back);
    } catch {
      // Reflected in store health.
    }
  }

  private counterKey(rule: CompiledRule, req: RateLimitRequest): string | undefined {
    let values = '';
    for (let i = 0; i < rule.parts.length; i++) {
      const v = rule.parts[i]!(req);
      if (v === false) return undefined;
      if (v !== undefined) values += '\u001f' + v;
    }
    if (values.length > 128) values = '#' + createHash('sha1').update(values).digest('hex');
    return `${this.name}|${rule.shared ? '*' : req.route}|${rule.index}${values}`;
  }

  private decide(allowed: boolean, counts: readonly number[], counters: LimitCounter[], rules: CompiledRule[], now: number): RateLimitDecision {
    const headers: Record<string, string> = {};
    let bestReq = -1;
    let bestTok = -1;
    let retryAfterMs = 0;
    let deniedBy: RateLimitDecision['deniedBy'];
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      if (!rule.enforce) continue;
      const c = counters[i]!;
      const count = counts[i] ?? 0;
      const remaining = Math.max(0, rule.limit - count);
      if (!allowed && count + c.cost > rule.limit) {
        retryAfterMs = Math.max(retryAfterMs, c.windowStartMs + c.windowMs - now);
        deniedBy ??= { limit: rule.limit, unit: rule.unit, counts: rule.counts };
      }
      if (rule.counts === 'requests') {
        if (bestReq === -1 || remaining < Math.max(0, rules[bestReq]!.limit - (counts[bestReq] ?? 0))) bestReq = i;
      } else if (bestTok === -1 || remaining < Math.max(0, rules[bestTok]!.limit - (counts[bestTok] ?? 0))) {
        bestTok = i;
      }
    }
    if (bestReq !== -1) writeHeaders(headers, 'requests', rules[bestReq]!, counts[bestReq] ?? 0, counters[bestReq]!, now);
    if (bestTok !== -1) writeHeaders(headers, 'tokens', rules[bestTok]!, counts[bestTok] ?? 0, counters[bestTok]!, now);
    if (allowed) return { allowed, reason: undefined, degraded: false, retryAfterSeconds: undefined, headers, ticket: { counters, rules } };
    const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    headers['retry-after'] = String(retryAfterSeconds);
    return { allowed, reason: 'limit', degraded: false, retryAfterSeconds, headers, ticket: undefined, deniedBy };
  }

  private storeFailed(_err: unknown): RateLimitDecision {
    if (this.failOpen) return { allowed: true, reason: undefined, degraded: true, retryAfterSeconds: undefined, headers: {}, ticket: undefined };
    return { allowed: false, reason: 'unavailable', degraded: true, retryAfterSeconds: 1, headers: { 'retry-after': '1' }, ticket: undefined };
  }
}

/** The catalogue error of a refused decision: 429 rate_limited, or 503 when failing closed. */
export function rateLimitError(d: RateLimitDecision): GatewayError {
  if (d.reason === 'unavailable') {
    return new GatewayError('overloaded', 'Rate limiting is unavailable right now; the request was not admitted. Try again shortly.', { headers: { ...d.headers } });
  }
  const by = d.deniedBy;
  const what = by === undefined ? '' : ` (${by.counts} per ${by.unit.toLowerCase()}: limit ${by.limit})`;
  return new GatewayError('rate_limited', `Rate limit reached${what}. Try again in ${d.retryAfterSeconds ?? 1}s.`, { headers: { ...d.headers } });
}

/** OpenAI's reset format: `250ms`, `1s`, `59s`, `6m0s`, `1h2m3s` (whole seconds, rounded up, from 1 s). */
export function formatReset(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  let s = Math.ceil(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

function writeHeaders(headers: Record<string, string>, kind: 'requests' | 'tokens', rule: CompiledRule, count: number, c: LimitCounter, now: number): void {
  headers[`x-ratelimit-limit-${kind}`] = String(rule.limit);
  headers[`x-ratelimit-remaining-${kind}`] = String(Math.max(0, rule.limit - count));
  headers[`x-ratelimit-reset-${kind}`] = formatReset(c.windowStartMs + c.windowMs - now);
}

function toCost(v: number | undefined): number {
  return v === undefined || !Number.isFinite(v) || v <= 0 ? 0 : Math.ceil(v);
}

function compileRule(r: RateLimitRuleConfig, index: number, scope: 'Global' | 'Local', problems: string[]): CompiledRule {
  const where = `rateLimit.rules[${index}]`;
  const windowMs = UNIT_MS[r.limit.unit];
  if (windowMs === undefined) problems.push(`${where}.limit.unit: unknown unit "${String(r.limit.unit)}"`);
  if (!Number.isInteger(r.limit.requests) || r.limit.requests < 0) problems.push(`${where}.limit.requests: must be a non-negative integer`);
  const parts: Descriptor[] = [];
  (r.clientSelectors ?? []).forEach((sel, s) => compileSelector(sel, `${where}.clientSelectors[${s}]`, parts, problems));
  const reqSpec = r.cost?.request;
  let requestCost = 1;
  if (reqSpec !== undefined) {
    if (reqSpec.from !== 'Number') problems.push(`${where}.cost.request: only from: Number is supported on the request path`);
    else requestCost = Math.max(0, Math.ceil(reqSpec.number ?? 1));
  }
  let responseCost: CompiledRule['responseCost'];
  const resSpec = r.cost?.response;
  if (resSpec !== undefined) {
    if (scope === 'Local') problems.push(`${where}.cost.response: response cost is not supported for Local rate limits`);
    if (resSpec.from === 'Number') responseCost = { number: Math.max(0, Math.ceil(resSpec.number ?? 0)) };
    else if (resSpec.metadata === undefined) problems.push(`${where}.cost.response.metadata: is required when from is Metadata`);
    else if (resSpec.metadata.namespace !== AI_GATEWAY_METADATA_NAMESPACE) {
      problems.push(`${where}.cost.response.metadata.namespace: only "${AI_GATEWAY_METADATA_NAMESPACE}" is available in Sluice`);
    } else responseCost = { metadataKey: resSpec.metadata.key };
  }
  if (r.shadowMode === true && scope === 'Local') problems.push(`${where}.shadowMode: only supported for Global rate limits`);
  return {
    index,
    limit: r.limit.requests,
    unit: r.limit.unit,
    windowMs: windowMs ?? 1000,
    parts,
    requestCost,
    responseCost,
    shared: r.shared === true,
    enforce: r.shadowMode !== true,
    counts: responseCost !== undefined && 'metadataKey' in responseCost ? 'tokens' : 'requests',
  };
}

function compileSelector(sel: RateLimitSelectCondition, where: string, parts: Descriptor[], problems: string[]): void {
  if (sel.headers === undefined && sel.methods === undefined && sel.path === undefined && sel.sourceCIDR === undefined) {
    problems.push(`${where}: at least one of headers, methods, path or sourceCIDR must be specified`);
  }
  (sel.headers ?? []).forEach((h, i) => {
    const name = h.name.toLowerCase();
    const read = name === 'x-ai-eg-model' ? (req: RateLimitRequest) => req.model : (req: RateLimitRequest) => headerValue(req.headers, name);
    const type = h.type ?? 'Exact';
    if (type === 'Distinct') {
      if (h.value !== undefined || h.invert === true) problems.push(`${where}.headers[${i}]: value and invert must not be set with type Distinct`);
      parts.push((req) => {
        const v = read(req);
        return v === undefined ? false : v;
      });
      return;
    }
    if (h.value === undefined) {
      problems.push(`${where}.headers[${i}]: value is required with type ${type}`);
      parts.push(() => false);
      return;
    }
    const invert = h.invert === true;
    let test: (v: string) => boolean;
    if (type === 'RegularExpression') {
      const re = compileRegex(h.value, `${where}.headers[${i}].value`, problems);
      test = (v) => re.test(v);
    } else {
      const value = h.value;
      test = (v) => v === value;
    }
    parts.push((req) => {
      const v = read(req);
      const m = v !== undefined && test(v);
      return m !== invert ? undefined : false;
    });
  });
  if (sel.methods !== undefined) {
    const methods = sel.methods.map((m) => ({ value: m.value.toUpperCase(), invert: m.invert === true }));
    parts.push((req) => {
      const method = req.method.toUpperCase();
      return methods.some((m) => (method === m.value) !== m.invert) ? undefined : false;
    });
  }
  if (sel.path !== undefined) {
    const p = sel.path;
    const invert = p.invert === true;
    let test: (path: string) => boolean;
    if ((p.type ?? 'PathPrefix') === 'Exact') test = (path) => path === p.value;
    else if (p.type === 'RegularExpression') {
      const re = compileRegex(p.value, `${where}.path.value`, problems);
      test = (path) => re.test(path);
    } else {
      const prefix = p.value.length > 1 ? p.value.replace(/\/+$/, '') : '/';
      test = (path) => prefix === '/' || path === prefix || path.startsWith(prefix + '/');
    }
    parts.push((req) => (test(req.path) !== invert ? undefined : false));
  }
  if (sel.sourceCIDR !== undefined) {
    const c = sel.sourceCIDR;
    if (parseCidr(c.value) === undefined) {
      problems.push(`${where}.sourceCIDR.value: invalid CIDR "${c.value}"`);
      parts.push(() => false);
    } else {
      const set = new CidrSet([c.value]);
      const distinct = c.type === 'Distinct';
      parts.push((req) => {
        if (!set.has(req.clientAddress)) return false;
        return distinct ? (normaliseAddress(req.clientAddress)?.address ?? req.clientAddress) : undefined;
      });
    }
  }
}

/** Envoy matches RE2 against the whole value; JavaScript's engine is close enough for the patterns rules use. */
function compileRegex(source: string, where: string, problems: string[]): RegExp {
  try {
    return new RegExp(`^(?:${source})$`, 'u');
  } catch (err) {
    problems.push(`${where}: invalid regular expression (${err instanceof Error ? err.message : String(err)})`);
    return /(?!)/;
  }
}
