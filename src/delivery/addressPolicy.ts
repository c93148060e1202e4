// Outbound safety (SSRF): which IP addresses deliveries may connect to. Checked on the
// address actually dialled (see safeLookup in httpSender.ts), so a hostname that resolves to
// a private address after the endpoint was saved (DNS rebinding) is still refused.
import { BlockList, isIP } from "node:net";

interface Range {
  cidr: string;
  reason: string;
}

// IANA special-purpose registries (RFC 6890 and successors) plus cloud metadata services.
const BLOCKED_RANGES: readonly Range[] = [
  { cidr: "0.0.0.0/8", reason: "unspecified address" },
  { cidr: "10.0.0.0/8", reason: "private network (RFC 1918)" },
  { cidr: "100.64.0.0/10", reason: "carrier-grade NAT (RFC 6598), incl. cloud metadata 100.100.100.200" },
  { cidr: "127.0.0.0/8", reason: "loopback" },
  { cidr: "169.254.0.0/16", reason: "link-local, incl. cloud metadata 169.254.169.254" },
  { cidr: "172.16.0.0/12", reason: "private network (RFC 1918)" },
  { cidr: "192.0.0.0/24", reason: "IETF protocol assignments" },
  { cidr: "192.0.2.0/24", reason: "documentation (TEST-NET-1)" },
  { cidr: "192.88.99.0/24", reason: "6to4 relay anycast" },
  { cidr: "192.168.0.0/16", reason: "private network (RFC 1918)" },
  { cidr: "198.18.0.0/15", reason: "benchmarking network" },
  { cidr: "198.51.100.0/24", reason: "documentation (TEST-NET-2)" },
  { cidr: "203.0.113.0/24", reason: "documentation (TEST-NET-3)" },
  { cidr: "224.0.0.0/4", reason: "multicast" },
  { cidr: "240.0.0.0/4", reason: "reserved, incl. broadcast" },
  { cidr: "::/128", reason: "unspecified address" },
  { cidr: "::1/128", reason: "loopback" },
  { cidr: "64:ff9b::/96", reason: "IPv4/IPv6 translation" },
  { cidr: "64:ff9b:1::/48", reason: "IPv4/IPv6 translation" },
  { cidr: "100::/64", reason: "discard-only" },
  { cidr: "2001::/23", reason: "IETF protocol assignments" },
  { cidr: "2001:db8::/32", reason: "documentation" },
  { cidr: "2002::/16", reason: "6to4" },
  { cidr: "fc00::/7", reason: "unique local (private), incl. cloud metadata fd00:ec2::254" },
  { cidr: "fe80::/10", reason: "link-local" },
  { cidr: "ff00::/8", reason: "multicast" },
];

function toBlockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, prefix] = cidr.split("/");
    const family = isIP(address ?? "");
    if (family === 0 || prefix === undefined) throw new Error(`not a CIDR: ${cidr}`);
    list.addSubnet(address!, Number(prefix), family === 6 ? "ipv6" : "ipv4");
  }
  return list;
}

/** Verdicts are cached per address: every delivery asks, and receivers are few. */
const CACHE_LIMIT = 10000;

export class AddressPolicy {
  private readonly allowed: BlockList;
  private readonly blocked: BlockList;
  private readonly ranges: { list: BlockList; reason: string }[];
  private readonly verdicts = new Map<string, string | null>();

  /** `allowedSubnets`: CIDRs let through even though they fall in a blocked range. */
  constructor(allowedSubnets: readonly string[]) {
    this.allowed = toBlockList(allowedSubnets);
    this.blocked = toBlockList(BLOCKED_RANGES.map((range) => range.cidr));
    this.ranges = BLOCKED_RANGES.map((range) => ({ list: toBlockList([range.cidr]), reason: range.reason }));
  }

  /** Null when `address` may be dialled; otherwise the reason it may not. */
  refusal(address: string): string | null {
    let verdict = this.verdicts.get(address);
    if (verdict === undefined) {
      verdict = this.judge(address);
      if (this.verdicts.size >= CACHE_LIMIT) this.verdicts.clear();
      this.verdicts.set(address, verdict);
    }
    return verdict;
  }

  private judge(address: string): string | null {
    const mappedV4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    if (mappedV4) return this.judge(mappedV4);
    const family = isIP(address);
    if (family === 0) return `"${address}" is not an IP address`;
    const type = family === 6 ? "ipv6" : "ipv4";
    if (this.allowed.check(address, type) || !this.blocked.check(address, type)) return null;
    const reason = this.ranges.find((range) => range.list.check(address, type))?.reason ?? "reserved range";
    return `destination ${address} is not allowed: ${reason} (HOOKLANE_ALLOWED_SUBNETS can allow it)`;
  }
}
