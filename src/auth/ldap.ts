// Sign-in against the organisation's directory (OpenLDAP, Active Directory): find the person with
// the service account, bind as them with the password they typed, read their groups and turn the
// groups the configuration names into access roles. The password goes to the directory and
// nowhere else: not into a result, an error's detail or a log line.
import { Client, InvalidCredentialsError, ResultCodeError, SizeLimitExceededError } from 'ldapts';
import { ConfigError } from '../config';
import { ACCESS_ROLES, EVERY_ORGANISATION, type AccessRole, type Grant } from '../domain/access';
import { ORGANISATION_KEY_PATTERN } from '../domain/articles';
import { z } from '../domain/zod';

export const DEFAULT_USER_FILTER = '(|(uid={login})(mail={login}))';

// `detector` is for the API keys of detection sources, never for a person signing in.
const PERSON_ROLES = ACCESS_ROLES.filter((r) => r !== 'detector') as [AccessRole, ...AccessRole[]];

const roleMapping = z.object({
  /** A group's DN, as the directory writes it in memberOf or a search result (case does not matter). */
  group: z.string().trim().min(3).regex(/=/, { error: 'グループの DN を指定してください（例: cn=jukinet-commanders,ou=groups,dc=example,dc=jp）' }),
  organisation: z.union([z.literal(EVERY_ORGANISATION), z.string().regex(ORGANISATION_KEY_PATTERN)], {
    error: `組織のキー（例: katsuragi）または ${EVERY_ORGANISATION} を指定してください`,
  }),
  role: z.enum(PERSON_ROLES),
});

/** Where a directory is and the service account that reads it (without one, reads are anonymous): sign-in and the ledger alike. */
export const ldapConnectionFields = {
  url: z.url({ protocol: /^ldaps?$/, error: 'ldap:// または ldaps:// の URL を指定してください' }),
  bindDn: z.string().trim().min(1).optional(),
  bindPassword: z.string().min(1).optional(),
};

export const ldapConfigSchema = z
  .object({
    ...ldapConnectionFields,
    userBase: z.string().trim().min(1),
    /** `{login}` stands for what the person typed, escaped (RFC 4515) so it cannot change the filter. */
    userFilter: z
      .string()
      .trim()
      .refine((f) => f.startsWith('(') && f.endsWith(')') && f.includes('{login}'), {
        error: '括弧で囲み {login} を含むフィルターにしてください（例: (sAMAccountName={login})）',
      })
      .default(DEFAULT_USER_FILTER),
    /** Where groups listing people as `member` / `uniqueMember` live, for directories without memberOf. */
    groupBase: z.string().trim().min(1).optional(),
    emailAttribute: z.string().trim().min(1).default('mail'),
    nameAttribute: z.string().trim().min(1).default('cn'),
    roleMap: z.array(roleMapping).default([]),
    /** Per directory operation (connect, bind, search): a hung directory must not hang the sign-in page. */
    timeoutMs: z.number().int().min(100).max(60_000).default(5000),
  })
  .refine((c) => (c.bindDn === undefined) === (c.bindPassword === undefined), {
    // A DN without a password is an unauthenticated bind: it "succeeds" and searches as anonymous.
    error: 'LDAP_BIND_DN と LDAP_BIND_PASSWORD は両方指定するか、両方とも省略してください',
    path: ['bindPassword'],
  });

export type LdapConfig = z.output<typeof ldapConfigSchema>;

export interface LdapIdentity {
  dn: string;
  /** Lower-cased: people in the profiles are linked to accounts by email. */
  email: string;
  displayName: string;
  /** DNs of the groups the person belongs to, as the directory writes them. */
  groups: string[];
  grants: Grant[];
}

export type LdapResult =
  | { ok: true; identity: LdapIdentity }
  | { ok: false; reason: 'bad_credentials' | 'no_account' | 'no_email' | 'unavailable'; detail?: string; email?: string };

const ENV: Record<string, keyof LdapConfig> = {
  LDAP_URL: 'url',
  LDAP_BIND_DN: 'bindDn',
  LDAP_BIND_PASSWORD: 'bindPassword',
  LDAP_USER_BASE: 'userBase',
  LDAP_USER_FILTER: 'userFilter',
  LDAP_GROUP_BASE: 'groupBase',
  LDAP_EMAIL_ATTRIBUTE: 'emailAttribute',
  LDAP_NAME_ATTRIBUTE: 'nameAttribute',
  LDAP_ROLE_MAP: 'roleMap',
  LDAP_TIMEOUT_MS: 'timeoutMs',
};
const VARIABLE = Object.fromEntries(Object.entries(ENV).map(([v, k]) => [k, v])) as Record<keyof LdapConfig, string>;

/**
 * The directory sign-in from environment variables; undefined when LDAP_URL is unset. Empty values
 * count as unset, as in loadConfig. A bad value throws a ConfigError naming the variable.
 */
export function parseLdapEnv(env: Record<string, string | undefined>): LdapConfig | undefined {
  const set = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  if (set('LDAP_URL') === undefined) return undefined;
  const input: Record<string, unknown> = {};
  for (const [variable, key] of Object.entries(ENV)) {
    const value = set(variable);
    if (value !== undefined) input[key] = value;
  }
  if (typeof input.roleMap === 'string') {
    try {
      input.roleMap = JSON.parse(input.roleMap);
    } catch {
      throw new ConfigError([
        { variable: 'LDAP_ROLE_MAP', message: 'JSON として読めません（例: [{"group":"cn=…","organisation":"katsuragi","role":"commander"}]） / not valid JSON' },
      ]);
    }
  }
  if (typeof input.timeoutMs === 'string') input.timeoutMs = Number(input.timeoutMs);
  const r = ldapConfigSchema.safeParse(input);
  if (!r.success) {
    throw new ConfigError(
      r.error.issues.map((i) => {
        const [key, ...rest] = i.path.map(String);
        const variable = VARIABLE[key as keyof LdapConfig] ?? 'LDAP';
        return { variable: rest.length > 0 ? `${variable}[${rest.join('].')}` : variable, message: i.message };
      }),
    );
  }
  return r.data;
}

/** RFC 4515: what the person typed becomes a value, never filter syntax (`*`, `(`, `)`, `\`, NUL). */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function userFilter(template: string, login: string): string {
  return template.split('{login}').join(escapeFilterValue(login));
}

/** DNs compare case-insensitively and without the spaces some tools put after commas. */
export function normaliseDn(dn: string): string {
  return dn.trim().toLowerCase().replace(/\s*([,=+])\s*/g, '$1');
}

/** The grants the configured groups give; each organisation and role once. */
export function grantsFor(groups: string[], roleMap: LdapConfig['roleMap']): Grant[] {
  const held = new Set(groups.map(normaliseDn));
  const grants: Grant[] = [];
  for (const m of roleMap) {
    if (!held.has(normaliseDn(m.group))) continue;
    if (grants.some((g) => g.organisation === m.organisation && g.role === m.role)) continue;
    grants.push({ organisation: m.organisation, role: m.role });
  }
  return grants;
}

type EntryValue = string | string[] | Buffer | Buffer[] | undefined;

function values(v: EntryValue): string[] {
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : x)).filter((x) => x.trim() !== '');
}

/** ldapts names attributes as requested, but directories may answer in another case (AD: memberOf). */
function attribute(entry: Record<string, EntryValue>, name: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? [] : values(entry[key]);
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const MAX_LOGIN = 256;

/** Refusals by the directory that mean "not this password" (AD answers 49 with sub-codes for locked/disabled). */
function isRefusal(e: unknown): boolean {
  return e instanceof InvalidCredentialsError || (e instanceof ResultCodeError && (e.code === 48 || e.code === 53));
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/**
 * Signs a person in against the directory. Never throws for an unreachable, slow or misconfigured
 * directory: those are `unavailable`, with a detail for the operator's log (never the password).
 */
export async function ldapAuthenticate(config: LdapConfig, login: string, password: string): Promise<LdapResult> {
  const name = login.trim();
  if (name === '' || name.length > MAX_LOGIN) return { ok: false, reason: 'no_account' };
  // An empty password makes a simple bind "unauthenticated" (RFC 4513 5.1.2): some directories accept it.
  if (password === '') return { ok: false, reason: 'bad_credentials' };

  const options = { url: config.url, timeout: config.timeoutMs, connectTimeout: config.timeoutMs };
  const service = new Client(options);
  const person = new Client(options);
  try {
    try {
      if (config.bindDn !== undefined) await service.bind(config.bindDn, config.bindPassword);
    } catch (e) {
      return { ok: false, reason: 'unavailable', detail: `service bind: ${describe(e)}` };
    }
    let found;
    try {
      found = await service.search(config.userBase, {
        scope: 'sub',
        filter: userFilter(config.userFilter, name),
        attributes: [config.emailAttribute, config.nameAttribute, 'displayName', 'cn', 'memberOf'],
        sizeLimit: 2,
      });
    } catch (e) {
      // Two people answering to one login: signing either in would be a guess.
      if (e instanceof SizeLimitExceededError) return { ok: false, reason: 'no_account' };
      return { ok: false, reason: 'unavailable', detail: `search: ${describe(e)}` };
    }
    if (found.searchEntries.length !== 1) return { ok: false, reason: 'no_account' };
    const entry = found.searchEntries[0] as unknown as Record<string, EntryValue> & { dn: string };

    const email = attribute(entry, config.emailAttribute)[0]?.trim().toLowerCase();
    try {
      await person.bind(entry.dn, password);
    } catch (e) {
      // The directory's email of the person refused: someone who typed their uid has their failures
      // counted against the same account as when they type their email (the lockout).
      if (isRefusal(e)) return { ok: false, reason: 'bad_credentials', ...(email !== undefined && EMAIL.test(email) ? { email } : {}) };
      return { ok: false, reason: 'unavailable', detail: `bind: ${describe(e)}` };
    }

    if (email === undefined || !EMAIL.test(email)) return { ok: false, reason: 'no_email' };
    const displayName =
      attribute(entry, config.nameAttribute)[0] ?? attribute(entry, 'displayName')[0] ?? attribute(entry, 'cn')[0] ?? email;

    let groups = attribute(entry, 'memberOf');
    if (groups.length === 0 && config.groupBase !== undefined) {
      try {
        const dn = escapeFilterValue(entry.dn);
        const r = await service.search(config.groupBase, {
          scope: 'sub',
          filter: `(|(member=${dn})(uniqueMember=${dn}))`,
          attributes: ['1.1'],
        });
        groups = r.searchEntries.map((g) => g.dn);
      } catch (e) {
        return { ok: false, reason: 'unavailable', detail: `groups: ${describe(e)}` };
      }
    }
    return { ok: true, identity: { dn: entry.dn, email, displayName: displayName.trim(), groups, grants: grantsFor(groups, config.roleMap) } };
  } finally {
    await Promise.all([service.unbind().catch(() => undefined), person.unbind().catch(() => undefined)]);
  }
}
