// Which direct peers may speak for someone else (their XFCC is believed):
// by network address (IP or CIDR), or by the SPIFFE ID of their verified
// client certificate. Everything is compiled once at load.
import { BlockList, isIP } from 'node:net';

export interface TrustedProxySpec {
  address?: string;
  principal?: string;
}

export class TrustedProxies {
  private readonly addresses = new BlockList();
  private readonly principals = new Set<string>();
  readonly size: number;

  constructor(specs: TrustedProxySpec[], report: (index: number, message: string, hint: string) => void) {
    specs.forEach((p, i) => {
      if (p.principal) this.principals.add(p.principal);
      else if (p.address && !addAddress(this.addresses, p.address)) {
        report(i, `"${p.address}" is not an IP address or CIDR block`, 'e.g. 10.0.0.7, 10.0.0.0/8 or fd00::/8');
      }
    });
    this.size = specs.length;
  }

  /** The trusted proxy the request came through (its address or SPIFFE ID), or undefined. */
  match(sourceIp: string, peerSpiffeId: string | undefined): string | undefined {
    if (peerSpiffeId && this.principals.has(peerSpiffeId)) return peerSpiffeId;
    const family = isIP(sourceIp);
    if (family && this.addresses.check(sourceIp, family === 6 ? 'ipv6' : 'ipv4')) return sourceIp;
    return undefined;
  }
}

function addAddress(list: BlockList, spec: string): boolean {
  const [addr, bits, extra] = spec.split('/');
  const family = isIP(addr);
  if (!family || extra !== undefined) return false;
  const type = family === 6 ? 'ipv6' : 'ipv4';
  if (bits === undefined) {
    list.addAddress(addr, type);
    return true;
  }
  const prefix = Number(bits);
  if (!/^\d+$/.test(bits) || prefix > (family === 6 ? 128 : 32)) return false;
  list.addSubnet(addr, prefix, type);
  return true;
}
