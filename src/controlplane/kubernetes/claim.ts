// What a controller serves: in a cluster several Gateway controllers share the API server, so Sluice
// serves only the Gateways whose GatewayClass names Sluice's controllerName, and the routes attached
// to them. Everything else (Services, pools, policies, Secrets...) stays: the kept routes may use it.
import type { Resource } from '../../config/validate.ts';
import type { ResourceSet } from '../source.ts';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const ROUTE_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'AIGatewayRoute']);

interface Ref {
  group?: string;
  kind?: string;
  namespace?: string;
  name?: string;
}

/**
 * The set without the GatewayClasses of other controllers, the Gateways of those classes, and the
 * routes none of whose parents (parentRefs, or AIGatewayRoute v1alpha1 targetRefs) is a kept Gateway.
 */
export function onlyClaimed(set: ResourceSet, controllerName: string): ResourceSet {
  const classes = new Set(
    set.resources.filter((r) => r.kind === 'GatewayClass' && (r.object as { spec?: { controllerName?: string } }).spec?.controllerName === controllerName).map((r) => r.name),
  );
  const gateways = new Set(
    set.resources.filter((r) => r.kind === 'Gateway' && classes.has((r.object as { spec?: { gatewayClassName?: string } }).spec?.gatewayClassName ?? '')).map((r) => `${r.namespace}/${r.name}`),
  );
  const keep = (r: Resource): boolean => {
    if (r.kind === 'GatewayClass' && r.group === GATEWAY_GROUP) return classes.has(r.name);
    if (r.kind === 'Gateway' && r.group === GATEWAY_GROUP) return gateways.has(`${r.namespace}/${r.name}`);
    if (!ROUTE_KINDS.has(r.kind)) return true;
    const spec = (r.object as { spec?: { parentRefs?: Ref[]; targetRefs?: Ref[] } }).spec;
    return [...(spec?.parentRefs ?? []), ...(spec?.targetRefs ?? [])].some(
      (p) => (p.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && (p.kind ?? 'Gateway') === 'Gateway' && gateways.has(`${p.namespace ?? r.namespace}/${p.name ?? ''}`),
    );
  };
  return { ...set, resources: set.resources.filter(keep) };
}
