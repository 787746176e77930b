import { argon2id } from 'hash-wasm';
import { ARGON2_PARAMS, DUMMY_HASH, hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from '../../src/auth/password-hash';

const PASSPHRASE = 'kakinoki no shita de matsu 2026';

describe('password hashes', () => {
  let stored: string;
  beforeAll(async () => {
    stored = await hashPassword(PASSPHRASE);
  });

  it('are Argon2id PHC strings with the OWASP parameters, a 16-byte salt and a 32-byte hash', () => {
    const m = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(stored);
    expect(m).not.toBeNull();
    expect(Buffer.from(m![1], 'base64')).toHaveLength(16);
    expect(Buffer.from(m![2], 'base64')).toHaveLength(32);
    expect(ARGON2_PARAMS).toEqual({ m: 19456, t: 2, p: 1 });
  });

  it('use a fresh salt each time, so the same password hashes differently', async () => {
    const again = await hashPassword(PASSPHRASE);
    expect(again).not.toBe(stored);
    expect(await verifyPassword(again, PASSPHRASE)).toBe(true);
  });

  it('verify the right password and refuse a wrong one, one character off, or empty', async () => {
    expect(await verifyPassword(stored, PASSPHRASE)).toBe(true);
    expect(await verifyPassword(stored, PASSPHRASE + ' ')).toBe(false);
    expect(await verifyPassword(stored, 'Kakinoki no shita de matsu 2026')).toBe(false);
    expect(await verifyPassword(stored, '')).toBe(false);
  });

  it('agree with the reference encoding of hash-wasm (a standard Argon2id implementation)', async () => {
    const salt = Buffer.alloc(16, 7);
    const encoded = await argon2id({ password: PASSPHRASE, salt, iterations: 2, parallelism: 1, memorySize: 19456, hashLength: 32, outputType: 'encoded' });
    expect(await verifyPassword(encoded, PASSPHRASE)).toBe(true);
    // And a hash made elsewhere with other parameters verifies with the parameters it carries.
    const other = await argon2id({ password: PASSPHRASE, salt, iterations: 3, parallelism: 2, memorySize: 4096, hashLength: 24, outputType: 'encoded' });
    expect(await verifyPassword(other, PASSPHRASE)).toBe(true);
    expect(await verifyPassword(other, 'something else entirely')).toBe(false);
  });

  it('treat a password typed in full-width (IME) as the same password', async () => {
    const h = await hashPassword('Ｓｅｃｕｒｅ　Ｐａｓｓｐｈｒａｓｅ１２');
    expect(await verifyPassword(h, 'Secure Passphrase12')).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['argon2i, not argon2id', stored => stored.replace('$argon2id$', '$argon2i$')],
    ['another version', stored => stored.replace('v=19', 'v=16')],
    ['a missing hash', stored => stored.slice(0, stored.lastIndexOf('$'))],
    ['a truncated hash', stored => stored.slice(0, -10)],
    ['padding in base64', stored => stored + '='],
    ['a non-canonical base64 ending', stored => stored.slice(0, -1) + (stored.endsWith('B') ? 'C' : 'B')],
    ['memory beyond the bound', stored => stored.replace('m=19456', 'm=4194304')],
    ['zero iterations', stored => stored.replace('t=2', 't=0')],
    ['a bcrypt hash', '$2b$12$abcdefghijklmnopqrstuuJ0ZsQ8Nz3p0lC9oJxGZrYy1Gx0f9lq6'],
  ] as Array<[string, string | ((s: string) => string)]>)('refuse (false, no throw) a malformed stored string: %s', async (_what, make) => {
    const s = typeof make === 'string' ? make : make(stored);
    await expect(verifyPassword(s, PASSPHRASE)).resolves.toBe(false);
  });

  it('need rehashing when made with weaker parameters or unreadable, not when current', async () => {
    expect(needsRehash(stored)).toBe(false);
    const salt = Buffer.alloc(16, 1);
    const weak = await argon2id({ password: 'x', salt, iterations: 1, parallelism: 1, memorySize: 19456, hashLength: 32, outputType: 'encoded' });
    const lowMemory = await argon2id({ password: 'x', salt, iterations: 2, parallelism: 1, memorySize: 4096, hashLength: 32, outputType: 'encoded' });
    const stronger = await argon2id({ password: 'x', salt, iterations: 3, parallelism: 1, memorySize: 19456, hashLength: 32, outputType: 'encoded' });
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(lowMemory)).toBe(true);
    expect(needsRehash(stronger)).toBe(false);
    expect(needsRehash('garbage')).toBe(true);
  });

  it('have a dummy with the current parameters, so an unknown account costs a real verification', async () => {
    expect(needsRehash(DUMMY_HASH)).toBe(false);
    await expect(verifyAgainstDummy(PASSPHRASE)).resolves.toBe(false);
    // The cost is the parameters' (no timed assertion: on a loaded machine the clock lies): the
    // dummy is an Argon2id hash with exactly today's parameters, so verifying against it does the
    // work a real account's verification does.
    expect(DUMMY_HASH).toMatch(new RegExp(`^\\$argon2id\\$v=19\\$m=${ARGON2_PARAMS.m},t=${ARGON2_PARAMS.t},p=${ARGON2_PARAMS.p}\\$`));
  });
});

describe('an empty password', () => {
  it('cannot be hashed and never verifies', async () => {
    await expect(hashPassword('')).rejects.toThrow(RangeError);
    await expect(verifyPassword(DUMMY_HASH, '')).resolves.toBe(false);
    await expect(verifyAgainstDummy('')).resolves.toBe(false);
  });
});
