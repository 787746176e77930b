// Signing in, whatever the source of the identity: a local password (Argon2id), the directory
// (LDAP bind) or the OpenID provider. Lockout, the second factor's requirement and the audit
// events are decided here once, so the pages only show the outcome.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  type AccountRow,
  createAccount,
  findAccountByEmail,
  countFailedSignIn,
  grantsOf,
  lockAccount,
  recordSecondFactor,
  recordSignIn,
  replaceGrants,
  replacePasswordHash,
} from '../db/accounts';
import { appendAudit } from '../db/audit';
import { listProfiles } from '../db/organisations';
import type { Database } from '../db/schema';
import { EVERY_ORGANISATION, type Grant } from '../domain/access';
import type { SigningKey } from '../tokens';
import { ldapAuthenticate, type LdapConfig } from './ldap';
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from './password-hash';
import { isLocked, lockedUntilAfter, shouldLock } from './rate-limit';
import { useRecoveryCode, verifyTotp } from './totp';

export interface SignInDeps {
  db: Kysely<Database>;
  /** The audit chain's signing key: sign-in events are evidence like any step. */
  auditMacKey: SigningKey;
  ldap?: LdapConfig;
  lockout: { threshold: number; periodMs: number };
  now: () => Date;
}

export type AccessEvent =
  | 'signIn'
  | 'signInFailed'
  | 'lockedOut'
  | 'signOut'
  | 'secondFactorEnrolled'
  | 'accountCreated'
  | 'accountDisabled'
  | 'accountEnabled'
  | 'accountUnlocked'
  | 'passwordSet'
  | 'roleGranted'
  | 'roleRevoked'
  | 'apiKeyCreated'
  | 'apiKeyRevoked'
  | 'setupLinkIssued';

/**
 * One audit row for an access event (case `access`). The detail never holds a password, a code, a
 * token or a key: only who, what and through which source.
 */
export async function auditAccess(
  deps: Pick<SignInDeps, 'db' | 'auditMacKey' | 'now'>,
  event: AccessEvent,
  actor: string,
  detail: Record<string, unknown> = {},
  organisation: string = EVERY_ORGANISATION,
): Promise<void> {
  await appendAudit(
    deps.db,
    { id: randomUUID(), at: deps.now(), caseId: 'access', organisation, actor, step: `access.${event}`, outcome: event, articles: [], detail },
    deps.auditMacKey,
  );
}

export type PasswordSignIn =
  | { ok: true; account: AccountRow; grants: Grant[]; secondFactor: 'verify' | 'enrol' | 'none' }
  | { ok: false; reason: 'bad_credentials' | 'locked' | 'unavailable' };

/** The lowest lockout threshold of the organisations the account belongs to, else the configured one. */
async function lockoutThreshold(deps: SignInDeps, grants: readonly Grant[]): Promise<number> {
  const orgs = new Set(grants.map((g) => g.organisation));
  const set = (await listProfiles(deps.db)).filter((p) => orgs.has(p.organisation.key) || orgs.has(EVERY_ORGANISATION)).flatMap((p) => p.signIn?.lockoutThreshold ?? []);
  return Math.min(deps.lockout.threshold, ...set);
}

/** Administrators always need a second factor; others when one of their organisations' profiles says so. */
export async function secondFactorRequired(db: Kysely<Database>, grants: readonly Grant[]): Promise<boolean> {
  if (grants.some((g) => g.role === 'admin')) return true;
  const orgs = new Set(grants.map((g) => g.organisation));
  return (await listProfiles(db)).some((p) => (orgs.has(p.organisation.key) || orgs.has(EVERY_ORGANISATION)) && p.signIn?.totpRequired === true);
}

async function secondFactorOf(db: Kysely<Database>, account: AccountRow, grants: readonly Grant[]): Promise<'verify' | 'enrol' | 'none'> {
  if (account.source === 'oidc') return 'none'; // the provider applies its own
  if (account.totp_enabled_at) return 'verify';
  return (await secondFactorRequired(db, grants)) ? 'enrol' : 'none';
}

/** A failure counts toward the lockout; at the threshold the account locks and the audit log says so. */
async function failed(deps: SignInDeps, account: AccountRow, grants: readonly Grant[], source: string): Promise<PasswordSignIn> {
  const failures = await countFailedSignIn(deps.db, account.id);
  const locked = shouldLock(failures, await lockoutThreshold(deps, grants));
  if (locked) await lockAccount(deps.db, account.id, lockedUntilAfter(deps.now(), deps.lockout.periodMs));
  await auditAccess(deps, locked ? 'lockedOut' : 'signInFailed', account.email, { source });
  return { ok: false, reason: locked ? 'locked' : 'bad_credentials' };
}

export async function signInWithPassword(deps: SignInDeps, login: string, password: string): Promise<PasswordSignIn> {
  const now = deps.now();
  const local = await findAccountByEmail(deps.db, login);
  if (local?.source === 'local' || (local && !deps.ldap)) {
    if (local.disabled_at || !local.password_hash) {
      await verifyAgainstDummy(password);
      await auditAccess(deps, 'signInFailed', local.email, { source: 'local', why: local.disabled_at ? 'disabled' : 'no password set' });
      return { ok: false, reason: 'bad_credentials' };
    }
    const grants = await grantsOf(deps.db, local.id);
    if (isLocked(local.locked_until, now)) {
      await auditAccess(deps, 'signInFailed', local.email, { source: 'local', why: 'locked' });
      return { ok: false, reason: 'locked' };
    }
    if (!(await verifyPassword(local.password_hash, password))) return failed(deps, local, grants, 'local');
    // Parameters raised since the password was set: store a stronger hash now that we have the password.
    if (needsRehash(local.password_hash)) await replacePasswordHash(deps.db, local.id, await hashPassword(password));
    await recordSignIn(deps.db, local.id, now);
    await auditAccess(deps, 'signIn', local.email, { source: 'local' });
    return { ok: true, account: local, grants, secondFactor: await secondFactorOf(deps.db, local, grants) };
  }
  if (!deps.ldap) {
    // Same work as a real check, so the answer's timing does not tell which emails have accounts.
    await verifyAgainstDummy(password);
    await auditAccess(deps, 'signInFailed', 'unknown', { source: 'local', why: 'no such account' });
    return { ok: false, reason: 'bad_credentials' };
  }
  if (local && isLocked(local.locked_until, now)) {
    await auditAccess(deps, 'signInFailed', local.email, { source: 'ldap', why: 'locked' });
    return { ok: false, reason: 'locked' };
  }
  const r = await ldapAuthenticate(deps.ldap, login, password);
  if (!r.ok && r.reason === 'unavailable') return { ok: false, reason: 'unavailable' };
  // Typed as a uid, the login finds no account by email: the directory's email of the person finds
  // it, so the lockout counts and holds whichever of the two the person types.
  const email = r.ok ? r.identity.email : r.email;
  const known = local ?? (email !== undefined ? await findAccountByEmail(deps.db, email) : undefined);
  if (known && isLocked(known.locked_until, now)) {
    await auditAccess(deps, 'signInFailed', known.email, { source: 'ldap', why: 'locked' });
    return { ok: false, reason: 'locked' };
  }
  if (!r.ok) {
    if (known) return failed(deps, known, await grantsOf(deps.db, known.id), 'ldap');
    await auditAccess(deps, 'signInFailed', 'unknown', { source: 'ldap', why: r.reason });
    return { ok: false, reason: 'bad_credentials' };
  }
  const account = await federatedAccount(deps, 'ldap', r.identity);
  if (!account) return { ok: false, reason: 'bad_credentials' };
  const grants = await grantsOf(deps.db, account.id);
  return { ok: true, account, grants, secondFactor: await secondFactorOf(deps.db, account, grants) };
}

/**
 * The account of a person the directory or the OpenID provider vouched for: created on first
 * sign-in, its roles replaced by what the groups map to (the directory is their source). A disabled
 * account stays disabled.
 */
export async function federatedAccount(
  deps: Pick<SignInDeps, 'db' | 'auditMacKey' | 'now'>,
  source: 'ldap' | 'oidc',
  identity: { email: string; displayName: string; grants: Grant[] },
): Promise<AccountRow | undefined> {
  let account = await findAccountByEmail(deps.db, identity.email);
  if (!account) {
    account = await createAccount(deps.db, { email: identity.email, displayName: identity.displayName, source }, deps.now());
    await auditAccess(deps, 'accountCreated', account.email, { source });
  }
  // An account has one source: a directory or provider that vouches for the same email does not
  // take over a local account (its roles, its second factor), nor one of the other source.
  const refusal = account.source !== source ? `account of source ${account.source}` : account.disabled_at ? 'disabled' : isLocked(account.locked_until, deps.now()) ? 'locked' : undefined;
  if (refusal) {
    await auditAccess(deps, 'signInFailed', account.email, { source, why: refusal });
    return undefined;
  }
  await replaceGrants(deps.db, account.id, identity.grants, source);
  await recordSignIn(deps.db, account.id, deps.now());
  await auditAccess(deps, 'signIn', account.email, { source, grants: identity.grants.map((g) => `${g.role}@${g.organisation}`) });
  return account;
}

export type SecondFactorCheck = { ok: true } | { ok: false; reason: 'bad_code' | 'locked' };

/** A TOTP code, or one of the recovery codes (each good once). Failures count toward the lockout. */
export async function verifySecondFactor(deps: SignInDeps, account: AccountRow, code: string): Promise<SecondFactorCheck> {
  const now = deps.now();
  if (isLocked(account.locked_until, now)) return { ok: false, reason: 'locked' };
  const trimmed = code.replace(/\s/g, '');
  if (/^\d{6}$/.test(trimmed) && account.totp_secret) {
    const r = verifyTotp(account.totp_secret, trimmed, now.getTime(), account.totp_last_step === null ? undefined : Number(account.totp_last_step));
    if (r.ok) {
      await recordSecondFactor(deps.db, account.id, { step: r.step });
      await recordSignIn(deps.db, account.id, now);
      return { ok: true };
    }
  } else if (account.recovery_codes) {
    const r = useRecoveryCode(account.recovery_codes, trimmed);
    if (r.ok) {
      await recordSecondFactor(deps.db, account.id, { recoveryCodes: r.remaining });
      await recordSignIn(deps.db, account.id, now);
      await auditAccess(deps, 'signIn', account.email, { source: 'recoveryCode', recoveryCodesLeft: r.remaining.length });
      return { ok: true };
    }
  }
  const f = await failed(deps, account, await grantsOf(deps.db, account.id), 'totp');
  return { ok: false, reason: !f.ok && f.reason === 'locked' ? 'locked' : 'bad_code' };
}
