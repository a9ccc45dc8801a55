// Choosing where a matched rule's request goes: a backendRef by weight, then an endpoint of a
// Service or Backend round robin. Shared by the HTTP, gRPC and TLS-passthrough paths.
import type { BackendTarget, CompiledRule, EndpointsBackend, UpstreamTarget, WeightedBackend } from '../runtime/snapshot.ts';
import { GatewayError } from '../errors.ts';

/** A backendRef chosen with probability weight / total (Gateway API weights). */
export function chooseBackend(rule: CompiledRule): WeightedBackend {
  const { backends, totalWeight } = rule;
  if (backends.length === 0) throw new GatewayError('invalid_backend', `${rule.id} has no backendRefs`);
  if (totalWeight <= 0) throw new GatewayError('invalid_backend', `${rule.id}: every backendRef has weight 0`);
  if (backends.length === 1) return backends[0]!;
  let r = Math.random() * totalWeight;
  for (const b of backends) {
    r -= b.weight;
    if (r < 0) return b;
  }
  return backends[backends.length - 1]!;
}

/**
 * The backendRef for one attempt of an HTTP request: the lowest `priority` tier that has a backend not
 * yet tried by this request (`excluded`) and currently usable (`usable`: not cooling down after a 429,
 * not wholly ejected), chosen by weight within the tier. When every untried backend is unusable the
 * least bad one still gets the attempt (cooling down beats failing outright); undefined when every
 * backend has been tried.
 */
export function chooseBackendFor(rule: CompiledRule, excluded: ReadonlySet<BackendTarget> | undefined, usable: (b: WeightedBackend) => boolean): WeightedBackend | undefined {
  const { backends } = rule;
  if (backends.length === 0) throw new GatewayError('invalid_backend', `${rule.id} has no backendRefs`);
  if (rule.totalWeight <= 0) throw new GatewayError('invalid_backend', `${rule.id}: every backendRef has weight 0`);
  if (backends.length === 1) {
    const only = backends[0]!;
    return excluded?.has(only.target) ? undefined : only;
  }
  const untried = excluded && excluded.size > 0 ? backends.filter((b) => !excluded.has(b.target) && b.weight > 0) : backends.filter((b) => b.weight > 0);
  if (untried.length === 0) return undefined;
  const pool = untried.some(usable) ? untried.filter(usable) : untried;
  let tier = Infinity;
  for (const b of pool) if (b.priority < tier) tier = b.priority;
  let total = 0;
  for (const b of pool) if (b.priority === tier) total += b.weight;
  let r = Math.random() * total;
  let last: WeightedBackend | undefined;
  for (const b of pool) {
    if (b.priority !== tier) continue;
    last = b;
    r -= b.weight;
    if (r < 0) return b;
  }
  return last;
}

/**
 * The next endpoint of a Service or Backend, round robin over the endpoints its health allows,
 * skipping the origins `avoid` names (tried by earlier attempts of the request) while another one
 * remains; undefined when it has none.
 */
export function nextTarget(b: EndpointsBackend, avoid?: ReadonlySet<string>, now: number = performance.now()): UpstreamTarget | undefined {
  const targets = b.health && b.targets.length > 1 ? b.health.filterAvailable(b.targets, now) : b.targets;
  const n = targets.length;
  if (n === 0) return undefined;
  for (let i = 0; i < n; i++) {
    const t = targets[b.cursor % n]!;
    b.cursor = (b.cursor + 1) % n;
    if (!avoid || !avoid.has(t.origin) || i === n - 1) return t;
  }
  return undefined;
}
