// The user-ID ledger read from a directory (Active Directory or OpenLDAP) instead of a file: each
// person entry under the base becomes one record of the shared table import, its attributes
// mapped onto the ledger's fields (AD's and OpenLDAP's names by default), and checked by the very
// rules a CSV row is — the validation report names the entry's DN where a file names its line.
// Directory times are turned into ISO first: GeneralizedTime (whenCreated, createTimestamp,
// pwdChangedTime) and AD's FILETIME (lastLogonTimestamp, pwdLastSet).
import { Client } from 'ldapts';
import { ldapConnectionFields, normaliseDn } from '../auth/ldap';
import { ConfigError } from '../config';
import { ORGANISATION_KEY_PATTERN } from '../domain/articles';
import { LEDGER_FIELDS, type LedgerField } from '../domain/ledger';
import { z } from '../domain/zod';
import { type LedgerFileResult, validateLedgerRecords } from './ledger-file';
import type { TableIssue, TableRecords } from './table';

/** Which attribute feeds which field: the first one an entry has wins. */
const attributeMap = z.object({
  userId: z.array(z.string()).default(['sAMAccountName', 'uid']),
  personName: z.array(z.string()).default(['displayName', 'cn']),
  email: z.array(z.string()).default(['mail']),
  section: z.array(z.string()).default(['department', 'ou', 'departmentNumber']),
  issuedAt: z.array(z.string()).default(['whenCreated', 'createTimestamp']),
  lastUsedAt: z.array(z.string()).default(['lastLogonTimestamp', 'authTimestamp']),
  passwordChangedAt: z.array(z.string()).default(['pwdLastSet', 'pwdChangedTime']),
  operatorCard: z.array(z.string()).default([]),
  verificationRegisteredAt: z.array(z.string()).default([]),
});

const writeSettings = z
  .object({
    bindDn: z.string().trim().min(1).optional(),
    bindPassword: z.string().min(1).optional(),
  })
  .refine((c) => (c.bindDn === undefined) === (c.bindPassword === undefined), { error: 'write.bindDn と write.bindPassword は両方指定してください', path: ['bindPassword'] });

export const ledgerDirectorySchema = z
  .object({
    ...ldapConnectionFields,
    /** Where the organisation's user IDs live. */
    base: z.string().trim().min(1),
    filter: z
      .string()
      .trim()
      .refine((f) => f.startsWith('(') && f.endsWith(')'), { error: '括弧で囲んだフィルターにしてください' })
      .default('(|(objectClass=user)(objectClass=inetOrgPerson))'),
    /** Groups whose names are the permission set (権限): memberOf, else a search of groupBase. */
    groupBase: z.string().trim().min(1).optional(),
    /** Only groups whose DN ends with this count as permissions (e.g. ou=jukinet-permissions,…). */
    permissionGroupsUnder: z.string().trim().min(1).optional(),
    attributes: attributeMap.default(attributeMap.parse({})),
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    /**
     * Present when review outcomes are carried out in this directory (src/directory/ledger-writer.ts);
     * without it the directory is only read. `{}` writes as the reading account; a separate account
     * keeps the reading one read-only.
     */
    write: writeSettings.optional(),
  })
  .refine((c) => (c.bindDn === undefined) === (c.bindPassword === undefined), { error: 'bindDn と bindPassword は両方指定してください', path: ['bindPassword'] });
export type LedgerDirectory = z.output<typeof ledgerDirectorySchema>;

type EntryValue = string | string[] | Buffer | Buffer[] | undefined;
export type DirectoryEntry = Record<string, EntryValue> & { dn: string };

/** An entry's values of one attribute (names compare case-insensitively, as directories answer in their own case). */
export function attribute(entry: DirectoryEntry, name: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined) return [];
  const v = entry[key];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : x)).filter((x) => x.trim() !== '');
}

/** 100-nanosecond intervals since 1601-01-01 (AD), as ISO; 0 and "never" (2^63-1) are null. */
export function fromFiletime(v: string): string | null {
  if (!/^\d+$/.test(v) || v === '0' || v === '9223372036854775807') return null;
  const ms = Number(BigInt(v) / 10_000n) - 11_644_473_600_000;
  return new Date(ms).toISOString();
}

/** GeneralizedTime (20261130080500Z, 20261130080500.0Z, with an offset) as ISO, or undefined. */
export function fromGeneralizedTime(v: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,]\d+)?(Z|[+-]\d{4})$/.exec(v.trim());
  if (!m) return undefined;
  const offset = m[7] === 'Z' ? 'Z' : `${m[7].slice(0, 3)}:${m[7].slice(3)}`;
  const t = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5] ?? '00'}:${m[6] ?? '00'}${offset}`);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

const TIME_FIELDS = new Set<LedgerField>(['issuedAt', 'lastUsedAt', 'passwordChangedAt', 'verificationRegisteredAt']);

/** A directory time in the form the ledger's rows read (ISO), or the value as it came (the row check names it). */
function timeValue(v: string): string {
  if (/^\d{15,}$/.test(v)) return fromFiletime(v) ?? '';
  return fromGeneralizedTime(v) ?? v;
}

// How a directory says an ID cannot be used, and what the directory writer sets:
// - Active Directory: userAccountControl's ACCOUNTDISABLE (0x2) is revoked; lockoutTime > 0 (the
//   directory's own lockout after failed sign-ins) and accountExpires in the past are locked —
//   lockoutTime cannot be set over LDAP, so a review's lock sets accountExpires.
// - OpenLDAP (no userAccountControl): ppolicy's pwdEndTime in the past ("the time the password
//   becomes disabled") is revoked; pwdAccountLockedTime (000001010000Z: locked until an
//   administrator removes it) is locked. slapd refuses the bind of either with the overlay loaded.
const UAC_DISABLED = 0x2;

/** The attributes directoryStatus() reads: operational ones (pwd*) come only when asked for by name. */
export const STATUS_ATTRIBUTES = ['userAccountControl', 'lockoutTime', 'accountExpires', 'pwdAccountLockedTime', 'pwdEndTime'] as const;

/** The status the directory gives an entry at `now`. */
export function directoryStatus(entry: DirectoryEntry, now: Date = new Date()): 'active' | 'locked' | 'revoked' {
  const uac = Number(attribute(entry, 'userAccountControl')[0] ?? 0);
  if (uac & UAC_DISABLED) return 'revoked';
  const end = attribute(entry, 'pwdEndTime')[0];
  const endsAt = end === undefined ? undefined : fromGeneralizedTime(end);
  if (endsAt !== undefined && Date.parse(endsAt) <= now.getTime()) return 'revoked';
  const lockout = attribute(entry, 'lockoutTime')[0];
  if ((lockout && lockout !== '0') || attribute(entry, 'pwdAccountLockedTime').length > 0) return 'locked';
  const expires = attribute(entry, 'accountExpires')[0];
  const expiresAt = expires === undefined ? null : fromFiletime(expires);
  if (expiresAt !== null && Date.parse(expiresAt) <= now.getTime()) return 'locked';
  return 'active';
}

/** The cn of a group's DN: what the ledger lists as the permission. */
export const groupName = (dn: string) => /^cn=([^,]+)/i.exec(dn)?.[1] ?? dn;

/** The fields this configuration reads: those with at least one attribute, and always the status and permissions. */
export function directoryFields(d: LedgerDirectory): LedgerField[] {
  return LEDGER_FIELDS.filter((f) => f === 'status' || f === 'permissions' || (f in d.attributes && d.attributes[f as keyof LedgerDirectory['attributes']].length > 0));
}

/** One entry as the cells of the fields, in `fields`' order. */
export function entryCells(d: LedgerDirectory, entry: DirectoryEntry, groups: readonly string[], fields: readonly LedgerField[]): string[] {
  return fields.map((f) => {
    if (f === 'status') return directoryStatus(entry);
    if (f === 'permissions') {
      const under = (d.permissionGroupsUnder === undefined ? undefined : normaliseDn(d.permissionGroupsUnder));
      return groups
        .filter((g) => !under || normaliseDn(g).endsWith(under))
        .map(groupName)
        .join(';');
    }
    const names = d.attributes[f as keyof LedgerDirectory['attributes']];
    const v = names.map((n) => attribute(entry, n)[0]).find((x) => x !== undefined) ?? '';
    return TIME_FIELDS.has(f) && v !== '' ? timeValue(v) : v;
  });
}

export type DirectoryRecords = TableRecords & { /** The DN of each record's line (line 2 is dns[0]). */ dns: string[] };

/**
 * Reads every person entry under the base as table records: a header of the field names, then
 * one record per entry (line n+1 for the n-th entry, whose DN is `dns[n-1]`). A directory that
 * cannot be reached is one issue on the file, saying why (never the password).
 */
export async function readDirectoryRecords(d: LedgerDirectory): Promise<DirectoryRecords> {
  const client = new Client({ url: d.url, timeout: d.timeoutMs, connectTimeout: d.timeoutMs });
  const fields = directoryFields(d);
  try {
    if (d.bindDn !== undefined) await client.bind(d.bindDn, d.bindPassword);
    const wanted = [...new Set([...Object.values(d.attributes).flat(), 'memberOf', ...STATUS_ATTRIBUTES])];
    const { searchEntries } = await client.search(d.base, { scope: 'sub', filter: d.filter, attributes: [...wanted, 'createTimestamp', 'pwdChangedTime'], paged: { pageSize: 500 } });
    const entries = (searchEntries as unknown as DirectoryEntry[]).sort((a, b) => (a.dn < b.dn ? -1 : a.dn > b.dn ? 1 : 0));
    // Directories without memberOf (OpenLDAP without the overlay): one search of the groups for everyone.
    const groupsOf = new Map<string, string[]>();
    if (d.groupBase !== undefined && entries.every((e) => attribute(e, 'memberOf').length === 0)) {
      const { searchEntries: groups } = await client.search(d.groupBase, { scope: 'sub', filter: '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=group))', attributes: ['member', 'uniqueMember'], paged: { pageSize: 500 } });
      for (const g of groups as unknown as DirectoryEntry[]) {
        for (const m of [...attribute(g, 'member'), ...attribute(g, 'uniqueMember')]) {
          const key = normaliseDn(m);
          groupsOf.set(key, [...(groupsOf.get(key) ?? []), g.dn]);
        }
      }
    }
    const records = entries.map((e, i) => {
      const memberOf = attribute(e, 'memberOf');
      const groups = memberOf.length > 0 ? memberOf : (groupsOf.get(normaliseDn(e.dn)) ?? []);
      return { line: i + 2, cells: entryCells(d, e, groups, fields) };
    });
    return { ok: true, format: 'ldap', records: [{ line: 1, cells: [...fields] }, ...records], dns: entries.map((e) => e.dn) };
  } catch (e) {
    const issue: TableIssue = { line: 0, field: 'file', message: `ディレクトリから読めません / the directory could not be read: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}` };
    return { ok: false, format: 'ldap', issues: [issue], dns: [] };
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/**
 * Reads and checks the directory's IDs as a ledger, by the same rules as a file; an issue names
 * the entry's DN (its `line` is the entry's place, the header being line 1).
 */
export async function readLedgerDirectory(d: LedgerDirectory): Promise<LedgerFileResult> {
  const read = await readDirectoryRecords(d);
  const r = validateLedgerRecords(read);
  if (r.ok) return r;
  return { ...r, issues: r.issues.map((i) => (i.line >= 2 && read.dns[i.line - 2] ? { ...i, message: `${read.dns[i.line - 2]}: ${i.message}` } : i)) };
}

/**
 * LEDGER_DIRECTORIES: each organisation's directory, or an empty record when unset. A bad value
 * throws a ConfigError naming the variable and the organisation (never a password).
 */
export function parseLedgerDirectoriesEnv(text: string | undefined): Record<string, LedgerDirectory> {
  if (text === undefined || text.trim() === '') return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError([{ variable: 'LEDGER_DIRECTORIES', message: 'JSON として読めません（例: {"niigata": {"url": "ldaps://…", "base": "ou=…"}}） / not valid JSON' }]);
  }
  const r = z.record(z.string().regex(ORGANISATION_KEY_PATTERN, { error: '組織のキーではありません / not an organisation key' }), ledgerDirectorySchema).safeParse(raw);
  if (!r.success) {
    throw new ConfigError(r.error.issues.map((i) => ({ variable: `LEDGER_DIRECTORIES${i.path.map((p) => `[${String(p)}]`).join('')}`, message: i.message })));
  }
  return r.data;
}
