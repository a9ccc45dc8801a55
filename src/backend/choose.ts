// Choosing where a matched rule's request goes: a backendRef by weight, then an endpoint of a
// Service or Backend round robin. Shared by the HTTP, gRPC and TLS-passthrough paths.
import type { CompiledRule, EndpointsBackend, UpstreamTarget, WeightedBackend } from '../runtime/snapshot.ts';
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

/** The next endpoint of a Service or Backend, round robin; undefined when it has none. */
export function nextTarget(b: EndpointsBackend): UpstreamTarget | undefined {
  const n = b.targets.length;
  if (n === 0) return undefined;
  const t = b.targets[b.cursor % n]!;
  b.cursor = (b.cursor + 1) % n;
  return t;
}
