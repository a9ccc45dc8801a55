// Client address ranges (EG `clientCIDRs`, rate-limit `sourceCIDR`), checked with node:net's
// BlockList. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, what a dual-stack Node socket reports)
// are tested as IPv4.
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export interface ParsedCidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** Parses `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a /32 or /128). Undefined if malformed. */
export function parseCidr(text: string): ParsedCidr | undefined {
  const t = text.trim();
  const slash = t.indexOf('/');
  const address = slash === -1 ? t : t.slice(0, slash);
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (family === undefined) return undefined;
  const max = family === 'ipv4' ? 32 : 128;
  const prefixText = slash === -1 ? String(max) : t.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > max) return undefined;
  return { address, prefix, family };
}

/** Strips the IPv4-mapped prefix and any zone id; undefined for text that is not an IP address. */
export function normaliseAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  let a = address;
  const zone = a.indexOf('%');
  if (zone !== -1) a = a.slice(0, zone);
  if (a.length > 7 && a.slice(0, 7).toLowerCase() === '::ffff:' && isIPv4(a.slice(7))) a = a.slice(7);
  if (isIPv4(a)) return { address: a, family: 'ipv4' };
  if (isIPv6(a)) return { address: a, family: 'ipv6' };
  return undefined;
}

export class CidrSet {
  readonly cidrs: readonly string[];
  private readonly list = new BlockList();

  /** Throws on a malformed CIDR (a configuration problem: callers validate first with parseCidr). */
  constructor(cidrs: readonly string[]) {
    this.cidrs = [...cidrs];
    for (const c of cidrs) {
      const p = parseCidr(c);
      if (p === undefined) throw new Error(`invalid CIDR "${c}"`);
      this.list.addSubnet(p.address, p.prefix, p.family);
    }
  }

  has(address: string): boolean {
    const n = normaliseAddress(address);
    return n !== undefined && this.list.check(n.address, n.family);
  }
}
