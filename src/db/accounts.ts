// Who may sign in and what they hold: accounts, their access roles per organisation, server-side
// sessions, one-time setup links and API keys. Secrets (session ids, link tokens, key secrets) are
// 256-bit random values kept only as SHA-256 hashes, so a database reader can act as nobody.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import { type AccessRole, ACCESS_ROLES, type Grant } from '../domain/access';
import type { AccountTable, ApiKeyTable, Database, SessionStage, SetupLinkTable } from './schema';

export type AccountRow = Selectable<AccountTable>;
export type ApiKeyRow = Selectable<ApiKeyTable>;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const secret = () => randomBytes(32).toString('base64url');
export const normaliseEmail = (email: string) => email.trim().toLowerCase();

// --- accounts -------------------------------------------------------------------------------

export async function countAccounts(db: Kysely<Database>): Promise<number> {
  const { n } = await db.selectFrom('accounts').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return Number(n);
}

export async function findAccountByEmail(db: Kysely<Database>, email: string): Promise<AccountRow | undefined> {
  return db.selectFrom('accounts').selectAll().where('email', '=', normaliseEmail(email)).executeTakeFirst();
}

export async function getAccount(db: Kysely<Database>, id: string): Promise<AccountRow | undefined> {
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface NewAccount {
  email: string;
  displayName: string;
  source: AccountRow['source'];
  passwordHash?: string;
}

export async function createAccount(db: Kysely<Database>, a: NewAccount, now = new Date()): Promise<AccountRow> {
  return db
    .insertInto('accounts')
    .values({
      id: randomUUID(),
      email: normaliseEmail(a.email),
      display_name: a.displayName,
      source: a.source,
      password_hash: a.passwordHash ?? null,
      password_changed_at: a.passwordHash ? now : null,
      totp_secret: null,
      totp_enabled_at: null,
      locked_until: null,
      disabled_at: null,
      last_sign_in_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listAccounts(db: Kysely<Database>): Promise<Array<AccountRow & { grants: Grant[] }>> {
  const [accounts, grants] = await Promise.all([
    db.selectFrom('accounts').selectAll().orderBy('email').execute(),
    db.selectFrom('account_grants').selectAll().orderBy('organisation').orderBy('role').execute(),
  ]);
  return accounts.map((a) => ({ ...a, grants: grants.filter((g) => g.account_id === a.id).map(toGrant) }));
}

const isRole = (r: string): r is AccessRole => (ACCESS_ROLES as readonly string[]).includes(r);
const toGrant = (g: { organisation: string; role: string }): Grant => ({ organisation: g.organisation, role: isRole(g.role) ? g.role : 'auditor' });

export async function grantsOf(db: Kysely<Database>, accountId: string): Promise<Grant[]> {
  const rows = await db.selectFrom('account_grants').select(['organisation', 'role']).where('account_id', '=', accountId).execute();
  return rows.filter((g) => isRole(g.role)).map(toGrant);
}

/** Adds the grants the account does not hold yet; returns those added. */
export async function addGrants(db: Kysely<Database>, accountId: string, grants: readonly Grant[], by: string): Promise<Grant[]> {
  const added: Grant[] = [];
  for (const g of grants) {
    const r = await db
      .insertInto('account_grants')
      .values({ account_id: accountId, organisation: g.organisation, role: g.role, granted_by: by })
      .onConflict((oc) => oc.columns(['account_id', 'organisation', 'role']).doNothing())
      .executeTakeFirst();
    if (Number(r.numInsertedOrUpdatedRows ?? 0) > 0) added.push(g);
  }
  return added;
}

/** The directory or the OpenID provider is the source of a federated account's roles: replace them. */
export async function replaceGrants(db: Kysely<Database>, accountId: string, grants: readonly Grant[], by: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('account_grants').where('account_id', '=', accountId).execute();
    await addGrants(tx, accountId, grants, by);
  });
}

export async function revokeGrant(db: Kysely<Database>, accountId: string, g: Grant): Promise<boolean> {
  const r = await db.deleteFrom('account_grants').where('account_id', '=', accountId).where('organisation', '=', g.organisation).where('role', '=', g.role).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Counts a failed sign-in; returns the failures in a row so far. */
export async function countFailedSignIn(db: Kysely<Database>, id: string): Promise<number> {
  const row = await db
    .updateTable('accounts')
    .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
    .where('id', '=', id)
    .returning('failed_attempts')
    .executeTakeFirst();
  return row?.failed_attempts ?? 0;
}

/** Locks the account until `until`; the count starts again after it. */
export async function lockAccount(db: Kysely<Database>, id: string, until: Date): Promise<void> {
  await db.updateTable('accounts').set({ locked_until: until, failed_attempts: 0 }).where('id', '=', id).execute();
}

/** A stronger hash of the same password (parameters raised since it was set): sessions stay. */
export async function replacePasswordHash(db: Kysely<Database>, id: string, passwordHash: string): Promise<void> {
  await db.updateTable('accounts').set({ password_hash: passwordHash }).where('id', '=', id).execute();
}

export async function recordSignIn(db: Kysely<Database>, id: string, now: Date): Promise<void> {
  await db.updateTable('accounts').set({ failed_attempts: 0, locked_until: null, last_sign_in_at: now }).where('id', '=', id).execute();
}

export async function unlockAccount(db: Kysely<Database>, id: string): Promise<void> {
  await db.updateTable('accounts').set({ failed_attempts: 0, locked_until: null }).where('id', '=', id).execute();
}

/** A new password ends every session of the account (a stolen one dies with the old password). */
export async function setPassword(db: Kysely<Database>, id: string, passwordHash: string, now: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.updateTable('accounts').set({ password_hash: passwordHash, password_changed_at: now, failed_attempts: 0, locked_until: null }).where('id', '=', id).execute();
    await tx.deleteFrom('sessions').where('account_id', '=', id).execute();
  });
}

export async function setAccountDisabled(db: Kysely<Database>, id: string, disabled: boolean, now: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.updateTable('accounts').set({ disabled_at: disabled ? now : null }).where('id', '=', id).execute();
    if (disabled) await tx.deleteFrom('sessions').where('account_id', '=', id).execute();
  });
}

export async function enableTotp(db: Kysely<Database>, id: string, totpSecret: string, step: number, recoveryHashes: string[], now: Date): Promise<void> {
  await db
    .updateTable('accounts')
    .set({ totp_secret: totpSecret, totp_enabled_at: now, totp_last_step: step, recovery_codes: JSON.stringify(recoveryHashes) })
    .where('id', '=', id)
    .execute();
}

/** Records the TOTP step just used (a code is good once) or the recovery codes left. */
export async function recordSecondFactor(db: Kysely<Database>, id: string, use: { step: number } | { recoveryCodes: string[] }): Promise<void> {
  await db
    .updateTable('accounts')
    .set('step' in use ? { totp_last_step: use.step } : { recovery_codes: JSON.stringify(use.recoveryCodes) })
    .where('id', '=', id)
    .execute();
}

// --- sessions -------------------------------------------------------------------------------

export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
}

export interface ActiveSession {
  idHash: string;
  stage: SessionStage;
  account: AccountRow;
  lastSeenAt: Date;
  totpPendingSecret: string | null;
}

/** A new session: the id goes in the cookie, its hash in the table. */
export async function createSession(db: Kysely<Database>, accountId: string, stage: SessionStage, limits: SessionLimits, now: Date): Promise<string> {
  const id = secret();
  await db
    .insertInto('sessions')
    .values({ id_hash: sha256(id), account_id: accountId, stage, created_at: now, last_seen_at: now, expires_at: new Date(now.getTime() + limits.absoluteMs), totp_pending_secret: null })
    .execute();
  return id;
}

/** The live session for a cookie value: not past its absolute end, not idle too long, account enabled. */
export async function findSession(db: Kysely<Database>, id: string, limits: SessionLimits, now: Date): Promise<ActiveSession | undefined> {
  const idHash = sha256(id);
  const s = await db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  if (!s) return undefined;
  if (s.expires_at.getTime() <= now.getTime() || s.last_seen_at.getTime() + limits.idleMs <= now.getTime()) {
    await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
    return undefined;
  }
  const account = await getAccount(db, s.account_id);
  if (!account || account.disabled_at) return undefined;
  return { idHash, stage: s.stage, account, lastSeenAt: s.last_seen_at, totpPendingSecret: s.totp_pending_secret };
}

export async function touchSession(db: Kysely<Database>, idHash: string, now: Date): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
}

export async function updateSession(db: Kysely<Database>, idHash: string, set: { stage?: SessionStage; totpPendingSecret?: string | null }): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ ...(set.stage ? { stage: set.stage } : {}), ...(set.totpPendingSecret !== undefined ? { totp_pending_secret: set.totpPendingSecret } : {}) })
    .where('id_hash', '=', idHash)
    .execute();
}

/** The key a session's cookie value is stored under. */
export const sessionIdHash = sha256;

export async function endSession(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', sha256(id)).execute();
}

// --- one-time setup links -------------------------------------------------------------------

/** A one-time link's token; any older unused link of the same purpose and account stops working. */
export async function createSetupLink(db: Kysely<Database>, purpose: SetupLinkTable['purpose'], accountId: string | null, ttlMs: number, now: Date): Promise<string> {
  const token = secret();
  await db.transaction().execute(async (tx) => {
    let older = tx.updateTable('setup_links').set({ used_at: now }).where('purpose', '=', purpose).where('used_at', 'is', null);
    older = accountId === null ? older.where('account_id', 'is', null) : older.where('account_id', '=', accountId);
    await older.execute();
    await tx.insertInto('setup_links').values({ token_hash: sha256(token), purpose, account_id: accountId, created_at: now, expires_at: new Date(now.getTime() + ttlMs), used_at: null }).execute();
  });
  return token;
}

export type SetupLink = Selectable<SetupLinkTable>;

/** The link if it is unused and unexpired (reading it changes nothing: a GET must not). */
export async function findSetupLink(db: Kysely<Database>, token: string, now: Date): Promise<SetupLink | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const link = await db.selectFrom('setup_links').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirst();
  if (!link || link.used_at || link.expires_at.getTime() <= now.getTime()) return undefined;
  return link;
}

/** Marks the link used; false when another request used it first. */
export async function useSetupLink(db: Kysely<Database>, token: string, now: Date): Promise<boolean> {
  const r = await db.updateTable('setup_links').set({ used_at: now }).where('token_hash', '=', sha256(token)).where('used_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// --- API keys -------------------------------------------------------------------------------

const KEY_PREFIX = 'jko_';
const KEY_FORMAT = /^jko_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface NewApiKey {
  name: string;
  organisation: string;
  role: AccessRole;
  createdBy: string;
  expiresAt: Date;
}

/** Creates a key; the returned text is shown once and never stored. */
export async function createApiKey(db: Kysely<Database>, k: NewApiKey, now: Date): Promise<{ key: string; row: ApiKeyRow }> {
  const id = randomBytes(8).toString('hex').slice(0, 12);
  const s = secret();
  const row = await db
    .insertInto('api_keys')
    .values({ id, secret_hash: sha256(s), name: k.name, organisation: k.organisation, role: k.role, created_by: k.createdBy, created_at: now, expires_at: k.expiresAt, last_used_at: null, revoked_at: null })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { key: `${KEY_PREFIX}${id}_${s}`, row };
}

/** The key a bearer token names, if the secret matches and the key is neither revoked nor expired. */
export async function findApiKey(db: Kysely<Database>, presented: string, now: Date): Promise<ApiKeyRow | undefined> {
  const m = KEY_FORMAT.exec(presented);
  if (!m) return undefined;
  const row = await db.selectFrom('api_keys').selectAll().where('id', '=', m[1]).executeTakeFirst();
  if (!row) return undefined;
  const given = Buffer.from(sha256(m[2]));
  const expected = Buffer.from(row.secret_hash);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  if (row.revoked_at || row.expires_at.getTime() <= now.getTime()) return undefined;
  return row;
}

export async function touchApiKey(db: Kysely<Database>, id: string, now: Date): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
}

export async function listApiKeys(db: Kysely<Database>, organisations?: readonly string[]): Promise<ApiKeyRow[]> {
  let q = db.selectFrom('api_keys').selectAll().orderBy('created_at', 'desc');
  if (organisations) q = q.where('organisation', 'in', organisations.length > 0 ? [...organisations] : ['']);
  return q.execute();
}

export async function getApiKey(db: Kysely<Database>, id: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function revokeApiKey(db: Kysely<Database>, id: string, now: Date): Promise<boolean> {
  const r = await db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
