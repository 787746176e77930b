// The links in task emails carry a signed, expiring token bound to one task and one assignee.
// Only its SHA-256 hash is stored with the task, so a database reader cannot act on a task; the
// task's state makes it single-use. Forms behind the links carry a CSRF token tied to a cookie
// (signed double submit), so another site cannot post a decision on a person's behalf.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface SigningKey {
  id: string;
  secret: Buffer;
}

export interface TaskTokenClaims {
  /** The task the link is for. */
  task: string;
  /** The assignee the link was sent to (compared as a short hash of the email). */
  assignee: string;
  /** Expiry, in milliseconds since the epoch (kept to the second). */
  expiresAt: number;
}

export interface VerifiedToken {
  task: string;
  assigneeHash: string;
  expiresAt: number;
  keyId: string;
}

export type TokenCheck = ({ ok: true } & VerifiedToken) | { ok: false; reason: 'malformed' | 'unknown_key' | 'bad_signature' | 'expired' };

const b64url = (b: Buffer) => b.toString('base64url');
const mac = (secret: Buffer, data: string) => createHmac('sha256', secret).update(data).digest();
const SIGNATURE_BYTES = 16;
const TASK_ID = /^[A-Za-z0-9_-]{8,40}$/;

/** 11 characters standing for the assignee, so the link names the person without showing the address. */
export function assigneeHash(email: string): string {
  return b64url(createHash('sha256').update(email.trim().toLowerCase()).digest().subarray(0, 8));
}

/**
 * `<key id>.<task id>.<expiry>.<assignee>.<signature>`: about 60 URL-safe characters, so the
 * link stays one short line in a plain-text email. Signing is deterministic: a retried activity
 * produces the same token, and the stored hash still matches.
 */
export function signTaskToken(claims: TaskTokenClaims, key: SigningKey): string {
  if (!TASK_ID.test(claims.task)) throw new Error('task id must be 8-40 URL-safe characters');
  const head = `${key.id}.${claims.task}.${Math.floor(claims.expiresAt / 1000).toString(36)}.${assigneeHash(claims.assignee)}`;
  return `${head}.${b64url(mac(key.secret, head).subarray(0, SIGNATURE_BYTES))}`;
}

/** A task link's token wherever it stands in a text (a link, an error message quoting the mail). */
const TOKEN_IN_TEXT = /\/t\/[^\s/?#'"]+|\b[A-Za-z0-9_-]{1,40}\.[A-Za-z0-9_-]{8,40}\.[0-9a-z]{1,10}\.[A-Za-z0-9_-]{11}\.[A-Za-z0-9_-]{22}(?![A-Za-z0-9_-])/g;

/** The text with every task link token replaced by `…` (a link keeps its `/t/`): for log lines. */
export function withoutTaskTokens(s: string): string {
  return s.replace(TOKEN_IN_TEXT, (m) => (m.startsWith('/t/') ? '/t/…' : '…'));
}

export function verifyTaskToken(token: string, keys: readonly SigningKey[], nowMs: number): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 5) return { ok: false, reason: 'malformed' };
  const [keyId, task, exp36, subHash, signature] = parts;
  if (!TASK_ID.test(task) || !/^[0-9a-z]{1,10}$/.test(exp36) || !/^[A-Za-z0-9_-]{11}$/.test(subHash) || !/^[A-Za-z0-9_-]{22}$/.test(signature)) {
    return { ok: false, reason: 'malformed' };
  }
  const key = keys.find((k) => k.id === keyId);
  if (!key) return { ok: false, reason: 'unknown_key' };
  // Compared as text: base64url has spare bits in its last character, so decoding would accept
  // more than one spelling of the same signature.
  const expected = Buffer.from(b64url(mac(key.secret, `${keyId}.${task}.${exp36}.${subHash}`).subarray(0, SIGNATURE_BYTES)));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  const expiresAt = parseInt(exp36, 36) * 1000;
  if (expiresAt <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, task, assigneeHash: subHash, expiresAt, keyId };
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function generateSigningKey(id: string): SigningKey {
  return { id, secret: randomBytes(32) };
}

export const CSRF_COOKIE = 'jo_csrf';

/** A fresh random value for the CSRF cookie. */
export function newCsrfCookie(): string {
  return b64url(randomBytes(18));
}

/** The form field that goes with a cookie value, bound to one task link. */
export function csrfField(cookie: string, tokenHashHex: string, key: SigningKey): string {
  return b64url(mac(key.secret, `csrf.${cookie}.${tokenHashHex}`));
}

export function checkCsrf(cookie: string | undefined, field: string | undefined, tokenHashHex: string, keys: readonly SigningKey[]): boolean {
  if (!cookie || !field) return false;
  const given = Buffer.from(field);
  return keys.some((k) => {
    const expected = Buffer.from(csrfField(cookie, tokenHashHex, k));
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
