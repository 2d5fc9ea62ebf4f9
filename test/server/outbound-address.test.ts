// Where a webhook may post (server/services/outbound-address.ts): not this
// machine nor its link (loopback, link-local, multicast), in any spelling;
// private networks and public addresses are fine.
import { describe, expect, it } from 'vitest';
import { refusedAddress, refusedDestination, refusedUrlHost } from '../../server/services/outbound-address.ts';

describe('outbound addresses', () => {
  it('refuses loopback, link-local and multicast addresses, IPv4 written inside IPv6 too', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '0.0.0.0', '169.254.169.254', '224.0.0.1', '::1', '::', 'fe80::1', '::ffff:127.0.0.1', 'ff02::1',
      '::ffff:7f00:1', '::127.0.0.1', '::7f00:1', '64:ff9b::7f00:1', '64:ff9b::169.254.169.254', '::ffff:a9fe:a9fe']) {
      expect(refusedAddress(address), address).toMatch(/loopback, link-local or multicast/);
    }
    for (const address of ['10.0.0.5', '192.168.1.20', '172.16.0.9', '8.8.8.8', '2001:db8::1', 'fd00::5', '::ffff:10.0.0.5', '64:ff9b::808:808', '2001:db8::7f00:1']) expect(refusedAddress(address), address).toBeNull();
  });

  it("refuses the cloud metadata services outside 169.254/16 (AWS's IPv6 one, Alibaba's), in any spelling, and only those addresses of their ranges", async () => {
    for (const address of ['fd00:ec2::254', 'FD00:EC2:0:0:0:0:0:254', '100.100.100.200', '::ffff:100.100.100.200', '::ffff:6464:64c8', '64:ff9b::100.100.100.200']) {
      expect(refusedAddress(address), address).toBe(`${address} is a cloud's metadata service; set WEBHOOK_ALLOW_LOCAL=true to allow it`);
    }
    expect(refusedUrlHost(new URL('http://[fd00:ec2::254]/latest/meta-data/'))).not.toBeNull();
    // A name that resolves to one is refused too (the check made before sending).
    const metadataName = async () => [{ address: '100.100.100.200', family: 4 }];
    expect(await refusedDestination(new URL('http://metadata.example/latest/'), metadataName)).toMatch(/^metadata\.example resolves to 100\.100\.100\.200, which is a cloud's metadata service/);
    // Their neighbours are private networks like any other (carrier-grade NAT, unique-local IPv6): allowed.
    for (const address of ['100.100.100.201', '100.64.0.1', 'fd00:ec2::253', 'fd00:ec2::1']) expect(refusedAddress(address), address).toBeNull();
  });

  it('reads the host of a URL, brackets and "localhost" included, and resolves names before sending', async () => {
    expect(refusedUrlHost(new URL('http://[::1]:8080/hook'))).not.toBeNull();
    expect(refusedUrlHost(new URL('http://api.localhost/hook'))).not.toBeNull();
    expect(refusedUrlHost(new URL('http://localhost.:9999/x'))).not.toBeNull(); // the fully qualified spelling
    expect(refusedUrlHost(new URL('https://crm.example.com/hook'))).toBeNull(); // names are checked when sending
    expect(await refusedDestination(new URL('http://localhost:6379/'))).not.toBeNull();
    expect(await refusedDestination(new URL('http://10.1.2.3/hook'))).toBeNull();
  });
});
