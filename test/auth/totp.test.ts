import { createHash } from 'node:crypto';
import {
  base32Decode,
  base32Encode,
  hashRecoveryCode,
  hotp,
  newRecoveryCodes,
  newTotpSecret,
  otpauthUri,
  totpCode,
  totpCodeAtStep,
  totpQrSvg,
  totpStep,
  useRecoveryCode,
  verifyTotp,
} from '../../src/auth/totp';

describe('base32 (RFC 4648 section 10 vectors, without padding)', () => {
  it.each([
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ])('%j ⇄ %s', (plain, encoded) => {
    expect(base32Encode(Buffer.from(plain))).toBe(encoded);
    expect(base32Decode(encoded).toString()).toBe(plain);
  });

  it('decodes what a person copies back: lower case, spaces, padding', () => {
    expect(base32Decode('mzxw 6ytb oi======').toString()).toBe('foobar');
  });

  it('refuses characters outside the alphabet', () => {
    expect(() => base32Decode('MZXW1')).toThrow();
    expect(() => base32Decode('MZXW8')).toThrow();
  });

  it('round-trips random bytes of every length', () => {
    for (let n = 0; n < 40; n++) {
      const b = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
      expect(base32Decode(base32Encode(b)).equals(b)).toBe(true);
    }
  });
});

describe('HOTP and TOTP', () => {
  const rfcKey = Buffer.from('12345678901234567890', 'ascii');

  it('match the RFC 4226 Appendix D HOTP values', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expected.forEach((code, counter) => expect(hotp(rfcKey, counter)).toBe(code));
  });

  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('match the RFC 6238 Appendix B SHA-1 value at T=%i s (8 digits)', (seconds, code) => {
    expect(hotp(rfcKey, totpStep(seconds * 1000), 8)).toBe(code);
  });

  it('give 6 digits from a base32 secret, the same as the core', () => {
    const secret = base32Encode(rfcKey);
    expect(secret).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(totpCode(secret, 59_000)).toBe('287082');
    expect(totpCode(secret, 1111111109_000)).toBe('081804');
    expect(totpCodeAtStep(secret, 1)).toBe('287082');
  });

  it('make fresh 20-byte secrets', () => {
    const a = newTotpSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(a)).toHaveLength(20);
    expect(newTotpSecret()).not.toBe(a);
  });
});

describe('verifying a typed code', () => {
  const secret = newTotpSecret();
  const now = Date.parse('2026-12-01T04:30:10Z');
  const step = totpStep(now);

  it('accepts the current code and says its step', () => {
    expect(verifyTotp(secret, totpCode(secret, now), now)).toEqual({ ok: true, step });
  });

  it('accepts one step early or late, not two', () => {
    expect(verifyTotp(secret, totpCodeAtStep(secret, step - 1), now)).toEqual({ ok: true, step: step - 1 });
    expect(verifyTotp(secret, totpCodeAtStep(secret, step + 1), now)).toEqual({ ok: true, step: step + 1 });
    const far = [step - 2, step + 2].map((s) => totpCodeAtStep(secret, s));
    // Only meaningful when the far codes differ from the three accepted ones (they almost always do).
    const near = [step - 1, step, step + 1].map((s) => totpCodeAtStep(secret, s));
    for (const code of far.filter((c) => !near.includes(c))) expect(verifyTotp(secret, code, now)).toEqual({ ok: false });
  });

  it('refuses a code of a step already used, or before it (replay)', () => {
    const code = totpCode(secret, now);
    const first = verifyTotp(secret, code, now);
    expect(first.ok).toBe(true);
    const used = (first as { step: number }).step;
    expect(verifyTotp(secret, code, now, used)).toEqual({ ok: false });
    expect(verifyTotp(secret, code, now + 20_000, used)).toEqual({ ok: false });
    expect(verifyTotp(secret, totpCodeAtStep(secret, step - 1), now, used)).toEqual({ ok: false });
    // The next step's code is still good.
    expect(verifyTotp(secret, totpCodeAtStep(secret, step + 1), now + 30_000, used)).toEqual({ ok: true, step: step + 1 });
  });

  it('accepts the code as apps show it (a space in the middle) and as the IME types it (full-width)', () => {
    const code = totpCode(secret, now);
    expect(verifyTotp(secret, `${code.slice(0, 3)} ${code.slice(3)}`, now).ok).toBe(true);
    const fullWidth = code.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    expect(verifyTotp(secret, fullWidth, now).ok).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['five digits', '12345'],
    ['seven digits', '1234567'],
    ['letters', 'abcdef'],
    ['a sign', '-12345'],
    ['eight digits of the right code', 'CODE8'],
  ])('refuses malformed input: %s', (_what, input) => {
    const typed = input === 'CODE8' ? totpCode(secret, now) + '00' : input;
    expect(verifyTotp(secret, typed, now)).toEqual({ ok: false });
  });

  it('refuses, without throwing, when the stored secret is damaged or empty', () => {
    expect(verifyTotp('not base32!', '123456', now)).toEqual({ ok: false });
    expect(verifyTotp('', '123456', now)).toEqual({ ok: false });
  });
});

describe('enrolment', () => {
  it('builds an otpauth URI with issuer and account encoded', () => {
    const uri = otpauthUri({ secret: 'JBSWY3DPEHPK3PXP', account: 'fukuchoucho@katsuragi.example.jp', issuer: '葛城町 jukinet-ops' });
    expect(uri).toBe(
      'otpauth://totp/%E8%91%9B%E5%9F%8E%E7%94%BA%20jukinet-ops:fukuchoucho%40katsuragi.example.jp' +
        '?secret=JBSWY3DPEHPK3PXP&issuer=%E8%91%9B%E5%9F%8E%E7%94%BA%20jukinet-ops&algorithm=SHA1&digits=6&period=30',
    );
    const parsed = new URL(uri);
    expect(parsed.protocol).toBe('otpauth:');
    expect(parsed.searchParams.get('issuer')).toBe('葛城町 jukinet-ops');
    expect(parsed.searchParams.get('secret')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('encodes a colon in the issuer or account, so the label still splits in two', () => {
    const uri = otpauthUri({ secret: 'JBSWY3DPEHPK3PXP', account: 'a:b', issuer: 'x:y' });
    expect(uri.startsWith('otpauth://totp/x%3Ay:a%3Ab?')).toBe(true);
  });

  it('draws the URI as an inline SVG with no script and no external reference', async () => {
    const svg = await totpQrSvg(otpauthUri({ secret: newTotpSecret(), account: 'admin@example.jp', issuer: 'jukinet-ops' }));
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).not.toMatch(/<script|on[a-z]+=|href|<image|<foreignObject/i);
    // Error correction M with a margin of 2: the view box is the module count plus 4.
    const size = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)![1]);
    expect((size - 4 - 17) % 4).toBe(0);
  });
});

describe('recovery codes', () => {
  it('are ten distinct codes of the form xxxx-xxxx-xx from the unambiguous alphabet', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[0-9abcdefghjkmnpqrstvwxyz]{4}-[0-9abcdefghjkmnpqrstvwxyz]{4}-[0-9abcdefghjkmnpqrstvwxyz]{2}$/);
    expect(newRecoveryCodes(3)).toHaveLength(3);
  });

  it('use every character of the alphabet (a biased generator would skip some)', () => {
    const seen = new Set(newRecoveryCodes(200).join('').replace(/-/g, ''));
    expect(seen.size).toBe(32);
  });

  it('are stored as the SHA-256 of the normalised code', () => {
    expect(hashRecoveryCode('ABCD-EFGH-JK')).toBe(createHash('sha256').update('abcdefghjk').digest('hex'));
    expect(hashRecoveryCode(' abcd efgh jk ')).toBe(hashRecoveryCode('abcd-efgh-jk'));
    expect(() => hashRecoveryCode('too-short')).toThrow(RangeError);
  });

  it('can each be used once, leaving the others', () => {
    const codes = newRecoveryCodes(3);
    const hashes = codes.map(hashRecoveryCode);
    const r = useRecoveryCode(hashes, codes[1].toUpperCase());
    expect(r).toEqual({ ok: true, remaining: [hashes[0], hashes[2]] });
    const remaining = (r as { remaining: string[] }).remaining;
    expect(useRecoveryCode(remaining, codes[1])).toEqual({ ok: false });
    expect(useRecoveryCode(remaining, codes[0])).toEqual({ ok: true, remaining: [hashes[2]] });
  });

  it('read o as 0 and i or l as 1, as Crockford base32 does for a code copied from paper', () => {
    const hashes = [hashRecoveryCode('0001-1111-00')];
    expect(useRecoveryCode(hashes, 'ooo1-iLl1-OO').ok).toBe(true);
  });

  it.each(['', 'abcd-efgh', 'abcd-efgh-jkm', 'abcd-efgh-j!', 'abcd-efgh-ju'])('refuse malformed input %j', (code) => {
    expect(useRecoveryCode([hashRecoveryCode('abcd-efgh-jk')], code)).toEqual({ ok: false });
  });
});
