import { randomBytes } from 'node:crypto';
import {
  assigneeHash,
  checkCsrf,
  csrfField,
  newCsrfCookie,
  type SigningKey,
  signTaskToken,
  tokenHash,
  verifyTaskToken,
} from '../src/tokens';

const key: SigningKey = { id: 'k1', secret: randomBytes(32) };
const old: SigningKey = { id: 'k0', secret: randomBytes(32) };
const now = Date.parse('2026-11-23T10:00:00Z');
const claims = { task: 'a1b2c3d4e5f6a7b8c9d0', assignee: 'Fukuchoucho@Katsuragi.example.jp', expiresAt: now + 7 * 86_400_000 };

describe('task tokens', () => {
  const token = signTaskToken(claims, key);

  it('verify, naming the task, the assignee and the key', () => {
    const r = verifyTaskToken(token, [key], now);
    expect(r).toEqual({ ok: true, task: claims.task, assigneeHash: assigneeHash('fukuchoucho@katsuragi.example.jp'), expiresAt: claims.expiresAt, keyId: 'k1' });
  });

  it('are short enough for one plain-text line and URL-safe', () => {
    expect(token.length).toBeLessThanOrEqual(80);
    expect(token).toMatch(/^[A-Za-z0-9._-]+$/);
  });

  it('are the same when signed again (a retried activity sends the same link)', () => {
    expect(signTaskToken(claims, key)).toBe(token);
  });

  it('fail when any one character is changed', () => {
    for (let i = 0; i < token.length; i++) {
      if (token[i] === '.') continue;
      const c = token[i] === 'A' ? 'B' : 'A';
      const tampered = token.slice(0, i) + c + token.slice(i + 1);
      expect(verifyTaskToken(tampered, [key], now).ok).toBe(false);
    }
  });

  it('fail with the wrong key, and with an unknown key id', () => {
    expect(verifyTaskToken(token, [{ id: 'k1', secret: randomBytes(32) }], now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyTaskToken(token, [old], now)).toEqual({ ok: false, reason: 'unknown_key' });
  });

  it('keep verifying after a key rotation until they expire', () => {
    const before = signTaskToken(claims, old);
    expect(verifyTaskToken(before, [key, old], now)).toMatchObject({ ok: true, keyId: 'k0' });
    expect(verifyTaskToken(before, [key], now)).toEqual({ ok: false, reason: 'unknown_key' });
  });

  it('fail once expired', () => {
    expect(verifyTaskToken(token, [key], claims.expiresAt)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyTaskToken(token, [key], claims.expiresAt - 1000).ok).toBe(true);
  });

  it('are bound to one task and one assignee', () => {
    const other = verifyTaskToken(signTaskToken({ ...claims, task: 'ffffffffffffffffffff' }, key), [key], now);
    expect(other.ok && other.task).toBe('ffffffffffffffffffff');
    const r = verifyTaskToken(token, [key], now);
    expect(r.ok && r.assigneeHash).not.toBe(assigneeHash('kanzai@katsuragi.example.jp'));
    // Swapping the task id of a valid token breaks its signature.
    const parts = token.split('.');
    parts[1] = 'ffffffffffffffffffff';
    expect(verifyTaskToken(parts.join('.'), [key], now)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('reject what is not a token', () => {
    for (const bad of ['', 'abc', 'k1.a.b.c', `${token}.x`, token.replace(/\./g, '/')]) {
      expect(verifyTaskToken(bad, [key], now)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('are stored as a hash only', () => {
    expect(tokenHash(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenHash(token)).not.toContain(claims.task);
  });
});

describe('CSRF', () => {
  const th = tokenHash(signTaskToken(claims, key));
  const cookie = newCsrfCookie();
  const field = csrfField(cookie, th, key);

  it('accepts the field that goes with the cookie and the link', () => {
    expect(checkCsrf(cookie, field, th, [key])).toBe(true);
  });
  it('accepts a field signed with a rotated-out key that still verifies', () => {
    expect(checkCsrf(cookie, csrfField(cookie, th, old), th, [key, old])).toBe(true);
  });
  it('rejects a missing cookie or field, another cookie, another link, a forged field', () => {
    expect(checkCsrf(undefined, field, th, [key])).toBe(false);
    expect(checkCsrf(cookie, undefined, th, [key])).toBe(false);
    expect(checkCsrf(newCsrfCookie(), field, th, [key])).toBe(false);
    expect(checkCsrf(cookie, field, tokenHash('another'), [key])).toBe(false);
    expect(checkCsrf(cookie, field.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')), th, [key])).toBe(false);
    expect(checkCsrf(cookie, csrfField(cookie, th, { id: 'k1', secret: randomBytes(32) }), th, [key])).toBe(false);
  });
});
