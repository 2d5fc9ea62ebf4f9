// Where the server may send a request an admin configured (webhooks). The
// request leaves from inside the shop's network, so a URL must not reach the
// server's own machine (loopback: Redis, Postgres, this API) or link-local
// addresses (a cloud's metadata service at 169.254.169.254). Private networks
// stay allowed: a self-hosted shop's CRM often lives on one.
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

/** Why an address may not be sent to, or null when it may. */
export function refusedAddress(address: string): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const plain = mapped ? mapped[1] : address;
  const family = isIP(plain);
  if (family === 0) return null;
  return refused.check(plain, family === 4 ? 'ipv4' : 'ipv6')
    ? `${address} is on this server or its link (loopback, link-local or multicast); set WEBHOOK_ALLOW_LOCAL=true to allow it`
    : null;
}

/** The host of a URL without IPv6 brackets. */
const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/** Refusal of a URL by what it says (an address, or "localhost"); names are checked again when sending. */
export function refusedUrlHost(url: URL): string | null {
  const host = hostOf(url);
  if (host === 'localhost' || host.endsWith('.localhost')) return refusedAddress('127.0.0.1');
  return refusedAddress(host);
}

/** Resolves the URL's host and refuses it when any of its addresses may not be sent to. */
export async function refusedDestination(url: URL): Promise<string | null> {
  const byName = refusedUrlHost(url);
  if (byName) return byName;
  const host = hostOf(url);
  if (isIP(host)) return null;
  const addresses = await lookup(host, { all: true, verbatim: true });
  for (const { address } of addresses) {
    const why = refusedAddress(address);
    if (why) return `${host} resolves to ${why}`;
  }
  return null;
}
