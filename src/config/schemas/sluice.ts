// Sluice's own kinds (group gateway.sluice.dev, version v1alpha1), for what the upstream shapes cannot
// express (reference §10 pain points #9, #13, #16): virtual keys, budgets that streams and parallel
// requests cannot overshoot (tokens or dollars, windows up to calendar months), and the price table
// that turns token usage into money. Strict: an unknown field is an error naming the closest known one.
import { z } from 'zod';
import { bool, list, localPolicyTargetReferenceSchema, oneOf, stringMap, strictResource, text } from './meta.ts';

export const SLUICE_GROUP = 'gateway.sluice.dev';
const VERSIONS = ['gateway.sluice.dev/v1alpha1'] as const;

const targetRefs = list('targetRefs', localPolicyTargetReferenceSchema, { min: 1, max: 16 });
const usd = z.union([z.string().regex(/^\d+(\.\d{1,6})?$/, 'must be a decimal amount of USD such as "2.50"'), z.number().nonnegative()]);

/**
 * VirtualKey: a key the gateway issues to a client, with its team, the models it may call, a budget,
 * an expiry; accepted on the Gateways or routes it targets. The key comes from a Secret (or only its
 * SHA-256 is written), never inline.
 */
export const virtualKeySpecSchema = z
  .strictObject({
    targetRefs,
    secretRef: z.strictObject({ name: text('name', { min: 1 }), key: text('key', { min: 1 }).optional() }).optional(),
    keySha256: z.string().regex(/^(sha256:)?[0-9a-fA-F]{64}$/, 'must be 64 hex digits (the SHA-256 of the key)').optional(),
    team: text('team', { min: 1 }).optional(),
    models: list('models', text('models', { min: 1 })).optional(),
    budget: text('budget', { min: 1 }).optional(),
    expiresAt: z.string().optional(),
    disabled: bool('disabled').optional(),
    metadata: stringMap('metadata').optional(),
  })
  .superRefine((s, ctx) => {
    if ((s.secretRef === undefined) === (s.keySha256 === undefined)) ctx.addIssue({ code: 'custom', path: [], message: 'exactly one of secretRef or keySha256 must be set' });
  });

export const virtualKeySchema = strictResource(VERSIONS, 'VirtualKey', virtualKeySpecSchema);

/** Budget: a limit on tokens or USD over a window, per identity, per team or shared; enforced by reservation. */
export const budgetSpecSchema = z.strictObject({
  targetRefs,
  unit: oneOf('unit', ['Tokens', 'USD']),
  /** Tokens (an integer) or USD (a decimal such as "25.00"). */
  limit: usd,
  /** Second, Minute, Hour, Day, Week, Month, Year (UTC calendar), or a duration such as 90m or 7d. */
  window: text('window', { min: 1 }),
  tokens: oneOf('tokens', ['Total', 'Input', 'Output']).optional(),
  per: oneOf('per', ['Identity', 'Team', 'Shared']).optional(),
  appliesTo: z.strictObject({ all: bool('all').optional(), identities: list('identities', text('identities')).optional(), teams: list('teams', text('teams')).optional() }).optional(),
  models: list('models', text('models', { min: 1 })).optional(),
  failureMode: oneOf('failureMode', ['FailOpen', 'FailClose']).optional(),
});

export const budgetSchema = strictResource(VERSIONS, 'Budget', budgetSpecSchema);

const modelPriceSchema = z.strictObject({ input: usd, cachedInput: usd.optional(), cacheCreationInput: usd.optional(), output: usd });

/** ModelPricing: USD per million tokens by model name or glob; costs, USD budgets and /api/usage use it. */
export const modelPricingSpecSchema = z.strictObject({
  models: list('models', modelPriceSchema.extend({ name: text('name', { min: 1 }) }), { min: 1 }),
  default: modelPriceSchema.optional(),
});

export const modelPricingSchema = strictResource(VERSIONS, 'ModelPricing', modelPricingSpecSchema);

export type VirtualKey = z.infer<typeof virtualKeySchema>;
export type Budget = z.infer<typeof budgetSchema>;
export type ModelPricing = z.infer<typeof modelPricingSchema>;
