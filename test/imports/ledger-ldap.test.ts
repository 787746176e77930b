// The ledger read from a real OpenLDAP directory (slapd on a loopback port, a throw-away
// database): people under an OU become ledger rows checked like a file's, their permission
// groups the permission set, the server's createTimestamp the issue date; a re-read after the
// directory changed shows the difference; a directory that is down is one issue, nothing kept.
import { Attribute, Change, Client } from 'ldapts';
import type { AppDatabase } from '../../src/db';
import { confirmLedgerImport, ledgerEntries, prepareLedgerImport } from '../../src/db/ledger';
import { migrateToLatest } from '../../src/db/migrations';
import { describeConfig, loadConfig } from '../../src/config';
import { directoryStatus, parseLedgerDirectoriesEnv, fromFiletime, fromGeneralizedTime, type LedgerDirectory, ledgerDirectorySchema, readLedgerDirectory } from '../../src/imports/ledger-ldap';
import { generateSigningKey } from '../../src/tokens';
import { sessionCookie, startAccessApp } from '../support/access-app';
import { CookieJar, createTestAccount, createTestKey, csrfOf, fetchWith } from '../support/auth';
import { freshDatabase } from '../support/databases';
import { json } from '../support/http';
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

describe('LEDGER_DIRECTORIES', () => {
  it('reads each organisation’s directory; a bad value names the variable and the organisation, never the password', () => {
    expect(parseLedgerDirectoriesEnv(undefined)).toEqual({});
    const d = parseLedgerDirectoriesEnv(JSON.stringify({ niigata: { url: 'ldaps://ad.niigata.example.jp', bindDn: 'cn=svc', bindPassword: 'pw-secret-1', base: 'ou=staff,dc=niigata' } }));
    expect(d.niigata).toMatchObject({ base: 'ou=staff,dc=niigata', filter: '(|(objectClass=user)(objectClass=inetOrgPerson))', attributes: { userId: ['sAMAccountName', 'uid'] } });
    expect(() => parseLedgerDirectoriesEnv('{')).toThrow(/LEDGER_DIRECTORIES: JSON/);
    try {
      parseLedgerDirectoriesEnv(JSON.stringify({ niigata: { url: 'http://x', bindDn: 'cn=svc', bindPassword: 'pw-secret-2', base: 'ou=x' } }));
      throw new Error('accepted');
    } catch (e) {
      expect((e as Error).message).toMatch(/LEDGER_DIRECTORIES\[niigata\]\[url\]/);
      expect((e as Error).message).not.toContain('pw-secret-2');
    }
    expect(describeConfig(loadConfig({ DATA_DIR: '/tmp/x', LEDGER_DIRECTORIES: '{"niigata":{"bindPassword":"pw-secret-3"}}' }, '/nonexistent/.env')).flat().join(' ')).not.toContain('pw-secret-3');
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

  it('over HTTP: the admin reads the directory into a pending import and confirms it; the console offers the button', async () => {
    const app = await startAccessApp({ deps: { ledgerDirectories: { niigata: config } } });
    try {
      const asAdmin = fetchWith(await createTestKey(app.db, 'admin', 'niigata'));
      const r = await asAdmin(`${app.base}/api/ledger/niigata/imports/directory`, { method: 'POST' });
      expect(r.status).toBe(201);
      const imp = await json(r);
      expect(imp).toMatchObject({ source: { format: 'ldap', rows: 2 }, counts: { added: 2, changed: 0, gone: 0 } });
      expect((await asAdmin(`${app.base}${imp.links.confirm}`, { method: 'POST' })).status).toBe(200);
      expect((await json(await asAdmin(`${app.base}/api/ledger/niigata`))).entries.map((e: { userId: string }) => e.userId)).toEqual(['ng0001', 'ng0002']);
      // Tokyo has no directory configured.
      const tokyo = await fetchWith(await createTestKey(app.db, 'admin', 'tokyo'))(`${app.base}/api/ledger/tokyo/imports/directory`, { method: 'POST' });
      expect([tokyo.status, (await json(tokyo)).error]).toEqual([404, 'no_directory']);
      const account = await createTestAccount(app.db, { email: 'kanri@niigata.example.jp', grants: [{ role: 'admin', organisation: 'niigata' }] });
      const cookie = await sessionCookie(app, account.id);
      const page = await (await fetch(`${app.base}/ledger/niigata`, { headers: { cookie } })).text();
      expect(page).toContain('action="/ledger/niigata/imports/directory"');
      const jar = new CookieJar();
      jar.cookies.set(cookie.split('=')[0], cookie.split('=')[1]);
      const csrf = csrfOf(await (await jar.fetch(`${app.base}/ledger/niigata`)).text());
      const diff = await jar.fetch(`${app.base}/ledger/niigata/imports/directory`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf }).toString() });
      expect(diff.status).toBe(200);
      expect(await diff.text()).toMatch(/追加 0 件・変更 0 件・廃止 0 件・変更なし 2 件/);
    } finally {
      await app.close();
    }
  });

  it('a directory that does not answer is one issue saying so, without the password', async () => {
    const down = { ...config, url: `ldap://127.0.0.1:${await freePort()}`, timeoutMs: 1000 };
    const r = await readLedgerDirectory(down);
    expect(r).toMatchObject({ ok: false, issues: [{ line: 0, field: 'file', message: expect.stringMatching(/ディレクトリから読めません/) }] });
    expect(JSON.stringify(r)).not.toContain(SERVICE_PASSWORD);
  });
});
