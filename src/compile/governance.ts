// Governance per route (and per listener, for /v1/models): Envoy Gateway SecurityPolicy (apiKeyAuth,
// jwt, authorization), BackendTrafficPolicy.rateLimit, AIGatewayRoute llmRequestCosts, and Sluice's
// VirtualKey, Budget and ModelPricing → one admission object (admission/governance.ts) shared by the
// route's rules. Policies target a Gateway or a route in their own namespace (an AIGatewayRoute as
// the HTTPRoute of the same name); a route-level SecurityPolicy wins over a Gateway-level one, and
// virtual keys and budgets of both apply. Stores (limits, budgets, usage ledger) are the caller's:
// in memory, or shared through Redis.
import { GatewayError } from '../errors.ts';
import type { Authenticator } from '../admission/auth/result.ts';
import { ApiKeyAuthenticator } from '../admission/auth/api-keys.ts';
import { Authorizer } from '../admission/auth/authorize.ts';
import type { AuthorizationConfig } from '../admission/auth/authorize.ts';
import { JwtAuthenticator } from '../admission/auth/jwt.ts';
import { VirtualKeyAuthenticator } from '../admission/auth/virtual-keys.ts';
import type { VirtualKeyConfig } from '../admission/auth/virtual-keys.ts';
import { BudgetGuard } from '../admission/budgets/budgets.ts';
import type { BudgetConfig } from '../admission/budgets/budgets.ts';
import { parseBudgetWindow } from '../admission/budgets/windows.ts';
import { LlmRequestCosts } from '../admission/costs/llm-request-costs.ts';
import type { LlmRequestCostConfig } from '../admission/costs/llm-request-costs.ts';
import { PriceTable } from '../admission/costs/pricing.ts';
import type { ModelPriceConfig } from '../admission/costs/pricing.ts';
import { MemoryUsageLedger } from '../admission/costs/usage-ledger.ts';
import { MemoryLimitStore } from '../admission/limits/memory-store.ts';
import { MemoryBudgetStore } from '../admission/budgets/memory-budget-store.ts';
import { RuleAdmission } from '../admission/governance.ts';
import { RateLimiter } from '../admission/limits/rate-limit.ts';
import type { RateLimitRuleConfig } from '../admission/limits/rate-limit.ts';
import { decodeSecretData } from '../providers/auth/index.ts';
import type { BackendTrafficPolicy, SecurityPolicy } from '../config/schemas/index.ts';
import type { Budget, ModelPricing, VirtualKey } from '../config/schemas/sluice.ts';
import { resourceLabel } from '../config/validate.ts';
import type { Resource } from '../config/validate.ts';
import type { SecretView } from '../config/views.ts';
import { condition, ok } from '../runtime/conditions.ts';
import type { Admission } from '../runtime/governance.ts';
import type { ResourceStatus } from '../runtime/snapshot.ts';
import { GATEWAY_GROUP, all, get } from './context.ts';
import type { Ctx, GovernanceStores, RouteGovernance } from './context.ts';
import { refusedForSecurity, unsupportedMessage } from './support.ts';
import { trafficPolicy } from './traffic-policy.ts';

export type { GovernanceStores };

/** Fresh in-memory stores (one process; what `validate` and tests use). */
export function memoryGovernanceStores(): GovernanceStores {
  return { limits: new MemoryLimitStore(), budgets: new MemoryBudgetStore(), ledger: new MemoryUsageLedger() };
}

interface Target {
  readonly kind: string;
  readonly name: string;
}

type Targeted = Resource<{ spec: { targetRefs?: readonly { group?: string | undefined; kind?: string | undefined; name?: string | undefined }[] | undefined } }>;

function targetsOf(r: Targeted): Target[] {
  return (r.object.spec.targetRefs ?? []).filter((t) => (t.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && t.kind && t.name).map((t) => ({ kind: t.kind!, name: t.name! }));
}

/** Does `r` (in the route's namespace) target the route or one of its Gateways? 2 = the route, 1 = a Gateway, 0 = neither. */
function reach(r: Targeted, route: Resource, gateways: ReadonlySet<string>): number {
  if (r.namespace !== route.namespace) return 0;
  const kind = route.kind === 'AIGatewayRoute' ? 'HTTPRoute' : route.kind;
  let best = 0;
  for (const t of targetsOf(r)) {
    if (t.kind === kind && t.name === route.name) best = 2;
    else if (t.kind === 'Gateway' && gateways.has(t.name) && best === 0) best = 1;
  }
  return best;
}

function secretData(ctx: Ctx, namespace: string, name: string): Record<string, string> | undefined {
  const s = get<SecretView>(ctx.index, 'Secret', namespace, name);
  return s ? decodeSecretData(s.object) : undefined;
}

export class GovernanceCompiler implements RouteGovernance {
  readonly #ctx: Ctx;
  readonly #stores: GovernanceStores;
  readonly #statuses: ResourceStatus[];
  readonly #prices: PriceTable | undefined;
  readonly #byRoute = new Map<string, Admission | undefined>();
  readonly #accepted = new Set<string>();
  readonly #log: ((line: string) => void) | undefined;

  constructor(ctx: Ctx, stores: GovernanceStores, statuses: ResourceStatus[], log?: (line: string) => void) {
    this.#ctx = ctx;
    this.#stores = stores;
    this.#statuses = statuses;
    this.#log = log;
    this.#prices = this.#compilePrices();
  }

  #problem(r: Resource, field: (string | number)[], message: string, severity: 'error' | 'warning' = 'error'): void {
    this.#ctx.problems.push({ severity, location: r.source.locationOf(field), resource: resourceLabel(r.kind, r.namespace, r.name), field: field.map((f) => (typeof f === 'number' ? `[${f}]` : f)).join('.').replace(/\.\[/g, '['), message });
  }

  #compilePrices(): PriceTable | undefined {
    const pricing = all<ModelPricing>(this.#ctx.index, 'ModelPricing');
    if (pricing.length === 0) return undefined;
    const models: Record<string, ModelPriceConfig> = {};
    let fallback: ModelPriceConfig | undefined;
    for (const p of pricing) {
      for (const m of p.object.spec.models) {
        const { name, ...price } = m;
        models[name] = price as ModelPriceConfig;
      }
      fallback ??= p.object.spec.default as ModelPriceConfig | undefined;
      this.#statuses.push({ kind: 'ModelPricing', namespace: p.namespace, name: p.name, conditions: [ok('Accepted', `prices for ${p.object.spec.models.length} model(s)`)] });
    }
    return new PriceTable({ models, ...(fallback ? { default: fallback } : {}) });
  }

  /** The governance of a route's requests, or undefined when nothing governs it. */
  forRoute(route: Resource<{ spec?: { parentRefs?: { name: string; namespace?: string | undefined }[] | undefined; llmRequestCosts?: LlmRequestCostConfig[] | undefined } | undefined }>): Admission | undefined {
    const key = `${route.kind}/${route.namespace}/${route.name}`;
    if (this.#byRoute.has(key)) return this.#byRoute.get(key);
    const gateways = new Set((route.object.spec?.parentRefs ?? []).filter((r) => (r.namespace ?? route.namespace) === route.namespace).map((r) => r.name));
    const admission = this.#build(route, gateways, route.kind === 'AIGatewayRoute' ? (route.object.spec?.llmRequestCosts ?? []) : [], true);
    this.#byRoute.set(key, admission);
    return admission;
  }

  /** Gateway-level governance of a listener (for /v1/models). */
  forGateway(gateway: Resource): Admission | undefined {
    const key = `Gateway/${gateway.namespace}/${gateway.name}`;
    if (this.#byRoute.has(key)) return this.#byRoute.get(key);
    const admission = this.#build({ ...gateway, kind: 'Gateway', name: `\0${gateway.name}` } as Resource, new Set([gateway.name]), [], false);
    this.#byRoute.set(key, admission);
    return admission;
  }

  /** Statuses for the governance resources no route used (they target nothing that exists). */
  finish(): void {
    for (const kind of ['SecurityPolicy', 'VirtualKey', 'Budget'] as const) {
      for (const r of all(this.#ctx.index, kind)) {
        const id = `${kind}/${r.namespace}/${r.name}`;
        if (this.#accepted.has(id) || this.#statuses.some((s) => s.kind === kind && s.namespace === r.namespace && s.name === r.name)) continue;
        this.#statuses.push({ kind, namespace: r.namespace, name: r.name, conditions: [condition('Accepted', 'False', 'TargetNotFound', 'no Gateway or route it targets exists')] });
      }
    }
  }

  #accept(r: Resource, message: string): void {
    const id = `${r.kind}/${r.namespace}/${r.name}`;
    if (this.#accepted.has(id)) return;
    this.#accepted.add(id);
    this.#statuses.push({ kind: r.kind, namespace: r.namespace, name: r.name, conditions: [ok('Accepted', message)] });
  }

  #refuse(r: Resource, reason: string, message: string): void {
    const id = `${r.kind}/${r.namespace}/${r.name}`;
    if (this.#accepted.has(id)) return;
    this.#accepted.add(id);
    this.#statuses.push({ kind: r.kind, namespace: r.namespace, name: r.name, conditions: [condition('Accepted', 'False', reason, message)] });
  }

  #build(route: Resource, gateways: ReadonlySet<string>, costs: readonly LlmRequestCostConfig[], forRoute: boolean): Admission | undefined {
    const ctx = this.#ctx;
    const authenticators: Authenticator[] = [];
    const credentialHeaders = new Set<string>();
    let authorizer: Authorizer | undefined;

    // SecurityPolicy: the route's own, else its Gateway's.
    const policies = all<SecurityPolicy>(ctx.index, 'SecurityPolicy')
      .map((p) => ({ p, reach: reach(p as unknown as Targeted, route, gateways) }))
      .filter((x) => x.reach > 0)
      .sort((a, b) => b.reach - a.reach);
    const sp = policies[0]?.p;
    if (sp) {
      const spec = sp.object.spec;
      let valid = true;
      if (spec.apiKeyAuth) {
        const credentials: Record<string, string>[] = [];
        spec.apiKeyAuth.credentialRefs.forEach((ref, i) => {
          const data = secretData(ctx, ref.namespace ?? sp.namespace, ref.name);
          if (!data) {
            valid = false;
            this.#problem(sp, ['spec', 'apiKeyAuth', 'credentialRefs', i, 'name'], `Secret ${ref.namespace ?? sp.namespace}/${ref.name} not found; create it with one entry per client (client id: API key)`);
          } else credentials.push(data);
        });
        const a = new ApiKeyAuthenticator({ credentials, extractFrom: spec.apiKeyAuth.extractFrom, forwardClientIDHeader: spec.apiKeyAuth.forwardClientIDHeader, sanitize: spec.apiKeyAuth.sanitize });
        for (const msg of a.problems) this.#problem(sp, ['spec', 'apiKeyAuth'], msg, 'warning');
        for (const h of a.credentialHeaders) credentialHeaders.add(h);
        authenticators.push(a);
      }
      if (spec.jwt) {
        const providers = spec.jwt.providers.map((prov, i) => {
          let local: string | undefined = prov.localJWKS?.inline;
          const ref = prov.localJWKS?.valueRef;
          if (ref) {
            const text = ref.kind === 'Secret' ? Object.values(secretData(ctx, sp.namespace, ref.name) ?? {})[0] : Object.values(get<{ data?: Record<string, string> }>(ctx.index, 'ConfigMap', sp.namespace, ref.name)?.object.data ?? {})[0];
            if (text === undefined) {
              valid = false;
              this.#problem(sp, ['spec', 'jwt', 'providers', i, 'localJWKS', 'valueRef'], `${ref.kind} ${sp.namespace}/${ref.name} not found or empty; it must hold the JWKS as JSON`);
            }
            local = text;
          }
          return { name: prov.name, issuer: prov.issuer, audiences: prov.audiences, remoteJWKS: prov.remoteJWKS, localJWKS: local !== undefined ? { inline: local } : undefined, claimToHeaders: prov.claimToHeaders, extractFrom: prov.extractFrom };
        });
        const a = new JwtAuthenticator({ optional: spec.jwt.optional, providers });
        // JWTs arrive as Authorization: Bearer unless a provider says where else.
        credentialHeaders.add('authorization');
        for (const prov of spec.jwt.providers) for (const h of prov.extractFrom?.headers ?? []) credentialHeaders.add(h.name.toLowerCase());
        authenticators.push(a);
      }
      if (spec.authorization) {
        const config: AuthorizationConfig = { enabled: true, defaultAction: spec.authorization.defaultAction, rules: spec.authorization.rules as AuthorizationConfig['rules'] };
        authorizer = new Authorizer(config);
        for (const msg of authorizer.problems) this.#problem(sp, ['spec', 'authorization'], msg);
      }
      // Mechanisms Sluice does not implement (basicAuth, oidc, extAuth, cors...) are warned about by
      // compile/support.ts; requests would be served without that check, so the policy is refused.
      const unsupported = refusedForSecurity(sp);
      if (unsupported.length > 0) {
        this.#refuse(sp, 'Unsupported', unsupportedMessage(unsupported));
        return new RefuseAll(`${resourceLabel('SecurityPolicy', sp.namespace, sp.name)} asks for ${unsupported.map((f) => f.path).join(', ')}, which Sluice does not enforce yet`);
      }
      if (valid) this.#accept(sp, `${[spec.apiKeyAuth && 'API keys', spec.jwt && 'JWT', spec.authorization && 'authorization'].filter(Boolean).join(', ')}`);
      else {
        this.#refuse(sp, 'Invalid', 'the policy cannot be enforced as written (see the problems)');
        return new RefuseAll(`${resourceLabel('SecurityPolicy', sp.namespace, sp.name)} cannot be enforced as written`);
      }
    }

    // Virtual keys of the route and its Gateways.
    const keys: VirtualKeyConfig[] = [];
    for (const vk of all<VirtualKey>(ctx.index, 'VirtualKey')) {
      if (reach(vk as unknown as Targeted, route, gateways) === 0) continue;
      const spec = vk.object.spec;
      let key: string | undefined;
      if (spec.secretRef) {
        key = secretData(ctx, vk.namespace, spec.secretRef.name)?.[spec.secretRef.key ?? 'key'];
        if (key === undefined) {
          this.#problem(vk, ['spec', 'secretRef'], `Secret ${vk.namespace}/${spec.secretRef.name} has no key "${spec.secretRef.key ?? 'key'}"; add it (the virtual key's value)`);
          this.#refuse(vk, 'Invalid', 'its key Secret is missing');
          continue;
        }
      }
      keys.push({ name: `${vk.namespace}/${vk.name}`, ...(key !== undefined ? { key } : { keySha256: spec.keySha256 }), team: spec.team, models: spec.models, budget: spec.budget && `${vk.namespace}/${spec.budget}`, expiresAt: spec.expiresAt, disabled: spec.disabled, metadata: spec.metadata });
      this.#accept(vk, `key for ${spec.team ? `team ${spec.team}` : 'a client'}${spec.models ? `, models ${spec.models.join(', ')}` : ''}`);
    }
    if (keys.length > 0) {
      const a = new VirtualKeyAuthenticator({ keys });
      for (const msg of a.problems) this.#ctx.problems.push({ severity: 'warning', resource: 'VirtualKey', message: msg });
      credentialHeaders.add('authorization');
      credentialHeaders.add('x-api-key');
      authenticators.push(a);
      // Virtual keys' model lists are enforced by the authorizer.
      authorizer ??= new Authorizer({});
    }

    // Rate limits of the route's BackendTrafficPolicy.
    let limiter: RateLimiter | undefined;
    const btp = forRoute ? trafficPolicy(ctx, route as never)?.resource : undefined;
    const rl = (btp as Resource<BackendTrafficPolicy> | undefined)?.object.spec.rateLimit;
    // A rate limit with a part Sluice does not enforce is refused rather than applied weaker.
    const btpUnsupported = btp ? refusedForSecurity(btp) : [];
    if (btp && btpUnsupported.length > 0) {
      return new RefuseAll(`${resourceLabel('BackendTrafficPolicy', btp.namespace, btp.name)} asks for ${btpUnsupported.map((f) => f.path).join(', ')}, which Sluice does not enforce yet`);
    }
    if (btp && rl) {
      const scope = rl.type ?? (rl.global ? 'Global' : 'Local');
      const rules = (scope === 'Global' ? rl.global?.rules : rl.local?.rules) ?? [];
      limiter = new RateLimiter({ name: `${btp.namespace}/${btp.name}`, scope, rules: rules as unknown as RateLimitRuleConfig[] }, this.#stores.limits);
      for (const msg of limiter.problems) this.#problem(btp, ['spec', 'rateLimit'], msg);
    }

    // Budgets of the route and its Gateways.
    const budgetConfigs: BudgetConfig[] = [];
    let budgetFailure: 'open' | 'closed' | undefined;
    for (const b of all<Budget>(ctx.index, 'Budget')) {
      if (reach(b as unknown as Targeted, route, gateways) === 0) continue;
      const spec = b.object.spec;
      const window = parseBudgetWindow(spec.window);
      if (!window) {
        this.#problem(b, ['spec', 'window'], `"${spec.window}" is not a window: use Second, Minute, Hour, Day, Week, Month, Year or a duration such as 90m or 7d`);
        this.#refuse(b, 'Invalid', 'its window is not valid');
        continue;
      }
      if (spec.unit === 'USD' && !this.#prices) {
        this.#problem(b, ['spec', 'unit'], 'a USD budget needs prices: add a ModelPricing resource (USD per million tokens per model)');
        this.#refuse(b, 'Invalid', 'no ModelPricing to price its usage');
        continue;
      }
      const named = keys.some((k) => k.budget === `${b.namespace}/${b.name}`);
      budgetConfigs.push({
        name: `${b.namespace}/${b.name}`,
        unit: spec.unit === 'USD' ? 'usd' : 'tokens',
        limit: spec.limit,
        window,
        tokens: spec.tokens === 'Input' ? 'input' : spec.tokens === 'Output' ? 'output' : 'total',
        per: spec.per === 'Team' ? 'team' : spec.per === 'Shared' ? 'shared' : 'principal',
        appliesTo: spec.appliesTo ? { all: spec.appliesTo.all, ids: spec.appliesTo.identities, teams: spec.appliesTo.teams } : named ? undefined : { all: true },
        models: spec.models,
      });
      if (spec.failureMode === 'FailClose') budgetFailure = 'closed';
      this.#accept(b, `${spec.limit} ${spec.unit} per ${spec.window}`);
    }
    const budgets = budgetConfigs.length > 0 ? new BudgetGuard(budgetConfigs, this.#stores.budgets, { prices: this.#prices, failureMode: budgetFailure ?? 'open' }) : undefined;

    let llmCosts: LlmRequestCosts | undefined;
    if (costs.length > 0) {
      llmCosts = new LlmRequestCosts(costs);
      for (const p of llmCosts.problems) this.#problem(route, ['spec', ...p.path.split('.')], `${p.message}${p.expression ? ` (expression: ${p.expression}${p.line ? `, at ${p.line}:${p.column ?? 0}` : ''})` : ''}`);
    }

    if (authenticators.length === 0 && !authorizer && !limiter && !budgets && !llmCosts && !this.#prices) {
      // Nothing to enforce; the usage ledger still records AI usage for /api/usage.
      return forRoute ? new RuleAdmission({ authenticators: [], credentialHeaders: [], ledger: this.#stores.ledger, routeName: `${route.namespace}/${route.name}`, log: this.#log }) : undefined;
    }
    return new RuleAdmission({
      authenticators,
      credentialHeaders: [...credentialHeaders],
      authorizer,
      limiter,
      budgets,
      costs: llmCosts,
      prices: this.#prices,
      ledger: this.#stores.ledger,
      routeName: `${route.namespace}/${route.name}`,
      log: this.#log,
    });
  }
}

/** A policy that cannot be enforced as written: its requests are refused rather than served unchecked. */
class RefuseAll implements Admission {
  readonly #message: string;
  constructor(message: string) {
    this.#message = message;
  }
  admit(): never {
    throw new GatewayError('invalid_backend', this.#message);
  }
  visibleModels(): readonly string[] {
    return [];
  }
}
