// Carrying out review outcomes in a real OpenLDAP directory (slapd on a loopback port, a throw-away
// database, the ppolicy overlay with a default policy): revoke, lock and permission changes are
// written by a separate writer account, read back, seen by the ledger's import, refused by slapd at
// bind; the same change twice writes nothing; an unknown ID, a read-only account or a missing group
// is refused; a directory that is down or hung is "unavailable" within the configured timeout.
// A second directory with Active Directory's schema shows the userAccountControl / accountExpires path.
import * as net from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { Attribute, BusyError, Change, Client, InsufficientAccessError } from 'ldapts';
import { createDirectoryActivities, DIRECTORY_CHANGE_REFUSED } from '../../src/activities/directory';
import {
  applyDirectoryChange,
  classify,
  differences,
  type DirectoryChange,
  DirectoryChangeRefusedError,
  DirectoryUnavailableError,
  type EntryFacts,
  expectedState,
  PERMANENT_LOCK,
  planChange,
  toFiletime,
  toGeneralizedTime,
} from '../../src/directory/ledger-writer';
import { DIRECTORY_UNAVAILABLE } from '../../src/domain/directory-change';
import { directoryStatus, fromFiletime, fromGeneralizedTime, type LedgerDirectory, ledgerDirectorySchema, readLedgerDirectory } from '../../src/imports/ledger-ldap';
import { freePort } from '../support/ports';
import { BASE_DN, GROUPS_DN, SERVICE_DN, SERVICE_PASSWORD, startSlapd, type TestDirectory, WRITER_DN, WRITER_PASSWORD, binds } from '../support/slapd';

const NOW = new Date('2026-12-01T04:00:00Z');

describe('directory times', () => {
  it('writes GeneralizedTime and FILETIME that the reader turns back into the same instant', () => {
    expect(toGeneralizedTime(NOW)).toBe('20261201040000Z');
    expect(fromGeneralizedTime(toGeneralizedTime(NOW))).toBe(NOW.toISOString());
    expect(fromFiletime(toFiletime(NOW))).toBe(NOW.toISOString());
    expect(toFiletime(new Date('2025-12-01T00:00:00Z'))).toBe('134090208000000000');
  });
});

describe('directoryStatus: what the writer sets reads back', () => {
  it('OpenLDAP: pwdEndTime passed is revoked (a future one is not yet); any pwdAccountLockedTime is locked', () => {
    expect(directoryStatus({ dn: 'x', pwdEndTime: '20261201035959Z' }, NOW)).toBe('revoked');
    expect(directoryStatus({ dn: 'x', pwdEndTime: '20261201040000Z' }, NOW)).toBe('revoked');
    expect(directoryStatus({ dn: 'x', pwdEndTime: '20270401000000Z' }, NOW)).toBe('active');
    expect(directoryStatus({ dn: 'x', pwdAccountLockedTime: PERMANENT_LOCK }, NOW)).toBe('locked');
    expect(directoryStatus({ dn: 'x', pwdAccountLockedTime: PERMANENT_LOCK, pwdEndTime: '20261130000000Z' }, NOW)).toBe('revoked');
  });
  it('AD: accountExpires in the past is locked; never (0 or 2^63-1) and a future date are not; disabled wins', () => {
    expect(directoryStatus({ dn: 'x', userAccountControl: '512', accountExpires: toFiletime(new Date('2026-11-30T00:00:00Z')) }, NOW)).toBe('locked');
    expect(directoryStatus({ dn: 'x', userAccountControl: '512', accountExpires: toFiletime(new Date('2027-03-31T00:00:00Z')) }, NOW)).toBe('active');
    expect(directoryStatus({ dn: 'x', userAccountControl: '512', accountExpires: '9223372036854775807' }, NOW)).toBe('active');
    expect(directoryStatus({ dn: 'x', userAccountControl: '512', accountExpires: '0' }, NOW)).toBe('active');
    expect(directoryStatus({ dn: 'x', userAccountControl: '514', accountExpires: toFiletime(new Date('2026-11-30T00:00:00Z')) }, NOW)).toBe('revoked');
  });
});

describe('planning a change', () => {
  const dn = 'uid=a,ou=p,dc=x';
  const g = (name: string, memberAttribute: 'member' | 'uniqueMember' = 'member') => ({ dn: `cn=${name},ou=perm,dc=x`, name, memberAttribute });
  const facts = (entry: Record<string, string>, memberOf = [g('照会')]): EntryFacts => ({ dn, entry: { dn, ...entry }, memberOf, groups: [g('照会'), g('更新'), g('記録', 'uniqueMember')] });

  it('revoke: pwdEndTime now on OpenLDAP, the disable bit added on AD; nothing when already revoked', () => {
    expect(planChange(facts({}), { userId: 'a', action: 'revoke' }, NOW)).toEqual([{ dn, operation: 'replace', attribute: 'pwdEndTime', values: ['20261201040000Z'] }]);
    expect(planChange(facts({ userAccountControl: '66048' }), { userId: 'a', action: 'revoke' }, NOW)).toEqual([{ dn, operation: 'replace', attribute: 'userAccountControl', values: ['66050'] }]);
    expect(planChange(facts({ userAccountControl: '514' }), { userId: 'a', action: 'revoke' }, NOW)).toEqual([]);
    expect(planChange(facts({ pwdEndTime: '20261101000000Z' }), { userId: 'a', action: 'revoke' }, NOW)).toEqual([]);
  });

  it('lock: the permanent ppolicy lock (replacing a time-stamped one that would expire), accountExpires on AD; a revoked ID stays revoked', () => {
    const lock: DirectoryChange = { userId: 'a', action: 'lock' };
    expect(planChange(facts({}), lock, NOW)).toEqual([{ dn, operation: 'replace', attribute: 'pwdAccountLockedTime', values: [PERMANENT_LOCK] }]);
    expect(planChange(facts({ pwdAccountLockedTime: '20261130120000Z' }), lock, NOW)).toEqual([{ dn, operation: 'replace', attribute: 'pwdAccountLockedTime', values: [PERMANENT_LOCK] }]);
    expect(planChange(facts({ pwdAccountLockedTime: PERMANENT_LOCK }), lock, NOW)).toEqual([]);
    expect(planChange(facts({ pwdEndTime: '20261101000000Z' }), lock, NOW)).toEqual([]);
    expect(planChange(facts({ userAccountControl: '512', accountExpires: '9223372036854775807' }), lock, NOW)).toEqual([{ dn, operation: 'replace', attribute: 'accountExpires', values: [toFiletime(NOW)] }]);
    // AD's own lockout (failed sign-ins) ends by itself: the review's lock is still written.
    expect(planChange(facts({ userAccountControl: '512', lockoutTime: '134089236000000000' }), lock, NOW)).toHaveLength(1);
    expect(planChange(facts({ userAccountControl: '514' }), lock, NOW)).toEqual([]);
    expect(expectedState({ status: 'revoked', permissions: ['照会'] }, lock)).toEqual({ status: 'revoked', permissions: ['照会'] });
    expect(expectedState({ status: 'active', permissions: ['照会'] }, lock)).toEqual({ status: 'locked', permissions: ['照会'] });
  });

  it('changePermissions: leaves first, then joins, with each group’s member attribute; nothing when the set is already equal', () => {
    const change: DirectoryChange = { userId: 'a', action: 'changePermissions', permissions: ['記録', '更新'] };
    expect(planChange(facts({}), change, NOW)).toEqual([
      { dn: 'cn=照会,ou=perm,dc=x', operation: 'delete', attribute: 'member', values: [dn] },
      { dn: 'cn=記録,ou=perm,dc=x', operation: 'add', attribute: 'uniqueMember', values: [dn] },
      { dn: 'cn=更新,ou=perm,dc=x', operation: 'add', attribute: 'member', values: [dn] },
    ]);
    expect(planChange(facts({}), { userId: 'a', action: 'changePermissions', permissions: [' 照会 ', '', '照会'] }, NOW)).toEqual([]);
    expect(expectedState({ status: 'active', permissions: ['照会'] }, { userId: 'a', action: 'changePermissions', permissions: [' 照会 ', '', '照会'] })).toEqual({ status: 'active', permissions: ['照会'] });
    expect(expectedState({ status: 'locked', permissions: ['照会'] }, change)).toEqual({ status: 'locked', permissions: ['更新', '記録'].sort() });
  });

  it('refuses a permission no group stands for, or one two groups share', () => {
    const unknown = () => planChange(facts({}), { userId: 'a', action: 'changePermissions', permissions: ['照会', '削除'] }, NOW);
    expect(unknown).toThrow(DirectoryChangeRefusedError);
    expect(unknown).toThrow(/削除/);
    const twice: EntryFacts = { ...facts({}), groups: [g('照会'), { ...g('照会'), dn: 'cn=照会,ou=other,dc=x' }] };
    expect(() => planChange(twice, { userId: 'a', action: 'changePermissions', permissions: ['照会'] }, NOW)).toThrow(/several groups share the name: 照会/);
  });

  it('names what the read-back shows differently', () => {
    expect(differences({ status: 'revoked', permissions: ['a'] }, { status: 'revoked', permissions: ['a'] })).toEqual([]);
    expect(differences({ status: 'revoked', permissions: ['a', 'b'] }, { status: 'active', permissions: ['b'] })).toEqual(['status: expected revoked, read active', 'permissions: expected [a, b], read [b]']);
  });

  it('sorts errors into retry (connection, busy) and refuse (access, everything the directory answers otherwise)', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(classify('bind', refused)).toBeInstanceOf(DirectoryUnavailableError);
    expect(classify('bind', new Error('BindRequest: Operation timed out'))).toBeInstanceOf(DirectoryUnavailableError);
    // A socket error from another realm (jest's sandbox) is not `instanceof Error`: its code still counts.
    expect(classify('bind', { code: 'ECONNRESET', message: 'read ECONNRESET' })).toBeInstanceOf(DirectoryUnavailableError);
    expect(classify('bind', Object.assign(new Error('Hostname/IP does not match certificate'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }))).toBeInstanceOf(DirectoryChangeRefusedError);
    expect(classify('modify', new BusyError())).toBeInstanceOf(DirectoryUnavailableError);
    expect(classify('modify', new InsufficientAccessError())).toBeInstanceOf(DirectoryChangeRefusedError);
    expect(classify('modify', new InsufficientAccessError()).message).toMatch(/modify.*InsufficientAccessError/);
  });
});

describe('LEDGER_DIRECTORIES write settings', () => {
  it('a separate write account needs both DN and password; none means the directory is only read', () => {
    const base = { url: 'ldap://127.0.0.1:389', base: 'ou=x' };
    expect(ledgerDirectorySchema.parse(base).write).toBeUndefined();
    expect(ledgerDirectorySchema.parse({ ...base, write: {} }).write).toEqual({});
    expect(ledgerDirectorySchema.safeParse({ ...base, write: { bindDn: 'cn=w' } }).success).toBe(false);
  });
});

const REVIEW_OU = `ou=review,${BASE_DN}`;
const PERMS_OU = `ou=review-permissions,${GROUPS_DN}`;
const personDn = (uid: string) => `uid=${uid},${REVIEW_OU}`;
const passwordOf = (uid: string) => `${uid}-pass-Z9!`;

describe('carrying out changes in OpenLDAP', () => {
  let dir: TestDirectory;
  let config: LedgerDirectory;

  beforeAll(async () => {
    dir = await startSlapd();
    const c = new Client({ url: dir.url });
    await c.bind(dir.adminDn, dir.adminPassword);
    await c.add(REVIEW_OU, { objectClass: 'organizationalUnit', ou: 'review' });
    for (const [uid, name] of [['rv0001', '小林 花子'], ['rv0002', '加藤 健'], ['rv0003', '山本 桜'], ['rv0004', '中村 翔']]) {
      await c.add(personDn(uid), { objectClass: 'inetOrgPerson', uid, cn: uid, sn: uid, displayName: name, departmentNumber: '市民課', userPassword: passwordOf(uid) });
    }
    await c.add(PERMS_OU, { objectClass: 'organizationalUnit', ou: 'review-permissions' });
    await c.add(`cn=照会,${PERMS_OU}`, { objectClass: 'groupOfNames', cn: '照会', member: [personDn('rv0001'), personDn('rv0002'), personDn('rv0003'), personDn('rv0004')] });
    // groupOfNames needs a member at all times: the service account stays in each.
    await c.add(`cn=更新,${PERMS_OU}`, { objectClass: 'groupOfNames', cn: '更新', member: [personDn('rv0001'), SERVICE_DN] });
    await c.add(`cn=記録,${PERMS_OU}`, { objectClass: 'groupOfNames', cn: '記録', member: [SERVICE_DN] });
    await c.unbind();
    config = ledgerDirectorySchema.parse({
      url: dir.url,
      bindDn: SERVICE_DN,
      bindPassword: SERVICE_PASSWORD,
      base: REVIEW_OU,
      permissionGroupsUnder: PERMS_OU,
      attributes: { section: ['departmentNumber'] },
      write: { bindDn: WRITER_DN, bindPassword: WRITER_PASSWORD },
      timeoutMs: 5000,
    });
  }, 60_000);
  afterAll(async () => {
    await dir?.stop();
  });

  const ledgerRow = async (userId: string) => {
    const r = await readLedgerDirectory(config);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    return r.rows.find((x) => x.userId === userId)!;
  };

  it('revokes: pwdEndTime is written, the ledger import reads the ID revoked, slapd refuses its bind; the second time writes nothing', async () => {
    expect(await binds(dir.url, personDn('rv0002'), passwordOf('rv0002'))).toBe(true);
    const applied = await applyDirectoryChange(config, { userId: 'rv0002', action: 'revoke' });
    expect(applied).toEqual({ dn: personDn('rv0002'), before: { status: 'active', permissions: ['照会'] }, after: { status: 'revoked', permissions: ['照会'] }, alreadyDone: false });
    expect(await ledgerRow('rv0002')).toMatchObject({ status: 'revoked', permissions: ['照会'] });
    expect(await ledgerRow('rv0001')).toMatchObject({ status: 'active' });
    expect(await binds(dir.url, personDn('rv0002'), passwordOf('rv0002'))).toBe(false);
    expect(await binds(dir.url, personDn('rv0001'), passwordOf('rv0001'))).toBe(true);

    const again = await applyDirectoryChange(config, { userId: 'rv0002', action: 'revoke' });
    expect(again).toEqual({ dn: personDn('rv0002'), before: { status: 'revoked', permissions: ['照会'] }, after: { status: 'revoked', permissions: ['照会'] }, alreadyDone: true });
    // Locking a revoked ID leaves it revoked.
    expect(await applyDirectoryChange(config, { userId: 'rv0002', action: 'lock' })).toMatchObject({ alreadyDone: true, after: { status: 'revoked' } });
  });

  it('locks with ppolicy’s permanent lock: the import reads it locked, the bind is refused, removing the lock undoes it', async () => {
    const applied = await applyDirectoryChange(config, { userId: 'rv0003', action: 'lock' });
    expect(applied).toMatchObject({ before: { status: 'active' }, after: { status: 'locked', permissions: ['照会'] }, alreadyDone: false });
    expect(await ledgerRow('rv0003')).toMatchObject({ status: 'locked' });
    expect(await binds(dir.url, personDn('rv0003'), passwordOf('rv0003'))).toBe(false);
    expect(await applyDirectoryChange(config, { userId: 'rv0003', action: 'lock' })).toMatchObject({ alreadyDone: true, after: { status: 'locked' } });

    const c = new Client({ url: dir.url });
    await c.bind(WRITER_DN, WRITER_PASSWORD);
    const { searchEntries } = await c.search(personDn('rv0003'), { scope: 'base', attributes: ['pwdAccountLockedTime'] });
    expect(searchEntries[0].pwdAccountLockedTime).toBe(PERMANENT_LOCK);
    await c.modify(personDn('rv0003'), [new Change({ operation: 'delete', modification: new Attribute({ type: 'pwdAccountLockedTime', values: [] }) })]);
    await c.unbind();
    expect(await ledgerRow('rv0003')).toMatchObject({ status: 'active' });
    expect(await binds(dir.url, personDn('rv0003'), passwordOf('rv0003'))).toBe(true);
  });

  it('changes permissions: joins and leaves groups until the set is the one decided; twice is once', async () => {
    const change: DirectoryChange = { userId: 'rv0001', action: 'changePermissions', permissions: ['照会', '記録'] };
    const applied = await applyDirectoryChange(config, change);
    expect(applied).toEqual({ dn: personDn('rv0001'), before: { status: 'active', permissions: ['更新', '照会'].sort() }, after: { status: 'active', permissions: ['照会', '記録'].sort() }, alreadyDone: false });
    expect((await ledgerRow('rv0001')).permissions).toEqual(['照会', '記録'].sort());
    expect(await applyDirectoryChange(config, change)).toMatchObject({ alreadyDone: true, after: { permissions: ['照会', '記録'].sort() } });
    // Down to nothing: every permission taken away.
    expect(await applyDirectoryChange(config, { userId: 'rv0004', action: 'changePermissions', permissions: [] })).toMatchObject({ after: { status: 'active', permissions: [] }, alreadyDone: false });
    expect((await ledgerRow('rv0004')).permissions).toEqual([]);
  });

  it('refuses: an unknown ID (filter syntax included), a permission without a group, a read-only account — nothing is written', async () => {
    await expect(applyDirectoryChange(config, { userId: 'nobody', action: 'revoke' })).rejects.toThrow(DirectoryChangeRefusedError);
    await expect(applyDirectoryChange(config, { userId: '*', action: 'revoke' })).rejects.toThrow(/no entry under .* has the ID \*/);
    await expect(applyDirectoryChange(config, { userId: 'rv0004', action: 'changePermissions', permissions: ['削除'] })).rejects.toThrow(/no group for the permission: 削除/);

    const readOnly: LedgerDirectory = { ...config, write: {} };
    const e = await applyDirectoryChange(readOnly, { userId: 'rv0004', action: 'lock' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DirectoryChangeRefusedError);
    expect((e as Error).message).toMatch(/InsufficientAccess/);
    expect((e as Error).message).not.toContain(SERVICE_PASSWORD);
    expect(await ledgerRow('rv0004')).toMatchObject({ status: 'active', permissions: [] });

    await expect(applyDirectoryChange({ ...config, write: undefined }, { userId: 'rv0004', action: 'lock' })).rejects.toThrow(/not configured/);
    const badPassword = await applyDirectoryChange({ ...config, write: { bindDn: WRITER_DN, bindPassword: 'wrong-secret-41' } }, { userId: 'rv0004', action: 'lock' }).catch((x: unknown) => x);
    expect(badPassword).toBeInstanceOf(DirectoryChangeRefusedError);
    expect((badPassword as Error).message).not.toContain('wrong-secret-41');
  });

  it('a directory that is down or does not answer is unavailable (retryable), within the timeout, without the password', async () => {
    const down = await applyDirectoryChange({ ...config, url: `ldap://127.0.0.1:${await freePort()}`, timeoutMs: 500 }, { userId: 'rv0004', action: 'revoke' }).catch((x: unknown) => x);
    expect(down).toBeInstanceOf(DirectoryUnavailableError);
    expect((down as Error).message).not.toContain(WRITER_PASSWORD);

    // Accepts the connection and never answers: the bind times out.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const hung = await applyDirectoryChange({ ...config, url: `ldap://127.0.0.1:${port}`, timeoutMs: 500 }, { userId: 'rv0004', action: 'revoke' }).catch((x: unknown) => x);
      expect(hung).toBeInstanceOf(DirectoryUnavailableError);
      expect((hung as Error).message).toMatch(/timed out|timeout/i);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('the activity: not configured, carried out, refused as non-retryable, unavailable as a plain (retryable) error', async () => {
    const { carryOutInDirectory } = createDirectoryActivities({ directories: { niigata: config, tokyo: { ...config, write: undefined }, down: { ...config, url: `ldap://127.0.0.1:${await freePort()}`, timeoutMs: 500 } } });
    expect(await carryOutInDirectory({ organisation: 'katsuragi', change: { userId: 'rv0004', action: 'lock' } })).toEqual({ configured: false });
    expect(await carryOutInDirectory({ organisation: 'tokyo', change: { userId: 'rv0004', action: 'lock' } })).toEqual({ configured: false });
    expect(await carryOutInDirectory({ organisation: 'niigata', change: { userId: 'rv0004', action: 'lock' } })).toMatchObject({ dn: personDn('rv0004'), after: { status: 'locked' } });

    const refused = await carryOutInDirectory({ organisation: 'niigata', change: { userId: 'nobody', action: 'revoke' } }).catch((x: unknown) => x);
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect(refused).toMatchObject({ nonRetryable: true, type: DIRECTORY_CHANGE_REFUSED, message: expect.stringMatching(/nobody/) });
    const unavailable = await carryOutInDirectory({ organisation: 'down', change: { userId: 'rv0004', action: 'revoke' } }).catch((x: unknown) => x);
    expect(unavailable).toBeInstanceOf(DirectoryUnavailableError);
    expect(unavailable).not.toBeInstanceOf(ApplicationFailure);
    // Temporal names the failure by the error's name: the workflow can tell the two apart.
    expect((unavailable as Error).name).toBe(DIRECTORY_UNAVAILABLE);
  });
});

describe('carrying out changes in an Active Directory-shaped entry', () => {
  const AD_OU = `ou=ad,${BASE_DN}`;
  const AD_GROUPS = `ou=ad-permissions,${GROUPS_DN}`;
  let dir: TestDirectory;
  let config: LedgerDirectory;
  const NEVER = '9223372036854775807';

  beforeAll(async () => {
    dir = await startSlapd({ activeDirectorySchema: true });
    const c = new Client({ url: dir.url });
    await c.bind(dir.adminDn, dir.adminPassword);
    await c.add(AD_OU, { objectClass: 'organizationalUnit', ou: 'ad' });
    for (const [sam, name] of [['ad0001', '佐々木 実'], ['ad0002', '松本 恵']]) {
      await c.add(`cn=${sam},${AD_OU}`, {
        // sAMAccountName is in no class of Debian's msuser schema (extensibleObject lets it in) and has
        // no equality rule there, so no filter finds it: uid, the ledger's second ID attribute, does.
        objectClass: ['user', 'extensibleObject'],
        uid: sam,
        cn: sam,
        sn: sam,
        sAMAccountName: sam,
        displayName: name,
        department: '住民課',
        userAccountControl: '512',
        accountExpires: NEVER,
        instanceType: '4',
        objectCategory: `cn=Person,${BASE_DN}`,
        nTSecurityDescriptor: 'AQAEgA==',
      });
    }
    await c.add(AD_GROUPS, { objectClass: 'organizationalUnit', ou: 'ad-permissions' });
    await c.add(`cn=照会,${AD_GROUPS}`, { objectClass: 'groupOfNames', cn: '照会', member: [`cn=ad0001,${AD_OU}`, `cn=ad0002,${AD_OU}`] });
    await c.add(`cn=記録,${AD_GROUPS}`, { objectClass: 'groupOfUniqueNames', cn: '記録', uniqueMember: [SERVICE_DN] });
    await c.unbind();
    // No memberOf with this schema (see startSlapd): the groups are searched (groupBase), as for any directory without memberOf.
    config = ledgerDirectorySchema.parse({ url: dir.url, bindDn: SERVICE_DN, bindPassword: SERVICE_PASSWORD, base: AD_OU, groupBase: AD_GROUPS, write: { bindDn: WRITER_DN, bindPassword: WRITER_PASSWORD }, timeoutMs: 5000 });
  }, 60_000);
  afterAll(async () => {
    await dir?.stop();
  });

  it('revoke sets ACCOUNTDISABLE, lock sets accountExpires; the ledger import reads them back; twice is once', async () => {
    expect(await applyDirectoryChange(config, { userId: 'ad0001', action: 'revoke' })).toEqual({ dn: `cn=ad0001,${AD_OU}`, before: { status: 'active', permissions: ['照会'] }, after: { status: 'revoked', permissions: ['照会'] }, alreadyDone: false });
    expect(await applyDirectoryChange(config, { userId: 'ad0002', action: 'lock' })).toMatchObject({ after: { status: 'locked' }, alreadyDone: false });
    expect(await applyDirectoryChange(config, { userId: 'ad0001', action: 'revoke' })).toMatchObject({ alreadyDone: true });
    expect(await applyDirectoryChange(config, { userId: 'ad0002', action: 'lock' })).toMatchObject({ alreadyDone: true });

    const c = new Client({ url: dir.url });
    await c.bind(SERVICE_DN, SERVICE_PASSWORD);
    const { searchEntries } = await c.search(AD_OU, { scope: 'one', filter: '(objectClass=user)', attributes: ['sAMAccountName', 'userAccountControl', 'accountExpires'] });
    await c.unbind();
    const bySam = Object.fromEntries(searchEntries.map((e) => [e.sAMAccountName, e]));
    expect(bySam.ad0001).toMatchObject({ userAccountControl: '514', accountExpires: NEVER });
    expect(bySam.ad0002.userAccountControl).toBe('512');
    expect(bySam.ad0002.accountExpires).not.toBe(NEVER);

    const r = await readLedgerDirectory(config);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.rows.map((x) => [x.userId, x.status, x.permissions])).toEqual([
      ['ad0001', 'revoked', ['照会']],
      ['ad0002', 'locked', ['照会']],
    ]);
  });

  it('changes permissions through uniqueMember (groupOfUniqueNames) too, seen by the import’s group search', async () => {
    const change: DirectoryChange = { userId: 'ad0002', action: 'changePermissions', permissions: ['記録'] };
    expect(await applyDirectoryChange(config, change)).toMatchObject({ before: { status: 'locked', permissions: ['照会'] }, after: { status: 'locked', permissions: ['記録'] }, alreadyDone: false });
    expect(await applyDirectoryChange(config, change)).toMatchObject({ alreadyDone: true });
    const r = await readLedgerDirectory(config);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.rows.find((x) => x.userId === 'ad0002')!.permissions).toEqual(['記録']);
  });
});
