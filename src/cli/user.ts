// `jukinet-ops user add | reset | disable | enable | unlock | list` — account administration on
// the server's own database (PostgreSQL, or the embedded PGlite while the stack is stopped), and
// `jukinet-ops login | logout` — the command line's API key.
import { parseArgs } from 'node:util';
import { AccountError, type AdminDeps, grantRoles, inviteAccount, issueResetLink, revokeRole, setDisabled, setupUrl, unlock } from '../auth/accounts';
import { type Config, publicUrl } from '../config';
import { findAccountByEmail, listAccounts } from '../db/accounts';
import { formatGrant, type Grant, parseGrant } from '../domain/access';
import { embeddedStackRunning } from '../embedded/stack';
import { installRuntime, openMigratedDatabase, resolveAuditMacKeys } from '../runtime';
import { readSecret, removeCredentials, writeCredentials } from './credentials';

export const USER_USAGE = `Usage: jukinet-ops user <subcommand>
  add --email EMAIL --name NAME --role ROLE@ORG [--role …]   a new account; prints its one-time setup link
  grant --email EMAIL --role ROLE@ORG [--role …]            more roles (a person may hold roles in several organisations)
  revoke --email EMAIL --role ROLE@ORG [--role …]           removes roles
  reset --email EMAIL                                       a one-time password reset link
  disable --email EMAIL | enable --email EMAIL              disabling ends the account's sessions
  unlock --email EMAIL                                      after too many failed sign-ins
  list                                                      every account with its roles and state
ROLE: admin | commander | member | operator | auditor; ORG: an organisation key, or * for every one`;

type Out = (line: string) => void;

export async function userCommand(args: string[], config: Config, out: Out, err: Out): Promise<number> {
  const [sub, ...rest] = args;
  let values: { email?: string; name?: string; role?: string[] };
  try {
    ({ values } = parseArgs({ args: rest, options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string', multiple: true } } }));
  } catch (e) {
    err(`${(e as Error).message}\n\n${USER_USAGE}`);
    return 2;
  }
  if (!sub || !['add', 'grant', 'revoke', 'reset', 'disable', 'enable', 'unlock', 'list'].includes(sub)) {
    err(USER_USAGE);
    return 2;
  }
  if (sub !== 'list' && !values.email) {
    err(`user ${sub}: --email is required\n\n${USER_USAGE}`);
    return 2;
  }
  const grants: Grant[] = [];
  if (sub === 'add' || sub === 'grant' || sub === 'revoke') {
    if (sub === 'add' && !values.name) {
      err(`user add: --name is required\n\n${USER_USAGE}`);
      return 2;
    }
    for (const text of values.role ?? []) {
      const g = parseGrant(text);
      if (!g) {
        err(`user ${sub}: --role ${text}: write ROLE@ORG, e.g. commander@katsuragi (roles: admin, commander, member, operator, auditor)`);
        return 2;
      }
      grants.push(g);
    }
    if (grants.length === 0) {
      err(`user ${sub}: give at least one --role ROLE@ORG`);
      return 2;
    }
  }
  // PGlite serves one process: while the embedded stack runs, it holds the database.
  if (!config.DATABASE_URL && embeddedStackRunning(config)) {
    err(`user ${sub}: the embedded stack is running and holds its database; use the console (${publicUrl(config)}/admin/accounts) or stop the stack first`);
    return 1;
  }
  const logger = installRuntime(config);
  const appDb = await openMigratedDatabase(config, logger);
  const deps: AdminDeps = { db: appDb.db, auditMacKey: resolveAuditMacKeys(config)[0], now: () => new Date() };
  const by = `cli:${process.env.USER ?? 'unknown'}`;
  try {
    if (sub === 'list') {
      const now = Date.now();
      for (const a of await listAccounts(appDb.db)) {
        const state = a.disabled_at ? 'disabled' : a.locked_until && a.locked_until.getTime() > now ? 'locked' : !a.password_hash && a.source === 'local' ? 'invited' : 'active';
        out(`${a.email.padEnd(36)} ${a.display_name.padEnd(16)} ${state.padEnd(9)} ${a.source.padEnd(5)} ${a.totp_enabled_at ? 'totp' : '    '} ${a.grants.map(formatGrant).join(', ')}`);
      }
      return 0;
    }
    if (sub === 'add') {
      const { token } = await inviteAccount(deps, { email: values.email!, displayName: values.name!, grants }, by);
      out(`Account created for ${values.email} (${grants.map(formatGrant).join(', ')}).`);
      out(`One-time setup link (valid 7 days; hand it over safely):`);
      out(`  ${setupUrl(publicUrl(config), token)}`);
      return 0;
    }
    const account = await findAccountByEmail(appDb.db, values.email!);
    if (!account) {
      err(`user ${sub}: no account for ${values.email}`);
      return 1;
    }
    if (sub === 'grant') {
      const added = await grantRoles(deps, account, grants, by);
      out(added.length > 0 ? `Granted ${added.map(formatGrant).join(', ')} to ${account.email}.` : `${account.email} already holds ${grants.map(formatGrant).join(', ')}.`);
    } else if (sub === 'revoke') {
      const removed: Grant[] = [];
      for (const g of grants) if (await revokeRole(deps, account, g, by)) removed.push(g);
      out(removed.length > 0 ? `Removed ${removed.map(formatGrant).join(', ')} from ${account.email}.` : `${account.email} held none of ${grants.map(formatGrant).join(', ')}.`);
    } else if (sub === 'reset') {
      const token = await issueResetLink(deps, account, by);
      out(`One-time password reset link for ${account.email} (valid 24 hours):`);
      out(`  ${setupUrl(publicUrl(config), token)}`);
    } else if (sub === 'unlock') {
      await unlock(deps, account, by);
      out(`Unlocked ${account.email}.`);
    } else {
      await setDisabled(deps, account, sub === 'disable', by);
      out(`${sub === 'disable' ? 'Disabled' : 'Enabled'} ${account.email}${sub === 'disable' ? ' (its sessions are ended)' : ''}.`);
    }
    return 0;
  } catch (e) {
    if (e instanceof AccountError) {
      err(`user ${sub}: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    await appDb.close();
  }
}

export const LOGIN_USAGE = `Usage: jukinet-ops login [--api URL]    asks for an API key (never as an argument), checks it, keeps it in ~/.config/jukinet-ops (0600)
       jukinet-ops logout                forgets the stored key`;

export async function loginCommand(args: string[], config: Config, out: Out, err: Out, readKey: () => Promise<string> = () => readSecret('API key: ')): Promise<number> {
  let values: { api?: string };
  try {
    ({ values } = parseArgs({ args, options: { api: { type: 'string' } } }));
  } catch (e) {
    err(`${(e as Error).message}\n\n${LOGIN_USAGE}`);
    return 2;
  }
  const api = (values.api ?? publicUrl(config)).replace(/\/$/, '');
  const key = await readKey();
  if (!/^jko_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/.test(key)) {
    err('login: that is not an API key (jko_…); an admin creates one in the console under API キー');
    return 2;
  }
  let res: Response;
  try {
    res = await fetch(`${api}/api/whoami`, { headers: { authorization: `Bearer ${key}` } });
  } catch (e) {
    err(`login: cannot reach the API at ${api}: ${(e as Error).cause ?? (e as Error).message}`);
    return 1;
  }
  if (res.status === 401) {
    err('login: the API refused this key (wrong, revoked or expired); nothing was stored');
    return 1;
  }
  if (!res.ok) {
    err(`login: ${res.status} from ${api}/api/whoami; nothing was stored`);
    return 1;
  }
  const who = (await res.json()) as { name: string; grants: Grant[] };
  const file = writeCredentials({ api, key });
  out(`Signed in to ${api} as ${who.name} (${who.grants.map(formatGrant).join(', ')}); key stored in ${file}`);
  return 0;
}

export function logoutCommand(out: Out): number {
  out(removeCredentials() ? 'The stored API key is forgotten.' : 'No API key was stored.');
  return 0;
}


