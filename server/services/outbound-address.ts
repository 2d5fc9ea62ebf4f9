// Where the server may send a request an admin configured (webhooks). The
// request leaves from inside the shop's network, so a URL must not reach the
// server's own machine (loopback: Redis, Postgres, this API) or link-local
// addresses (a cloud's metadata service at 169.254.169.254), nor the metadata
// services some clouds put elsewhere. Private networks stay allowed: a
// self-hosted shop's CRM often lives on one.
// WEBHOOK_ALLOW_LOCAL=true lifts the rule (development, tests).
import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';

const refused = new BlockList();
refused.addSubnet('0.0.0.0', 8, 'ipv4'); // "this network", unspecified
refused.addSubnet('127.0.0.0', 8, 'ipv4'); // loopback
refused.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local, cloud metadata
refused.addSubnet('224.0.0.0', 4, 'ipv4'); // multicast
refused.addAddress('255.255.255.255', 'ipv4');
refused.addAddress('::', 'ipv6');
refused.addAddress('::1', 'ipv6');
refused.addSubnet('fe80::', 10, 'ipv6'); // link-local
refused.addSubnet('ff00::', 8, 'ipv6'); // multicast
// Cloud metadata services outside 169.254/16 (they hand out the machine's credentials), refused though their ranges
// (carrier-grade NAT, unique-local IPv6) are otherwise private networks a shop may use.
const metadataServices = new BlockList();
metadataServices.addAddress('fd00:ec2::254', 'ipv6'); // AWS instance metadata over IPv6
metadataServices.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud instance metadata

const LOCAL_REASON = 'on this server or its link (loopback, link-local or multicast); set WEBHOOK_ALLOW_LOCAL=true to allow it';
const METADATA_REASON = "a cloud's metadata service; set WEBHOOK_ALLOW_LOCAL=true to allow it";

/** The 16 bytes of an IPv6 address (isIP said it is one), dotted IPv4 tail included. */
function ipv6Bytes(address: string): number[] {
  const [head, tail = ''] = address.toLowerCase().split('::');
  const groups = (part: string) => part.split(':').filter(Boolean).flatMap((g) => {
    if (g.includes('.')) {
      const [a, b, c, d] = g.split('.').map(Number);
      return [(a << 8) | b, (c << 8) | d];
    }
    return [parseInt(g, 16)];
  });
  const before = groups(head);
  const after = address.includes('::') ? groups(tail) : [];
  const words = [...before, ...new Array(8 - before.length - after.length).fill(0), ...after];
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

/**
 * An IPv4 address carried inside an IPv6 one, which reaches that IPv4 host: IPv4-mapped (::ffff:a.b.c.d, also in
 * hex), the old IPv4-compatible form (::a.b.c.d) and NAT64's well-known prefix (64:ff9b::a.b.c.d).
 */
function embeddedIpv4(address: string): string | null {
  const bytes = ipv6Bytes(address);
  const prefix = bytes.slice(0, 12).join(',');
  const carries = prefix === '0,0,0,0,0,0,0,0,0,0,255,255' || prefix === '0,0,0,0,0,0,0,0,0,0,0,0' || prefix === '0,100,255,155,0,0,0,0,0,0,0,0';
  if (!carries || bytes.slice(12).every((b) => b === 0)) return null; // "::" itself is refused as it is
  return bytes.slice(12).join('.');
}

/** What an address is that may not be sent to ("on this server …", "a cloud's metadata service …"), or null. */
const refusalOf = (address: string): string | null => {
  const family = isIP(address);
  if (family === 0) return null;
  const inner = family === 6 ? embeddedIpv4(address) : null;
  const [checked, type] = inner ? [inner, 'ipv4' as const] : [address, family === 4 ? 'ipv4' as const : 'ipv6' as const];
  if (refused.check(checked, type)) return LOCAL_REASON;
  return metadataServices.check(checked, type) ? METADATA_REASON : null;
};

/** Why an address may not be sent to, or null when it may. */
export function refusedAddress(address: string): string | null {
  const reason = refusalOf(address);
  return reason ? `${address} is ${reason}` : null;
}

/** The host of a URL without IPv6 brackets or the root's trailing dot ("localhost." is localhost). */
const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');

/** Refusal of a URL by what it says (an address, or "localhost"); names are checked again when sending. */
export function refusedUrlHost(url: URL): string | null {
  const host = hostOf(url);
  if (host === 'localhost' || host.endsWith('.localhost')) return refusedAddress('127.0.0.1');
  return refusedAddress(host);
}

/** One address of a name, as dns.lookup gives it. */
export interface ResolvedAddress {
  address: string;
  family: number;
}
/** Resolves a host name to all its addresses; injectable so tests can play a name that changes its answer. */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;
export const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

/** Where a request may go: the addresses checked, to connect to and no other; or why it may not go at all. */
export type CheckedDestination = { addresses: ResolvedAddress[]; refused?: undefined } | { refused: string; addresses?: undefined };

/**
 * Resolves the URL's host once and checks every address (refused when any may not be sent to, unless allowLocal).
 * The caller connects to these addresses only (see pinnedLookup): resolving the name again when connecting would let
 * a name that answered with a harmless address for the check answer with this machine's for the connection (DNS
 * rebinding). Resolution errors are thrown (a failed attempt, retried like a refused connection).
 */
export async function checkDestination(url: URL, options: { allowLocal?: boolean; resolve?: Resolver } = {}): Promise<CheckedDestination> {
  const host = hostOf(url);
  if (!options.allowLocal) {
    const byName = refusedUrlHost(url);
    if (byName) return { refused: byName };
  }
  const family = isIP(host);
  const addresses = family ? [{ address: host, family }] : await (options.resolve ?? systemResolver)(host);
  if (addresses.length === 0) throw new Error(`${host} has no address`);
  if (!options.allowLocal) {
    for (const { address } of addresses) {
      const reason = refusalOf(address);
      if (!reason) continue;
      return { refused: family ? `${address} is ${reason}` : `${host} resolves to ${address}, which is ${reason}` };
    }
  }
  return { addresses };
}

/** Refusal of a URL after resolving its host (null: it may be sent to). */
export async function refusedDestination(url: URL, resolve?: Resolver): Promise<string | null> {
  return (await checkDestination(url, { resolve })).refused ?? null;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | ResolvedAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).request / net.connect that answers with the checked addresses instead of asking DNS again.
 * The request keeps the host name for everything else: the Host header, TLS SNI and the certificate's name check.
 */
export function pinnedLookup(addresses: readonly ResolvedAddress[]) {
  return (_hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    if (options?.all) callback(null, addresses.map((a) => ({ address: a.address, family: a.family })));
    else callback(null, addresses[0].address, addresses[0].family);
  };
}
