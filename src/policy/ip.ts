// IP blocks (`ipBlocks`, `remoteIpBlocks`, `source.ip`, `destination.ip`…)
// and the client address behind trusted proxies.
import { BlockList, isIP, isIPv6 } from 'node:net';

export type IpMatcher = (addr: string) => boolean;

/** Compile single addresses and CIDR blocks; throws naming the first bad entry. */
export function compileIpBlocks(blocks: readonly string[]): IpMatcher {
  const list = new BlockList();
  for (const b of blocks) {
    const slash = b.indexOf('/');
    const addr = slash < 0 ? b : b.slice(0, slash);
    const family = isIP(addr);
    const bits = slash < 0 ? undefined : Number(b.slice(slash + 1));
    if (!family || (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= (family === 6 ? 128 : 32)))) {
      throw new Error(`"${b}" is not an IP address or CIDR block`);
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, bits, type);
  }
  return (addr) => {
    const family = isIP(addr);
    return family !== 0 && list.check(addr, isIPv6(addr) ? 'ipv6' : 'ipv4');
  };
}

/**
 * `remote.ip`, as Envoy's `xff_num_trusted_hops`: the peer appends itself to
 * X-Forwarded-For; with N trusted hops the client is the entry N places left
 * of the peer. With fewer entries than that, the peer address stands.
 */
export function remoteIp(peer: string, xff: string | undefined, trustedHops: number): string {
  if (!trustedHops || !xff) return peer;
  const hops = xff.split(',');
  const i = hops.length - trustedHops;
  if (i < 0) return peer;
  const addr = hops[i].trim();
  return isIP(addr) ? addr : peer;
}
