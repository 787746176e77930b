// The ledger read from a real OpenLDAP directory (slapd on a loopback port, a throw-away
// database): people under an OU become ledger rows checked like a file's, their permission
// groups the permission set, the server's createTimestamp the issue date; a re-read after the
// directory changed shows the difference; a directory that is down is one issue, nothing kept.
import { Attribute, Change, Client } from 'ldapts';
import type { AppDatabase } from '../../src/db';
import { confirmLedgerImport, ledgerEntries, prepareLedgerImport } from '../../src/db/ledger';
import { migrateToLatest } from '../../src/db/migrations';
import { directoryStatus, fromFiletime, fromGeneralizedTime, type LedgerDirectory, ledgerDirectorySchema, readLedgerDirectory } from '../../src/imports/ledger-ldap';
import { generateSigningKey } from '../../src/tokens';
import { freshDatabase } from '../support/databases';
import { freePort } from '../support/ports';
import { BASE_DN, GROUPS_DN, PEOPLE, PEOPLE_DN, SERVICE_DN, SERVICE_PASSWORD, startSlapd, type TestDirectory } from '../support/slapd';

const LEDGER_OU = `ou=ledger,${BASE_DN}`;
const PERMS_OU = `ou=jukinet-permissions,ou=groups,${BASE_DN}`;

describe('directory values', () => {
  it('reads AD FILETIME and GeneralizedTime as ISO; never-set times are null', () => {
    expect(fromFiletime('134090208000000000')).toBe('2025-12-01T00:00:00.000Z');
    expect(fromFiletime('0')).toBeNull();
    expect(fromFiletime('9223372036854775807')).toBeNull();
    expect(fromGeneralizedTime('20261130080500Z')).toBe('2026-11-30T08:05:00.000Z');
    expect(fromGeneralizedTime('20261130170500.0+0900')).toBe('2026-11-30T08:05:00.000Z');
    expect(fromGeneralizedTime('yesterday')).toBeUndefined();
  });
  it('takes the status from AD userAccountControl and lockoutTime, or OpenLDAP ppolicy', () => {
    expect(directoryStatus({ dn: 'x', userAccountControl: '514' })).toBe('revoked');
    expect(directoryStatus({ dn: 'x', userAccountControl: '512', lockoutTime: '134089236000000000' })).toBe('locked');
    expect(directoryStatus({ dn: 'x', userAccountControl: '512', lockoutTime: '0' })).toBe('active');
    expect(directoryStatus({ dn: 'x', pwdAccountLockedTime: '20261130080500Z' })).toBe('locked');
    expect(directoryStatus({ dn: 'x' })).toBe('active');
  });
});

describe('the ledger from OpenLDAP', () => {
  let dir: TestDirectory;
  let appDb: AppDatabase;
  let config: LedgerDirectory;
  const admin = () => new Client({ url: dir.url });

  beforeAll(async () => {
    dir = await startSlapd();
    appDb = await freshDatabase('pglite');
    await migrateToLatest(appDb.db);
    const c = admin();
    await c.bind(dir.adminDn, dir.adminPassword);
    await c.add(LEDGER_OU, { objectClass: 'organizationalUnit', ou: 'ledger' });
    const person = (uid: string, name: string, section: string, card: string) =>
      c.add(`uid=${uid},${LEDGER_OU}`, { objectClass: 'inetOrgPerson', uid, cn: uid, sn: uid, displayName: name, mail: `${uid}@niigata.example.jp`, departmentNumber: section, employeeNumber: card });
    await person('ng0001', '高橋 誠', '中央区役所区民生活課', 'C-000123');
    await person('ng0002', '阿部 浩二', '東区役所区民生活課', 'C-000124');
    await c.add(PERMS_OU, { objectClass: 'organizationalUnit', ou: 'jukinet-permissions' });
    // Added over LDAP, so the memberof overlay gives the members memberOf (the Active Directory path).
    await c.add(`cn=照会,${PERMS_OU}`, { objectClass: 'groupOfNames', cn: '照会', member: [`uid=ng0001,${LEDGER_OU}`, `uid=ng0002,${LEDGER_OU}`] });
    // groupOfNames needs a member at all times: the service account stays in it when 高橋 leaves.
    await c.add(`cn=更新,${PERMS_OU}`, { objectClass: 'groupOfNames', cn: '更新', member: [`uid=ng0001,${LEDGER_OU}`, SERVICE_DN] });
    await c.unbind();
    config = ledgerDirectorySchema.parse({
      url: dir.url,
      bindDn: SERVICE_DN,
      bindPassword: SERVICE_PASSWORD,
      base: LEDGER_OU,
      permissionGroupsUnder: PERMS_OU,
      attributes: { section: ['departmentNumber'], operatorCard: ['employeeNumber'] },
    });
  }, 60_000);
  afterAll(async () => {
    await appDb?.close();
    await dir?.stop();
  });

  it('reads each person as a ledger row, checked like a file; a re-read shows what changed in the directory', async () => {
    const started = Date.now();
    const r = await readLedgerDirectory(config);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.format).toBe('ldap');
    expect(r.rows.map(({ issuedAt, ...x }) => ({ ...x, issuedRecently: Math.abs(Date.parse(issuedAt!) - started) < 120_000 }))).toEqual([
      { line: 2, userId: 'ng0001', personName: '高橋 誠', email: 'ng0001@niigata.example.jp', section: '中央区役所区民生活課', permissions: ['更新', '照会'].sort(), lastUsedAt: null, passwordChangedAt: null, status: 'active', operatorCard: 'C-000123', verificationRegistered: false, verificationRegisteredAt: null, issuedRecently: true },
      { line: 3, userId: 'ng0002', personName: '阿部 浩二', email: 'ng0002@niigata.example.jp', section: '東区役所区民生活課', permissions: ['照会'], lastUsedAt: null, passwordChangedAt: null, status: 'active', operatorCard: 'C-000124', verificationRegistered: false, verificationRegisteredAt: null, issuedRecently: true },
    ]);
    const db = appDb.db;
    const macKey = generateSigningKey('a1');
    const source = { format: 'ldap' as const, rows: r.rows.length };
    await prepareLedgerImport(db, { id: 'ldap-1', organisation: 'niigata', source, rows: r.rows, columns: r.columns, createdBy: 'system', now: new Date() });
    expect(await confirmLedgerImport(db, { organisation: 'niigata', id: 'ldap-1', actor: 'system', now: new Date(), articles: [] }, macKey)).toMatchObject({ outcome: 'applied' });

    // 阿部 moves section and loses nothing; 高橋 loses 更新.
    const c = admin();
    await c.bind(dir.adminDn, dir.adminPassword);
    await c.modify(`uid=ng0002,${LEDGER_OU}`, [new Change({ operation: 'replace', modification: new Attribute({ type: 'departmentNumber', values: ['西区役所区民生活課'] }) })]);
    await c.modify(`cn=更新,${PERMS_OU}`, [new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [`uid=ng0001,${LEDGER_OU}`] }) })]);
    await c.unbind();
    const again = await readLedgerDirectory(config);
    if (!again.ok) throw new Error(JSON.stringify(again.issues));
    const imp = await prepareLedgerImport(db, { id: 'ldap-2', organisation: 'niigata', source, rows: again.rows, columns: again.columns, createdBy: 'system', now: new Date() });
    expect(imp.diff.changed.map((x) => [x.userId, x.changes])).toEqual([
      ['ng0001', [{ field: 'permissions', before: ['更新', '照会'].sort(), after: ['照会'] }]],
      ['ng0002', [{ field: 'section', before: '東区役所区民生活課', after: '西区役所区民生活課' }]],
    ]);
    expect(imp.diff.added).toEqual([]);
    expect(imp.diff.gone).toEqual([]);
    expect((await ledgerEntries(db, 'niigata')).map((e) => e.section)).toEqual(['中央区役所区民生活課', '東区役所区民生活課']);
  });

  it('without memberOf (entries loaded by slapadd), the permission set comes from a search of the groups', async () => {
    const r = await readLedgerDirectory(ledgerDirectorySchema.parse({ url: dir.url, bindDn: SERVICE_DN, bindPassword: SERVICE_PASSWORD, base: PEOPLE_DN, groupBase: GROUPS_DN, attributes: { section: ['sn', 'cn'] } }));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const tanaka = r.rows.find((x) => x.userId === 'tanaka')!;
    expect(tanaka).toMatchObject({ personName: PEOPLE.tanaka.displayName, email: PEOPLE.tanaka.mail, permissions: ['jukinet-auditors', 'jukinet-commanders'] });
    expect(r.rows.find((x) => x.userId === 'suzuki')!.permissions).toEqual(['jukinet-admins', 'jukinet-auditors']);
  });

  it('an entry the rules refuse is named by its DN, and nothing is taken', async () => {
    const c = admin();
    await c.bind(dir.adminDn, dir.adminPassword);
    await c.add(`uid=nosection,${LEDGER_OU}`, { objectClass: 'inetOrgPerson', uid: 'nosection', cn: 'x', sn: 'x', displayName: '所属 なし' });
    await c.unbind();
    const r = await readLedgerDirectory(config);
    expect(r).toMatchObject({ ok: false, format: 'ldap', issues: [{ field: 'section', message: expect.stringContaining(`uid=nosection,${LEDGER_OU}: `) }] });
    const c2 = admin();
    await c2.bind(dir.adminDn, dir.adminPassword);
    await c2.del(`uid=nosection,${LEDGER_OU}`);
    await c2.unbind();
  });

  it('a directory that does not answer is one issue saying so, without the password', async () => {
    const down = { ...config, url: `ldap://127.0.0.1:${await freePort()}`, timeoutMs: 1000 };
    const r = await readLedgerDirectory(down);
    expect(r).toMatchObject({ ok: false, issues: [{ line: 0, field: 'file', message: expect.stringMatching(/ディレクトリから読めません/) }] });
    expect(JSON.stringify(r)).not.toContain(SERVICE_PASSWORD);
  });
});
