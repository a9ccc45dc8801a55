// Listener × route hostname intersection (gateway-api reference §2.2). The effective hostname of an
// intersecting pair is the more specific side.

/** True when `host` (exact or wildcard) is covered by `pattern` (exact or `*.suffix`). */
export function hostnameCovers(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (!pattern.startsWith('*.')) return false;
  const suffix = pattern.slice(1); // '.example.com'
  const bare = host.startsWith('*.') ? host.slice(1) : host;
  // `*.example.com` covers `a.example.com`, `a.b.example.com` and `*.a.example.com`, never `example.com`.
  return bare.length > suffix.length && bare.endsWith(suffix);
}

/**
 * The hostnames a route serves on a listener. `[]` means "any host" (neither side restricts);
 * `undefined` means they do not intersect (the route is not accepted on this listener:
 * reason NoMatchingListenerHostname).
 */
export function intersectHostnames(listenerHostname: string | undefined, routeHostnames: readonly string[]): string[] | undefined {
  const l = listenerHostname?.toLowerCase();
  const routes = routeHostnames.map((h) => h.toLowerCase());
  if (!l) return routes;
  if (routes.length === 0) return [l];
  const out = new Set<string>();
  for (const r of routes) {
    if (hostnameCovers(l, r)) out.add(r);
    else if (hostnameCovers(r, l)) out.add(l);
  }
  return out.size === 0 ? undefined : [...out];
}

/**
 * The listener a host (HTTP Host or TLS SNI, lower case) belongs to among listeners sharing a port:
 * exact hostname, then the longest matching wildcard, then a listener without hostname (gateway-api
 * reference §2.2, listener isolation: never a less specific listener once a more specific matches).
 */
export function selectListener<L extends { readonly hostname?: string | undefined }>(listeners: readonly L[], host: string): L | undefined {
  let best: L | undefined;
  let bestRank = -1;
  for (const l of listeners) {
    const h = l.hostname?.toLowerCase();
    const rank = !h ? 0 : h === host ? Number.MAX_SAFE_INTEGER : h.startsWith('*.') && hostnameCovers(h, host) ? h.length : -1;
    if (rank > bestRank) {
      best = l;
      bestRank = rank;
    }
  }
  return best;
}
