// Local accounts' passwords, stored as Argon2id in the PHC string format, so the parameters travel
// with each hash and can be raised later (needsRehash) without breaking the hashes already stored.
// hash-wasm computes Argon2 in WebAssembly: Node 20's crypto has no Argon2, and a native addon
// would need a compiler on every municipal server this is installed on.
//
// Passwords are NFKC-normalised before hashing, as the policy checks them (domain/password-policy.ts):
// the same password typed in full-width with the IME, or on another device, verifies.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { argon2id } from 'hash-wasm';

export interface Argon2Params {
  /** Memory in KiB. */
  m: number;
  /** Iterations. */
  t: number;
  /** Parallelism. */
  p: number;
}

/** OWASP Password Storage Cheat Sheet (2025): m=19 MiB, t=2, p=1; about 70 ms on one core here. */
export const ARGON2_PARAMS: Readonly<Argon2Params> = Object.freeze({ m: 19456, t: 2, p: 1 });
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/**
 * Bounds for a stored string's parameters: one edited in the database to m=4 GiB must not be
 * able to take the server down at the next sign-in.
 */
const LIMITS = { m: 262_144, t: 16, p: 16, saltMin: 8, saltMax: 64, hashMin: 16, hashMax: 64 };

/** PHC strings use standard base64 without padding. */
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64').replace(/=+$/, '');
const PHC = /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

interface ParsedHash {
  params: Argon2Params;
  salt: Buffer;
  hash: Buffer;
}

/** Decoded only when it encodes back to the same text: one spelling per hash. */
function decodeB64(s: string): Buffer | null {
  const b = Buffer.from(s, 'base64');
  return b64(b) === s ? b : null;
}

function parse(phc: string): ParsedHash | null {
  const m = PHC.exec(phc);
  if (!m) return null;
  const params = { m: Number(m[1]), t: Number(m[2]), p: Number(m[3]) };
  const salt = decodeB64(m[4]);
  const hash = decodeB64(m[5]);
  if (!salt || !hash) return null;
  if (params.t < 1 || params.t > LIMITS.t || params.p < 1 || params.p > LIMITS.p) return null;
  if (params.m < 8 * params.p || params.m > LIMITS.m) return null;
  if (salt.length < LIMITS.saltMin || salt.length > LIMITS.saltMax || hash.length < LIMITS.hashMin || hash.length > LIMITS.hashMax) return null;
  return { params, salt, hash };
}

const normalise = (password: string) => password.normalize('NFKC');

async function compute(password: string, salt: Uint8Array, params: Argon2Params, hashLength: number): Promise<Uint8Array> {
  return argon2id({
    password: normalise(password),
    salt,
    iterations: params.t,
    parallelism: params.p,
    memorySize: params.m,
    hashLength,
    outputType: 'binary',
  });
}

/** `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` with a fresh 16-byte salt. */
export async function hashPassword(password: string): Promise<string> {
  // hash-wasm refuses an empty password; the policy refuses it long before.
  if (password === '') throw new RangeError('an empty password cannot be hashed');
  const salt = randomBytes(SALT_BYTES);
  const hash = await compute(password, salt, ARGON2_PARAMS, HASH_BYTES);
  const { m, t, p } = ARGON2_PARAMS;
  return `$argon2id$v=19$m=${m},t=${t},p=${p}$${b64(salt)}$${b64(hash)}`;
}

/** Whether the password matches; false for a string that is not a well-formed Argon2id PHC hash. */
export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  const parsed = parse(phc);
  if (!parsed) return false;
  if (password === '') {
    // hash-wasm refuses an empty password; spend the same time on something that cannot match.
    await compute('\u0000', parsed.salt, parsed.params, parsed.hash.length);
    return false;
  }
  const computed = Buffer.from(await compute(password, parsed.salt, parsed.params, parsed.hash.length));
  return computed.length === parsed.hash.length && timingSafeEqual(computed, parsed.hash);
}

/**
 * True when the stored hash was made with weaker settings than today's (or cannot be read):
 * after a successful sign-in, hash the password again and store the new string.
 */
export function needsRehash(phc: string): boolean {
  const parsed = parse(phc);
  if (!parsed) return true;
  const { m, t } = parsed.params;
  return m < ARGON2_PARAMS.m || t < ARGON2_PARAMS.t || parsed.salt.length < SALT_BYTES || parsed.hash.length < HASH_BYTES;
}

/**
 * A hash with today's parameters of a random password nobody knows. A sign-in for an account that
 * does not exist verifies against it, so it takes as long as a wrong password for one that does,
 * and the response time does not tell which email addresses have accounts.
 */
export const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$XqsKnHJQKSj8FUWpDXV5wA$R9DyCTevTOJLutJSRIzDzf0yvFChQmqSSlQ4JNm1Tis';

/** Spends one verification's time and answers false: for an unknown or disabled account. */
export async function verifyAgainstDummy(password: string): Promise<false> {
  await verifyPassword(DUMMY_HASH, password);
  return false;
}
