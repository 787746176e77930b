// The second factor of local accounts: TOTP (RFC 6238) as every authenticator app implements it
// (HMAC-SHA1, 6 digits, 30-second steps), and single-use recovery codes for a lost phone.
// The secret is shown once as a QR code and stored by the caller; codes and recovery codes are
// never logged. A code is accepted one step early or late (clocks of phones drift) but only once:
// the caller stores the step of the last accepted code and passes it back.
import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { toString as qrToString } from 'qrcode';

export const TOTP_STEP_MS = 30_000;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of the current one. */
export const TOTP_WINDOW = 1;
const SECRET_BYTES = 20;

// ---- base32 (RFC 4648, section 6) --------------------------------------------------------------

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Upper case, without padding, as authenticator apps expect in an otpauth URI. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/**
 * Accepts what a person might copy back: lower case, spaces, `=` padding. Throws on any other
 * character, so a damaged secret is noticed when it is stored, not at every sign-in.
 */
export function base32Decode(text: string): Buffer {
  const s = text.replace(/[\s=]+/g, '').toUpperCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of s) {
    const v = BASE32.indexOf(ch);
    if (v < 0) throw new Error('not base32');
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  return Buffer.from(out);
}

// ---- HOTP / TOTP -------------------------------------------------------------------------------

/** RFC 4226 HOTP: the counter as 8 bytes big-endian (steps after 2106 need more than 32 bits). */
export function hotp(key: Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  if (!Number.isSafeInteger(counter) || counter < 0) throw new RangeError('counter must be a non-negative integer');
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const h = createHmac('sha1', key).update(msg).digest();
  const offset = h[h.length - 1] & 0x0f;
  const binary = h.readUInt32BE(offset) & 0x7fffffff;
  return (binary % 10 ** digits).toString().padStart(digits, '0');
}

/** The 30-second step a moment falls in. */
export const totpStep = (timeMs: number) => Math.floor(timeMs / TOTP_STEP_MS);

/** A fresh secret: 20 random bytes (RFC 4226's recommended length for SHA-1), base32. */
export function newTotpSecret(): string {
  return base32Encode(randomBytes(SECRET_BYTES));
}

/** The 6-digit code the app shows at a moment. */
export function totpCode(secret: string, timeMs: number): string {
  return hotp(base32Decode(secret), totpStep(timeMs));
}

/** The 6-digit code of a given step. */
export function totpCodeAtStep(secret: string, step: number): string {
  return hotp(base32Decode(secret), step);
}

export type TotpCheck = { ok: true; step: number } | { ok: false };

/**
 * Checks a typed code. Spaces (apps show `123 456`) and full-width digits from the IME are
 * accepted; anything else that is not six digits is refused without computing. A code of a step
 * at or before `lastUsedStep` is refused, so a code seen over someone's shoulder cannot be used
 * again in its 90 seconds. On success, store the returned step as the new `lastUsedStep`.
 */
export function verifyTotp(secret: string, code: string, nowMs: number, lastUsedStep?: number): TotpCheck {
  const typed = code.normalize('NFKC').replace(/\s+/g, '');
  if (!/^[0-9]{6}$/.test(typed)) return { ok: false };
  let key: Buffer;
  try {
    key = base32Decode(secret);
  } catch {
    return { ok: false };
  }
  if (key.length === 0) return { ok: false };
  const now = totpStep(nowMs);
  const given = Buffer.from(typed);
  let matched: number | null = null;
  // Every step in the window is computed and compared, so the time taken does not say which matched.
  for (let step = now - TOTP_WINDOW; step <= now + TOTP_WINDOW; step++) {
    if (step < 0) continue;
    const equal = timingSafeEqual(Buffer.from(hotp(key, step)), given);
    if (equal && matched === null && (lastUsedStep === undefined || step > lastUsedStep)) matched = step;
  }
  return matched === null ? { ok: false } : { ok: true, step: matched };
}

/**
 * The Key URI Format of Google Authenticator, which the other apps follow: the label is
 * `issuer:account`, and the issuer is repeated as a parameter for apps that read only that one.
 */
export function otpauthUri(o: { secret: string; account: string; issuer: string }): string {
  const label = `${encodeURIComponent(o.issuer)}:${encodeURIComponent(o.account)}`;
  const query = `secret=${o.secret}&issuer=${encodeURIComponent(o.issuer)}&algorithm=SHA1&digits=${TOTP_DIGITS}&period=${TOTP_STEP_MS / 1000}`;
  return `otpauth://totp/${label}?${query}`;
}

/** The URI as an SVG QR code to put inline in the page: no script, no image request. */
export async function totpQrSvg(uri: string): Promise<string> {
  return qrToString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

// ---- recovery codes ----------------------------------------------------------------------------

/**
 * Crockford's base32 alphabet: digits and lower-case letters without i, l, o and u, so a code
 * read aloud or copied from paper has no look-alikes; typing o, i or l is read as 0, 1, 1.
 */
const RECOVERY_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const RECOVERY_LENGTH = 10;

/** `xxxx-xxxx-xx`: 50 random bits each, enough for a code that is rate limited and single-use. */
export function newRecoveryCodes(n = 10): string[] {
  const codes: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = '';
    for (let j = 0; j < RECOVERY_LENGTH; j++) s += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
    codes.push(`${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}`);
  }
  return codes;
}

/** The code as typed, reduced to its ten characters, or null when it cannot be one. */
function normaliseRecoveryCode(code: string): string | null {
  const s = code
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s-]+/g, '')
    .replace(/o/g, '0')
    .replace(/[il]/g, '1');
  if (s.length !== RECOVERY_LENGTH) return null;
  for (const ch of s) if (!RECOVERY_ALPHABET.includes(ch)) return null;
  return s;
}

/**
 * SHA-256 (hex) of the normalised code: what is stored. 50 random bits need no slow hash; the
 * rate limit on the form bounds guessing.
 */
export function hashRecoveryCode(code: string): string {
  const s = normaliseRecoveryCode(code);
  if (s === null) throw new RangeError('not a recovery code');
  return createHash('sha256').update(s).digest('hex');
}

/**
 * Uses one recovery code: ok with the hashes that remain (store them), or not ok. Every stored
 * hash is compared, so the time taken does not say how far down the list the code was.
 */
export function useRecoveryCode(hashes: string[], code: string): { ok: true; remaining: string[] } | { ok: false } {
  const normalised = normaliseRecoveryCode(code);
  if (normalised === null) return { ok: false };
  const given = Buffer.from(hashRecoveryCode(normalised));
  let index = -1;
  hashes.forEach((h, i) => {
    const stored = Buffer.from(h);
    if (stored.length === given.length && timingSafeEqual(stored, given) && index < 0) index = i;
  });
  return index < 0 ? { ok: false } : { ok: true, remaining: hashes.filter((_, i) => i !== index) };
}
