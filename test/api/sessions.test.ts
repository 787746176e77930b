// Sessions against the real app (issue 9): a new id at every step up (fixation), sign-out, a
// disabled account and a new password ending sessions at once, idle and absolute timeouts on a
// moved clock, CSRF on every console form, rate limits and lockout, the second factor, and audit
// rows that never hold a password, a code, a token or a key.
import { randomUUID } from 'node:crypto';
import { SESSION_COOKIE } from '../../src/api/access';
import { addGrants, createAccount, createSession, createSetupLink, enableTotp, getAccount, sessionIdHash, updateSession } from '../../src/db/accounts';
import { hashPassword } from '../../src/auth/password-hash';
import { newTotpSecret, totpCode } from '../../src/auth/totp';
import type { Grant } from '../../src/domain/access';
import { CSRF_COOKIE } from '../../src/tokens';
import { type AccessApp, startAccessApp } from '../support/access-app';
import { CookieJar, csrfOf, form, signIn, TEST_PASSWORD, type TestAccount } from '../support/auth';
import { json } from '../support/http';

const WRONG = 'wrong horse battery staple 住基';
const NEW_PASSWORD = 'quiet lantern over a river bend 住基ネット';

/** The raw Set-Cookie line for one cookie. */
const setCookie = (r: Response, name: string) => r.headers.getSetCookie().find((l) => l.startsWith(`${name}=`));
const cookieValue = (r: Response, name: string) => setCookie(r, name)?.split(';')[0].slice(name.length + 1);

/** Status of `GET /api/whoami` with just this session cookie. */
const whoami = async (a: AccessApp, sid: string | undefined) => (await fetch(`${a.base}/api/whoami`, { headers: { cookie: `${SESSION_COOKIE}=${sid}` } })).status;

/** A jar holding a session made directly in the database (the stage it names), for tests not about signing in itself. */
async function sessionJar(a: AccessApp, accountId: string, stage: 'full' | 'mfa' | 'enrol' = 'full', limits = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 }) {
  const jar = new CookieJar();
  const sid = await createSession(a.db, accountId, stage, limits, a.now());
  jar.cookies.set(SESSION_COOKIE, sid);
  return { jar, sid };
}

/** The CSRF field of the first form on a page (the cookie is kept by the jar). */
async function fieldOn(a: AccessApp, jar: CookieJar, path: string): Promise<string> {
  const r = await jar.fetch(`${a.base}${path}`);
  expect(r.status).toBe(200);
  return csrfOf(await r.text());
}

const post = (a: AccessApp, jar: CookieJar, path: string, fields: Record<string, string>) => jar.fetch(`${a.base}${path}`, form(fields));

async function passwordStep(a: AccessApp, jar: CookieJar, login: string, password: string): Promise<Response> {
  return post(a, jar, '/login', { csrf: await fieldOn(a, jar, '/login'), login, password, next: '/' });
}

/** Every audit row of the access case, as text: the secrets must not be in it. */
async function accessAudit(a: AccessApp): Promise<{ steps: string[]; text: string }> {
  const rows = await a.db.selectFrom('audit_log').selectAll().where('case_id', '=', 'access').orderBy('seq').execute();
  return { steps: rows.map((r) => r.step), text: JSON.stringify(rows) };
}

let n = 0;
/** TEST_PASSWORD hashed once: Argon2id per account would make the file slow, and the hash is the same kind. */
let testHash: Promise<string> | undefined;
/** An account as createTestAccount makes it, with the one precomputed hash. */
async function account(a: AccessApp, grants: Grant[], o: { totp?: boolean; prefix?: string } = {}): Promise<TestAccount> {
  const email = `${o.prefix ?? 'person'}${++n}@${grants[0].organisation === '*' ? 'j-lis' : grants[0].organisation}.example.jp`;
  const created = await createAccount(a.db, { email, displayName: email.split('@')[0], source: 'local', passwordHash: await (testHash ??= hashPassword(TEST_PASSWORD)) });
  await addGrants(a.db, created.id, grants, 'test');
  let totpSecret: string | undefined;
  if (o.totp) {
    totpSecret = newTotpSecret();
    await enableTotp(a.db, created.id, totpSecret, 0, [], new Date());
  }
  return { id: created.id, email: created.email, password: TEST_PASSWORD, ...(totpSecret ? { totpSecret } : {}) };
}
const member = (a: AccessApp) => account(a, [{ role: 'member', organisation: 'katsuragi' }]);
const installationAdmin = (a: AccessApp) => account(a, [{ role: 'admin', organisation: '*' }], { prefix: 'admin' });

describe('sessions, sign-in and forms', () => {
  let a: AccessApp;
  /** Every secret the tests typed or were given: none may reach the audit log or the app's log. */
  const secrets = new Set<string>([TEST_PASSWORD, WRONG, NEW_PASSWORD]);

  beforeAll(async () => {
    a = await startAccessApp();
  });
  afterAll(() => a?.close());

  describe('session fixation', () => {
    it('issues a new session id at sign-in; an id planted before is not valid after', async () => {
      const m = await member(a);
      const jar = new CookieJar();
      const planted = 'P'.repeat(43);
      jar.cookies.set(SESSION_COOKIE, planted);
      const r = await passwordStep(a, jar, m.email, m.password);
      expect(r.status).toBe(303);
      const issued = cookieValue(r, SESSION_COOKIE)!;
      secrets.add(issued);
      expect(issued).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(issued).not.toBe(planted);
      // HttpOnly, SameSite=Lax, the whole site; not Secure over plain HTTP.
      const line = setCookie(r, SESSION_COOKIE)!;
      expect(line).toMatch(/; HttpOnly/i);
      expect(line).toMatch(/; SameSite=Lax/i);
      expect(line).toMatch(/; Path=\//i);
      expect(line).not.toMatch(/; Secure/i);
      expect(await whoami(a, planted)).toBe(401);
      expect(await whoami(a, issued)).toBe(200);
    });

    it('changes the id again after the second factor; the password-step id then counts for nothing', async () => {
      const t = await account(a, [{ role: 'member', organisation: 'katsuragi' }], { totp: true });
      const jar = new CookieJar();
      const r1 = await passwordStep(a, jar, t.email, t.password);
      expect(r1.headers.get('location')).toBe('/login/totp?next=%2F');
      const s1 = cookieValue(r1, SESSION_COOKIE)!;
      // Between the steps the session is no one's: pages and the API refuse it.
      expect(await whoami(a, s1)).toBe(401);
      const r2 = await post(a, jar, '/login/totp', { csrf: await fieldOn(a, jar, '/login/totp'), code: totpCode(t.totpSecret!, a.now().getTime()), next: '/' });
      expect(r2.status).toBe(303);
      const s2 = cookieValue(r2, SESSION_COOKIE)!;
      expect(s2).not.toBe(s1);
      expect(await whoami(a, s2)).toBe(200);
      expect(await whoami(a, s1)).toBe(401);
      const back = await fetch(`${a.base}/login/totp`, { headers: { cookie: `${SESSION_COOKIE}=${s1}` }, redirect: 'manual' });
      expect([back.status, back.headers.get('location')]).toEqual([303, '/login']);
    });

    it('ends an attacker\'s half-signed-in session planted in the victim\'s browser when the victim signs in', async () => {
      const attacker = await account(a, [{ role: 'member', organisation: 'katsuragi' }], { totp: true });
      const attackerJar = new CookieJar();
      await passwordStep(a, attackerJar, attacker.email, attacker.password);
      const planted = attackerJar.cookies.get(SESSION_COOKIE)!;
      const victim = await member(a);
      const jar = new CookieJar();
      jar.cookies.set(SESSION_COOKIE, planted);
      await signIn(a.base, victim, jar);
      expect(jar.cookies.get(SESSION_COOKIE)).not.toBe(planted);
      expect(await whoami(a, jar.cookies.get(SESSION_COOKIE))).toBe(200);
      // The planted session is gone: its TOTP step leads back to the sign-in page.
      const r = await fetch(`${a.base}/login/totp`, { headers: { cookie: `${SESSION_COOKIE}=${planted}` }, redirect: 'manual' });
      expect(r.headers.get('location')).toBe('/login');
      expect(await a.db.selectFrom('sessions').select('account_id').where('id_hash', '=', sessionIdHash(planted)).executeTakeFirst()).toBeUndefined();
    });
  });

  describe('sign-out', () => {
    it('deletes the session, clears the cookie, asks the browser to drop its cache; the old cookie no longer works', async () => {
      const m = await member(a);
      const jar = await signIn(a.base, m);
      const sid = jar.cookies.get(SESSION_COOKIE)!;
      const r = await post(a, jar, '/logout', { csrf: await fieldOn(a, jar, '/organisations') });
      expect([r.status, r.headers.get('location')]).toEqual([303, '/login']);
      expect(r.headers.get('clear-site-data')).toBe('"cache"');
      expect(setCookie(r, SESSION_COOKIE)).toMatch(/^jo_session=;.*Expires=Thu, 01 Jan 1970/i);
      expect(jar.cookies.has(SESSION_COOKIE)).toBe(false);
      expect(await a.db.selectFrom('sessions').select('account_id').where('account_id', '=', m.id).execute()).toEqual([]);
      expect(await whoami(a, sid)).toBe(401);
      const page = await fetch(`${a.base}/incidents`, { headers: { cookie: `${SESSION_COOKIE}=${sid}` }, redirect: 'manual' });
      expect([page.status, page.headers.get('location')]).toEqual([303, '/login?next=%2Fincidents']);
      expect((await accessAudit(a)).steps).toContain('access.signOut');
    });
  });

  describe('disabled account', () => {
    it('stops an existing session at once and refuses sign-in; enabling lets the person in again', async () => {
      const m = await member(a);
      const jar = await signIn(a.base, m);
      expect(await whoami(a, jar.cookies.get(SESSION_COOKIE))).toBe(200);
      const admin = await sessionJar(a, (await installationAdmin(a)).id);
      const csrf = await fieldOn(a, admin.jar, '/admin/accounts');
      expect((await post(a, admin.jar, `/admin/accounts/${m.id}/disable`, { csrf })).status).toBe(303);
      expect(await whoami(a, jar.cookies.get(SESSION_COOKIE))).toBe(401);
      const page = await jar.fetch(`${a.base}/organisations`);
      expect(page.status).toBe(303);
      const refused = await passwordStep(a, new CookieJar(), m.email, m.password);
      expect(refused.status).toBe(401);
      expect(setCookie(refused, SESSION_COOKIE)).toBeUndefined();
      expect((await post(a, admin.jar, `/admin/accounts/${m.id}/enable`, { csrf })).status).toBe(303);
      expect((await passwordStep(a, new CookieJar(), m.email, m.password)).status).toBe(303);
    });
  });

  describe('password change', () => {
    it('ends every session of the account, on every device', async () => {
      const m = await member(a);
      const [laptop, phone] = [await signIn(a.base, m), await signIn(a.base, m)];
      const admin = await sessionJar(a, (await installationAdmin(a)).id);
      const issued = await post(a, admin.jar, `/admin/accounts/${m.id}/reset`, { csrf: await fieldOn(a, admin.jar, '/admin/accounts') });
      expect(issued.status).toBe(200);
      const url = /id="issued-link"[\s\S]*?<code>([^<]+)<\/code>/.exec(await issued.text())![1];
      const path = new URL(url).pathname;
      secrets.add(path.split('/').pop()!);
      const browser = new CookieJar();
      const r = await post(a, browser, path, { csrf: await fieldOn(a, browser, path), password: NEW_PASSWORD, confirm: NEW_PASSWORD });
      expect([r.status, r.headers.get('location')]).toEqual([303, '/']);
      expect(await whoami(a, browser.cookies.get(SESSION_COOKIE))).toBe(200);
      expect(await whoami(a, laptop.cookies.get(SESSION_COOKIE))).toBe(401);
      expect(await whoami(a, phone.cookies.get(SESSION_COOKIE))).toBe(401);
      expect((await passwordStep(a, new CookieJar(), m.email, m.password)).status).toBe(401);
      expect((await passwordStep(a, new CookieJar(), m.email, NEW_PASSWORD)).status).toBe(303);
    });
  });

  describe('second factor', () => {
    let enrolled: TestAccount;
    let recoveryCodes: string[];

    it('sends an administrator without TOTP to enrolment; no console page until enrolled', async () => {
      enrolled = await account(a, [{ role: 'admin', organisation: 'katsuragi' }], { prefix: 'admin' });
      const jar = new CookieJar();
      const r = await passwordStep(a, jar, enrolled.email, enrolled.password);
      expect([r.status, r.headers.get('location')]).toEqual([303, '/account/totp?next=%2F']);
      const enrolSid = jar.cookies.get(SESSION_COOKIE)!;
      for (const p of ['/', '/admin/accounts', '/incidents', '/organisations']) {
        const page = await jar.fetch(`${a.base}${p}`);
        expect([p, page.status, page.headers.get('location')]).toEqual([p, 303, `/login?next=${encodeURIComponent(p)}`]);
      }
      expect(await whoami(a, enrolSid)).toBe(401);
      expect((await jar.fetch(`${a.base}/admin/accounts`, form({ csrf: 'x' }))).status).toBe(401);

      const secretPage = await post(a, jar, '/account/totp/secret', { csrf: await fieldOn(a, jar, '/account/totp'), next: '/' });
      expect(secretPage.status).toBe(200);
      const html = await secretPage.text();
      const secret = /data-secret="([A-Z2-7]+)"/.exec(html)![1];
      secrets.add(secret);
      const wrong = await post(a, jar, '/account/totp', { csrf: csrfOf(html), code: '000000', next: '/' });
      expect(wrong.status).toBe(401);
      const done = await post(a, jar, '/account/totp', { csrf: csrfOf(await wrong.text()), code: totpCode(secret, a.now().getTime()), next: '/' });
      expect(done.status).toBe(200);
      recoveryCodes = [...(await done.text()).matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]);
      expect(recoveryCodes.length).toBeGreaterThanOrEqual(8);
      recoveryCodes.forEach((c) => secrets.add(c));
      // Enrolled: a fresh session id, and the console is open.
      const full = jar.cookies.get(SESSION_COOKIE)!;
      expect(full).not.toBe(enrolSid);
      expect(await whoami(a, enrolSid)).toBe(401);
      expect((await jar.fetch(`${a.base}/admin/accounts`)).status).toBe(200);
      enrolled = { ...enrolled, totpSecret: secret };
    });

    it('refuses a TOTP code used once already', async () => {
      const t = await account(a, [{ role: 'member', organisation: 'katsuragi' }], { totp: true });
      const code = totpCode(t.totpSecret!, a.now().getTime());
      const first = new CookieJar();
      await passwordStep(a, first, t.email, t.password);
      expect((await post(a, first, '/login/totp', { csrf: await fieldOn(a, first, '/login/totp'), code, next: '/' })).status).toBe(303);
      const again = new CookieJar();
      await passwordStep(a, again, t.email, t.password);
      const replay = await post(a, again, '/login/totp', { csrf: await fieldOn(a, again, '/login/totp'), code, next: '/' });
      expect(replay.status).toBe(401);
      expect(await whoami(a, again.cookies.get(SESSION_COOKIE))).toBe(401);
    });

    it('accepts a recovery code once', async () => {
      const use = async () => {
        const jar = new CookieJar();
        expect((await passwordStep(a, jar, enrolled.email, enrolled.password)).headers.get('location')).toBe('/login/totp?next=%2F');
        const r = await post(a, jar, '/login/totp', { csrf: await fieldOn(a, jar, '/login/totp'), code: recoveryCodes[0], next: '/' });
        return { status: r.status, whoami: await whoami(a, jar.cookies.get(SESSION_COOKIE)) };
      };
      expect(await use()).toEqual({ status: 303, whoami: 200 });
      expect(await use()).toEqual({ status: 401, whoami: 401 });
    });
  });

  describe('CSRF on every console form', () => {
    interface Prepared {
      victim: CookieJar;
      /** The victim's own field (the form as the console served it). */
      own: string;
      /** Another session's jar and field (another person, or another browser before sign-in). */
      other: CookieJar;
      otherField: string;
      path: string;
      fields: Record<string, string>;
      /** The answer with the victim's own field: proves the form works, so 403 is the CSRF check. */
      ok: number;
      /** Before a session exists the form is bound to the browser only: a copied cookie and field pair is not a session's. */
      anonymous?: boolean;
      /** After a refused form: nothing changed. */
      unchanged?: () => Promise<void>;
    }

    /** A signed-in person's jar and the CSRF field of a page they may see. */
    async function signedIn(accountId: string, page: string) {
      const { jar } = await sessionJar(a, accountId);
      return { jar, field: await fieldOn(a, jar, page) };
    }
    async function admins(page = '/admin/accounts') {
      const [v, o] = [await signedIn((await installationAdmin(a)).id, page), await signedIn((await installationAdmin(a)).id, page)];
      return { victim: v.jar, own: v.field, other: o.jar, otherField: o.field };
    }

    const cases: Array<[string, () => Promise<Prepared>]> = [
      [
        'sign-in (POST /login)',
        async () => {
          const [v, o] = [new CookieJar(), new CookieJar()];
          return { victim: v, own: await fieldOn(a, v, '/login'), other: o, otherField: await fieldOn(a, o, '/login'), path: '/login', fields: { login: 'nobody@example.jp', password: WRONG }, ok: 401, anonymous: true };
        },
      ],
      [
        'second factor (POST /login/totp)',
        async () => {
          const [v, o] = [await sessionJar(a, (await account(a, [{ role: 'member', organisation: 'katsuragi' }], { totp: true })).id, 'mfa'), await sessionJar(a, (await member(a)).id, 'mfa')];
          return { victim: v.jar, own: await fieldOn(a, v.jar, '/login/totp'), other: o.jar, otherField: await fieldOn(a, o.jar, '/login/totp'), path: '/login/totp', fields: { code: '000000' }, ok: 401 };
        },
      ],
      [
        'TOTP enrolment: new secret (POST /account/totp/secret)',
        async () => {
          const [v, o] = [await sessionJar(a, (await installationAdmin(a)).id, 'enrol'), await sessionJar(a, (await installationAdmin(a)).id, 'enrol')];
          return { victim: v.jar, own: await fieldOn(a, v.jar, '/account/totp'), other: o.jar, otherField: await fieldOn(a, o.jar, '/account/totp'), path: '/account/totp/secret', fields: {}, ok: 200 };
        },
      ],
      [
        'TOTP enrolment: confirm (POST /account/totp)',
        async () => {
          const [v, o] = [await sessionJar(a, (await installationAdmin(a)).id, 'enrol'), await sessionJar(a, (await installationAdmin(a)).id, 'enrol')];
          await updateSession(a.db, sessionIdHash(v.sid), { totpPendingSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' });
          return { victim: v.jar, own: await fieldOn(a, v.jar, '/account/totp'), other: o.jar, otherField: await fieldOn(a, o.jar, '/account/totp'), path: '/account/totp', fields: { code: '000000' }, ok: 401 };
        },
      ],
      [
        'setup link (POST /setup/:token)',
        async () => {
          const invited = await member(a);
          const token = await createSetupLink(a.db, 'invite', invited.id, 3_600_000, a.now());
          const path = `/setup/${token}`;
          const [v, o] = [new CookieJar(), new CookieJar()];
          return {
            victim: v,
            own: await fieldOn(a, v, path),
            other: o,
            otherField: await fieldOn(a, o, path),
            path,
            fields: { password: NEW_PASSWORD, confirm: `${NEW_PASSWORD}!` },
            ok: 400,
            anonymous: true,
          };
        },
      ],
      [
        'sign-out (POST /logout)',
        async () => {
          const [v, o] = [await signedIn((await member(a)).id, '/organisations'), await signedIn((await member(a)).id, '/organisations')];
          return {
            victim: v.jar,
            own: v.field,
            other: o.jar,
            otherField: o.field,
            path: '/logout',
            fields: {},
            ok: 303,
            unchanged: async () => expect(await whoami(a, v.jar.cookies.get(SESSION_COOKIE))).toBe(200),
          };
        },
      ],
      [
        'incident declaration (POST /incidents)',
        async () => {
          const commander = () => account(a, [{ role: 'commander', organisation: 'katsuragi' }]);
          const [v, o] = [await signedIn((await commander()).id, '/incidents/new'), await signedIn((await commander()).id, '/incidents/new')];
          // Empty fields: 400 with the form again once past the CSRF check (no workflow is started).
          return { victim: v.jar, own: v.field, other: o.jar, otherField: o.field, path: '/incidents', fields: { organisation: 'katsuragi' }, ok: 400 };
        },
      ],
      [
        'create an account (POST /admin/accounts)',
        async () => {
          const email = `invited-${randomUUID()}@katsuragi.example.jp`;
          return {
            ...(await admins()),
            path: '/admin/accounts',
            fields: { email, name: '招待', role: 'member', organisation: 'katsuragi' },
            ok: 201,
            unchanged: async () => expect(await a.db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirst()).toBeUndefined(),
          };
        },
      ],
      ...(['disable', 'enable', 'unlock', 'reset'] as const).map((action): [string, () => Promise<Prepared>] => [
        `${action} an account (POST /admin/accounts/:id/${action})`,
        async () => {
          const target = await member(a);
          return {
            ...(await admins()),
            path: `/admin/accounts/${target.id}/${action}`,
            fields: {},
            ok: action === 'reset' ? 200 : 303,
            unchanged: async () => expect((await getAccount(a.db, target.id))!.disabled_at).toBeNull(),
          };
        },
      ]),
      [
        'create an API key (POST /admin/keys)',
        async () => {
          const name = `key ${randomUUID()}`;
          return {
            ...(await admins('/admin/keys')),
            path: '/admin/keys',
            fields: { name, organisation: 'katsuragi', role: 'detector' },
            ok: 201,
            unchanged: async () => expect(await a.db.selectFrom('api_keys').select('id').where('name', '=', name).executeTakeFirst()).toBeUndefined(),
          };
        },
      ],
      [
        'revoke an API key (POST /admin/keys/:id/revoke)',
        async () => {
          const { createApiKey } = await import('../../src/db/accounts');
          const { row } = await createApiKey(a.db, { name: 'to revoke', organisation: 'katsuragi', role: 'detector', createdBy: 'test', expiresAt: new Date(Date.now() + 86_400_000) }, a.now());
          return {
            ...(await admins('/admin/keys')),
            path: `/admin/keys/${row.id}/revoke`,
            fields: {},
            ok: 303,
            unchanged: async () => expect((await a.db.selectFrom('api_keys').select('revoked_at').where('id', '=', row.id).executeTakeFirstOrThrow()).revoked_at).toBeNull(),
          };
        },
      ],
    ];

    it('an API write carried by the session cookie must be JSON: a form from another page of the site is refused', async () => {
      const admin = await sessionJar(a, (await installationAdmin(a)).id);
      const cookie = admin.jar.header();
      const { createApiKey } = await import('../../src/db/accounts');
      const { row } = await createApiKey(a.db, { name: 'kept', organisation: 'katsuragi', role: 'detector', createdBy: 'test', expiresAt: new Date(Date.now() + 86_400_000) }, a.now());
      const attempts: Array<[string, RequestInit]> = [
        ['/api/keys', { headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=forged&organisation=*&role=admin' }],
        ['/api/keys', { headers: { cookie, 'content-type': 'text/plain' }, body: '{"name":"forged","organisation":"*","role":"admin"}' }],
        ['/api/keys', { headers: { cookie, 'content-type': 'multipart/form-data; boundary=x' }, body: '--x--' }],
        [`/api/keys/${row.id}/revoke`, { headers: { cookie } }],
      ];
      for (const [path, init] of attempts) expect([path, (await fetch(`${a.base}${path}`, { method: 'POST', ...init })).status]).toEqual([path, 403]);
      expect(await a.db.selectFrom('api_keys').select('id').where('name', '=', 'forged').execute()).toEqual([]);
      expect((await a.db.selectFrom('api_keys').select('revoked_at').where('id', '=', row.id).executeTakeFirstOrThrow()).revoked_at).toBeNull();
      // JSON, which only a script of our own origin could send, goes through.
      const ok = await fetch(`${a.base}/api/keys/${row.id}/revoke`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
      expect(ok.status).toBe(204);
    });

    describe.each(cases)('%s', (_name, prepare) => {
      it('without the field → 403', async () => {
        const p = await prepare();
        expect((await post(a, p.victim, p.path, p.fields)).status).toBe(403);
        await p.unchanged?.();
      });
      it('with a field from another session → 403', async () => {
        const p = await prepare();
        expect((await post(a, p.victim, p.path, { ...p.fields, csrf: p.otherField })).status).toBe(403);
        await p.unchanged?.();
      });
      it('with another session\'s cookie and field both planted (bound to that session) → 403, where a session exists', async () => {
        const p = await prepare();
        if (p.anonymous) return;
        p.victim.cookies.set(CSRF_COOKIE, p.other.cookies.get(CSRF_COOKIE)!);
        expect((await post(a, p.victim, p.path, { ...p.fields, csrf: p.otherField })).status).toBe(403);
        await p.unchanged?.();
      });
      it('with its own field → past the check', async () => {
        const p = await prepare();
        expect((await post(a, p.victim, p.path, { ...p.fields, csrf: p.own })).status).toBe(p.ok);
      });
    });
  });

  describe('audit log', () => {
    it('records sign-in success and failure and key creation without any password, code, token or key', async () => {
      await passwordStep(a, new CookieJar(), (await member(a)).email, WRONG);
      await passwordStep(a, new CookieJar(), 'nobody@example.jp', WRONG);
      const admin = await sessionJar(a, (await installationAdmin(a)).id);
      secrets.add(admin.sid);
      const created = await post(a, admin.jar, '/admin/keys', { csrf: await fieldOn(a, admin.jar, '/admin/keys'), name: 'audited key', organisation: 'katsuragi', role: 'detector' });
      expect(created.status).toBe(201);
      const key = /id="new-key"[\s\S]*?<code>(jko_[^<]+)<\/code>/.exec(await created.text())![1];
      secrets.add(key);
      const viaApi = await json(await fetch(`${a.base}/api/keys`, { method: 'POST', headers: { cookie: admin.jar.header(), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'api key', organisation: 'katsuragi', role: 'detector' }) }));
      secrets.add(viaApi.key);
      const { steps, text } = await accessAudit(a);
      for (const s of ['access.signIn', 'access.signInFailed', 'access.apiKeyCreated', 'access.secondFactorEnrolled', 'access.passwordSet', 'access.accountDisabled']) expect(steps).toContain(s);
      for (const secret of secrets) {
        expect(text).not.toContain(secret);
        // The key's secret part alone, too.
        if (secret.startsWith('jko_')) expect(text).not.toContain(secret.split('_').pop()!);
      }
      const logged = a.logLines.join('\n');
      for (const secret of secrets) expect(logged).not.toContain(secret);
    });
  });
});

describe('timeouts, rate limits and lockout (on a moved clock)', () => {
  let a: AccessApp;
  beforeAll(async () => {
    a = await startAccessApp({ env: { SESSION_IDLE: '10m', SESSION_MAX: '1h' } });
  });
  afterAll(() => a?.close());
  const MIN = 60_000;

  it('ends a session left idle longer than SESSION_IDLE; activity keeps it', async () => {
    const jar = await signIn(a.base, await member(a));
    const sid = jar.cookies.get(SESSION_COOKIE)!;
    a.advance(9 * MIN);
    expect(await whoami(a, sid)).toBe(200);
    a.advance(9 * MIN);
    expect(await whoami(a, sid)).toBe(200);
    a.advance(10 * MIN + 1000);
    expect(await whoami(a, sid)).toBe(401);
    const page = await jar.fetch(`${a.base}/tasks`);
    expect([page.status, page.headers.get('location')]).toEqual([303, '/login?next=%2Ftasks']);
    expect(await a.db.selectFrom('sessions').select('account_id').where('id_hash', '=', sessionIdHash(sid)).executeTakeFirst()).toBeUndefined();
  });

  it('ends a session at SESSION_MAX however active', async () => {
    const r = await passwordStep(a, new CookieJar(), (await member(a)).email, TEST_PASSWORD);
    expect(setCookie(r, SESSION_COOKIE)).toMatch(/Max-Age=3600/i);
    const sid = cookieValue(r, SESSION_COOKIE);
    for (let i = 0; i < 7; i++) {
      a.advance(8 * MIN);
      expect(await whoami(a, sid)).toBe(200);
    }
    a.advance(5 * MIN);
    expect(await whoami(a, sid)).toBe(401);
  });

  it('answers 429 with Retry-After past 10 attempts for one account within 15 minutes; others are not held up', async () => {
    const attempt = (login: string) => passwordStep(a, new CookieJar(), login, WRONG);
    for (let i = 0; i < 10; i++) expect((await attempt('guessed@example.jp')).status).toBe(401);
    const refused = await attempt('guessed@example.jp');
    expect(refused.status).toBe(429);
    const retry = Number(refused.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(15 * 60);
    expect((await attempt('other@example.jp')).status).toBe(401);
    a.advance(15 * MIN + 1000);
    expect((await attempt('guessed@example.jp')).status).toBe(401);
  });

  it('answers 429 past 60 attempts from one address within 5 minutes, on any of the sign-in forms', async () => {
    a.advance(16 * MIN);
    // Setup-link guesses count like passwords (and are quick: no hash to compute for a token that is not there).
    const jar = new CookieJar();
    const bogus = `/setup/${'x'.repeat(43)}`;
    const csrf = await fieldOn(a, jar, '/login');
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) statuses.push((await post(a, jar, bogus, { csrf, password: WRONG, confirm: WRONG })).status);
    expect(statuses.slice(0, 60).every((s) => s === 404)).toBe(true);
    expect(statuses[60]).toBe(429);
    // The same address signing in to an account it never tried is held too.
    const signInHeld = await passwordStep(a, new CookieJar(), 'spray@example.jp', WRONG);
    expect(signInHeld.status).toBe(429);
    expect(Number(signInHeld.headers.get('retry-after'))).toBeGreaterThan(0);
    a.advance(6 * MIN);
    expect((await passwordStep(a, new CookieJar(), 'spray-after@example.jp', WRONG)).status).toBe(401);
  });

  it('locks an account after 5 wrong passwords: even the right one is refused until an admin unlocks it or the period passes', async () => {
    a.advance(16 * MIN);
    const m = await member(a);
    const tryWith = async (password: string) => (await passwordStep(a, new CookieJar(), m.email, password)).status;
    for (let i = 0; i < 4; i++) expect(await tryWith(WRONG)).toBe(401);
    expect(await tryWith(WRONG)).toBe(423);
    expect(await tryWith(TEST_PASSWORD)).toBe(423);

    const admin = await sessionJar(a, (await installationAdmin(a)).id);
    expect((await post(a, admin.jar, `/admin/accounts/${m.id}/unlock`, { csrf: await fieldOn(a, admin.jar, '/admin/accounts') })).status).toBe(303);
    expect(await tryWith(TEST_PASSWORD)).toBe(303);

    for (let i = 0; i < 5; i++) await tryWith(WRONG);
    expect(await tryWith(TEST_PASSWORD)).toBe(423);
    a.advance(29 * MIN);
    expect(await tryWith(TEST_PASSWORD)).toBe(423);
    a.advance(2 * MIN);
    expect(await tryWith(TEST_PASSWORD)).toBe(303);

    const { steps, text } = await accessAudit(a);
    expect(steps.filter((s) => s === 'access.lockedOut').length).toBe(2);
    expect(steps).toContain('access.accountUnlocked');
    expect(text).not.toContain(WRONG);
    expect(text).not.toContain(TEST_PASSWORD);
  });
});

describe('a profile\'s lockout threshold lower than the configured one', () => {
  let a: AccessApp;
  beforeAll(async () => {
    a = await startAccessApp({ env: { LOCKOUT_THRESHOLD: '8' } });
  });
  afterAll(() => a?.close());

  it('locks a Niigata account at its profile\'s 5 (niigata:15.2.9), a Katsuragi one at the configured 8', async () => {
    const fails = async (who: TestAccount, times: number) => {
      const statuses: number[] = [];
      for (let i = 0; i < times; i++) statuses.push((await passwordStep(a, new CookieJar(), who.email, WRONG)).status);
      return statuses;
    };
    const niigata = await account(a, [{ role: 'member', organisation: 'niigata' }]);
    expect(await fails(niigata, 5)).toEqual([401, 401, 401, 401, 423]);
    const katsuragi = await member(a);
    expect(await fails(katsuragi, 8)).toEqual([401, 401, 401, 401, 401, 401, 401, 423]);
  });
});
