// Authorization after authentication: Envoy Gateway SecurityPolicy `authorization` rules plus
// per-model allow lists.
//
// EG semantics (api/v1alpha1 Authorization): rules are evaluated in order and the first rule that
// matches decides (Allow or Deny); no match → `defaultAction`, which is Deny when omitted (so an
// empty `authorization: {}` denies everything, as in EG). A rule matches when its `operation.methods`
// (if any) contains the method and every principal type it sets matches:
// - clientCIDRs: the client address is in one of them;
// - jwt: the request was authenticated by that JWT `provider`, every listed claim matches
//   (String: equals one of `values`; StringArray: the claim array contains one of them; dotted
//   names reach nested claims) and every scope is in the `scope` claim (space-delimited or array);
// - headers: each named header has one of its `values` (exact match).
// Sluice adds two principal matchers EG has no equivalent for: `ids` (principal ids: API-key client
// ids, virtual-key names, JWT subjects) and `teams`.
//
// Model access, checked after the rules allow the request:
// - a virtual key's own `models` list (virtual-keys.ts);
// - `modelAccess` entries: when a requested model matches an entry's `models`, the principal must be
//   listed (by id or team) in at least one matching entry. Models no entry matches are open.
// `modelsVisibleTo()` applies the same model checks to a list, for `/v1/models`.
import { GatewayError } from '../../errors.ts';
import type { Principal } from '../../runtime/context.ts';
import { CidrSet, parseCidr } from './cidr.ts';
import { headerValue } from './credentials.ts';
import type { HeaderMap } from './credentials.ts';
import { claimAt, isJwtPrincipal } from './jwt.ts';
import { ModelMatcher } from './model-match.ts';
import { virtualKeyModels } from './virtual-keys.ts';

export type AuthorizationAction = 'Allow' | 'Deny';

export interface AuthorizationRuleConfig {
  readonly name?: string | undefined;
  readonly action: AuthorizationAction;
  readonly operation?: { readonly methods: readonly string[] } | undefined;
  readonly principal: {
    readonly clientCIDRs?: readonly string[] | undefined;
    readonly jwt?:
      | {
          readonly provider: string;
          readonly claims?: readonly { readonly name: string; readonly valueType?: 'String' | 'StringArray' | undefined; readonly values: readonly string[] }[] | undefined;
          readonly scopes?: readonly string[] | undefined;
        }
      | undefined;
    readonly headers?: readonly { readonly name: string; readonly values: readonly string[] }[] | undefined;
    /** Sluice: principal ids. */
    readonly ids?: readonly string[] | undefined;
    /** Sluice: principal teams. */
    readonly teams?: readonly string[] | undefined;
  };
}

export interface ModelAccessConfig {
  /** Model names or globs this entry governs. */
  readonly models: readonly string[];
  readonly ids?: readonly string[] | undefined;
  readonly teams?: readonly string[] | undefined;
}

export interface AuthorizationConfig {
  /** EG `authorization`; omitted = no rules at all (everything allowed by this part). */
  readonly rules?: readonly AuthorizationRuleConfig[] | undefined;
  /** EG default: Deny. Only meaningful when `rules` or `defaultAction` is configured. */
  readonly defaultAction?: AuthorizationAction | undefined;
  /** Whether an EG `authorization` section is configured at all (false: skip rule evaluation). */
  readonly enabled?: boolean | undefined;
  readonly modelAccess?: readonly ModelAccessConfig[] | undefined;
}

/** What authorization looks at: plain values, no HTTP objects. */
export interface AuthorizationRequest {
  readonly principal: Principal | undefined;
  readonly clientAddress: string;
  readonly method: string;
  readonly headers: HeaderMap;
  /** The model the request names (undefined for non-AI routes: model access is not checked). */
  readonly model?: string | undefined;
}

export type AuthorizationDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: 'rule' | 'default' | 'model'; readonly rule?: string | undefined; readonly message: string };

type Test = (req: AuthorizationRequest) => boolean;

interface CompiledRule {
  readonly tests: readonly Test[];
  readonly decision: AuthorizationDecision;
}

const ALLOW: AuthorizationDecision = Object.freeze({ allowed: true as const });

export class Authorizer {
  readonly problems: readonly string[];
  private readonly rules: readonly CompiledRule[] | undefined;
  private readonly fallback: AuthorizationDecision;
  private readonly access: readonly { readonly models: ModelMatcher; readonly ids: ReadonlySet<string>; readonly teams: ReadonlySet<string> }[];

  constructor(config: AuthorizationConfig) {
    const problems: string[] = [];
    const enabled = config.enabled ?? (config.rules !== undefined || config.defaultAction !== undefined);
    this.rules = enabled ? (config.rules ?? []).map((r, i) => compileRule(r, i, problems)) : undefined;
    this.fallback =
      (config.defaultAction ?? 'Deny') === 'Allow'
        ? ALLOW
        : Object.freeze({ allowed: false as const, reason: 'default' as const, message: 'You are not allowed to access this resource.' });
    this.access = (config.modelAccess ?? []).map((a) => ({ models: new ModelMatcher(a.models), ids: new Set(a.ids ?? []), teams: new Set(a.teams ?? []) }));
    this.problems = problems;
  }

  authorize(req: AuthorizationRequest): AuthorizationDecision {
    if (this.rules !== undefined) {
      let decided: AuthorizationDecision | undefined;
      for (let i = 0; i < this.rules.length && decided === undefined; i++) {
        const rule = this.rules[i]!;
        let match = true;
        for (let j = 0; j < rule.tests.length && match; j++) match = rule.tests[j]!(req);
        if (match) decided = rule.decision;
      }
      const d = decided ?? this.fallback;
      if (!d.allowed) return d;
    }
    if (req.model !== undefined && !this.modelAllowed(req.principal, req.model)) {
      return { allowed: false, reason: 'model', message: `You are not allowed to use the model '${req.model}'.` };
    }
    return ALLOW;
  }

  /** Whether the principal may call `model` (virtual-key list and modelAccess entries). */
  modelAllowed(principal: Principal | undefined, model: string): boolean {
    if (principal !== undefined) {
      const own = virtualKeyModels(principal);
      if (own !== undefined && !own.test(model)) return false;
    }
    let governed = false;
    for (const a of this.access) {
      if (!a.models.test(model)) continue;
      governed = true;
      if (principal !== undefined && (a.ids.has(principal.id) || (principal.team !== undefined && a.teams.has(principal.team)))) return true;
    }
    return !governed;
  }

  /** The models of `models` the principal may call, in their order (for `/v1/models`). */
  modelsVisibleTo<T extends string>(principal: Principal | undefined, models: readonly T[]): T[] {
    return models.filter((m) => this.modelAllowed(principal, m));
  }
}

const OPEN = new Authorizer({});

/**
 * The models of `models` the principal may call, for `/v1/models` filtering. Without an authorizer
 * only the principal's own allow list (virtual keys) applies.
 */
export function modelsVisibleTo<T extends string>(principal: Principal | undefined, models: readonly T[], authorizer: Authorizer = OPEN): T[] {
  return authorizer.modelsVisibleTo(principal, models);
}

/** The 403 catalogue error of a denial. */
export function forbiddenError(d: Extract<AuthorizationDecision, { allowed: false }>): GatewayError {
  return new GatewayError('forbidden', d.message, d.reason === 'model' ? { param: 'model' } : {});
}

function compileRule(r: AuthorizationRuleConfig, i: number, problems: string[]): CompiledRule {
  const where = `authorization.rules[${i}]${r.name !== undefined ? ` (${r.name})` : ''}`;
  const tests: Test[] = [];
  if (r.operation !== undefined) {
    const methods = new Set(r.operation.methods.map((m) => m.toUpperCase()));
    tests.push((req) => methods.has(req.method.toUpperCase()));
  }
  const p = r.principal;
  let principalTests = 0;
  if (p.clientCIDRs !== undefined) {
    const valid = p.clientCIDRs.filter((c) => {
      if (parseCidr(c) !== undefined) return true;
      problems.push(`${where}: invalid CIDR "${c}" (it matches nothing)`);
      return false;
    });
    const set = new CidrSet(valid);
    tests.push((req) => set.has(req.clientAddress));
    principalTests++;
  }
  if (p.jwt !== undefined) {
    const jwt = p.jwt;
    const claims = (jwt.claims ?? []).map((c) => ({ name: c.name, array: c.valueType === 'StringArray', values: new Set(c.values) }));
    const scopes = jwt.scopes ?? [];
    if (claims.length === 0 && scopes.length === 0) problems.push(`${where}: principal.jwt needs claims or scopes`);
    tests.push((req) => {
      const pr = req.principal;
      if (!isJwtPrincipal(pr) || pr.provider !== jwt.provider) return false;
      for (const c of claims) {
        const v = claimAt(pr.claims, c.name);
        if (c.array) {
          if (!Array.isArray(v) || !v.some((x) => typeof x === 'string' && c.values.has(x))) return false;
        } else if (!((typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && c.values.has(String(v)))) {
          return false;
        }
      }
      if (scopes.length > 0) {
        const raw = pr.claims['scope'] ?? pr.claims['scp'];
        const granted = typeof raw === 'string' ? raw.split(' ') : Array.isArray(raw) ? raw : [];
        for (const s of scopes) if (!granted.includes(s)) return false;
      }
      return true;
    });
    principalTests++;
  }
  if (p.headers !== undefined) {
    const headers = p.headers.map((h) => ({ name: h.name.toLowerCase(), values: new Set(h.values) }));
    tests.push((req) => {
      for (const h of headers) {
        const raw = req.headers[h.name];
        if (raw === undefined) return false;
        const list = Array.isArray(raw) ? (raw as readonly string[]) : [headerValue(req.headers, h.name) ?? ''];
        if (!list.some((v) => h.values.has(v))) return false;
      }
      return true;
    });
    principalTests++;
  }
  if (p.ids !== undefined) {
    const ids = new Set(p.ids);
    tests.push((req) => req.principal !== undefined && ids.has(req.principal.id));
    principalTests++;
  }
  if (p.teams !== undefined) {
    const teams = new Set(p.teams);
    tests.push((req) => req.principal?.team !== undefined && teams.has(req.principal.team));
    principalTests++;
  }
  if (principalTests === 0) problems.push(`${where}: principal must set at least one of clientCIDRs, jwt or headers`);
  const decision: AuthorizationDecision =
    r.action === 'Allow'
      ? ALLOW
      : Object.freeze({ allowed: false as const, reason: 'rule' as const, rule: r.name ?? `rule-${i}`, message: 'You are not allowed to access this resource.' });
  return { tests, decision };
}
