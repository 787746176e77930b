// Carrying out a review's outcome in the organisation's directory (niigata:15.2.4, 16.1.3): revoke
// or lock an ID, or make its permission groups equal the decided set — then read the entry back
// and fail unless the directory now says what was decided. The same directory, attribute mapping
// and status reading as the ledger's import (src/imports/ledger-ldap.ts), so that the next import
// sees exactly what was written.
//
// How each outcome is written (directoryStatus() reads them back):
// - revoke: AD sets userAccountControl's ACCOUNTDISABLE; OpenLDAP sets ppolicy's pwdEndTime to now
//   (slapd's ppolicy overlay refuses the bind after it). The permission groups stay as they were,
//   so re-enabling an ID wrongly revoked gives back what it had.
// - lock: AD sets accountExpires to now (lockoutTime can only be cleared over LDAP, never set);
//   OpenLDAP sets pwdAccountLockedTime to 000001010000Z, ppolicy's "locked until an administrator
//   unlocks" (a time-stamped lock would end by itself after pwdLockoutDuration). Undone by removing
//   the attribute (or accountExpires back to never). A revoked ID is not turned into a locked one.
// - changePermissions: member / uniqueMember of the groups under permissionGroupsUnder (else
//   groupBase), whose cn is the permission's name, added or removed until the set is the one asked.
// The entry is one found under the ledger's base with the ledger's filter and user-ID attributes:
// the writer cannot reach an entry the ledger does not list.
//
// Errors are of two kinds, because the workflow treats them differently: DirectoryUnavailableError
// (cannot connect, timed out, busy) is retried; DirectoryChangeRefusedError (no such ID, several,
// no access, the read-back differs) goes to a person. Neither carries the bind password.
import { Attribute, Change, Client, ResultCodeError, SizeLimitExceededError } from 'ldapts';
import { escapeFilterValue, normaliseDn } from '../auth/ldap';
import { type AppliedChange, DIRECTORY_UNAVAILABLE, type DirectoryChange, type DirectoryState } from '../domain/directory-change';
import { attribute, type DirectoryEntry, directoryStatus, entryCells, fromFiletime, groupName, type LedgerDirectory, STATUS_ATTRIBUTES } from '../imports/ledger-ldap';

export type { AppliedChange, DirectoryChange, DirectoryState, DirectoryStatus } from '../domain/directory-change';

/** The directory could not be reached or was busy: the same change may be tried again. */
export class DirectoryUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = DIRECTORY_UNAVAILABLE;
  }
}

/** The directory will not do it as asked: trying again changes nothing, a person must look. */
export class DirectoryChangeRefusedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DirectoryChangeRefusedError';
  }
}

/** ppolicy's "locked until an administrator unlocks" (draft-behera-ldap-password-policy 5.3.3). */
export const PERMANENT_LOCK = '000001010000Z';
const UAC_DISABLED = 0x2;

/** GeneralizedTime to the second, in UTC, as ppolicy writes it. */
export function toGeneralizedTime(t: Date): string {
  return `${t.toISOString().slice(0, 19).replace(/[-:T]/g, '')}Z`;
}

/** AD's FILETIME: 100-nanosecond intervals since 1601-01-01 (fromFiletime's inverse). */
export function toFiletime(t: Date): string {
  return ((BigInt(t.getTime()) + 11_644_473_600_000n) * 10_000n).toString();
}

/** A group the entry's permissions come from: its DN, its name (cn) and the attribute listing members. */
export interface PermissionGroup {
  dn: string;
  name: string;
  memberAttribute: 'member' | 'uniqueMember';
}

/** One LDAP modification of one entry. */
export interface PlannedModification {
  dn: string;
  operation: 'add' | 'delete' | 'replace';
  attribute: string;
  values: string[];
}

export interface EntryFacts {
  dn: string;
  entry: DirectoryEntry;
  /** The permission groups the entry is a member of. */
  memberOf: PermissionGroup[];
  /** Every permission group there is (to find those to join). */
  groups: PermissionGroup[];
}

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();
/** The permission names decided, as the groups' cn are compared: trimmed, blanks left out. */
const decided = (permissions: readonly string[]) => permissions.map((p) => p.trim()).filter((p) => p !== '');

export function stateOf(facts: Pick<EntryFacts, 'entry' | 'memberOf'>, now: Date): DirectoryState {
  return { status: directoryStatus(facts.entry, now), permissions: sorted(facts.memberOf.map((g) => g.name)) };
}

/** What the entry should say once the change is made. */
export function expectedState(before: DirectoryState, change: DirectoryChange): DirectoryState {
  switch (change.action) {
    case 'revoke':
      return { status: 'revoked', permissions: before.permissions };
    case 'lock':
      return { status: before.status === 'revoked' ? 'revoked' : 'locked', permissions: before.permissions };
    case 'changePermissions':
      return { status: before.status, permissions: sorted(decided(change.permissions)) };
  }
}

/**
 * The modifications that carry out the change on this entry; none when it already says what was
 * asked. Throws DirectoryChangeRefusedError for a permission no group stands for, or a name two
 * groups share (either would be a guess).
 */
export function planChange(facts: EntryFacts, change: DirectoryChange, now: Date): PlannedModification[] {
  const { dn, entry } = facts;
  const isAd = attribute(entry, 'userAccountControl').length > 0;
  const status = directoryStatus(entry, now);
  switch (change.action) {
    case 'revoke': {
      if (status === 'revoked') return [];
      if (isAd) {
        const uac = Number(attribute(entry, 'userAccountControl')[0]);
        return [{ dn, operation: 'replace', attribute: 'userAccountControl', values: [String(uac | UAC_DISABLED)] }];
      }
      return [{ dn, operation: 'replace', attribute: 'pwdEndTime', values: [toGeneralizedTime(now)] }];
    }
    case 'lock': {
      if (status === 'revoked') return [];
      if (isAd) {
        // Locked already by an expiry in the past: nothing to do. The directory's own lockout
        // (lockoutTime) ends by itself, so it does not count as the review's lock.
        const expires = attribute(entry, 'accountExpires')[0];
        const at = expires === undefined ? null : fromFiletime(expires);
        if (at !== null && Date.parse(at) <= now.getTime()) return [];
        return [{ dn, operation: 'replace', attribute: 'accountExpires', values: [toFiletime(now)] }];
      }
      if (attribute(entry, 'pwdAccountLockedTime')[0] === PERMANENT_LOCK) return [];
      return [{ dn, operation: 'replace', attribute: 'pwdAccountLockedTime', values: [PERMANENT_LOCK] }];
    }
    case 'changePermissions': {
      const wanted = new Set(decided(change.permissions));
      const byName = new Map<string, PermissionGroup[]>();
      for (const g of facts.groups) byName.set(g.name, [...(byName.get(g.name) ?? []), g]);
      const unknown = [...wanted].filter((p) => !byName.has(p));
      if (unknown.length > 0) throw new DirectoryChangeRefusedError(`権限に当たるグループがありません / no group for the permission: ${unknown.join(', ')}`);
      const shared = [...wanted].filter((p) => byName.get(p)!.length > 1);
      if (shared.length > 0) throw new DirectoryChangeRefusedError(`同じ名前のグループが複数あります / several groups share the name: ${shared.join(', ')}`);
      const held = new Set(facts.memberOf.map((g) => normaliseDn(g.dn)));
      // Removals first: a change that fails half-way leaves fewer permissions, never more.
      const removals: PlannedModification[] = facts.memberOf
        .filter((g) => !wanted.has(g.name))
        .map((g) => ({ dn: g.dn, operation: 'delete', attribute: g.memberAttribute, values: [dn] }));
      const additions: PlannedModification[] = [...wanted]
        .map((p) => byName.get(p)![0])
        .filter((g) => !held.has(normaliseDn(g.dn)))
        .map((g) => ({ dn: g.dn, operation: 'add', attribute: g.memberAttribute, values: [dn] }));
      return [...removals, ...additions];
    }
  }
}

/** What differs between the state asked for and the one read back, in words; empty when none. */
export function differences(expected: DirectoryState, actual: DirectoryState): string[] {
  const out: string[] = [];
  if (expected.status !== actual.status) out.push(`status: expected ${expected.status}, read ${actual.status}`);
  const want = sorted(expected.permissions);
  const got = sorted(actual.permissions);
  if (want.join('\n') !== got.join('\n')) out.push(`permissions: expected [${want.join(', ')}], read [${got.join(', ')}]`);
  return out;
}

// The socket's own errors: the directory is not there (yet) or the network between is down.
// Certificate and name errors are not among them: a person must fix the configuration.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'EPIPE', 'EAI_AGAIN']);

/**
 * Connection trouble, ldapts' timeouts and the directory's "busy / unavailable / out of time" are
 * worth another try; the rest is not. Duck-typed: a socket's error may come from another realm.
 */
export function isRetryable(e: unknown): boolean {
  if (e instanceof ResultCodeError) return e.code === 3 || e.code === 51 || e.code === 52;
  if (typeof e !== 'object' || e === null) return false;
  const { code, message } = e as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  // ldapts: "Connection timeout", "<Request>: Operation timed out", "Socket connection not established", "Connection closed".
  return typeof message === 'string' && /connection timeout|operation timed out|socket connection not established|connection closed|socket closed/i.test(message);
}

function describe(e: unknown): string {
  if (typeof e === 'object' && e !== null && typeof (e as Error).message === 'string') return `${(e as Error).name ?? 'Error'}: ${(e as Error).message}`.trim();
  return String(e);
}

/** The directory's error as one of ours, saying which step failed (never the password). */
export function classify(step: string, e: unknown): Error {
  if (e instanceof DirectoryUnavailableError || e instanceof DirectoryChangeRefusedError) return e;
  if (isRetryable(e)) return new DirectoryUnavailableError(`ディレクトリに接続できません / the directory is unavailable (${step}): ${describe(e)}`, { cause: e });
  return new DirectoryChangeRefusedError(`ディレクトリが変更を受け付けません / the directory refused (${step}): ${describe(e)}`, { cause: e });
}

/** Where permission groups are searched: the permissions' OU, else all groups. */
const permissionBase = (d: LedgerDirectory) => d.permissionGroupsUnder ?? d.groupBase;

const GROUP_FILTER = '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=group))';

function toGroup(e: DirectoryEntry, d: LedgerDirectory): PermissionGroup | undefined {
  const under = d.permissionGroupsUnder === undefined ? undefined : normaliseDn(d.permissionGroupsUnder);
  if (under !== undefined && !normaliseDn(e.dn).endsWith(under)) return undefined;
  const unique = attribute(e, 'objectClass').some((c) => c.toLowerCase() === 'groupofuniquenames');
  return { dn: e.dn, name: groupName(e.dn), memberAttribute: unique ? 'uniqueMember' : 'member' };
}

/** The one entry of the ledger with this ID, its status attributes, and its permission groups. */
async function readFacts(client: Client, d: LedgerDirectory, userId: string, withAllGroups: boolean): Promise<EntryFacts> {
  const id = escapeFilterValue(userId);
  const filter = `(&${d.filter}(|${d.attributes.userId.map((a) => `(${a}=${id})`).join('')}))`;
  let found: DirectoryEntry[];
  try {
    const r = await client.search(d.base, { scope: 'sub', filter, attributes: [...d.attributes.userId, 'memberOf', ...STATUS_ATTRIBUTES], sizeLimit: 10 });
    found = r.searchEntries as unknown as DirectoryEntry[];
  } catch (e) {
    if (e instanceof SizeLimitExceededError) throw new DirectoryChangeRefusedError(`ID ${userId} のエントリが複数あります / several entries have the ID ${userId}`);
    throw classify('search', e);
  }
  // The ID the ledger lists is the first user-ID attribute an entry has: an entry found by another
  // of its attributes is someone else's.
  const fields = ['userId'] as const;
  const matching = found.filter((e) => entryCells(d, e, [], fields)[0].toLowerCase() === userId.toLowerCase());
  if (matching.length === 0) throw new DirectoryChangeRefusedError(`ID ${userId} はディレクトリにありません / no entry under ${d.base} has the ID ${userId}`);
  if (matching.length > 1) throw new DirectoryChangeRefusedError(`ID ${userId} のエントリが複数あります / several entries have the ID ${userId}: ${matching.map((e) => e.dn).join('; ')}`);
  const entry = matching[0];
  const base = permissionBase(d);
  if (base === undefined) {
    // No group base: the ledger reads memberOf; so does this (changing it needs a base).
    const memberOf = attribute(entry, 'memberOf').map((dn) => ({ dn, name: groupName(dn), memberAttribute: 'member' as const }));
    return { dn: entry.dn, entry, memberOf, groups: [] };
  }
  try {
    const dn = escapeFilterValue(entry.dn);
    const held = await client.search(base, { scope: 'sub', filter: `(&${GROUP_FILTER}(|(member=${dn})(uniqueMember=${dn})))`, attributes: ['objectClass'], paged: { pageSize: 500 } });
    const memberOf = (held.searchEntries as unknown as DirectoryEntry[]).map((g) => toGroup(g, d)).filter((g) => g !== undefined);
    let groups: PermissionGroup[] = [];
    if (withAllGroups) {
      const all = await client.search(base, { scope: 'sub', filter: GROUP_FILTER, attributes: ['objectClass'], paged: { pageSize: 500 } });
      groups = (all.searchEntries as unknown as DirectoryEntry[]).map((g) => toGroup(g, d)).filter((g) => g !== undefined);
    }
    return { dn: entry.dn, entry, memberOf, groups };
  } catch (e) {
    throw classify('groups', e);
  }
}

/**
 * Carries out one change on the directory and reads the entry back. Applying the same change
 * again writes nothing (alreadyDone). Throws DirectoryUnavailableError (retry) or
 * DirectoryChangeRefusedError (a person must look), never with the password in the message.
 */
export async function applyDirectoryChange(d: LedgerDirectory, change: DirectoryChange, now: () => Date = () => new Date()): Promise<AppliedChange> {
  if (d.write === undefined) throw new DirectoryChangeRefusedError('このディレクトリへの書き込みは設定されていません / writing to this directory is not configured (write)');
  if (change.action === 'changePermissions' && permissionBase(d) === undefined) {
    throw new DirectoryChangeRefusedError('権限のグループの場所が設定されていません / neither permissionGroupsUnder nor groupBase is configured');
  }
  const bindDn = d.write.bindDn ?? d.bindDn;
  const bindPassword = d.write.bindDn !== undefined ? d.write.bindPassword : d.bindPassword;
  const client = new Client({ url: d.url, timeout: d.timeoutMs, connectTimeout: d.timeoutMs });
  try {
    try {
      if (bindDn !== undefined) await client.bind(bindDn, bindPassword);
    } catch (e) {
      throw classify('bind', e);
    }
    const facts = await readFacts(client, d, change.userId, change.action === 'changePermissions');
    const before = stateOf(facts, now());
    const expected = expectedState(before, change);
    const plan = planChange(facts, change, now());
    if (plan.length === 0) {
      const off = differences(expected, before);
      if (off.length > 0) throw new DirectoryChangeRefusedError(`${facts.dn}: 変更できません / cannot be changed as asked: ${off.join('; ')}`);
      return { dn: facts.dn, before, after: before, alreadyDone: true };
    }
    for (const m of plan) {
      try {
        await client.modify(m.dn, [new Change({ operation: m.operation, modification: new Attribute({ type: m.attribute, values: m.values }) })]);
      } catch (e) {
        throw classify(`modify ${m.attribute} of ${m.dn}`, e);
      }
    }
    const after = stateOf(await readFacts(client, d, change.userId, false), now());
    const off = differences(expected, after);
    if (off.length > 0) throw new DirectoryChangeRefusedError(`${facts.dn}: 読み返した内容が違います / the entry read back differs: ${off.join('; ')}`);
    return { dn: facts.dn, before, after, alreadyDone: false };
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
