// TOTP and base32 against the RFCs' own test vectors, and the encryption of secrets at rest.
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, matchTotp, otpauthUri, totp } from '../../server/services/totp.ts';
import { secretBox } from '../../server/services/secret-box.ts';

// RFC 6238 appendix B and RFC 4226 appendix D use this ASCII key for HMAC-SHA1.
const RFC_SECRET = Buffer.from('12345678901234567890', 'ascii');

describe('HOTP (RFC 4226 appendix D)', () => {
  it('gives the ten published 6-digit values for counters 0..9', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expect(expected.map((_, counter) => hotp(RFC_SECRET, counter))).toEqual(expected);
  });
});

describe('TOTP (RFC 6238 appendix B, SHA-1)', () => {
  const vectors: [number, string][] = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ];
  it.each(vectors)('at %i seconds the 8-digit code is %s', (time, code) => {
    expect(totp(RFC_SECRET, time, 8)).toBe(code);
  });
  it('the 6-digit code an app shows is the last six digits', () => {
    expect(totp(RFC_SECRET, 59)).toBe('287082');
  });

  it('accepts the code of the step before or after now (clock drift), and says which step matched', () => {
    const now = 1111111111; // step 37037037
    const step = Math.floor(now / 30);
    expect(matchTotp(RFC_SECRET, totp(RFC_SECRET, now), now)).toBe(step);
    expect(matchTotp(RFC_SECRET, totp(RFC_SECRET, now - 30), now)).toBe(step - 1);
    expect(matchTotp(RFC_SECRET, totp(RFC_SECRET, now + 30), now)).toBe(step + 1);
  });

  it('refuses codes two steps away, wrong codes and anything but six digits', () => {
    const now = 1111111111;
    expect(matchTotp(RFC_SECRET, totp(RFC_SECRET, now - 60), now)).toBeUndefined();
    expect(matchTotp(RFC_SECRET, totp(RFC_SECRET, now + 60), now)).toBeUndefined();
    const right = totp(RFC_SECRET, now);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    expect(matchTotp(RFC_SECRET, wrong, now)).toBeUndefined();
    expect(matchTotp(RFC_SECRET, right.slice(0, 5), now)).toBeUndefined();
    expect(matchTotp(RFC_SECRET, `${right}0`, now)).toBeUndefined();
    expect(matchTotp(RFC_SECRET, 'abcdef', now)).toBeUndefined();
  });
});

describe('base32 (RFC 4648 section 10)', () => {
  const vectors: [string, string][] = [
    ['', ''], ['f', 'MY======'], ['fo', 'MZXQ===='], ['foo', 'MZXW6==='], ['foob', 'MZXW6YQ='], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI======'],
  ];
  it.each(vectors)('%j encodes to %s and back', (plain, encoded) => {
    expect(base32Encode(Buffer.from(plain), { pad: true })).toBe(encoded);
    expect(base32Encode(Buffer.from(plain))).toBe(encoded.replace(/=/g, ''));
    expect(base32Decode(encoded).toString()).toBe(plain);
  });
  it('reads what a person types: lower case, spaces, no padding', () => {
    expect(base32Decode('mzxw 6ytb oi').toString()).toBe('foobar');
  });
  it('round-trips random 20-byte secrets and refuses other characters', () => {
    const bytes = Buffer.from(Array.from({ length: 20 }, (_, i) => (i * 37 + 11) & 0xff));
    expect(base32Decode(base32Encode(bytes)).equals(bytes)).toBe(true);
    expect(() => base32Decode('MZXW1')).toThrow(/not base32/);
  });
});

describe('otpauth URI', () => {
  it('names the issuer and account for the app, escaped', () => {
    expect(otpauthUri('Shopdesk (shop.example.com)', 'ann@example.com', 'JBSWY3DPEHPK3PXP'))
      .toBe('otpauth://totp/Shopdesk%20(shop.example.com):ann%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Shopdesk%20(shop.example.com)&algorithm=SHA1&digits=6&period=30');
  });
});

describe('secret box', () => {
  it('opens what it sealed for the same owner only, and nothing under another server secret', () => {
    const box = secretBox('server-secret-1', 'two-step totp secret');
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'user:1');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.open(sealed, 'user:1')).toBe('JBSWY3DPEHPK3PXP');
    expect(box.open(sealed, 'user:2')).toBeUndefined();
    expect(secretBox('server-secret-2', 'two-step totp secret').open(sealed, 'user:1')).toBeUndefined();
    expect(box.open('v1.garbage', 'user:1')).toBeUndefined();
  });
});
