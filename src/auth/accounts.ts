// Account administration shared by the console, the API and `jukinet-ops user …`: each change is
// one call here, and each is in the audit log with who made it.
import type { Kysely } from 'kysely';
import {
  addGrants,
  type AccountRow,
  countAccounts,
  createAccount,
  createApiKey,
  createSetupLink,
  findAccountByEmail,
  revokeApiKey,
  revokeGrant,
  setAccountDisabled,
  unlockAccount,
} from '../db/accounts';
import type { Database } from '../db/schema';
import { type AccessRole, formatGrant, type Grant } from '../domain/access';
import type { SigningKey } from '../tokens';
import { auditAccess } from './sign-in';

export interface AdminDeps {
  db: Kysely<Database>;
  auditMacKey: SigningKey;
  now: () => Date;
}

/** How long the one-time links stay valid. */
export const SETUP_LINK_TTL_MS = { first_admin: 24 * 3_600_000, invite: 7 * 86_400_000, reset: 24 * 3_600_000 } as const;

export const setupUrl = (publicUrl: string, token: string) => `${publicUrl}/setup/${token}`;

export class AccountError extends Error {
  constructor(
    readonly code: 'exists' | 'not_found' | 'not_local',
    message: string,
  ) {
    super(message);
    this.name = 'AccountError';
  }
}

/**
 * The first administrator's setup link, when nobody has an account yet (a fresh data folder):
 * a new one each start, the older one stops working. Undefined once an account exists.
 */
export async function firstAdminLink(deps: AdminDeps): Promise<string | undefined> {
  if ((await countAccounts(deps.db)) > 0) return undefined;
  const token = await createSetupLink(deps.db, 'first_admin', null, SETUP_LINK_TTL_MS.first_admin, deps.now());
  await auditAccess(deps, 'setupLinkIssued', 'system', { purpose: 'first_admin' });
  return token;
}

/** A new local account with its roles, and the one-time link with which its owner sets a password. */
export async function inviteAccount(deps: AdminDeps, a: { email: string; displayName: string; grants: Grant[] }, by: string): Promise<{ account: AccountRow; token: string }> {
  if (await findAccountByEmail(deps.db, a.email)) throw new AccountError('exists', `an account for ${a.email} already exists`);
  const account = await createAccount(deps.db, { email: a.email, displayName: a.displayName, source: 'local' }, deps.now());
  await addGrants(deps.db, account.id, a.grants, by);
  const token = await createSetupLink(deps.db, 'invite', account.id, SETUP_LINK_TTL_MS.invite, deps.now());
  await auditAccess(deps, 'accountCreated', by, { account: account.email, grants: a.grants.map(formatGrant) });
  return { account, token };
}

export async function grantRoles(deps: AdminDeps, account: AccountRow, grants: Grant[], by: string): Promise<Grant[]> {
  const added = await addGrants(deps.db, account.id, grants, by);
  for (const g of added) await auditAccess(deps, 'roleGranted', by, { account: account.email, grant: formatGrant(g) }, g.organisation);
  return added;
}

export async function revokeRole(deps: AdminDeps, account: AccountRow, grant: Grant, by: string): Promise<boolean> {
  const done = await revokeGrant(deps.db, account.id, grant);
  if (done) await auditAccess(deps, 'roleRevoked', by, { account: account.email, grant: formatGrant(grant) }, grant.organisation);
  return done;
}

/** A password reset link; the current password keeps working until the link is used. */
export async function issueResetLink(deps: AdminDeps, account: AccountRow, by: string): Promise<string> {
  if (account.source !== 'local') throw new AccountError('not_local', `${account.email} signs in through ${account.source}: reset the password there`);
  const token = await createSetupLink(deps.db, 'reset', account.id, SETUP_LINK_TTL_MS.reset, deps.now());
  await auditAccess(deps, 'setupLinkIssued', by, { purpose: 'reset', account: account.email });
  return token;
}

/** Disabling ends the account's sessions at once. */
export async function setDisabled(deps: AdminDeps, account: AccountRow, disabled: boolean, by: string): Promise<void> {
  await setAccountDisabled(deps.db, account.id, disabled, deps.now());
  await auditAccess(deps, disabled ? 'accountDisabled' : 'accountEnabled', by, { account: account.email });
}

export async function unlock(deps: AdminDeps, account: AccountRow, by: string): Promise<void> {
  await unlockAccount(deps.db, account.id);
  await auditAccess(deps, 'accountUnlocked', by, { account: account.email });
}

export async function issueApiKey(
  deps: AdminDeps,
  k: { name: string; organisation: string; role: AccessRole; expiresInDays: number },
  by: string,
): Promise<{ key: string; id: string; expiresAt: Date }> {
  const now = deps.now();
  const expiresAt = new Date(now.getTime() + k.expiresInDays * 86_400_000);
  const { key, row } = await createApiKey(deps.db, { name: k.name, organisation: k.organisation, role: k.role, createdBy: by, expiresAt }, now);
  await auditAccess(deps, 'apiKeyCreated', by, { id: row.id, name: k.name, grant: `${k.role}@${k.organisation}`, expiresAt: expiresAt.toISOString() }, k.organisation);
  return { key, id: row.id, expiresAt };
}

export async function revokeKey(deps: AdminDeps, id: string, organisation: string, by: string): Promise<boolean> {
  const done = await revokeApiKey(deps.db, id, deps.now());
  if (done) await auditAccess(deps, 'apiKeyRevoked', by, { id }, organisation);
  return done;
}
