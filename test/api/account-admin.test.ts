// Roles changed after an account exists, a second factor set up by choice, and task links slowed
// per address: the parts of account administration the matrix does not walk.
import { totpCode } from '../../src/auth/totp';
import { findAccountByEmail, grantsOf } from '../../src/db/accounts';
import { type AccessApp, startAccessApp } from '../support/access-app';
import { CookieJar, createTestAccount, csrfOf, form, signIn } from '../support/auth';

jest.setTimeout(60_000);

describe('account administration', () => {
  let a: AccessApp;
  beforeAll(async () => {
    a = await startAccessApp();
  });
  afterAll(() => a.close());

  const adminOf = async (email: string, organisation: string) => {
    const admin = await createTestAccount(a.db, { email, grants: [{ organisation, role: 'admin' }], totp: true });
    return signIn(a.base, admin);
  };
  const accountsPage = async (jar: CookieJar) => (await jar.fetch(`${a.base}/admin/accounts`)).text();

  it('adds a role in another organisation and removes it, each in the audit log', async () => {
    const jar = await adminOf('root@example.jp', '*');
    const person = await createTestAccount(a.db, { email: 'jlis-staff@example.jp', grants: [{ organisation: 'jlis', role: 'member' }] });
    const granted = await jar.fetch(`${a.base}/admin/accounts/${person.id}/grant`, form({ csrf: csrfOf(await accountsPage(jar)), role: 'auditor', organisation: 'tokyo' }));
    expect(granted.status).toBe(303);
    expect(await grantsOf(a.db, person.id)).toEqual(expect.arrayContaining([{ organisation: 'jlis', role: 'member' }, { organisation: 'tokyo', role: 'auditor' }]));
    expect(await accountsPage(jar)).toContain('auditor@tokyo');

    const revoked = await jar.fetch(`${a.base}/admin/accounts/${person.id}/revoke`, form({ csrf: csrfOf(await accountsPage(jar)), role: 'member', organisation: 'jlis' }));
    expect(revoked.status).toBe(303);
    expect(await grantsOf(a.db, person.id)).toEqual([{ organisation: 'tokyo', role: 'auditor' }]);

    const steps = (await a.db.selectFrom('audit_log').select(['step', 'detail']).where('case_id', '=', 'access').execute()).filter((r) => ['access.roleGranted', 'access.roleRevoked'].includes(r.step));
    expect(steps.map((r) => [r.step, (r.detail as { grant: string }).grant])).toEqual([
      ['access.roleGranted', 'auditor@tokyo'],
      ['access.roleRevoked', 'member@jlis'],
    ]);
  });

  it("refuses an organisation admin a role outside their organisation, and a form without its CSRF field", async () => {
    const jar = await adminOf('katsuragi-admin@example.jp', 'katsuragi');
    const person = await createTestAccount(a.db, { email: 'clerk@katsuragi.example.jp', grants: [{ organisation: 'katsuragi', role: 'member' }] });
    const csrf = csrfOf(await accountsPage(jar));
    expect((await jar.fetch(`${a.base}/admin/accounts/${person.id}/grant`, form({ csrf, role: 'commander', organisation: 'niigata' }))).status).toBe(404);
    expect((await jar.fetch(`${a.base}/admin/accounts/${person.id}/grant`, form({ csrf, role: 'admin', organisation: '*' }))).status).toBe(404);
    expect((await jar.fetch(`${a.base}/admin/accounts/${person.id}/grant`, form({ role: 'commander', organisation: 'katsuragi' }))).status).toBe(403);
    expect((await jar.fetch(`${a.base}/admin/accounts/${person.id}/grant`, form({ csrf, role: 'captain', organisation: 'katsuragi' }))).status).toBe(400);
    expect(await grantsOf(a.db, person.id)).toEqual([{ organisation: 'katsuragi', role: 'member' }]);
    expect((await jar.fetch(`${a.base}/admin/accounts/${person.id}/grant`, form({ csrf, role: 'commander', organisation: 'katsuragi' }))).status).toBe(303);
    expect(await grantsOf(a.db, person.id)).toContainEqual({ organisation: 'katsuragi', role: 'commander' });
  });

  it('lets a person whose organisation leaves it optional set up TOTP, after which sign-in asks for it', async () => {
    const person = await createTestAccount(a.db, { email: 'optional@katsuragi.example.jp', grants: [{ organisation: 'katsuragi', role: 'member' }] });
    const jar = await signIn(a.base, person);
    const home = await (await jar.fetch(`${a.base}/tasks`)).text();
    expect(home).toContain('href="/account/totp"');
    const start = await (await jar.fetch(`${a.base}/account/totp`)).text();
    const shown = await (await jar.fetch(`${a.base}/account/totp/secret`, form({ csrf: csrfOf(start), next: '/tasks' }))).text();
    const secret = /data-secret="([A-Z2-7]+)"/.exec(shown)![1];
    const before = jar.cookies.get('jo_session');
    const done = await jar.fetch(`${a.base}/account/totp`, form({ csrf: csrfOf(shown), code: totpCode(secret, a.now().getTime()), next: '/tasks' }));
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('リカバリーコード');
    expect(jar.cookies.get('jo_session')).not.toBe(before);
    expect((await findAccountByEmail(a.db, person.email))!.totp_enabled_at).not.toBeNull();
    expect(await (await jar.fetch(`${a.base}/tasks`)).text()).not.toContain('href="/account/totp"');

    const fresh = new CookieJar();
    const page = await fresh.fetch(`${a.base}/login`);
    const res = await fresh.fetch(`${a.base}/login`, form({ csrf: csrfOf(await page.text()), login: person.email, password: person.password, next: '/' }));
    expect(res.headers.get('location')).toBe('/login/totp?next=%2F');
  });

  it('slows task links per address: past 30 links that do not work in five minutes, 429 with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await fetch(`${a.base}/t/not-a-token-${i}`)).status);
    expect(statuses.every((s) => s === 404)).toBe(true);
    const refused = await fetch(`${a.base}/t/not-a-token`);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    a.advance(5 * 60_000 + 1000);
    expect((await fetch(`${a.base}/t/not-a-token`)).status).toBe(404);
  });
});
