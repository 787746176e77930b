// Signing in through the HTTP application with the organisation's directory (a real slapd) and
// its OpenID provider (a real `oidc-provider`): the pages, the session cookie, the roles the groups
// map to, the refusals (wrong password, directory down, lockout, tampered or replayed callbacks),
// and an audit log that names who and how, never a password, code or token.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { DefaultLogger } from '@temporalio/worker';
import { sql } from 'kysely';
import { createApp } from '../../src/api/app';
import { type LdapConfig, ldapConfigSchema } from '../../src/auth/ldap';
import { type OidcConfig, oidcConfigSchema } from '../../src/auth/oidc';
import { loadConfig } from '../../src/config';
import type { AppDatabase } from '../../src/db';
import { findAccountByEmail, grantsOf } from '../../src/db/accounts';
import { checkProfiles, openMigratedDatabase, storeProfiles } from '../../src/runtime';
import { generateSigningKey } from '../../src/tokens';
import { CookieJar, createTestAccount, csrfOf, form } from '../support/auth';
import { json } from '../support/http';
import { loginAtProvider, startOidcProvider, type TestOidcProvider } from '../support/oidc';
import { freePort } from '../support/ports';
import { AUDITORS_DN, COMMANDERS_DN, GROUPS_DN, PEOPLE, PEOPLE_DN, SERVICE_DN, SERVICE_PASSWORD, startSlapd, type TestDirectory } from '../support/slapd';

jest.setTimeout(120_000);

// Sign-in pages never reach Temporal.
const noTemporal = {} as Client;
const logLines: string[] = [];
const logger = new DefaultLogger('WARN', (entry) => logLines.push(`${entry.message} ${JSON.stringify(entry.meta ?? {})}`));

const OIDC_ACCOUNTS = {
  kato: { email: 'Kato.Mika@katsuragi.example.jp', email_verified: true, name: '加藤 美香', groups: ['katsuragi-commanders'] },
  ota: { email: 'ota@katsuragi.example.jp', email_verified: true, name: '太田 修', groups: ['katsuragi-auditors', 'unmapped-group'] },
  mori: { email: 'mori@katsuragi.example.jp', email_verified: true, name: '森 誠', groups: ['katsuragi-commanders'] },
  ueda: { email: 'ueda@katsuragi.example.jp', email_verified: true, name: '上田 聡', groups: ['katsuragi-commanders'] },
};

/** Every secret the test sees pass by: none may reach the audit log or a log line. */
const secrets = new Set<string>([SERVICE_PASSWORD, ...Object.values(PEOPLE).map((p) => p.password)]);
const WRONG_PASSWORD = 'not-the-password-4711';
secrets.add(WRONG_PASSWORD);

let base: string;
let redirectUri: string;
let appDb: AppDatabase;
let directory: TestDirectory;
let provider: TestOidcProvider;
let close: () => Promise<void>;
let dataDir: string;

beforeAll(async () => {
  // The provider must know the callback before the app exists, so the port is chosen first.
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  redirectUri = `${base}/login/oidc/callback`;
  directory = await startSlapd();
  provider = await startOidcProvider({ redirectUri, accounts: OIDC_ACCOUNTS });
  secrets.add(provider.clientSecret);
  secrets.add(directory.adminPassword);

  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-fed-'));
  const config = loadConfig(
    { DATA_DIR: dataDir, PROFILES_DIR: path.join(__dirname, '..', '..', 'profiles'), PUBLIC_URL: base, LOCKOUT_THRESHOLD: '3' },
    '/nonexistent/.env',
  );
  appDb = await openMigratedDatabase(config, logger);
  await storeProfiles(appDb, checkProfiles(config), logger);
  const ldap: LdapConfig = ldapConfigSchema.parse({
    url: directory.url,
    bindDn: SERVICE_DN,
    bindPassword: SERVICE_PASSWORD,
    userBase: PEOPLE_DN,
    groupBase: GROUPS_DN,
    roleMap: [
      { group: COMMANDERS_DN, organisation: 'katsuragi', role: 'commander' },
      { group: AUDITORS_DN, organisation: 'katsuragi', role: 'auditor' },
    ],
    timeoutMs: 2000,
  });
  const oidc: OidcConfig = oidcConfigSchema.parse({
    issuer: provider.issuer,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    redirectUri,
    roleMap: [
      { group: 'katsuragi-commanders', organisation: 'katsuragi', role: 'commander' },
      { group: 'katsuragi-auditors', organisation: 'katsuragi', role: 'auditor' },
    ],
  });
  const app = createApp({
    config,
    appDb,
    logger,
    client: noTemporal,
    signingKeys: [generateSigningKey('t1')],
    auditMacKeys: [generateSigningKey('a1')],
    health: async () => [],
    ldap,
    oidc,
  });
  const server = app.listen(port, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  close = () => new Promise((r) => server.close(() => r(undefined)));
});

afterAll(async () => {
  await close?.();
  await appDb?.close();
  await directory?.stop();
  await provider?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Posts the sign-in form as a browser does: the page first (CSRF cookie and field), then the form. */
async function postLogin(login: string, password: string, jar = new CookieJar()) {
  const page = await jar.fetch(`${base}/login`);
  const res = await jar.fetch(`${base}/login`, form({ csrf: csrfOf(await page.text()), login, password, next: '/incidents' }));
  return { res, jar, text: await res.text() };
}

function keepSessionId(jar: CookieJar): void {
  for (const [name, value] of jar.cookies) secrets.add(`${name}=${value}`), secrets.add(value);
}

describe('directory (LDAP) sign-in through the pages', () => {
  it('signs a directory person in with a session whose grants come from their groups', async () => {
    const { res, jar } = await postLogin(PEOPLE.tanaka.mail, PEOPLE.tanaka.password);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/incidents');
    expect(jar.cookies.has('jo_session')).toBe(true);
    keepSessionId(jar);

    const who = await jar.fetch(`${base}/api/whoami`);
    expect(who.status).toBe(200);
    const body = await json(who);
    expect(body).toMatchObject({ kind: 'account', email: PEOPLE.tanaka.mail });
    expect(body.grants).toEqual(
      expect.arrayContaining([
        { organisation: 'katsuragi', role: 'commander' },
        { organisation: 'katsuragi', role: 'auditor' },
      ]),
    );
    expect(body.grants).toHaveLength(2);
    expect((await jar.fetch(`${base}/incidents`)).status).toBe(200);
    expect((await jar.fetch(`${base}/api/incidents`)).status).toBe(200);
  });

  it('keeps an account row for the person, marked as coming from the directory, without a password', async () => {
    const account = await findAccountByEmail(appDb.db, PEOPLE.tanaka.mail);
    expect(account).toMatchObject({ source: 'ldap', password_hash: null, display_name: PEOPLE.tanaka.cn });
  });

  it('refuses a wrong password with the sign-in page (401) and no session', async () => {
    const { res, jar, text } = await postLogin(PEOPLE.tanaka.mail, WRONG_PASSWORD);
    expect(res.status).toBe(401);
    expect(text).toContain('メールアドレスまたはパスワードが正しくありません');
    expect(jar.cookies.has('jo_session')).toBe(false);
    expect((await jar.fetch(`${base}/api/whoami`)).status).toBe(401);
  });

  it('signs in a person in no mapped group, who then sees no incident', async () => {
    const { res, jar } = await postLogin('sato', PEOPLE.sato.password);
    expect(res.status).toBe(303);
    keepSessionId(jar);
    const who = await json(await jar.fetch(`${base}/api/whoami`));
    expect(who).toMatchObject({ email: PEOPLE.sato.mail, grants: [] });
    expect([403, 404]).toContain((await jar.fetch(`${base}/api/incidents`)).status);
    expect([403, 404]).toContain((await jar.fetch(`${base}/api/incidents?organisation=katsuragi`)).status);
    expect([403, 404]).toContain((await jar.fetch(`${base}/incidents`)).status);
  });

  it('locks a directory account after repeated failures, whether the person types their email or their uid', async () => {
    // First sign-in creates the account (auditor@katsuragi from the auditors group).
    const first = await postLogin(PEOPLE.suzuki.mail, PEOPLE.suzuki.password);
    expect(first.res.status).toBe(303);
    keepSessionId(first.jar);

    // LOCKOUT_THRESHOLD=3: two failures by email, the third by uid, all count against one account.
    expect((await postLogin(PEOPLE.suzuki.mail, WRONG_PASSWORD)).res.status).toBe(401);
    expect((await postLogin(PEOPLE.suzuki.mail, WRONG_PASSWORD)).res.status).toBe(401);
    const third = await postLogin('suzuki', WRONG_PASSWORD);
    expect(third.res.status).toBe(423);
    expect(third.text).toContain('アカウントはロックされています');

    // Locked: the right password no longer opens it, by email or by uid.
    for (const login of [PEOPLE.suzuki.mail, 'suzuki']) {
      const again = await postLogin(login, PEOPLE.suzuki.password);
      expect(again.res.status).toBe(423);
      expect(again.jar.cookies.has('jo_session')).toBe(false);
    }
    const account = await findAccountByEmail(appDb.db, PEOPLE.suzuki.mail);
    expect(account?.locked_until?.getTime()).toBeGreaterThan(Date.now());
  });
});

describe('OpenID Connect sign-in through the pages', () => {
  /** POST /login/oidc from the sign-in page: the redirect to the provider, with the pending sign-in in a cookie. */
  async function begin(jar: CookieJar, next = '/incidents') {
    const page = await jar.fetch(`${base}/login`);
    const res = await jar.fetch(`${base}/login/oidc`, form({ csrf: csrfOf(await page.text()), next }));
    expect(res.status).toBe(303);
    const to = res.headers.get('location')!;
    expect(to.startsWith(provider.issuer)).toBe(true);
    expect(jar.cookies.has('jo_oidc')).toBe(true);
    return to;
  }

  function keepCallback(cb: URL): void {
    for (const k of ['code', 'state']) {
      const v = cb.searchParams.get(k);
      if (v) secrets.add(v);
    }
  }

  it('sends the browser to the provider and back, starting a session with the grants of the groups claim', async () => {
    const jar = new CookieJar();
    const authUrl = await begin(jar);
    const q = new URL(authUrl).searchParams;
    expect(q.get('redirect_uri')).toBe(redirectUri);
    expect(q.get('code_challenge_method')).toBe('S256');

    const cb = await loginAtProvider(authUrl, 'kato', { redirectUri });
    keepCallback(cb);
    const back = await jar.fetch(cb.href);
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe('/incidents');
    expect(jar.cookies.has('jo_session')).toBe(true);
    expect(jar.cookies.has('jo_oidc')).toBe(false);
    keepSessionId(jar);

    const who = await json(await jar.fetch(`${base}/api/whoami`));
    expect(who).toMatchObject({ kind: 'account', email: 'kato.mika@katsuragi.example.jp', name: '加藤 美香', grants: [{ organisation: 'katsuragi', role: 'commander' }] });
    expect((await jar.fetch(`${base}/incidents`)).status).toBe(200);
    expect(await findAccountByEmail(appDb.db, 'kato.mika@katsuragi.example.jp')).toMatchObject({ source: 'oidc', password_hash: null });
  });

  it('maps only the groups the configuration names (auditor, nothing for an unmapped group)', async () => {
    const jar = new CookieJar();
    const cb = await loginAtProvider(await begin(jar), 'ota', { redirectUri });
    keepCallback(cb);
    expect((await jar.fetch(cb.href)).status).toBe(303);
    keepSessionId(jar);
    const who = await json(await jar.fetch(`${base}/api/whoami`));
    expect(who.grants).toEqual([{ organisation: 'katsuragi', role: 'auditor' }]);
  });

  it('refuses a callback whose state was tampered with: no session', async () => {
    const jar = new CookieJar();
    const cb = await loginAtProvider(await begin(jar), 'mori', { redirectUri });
    keepCallback(cb);
    const state = cb.searchParams.get('state')!;
    cb.searchParams.set('state', `${state.slice(0, -2)}${state.endsWith('AA') ? 'BB' : 'AA'}`);
    const res = await jar.fetch(cb.href);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('組織のアカウントでのサインインを完了できませんでした');
    expect(jar.cookies.has('jo_session')).toBe(false);
    expect((await jar.fetch(`${base}/api/whoami`)).status).toBe(401);
    expect(await findAccountByEmail(appDb.db, 'mori@katsuragi.example.jp')).toBeUndefined();
  });

  it('does not let the provider take over a local account with the same email (its roles, its second factor)', async () => {
    const local = await createTestAccount(appDb.db, { email: 'ueda@katsuragi.example.jp', grants: [{ organisation: '*', role: 'admin' }], totp: true });
    const jar = new CookieJar();
    const cb = await loginAtProvider(await begin(jar), 'ueda', { redirectUri });
    keepCallback(cb);
    const res = await jar.fetch(cb.href);
    expect(res.status).toBe(401);
    expect(jar.cookies.has('jo_session')).toBe(false);
    expect(await findAccountByEmail(appDb.db, local.email)).toMatchObject({ source: 'local' });
    expect(await grantsOf(appDb.db, local.id)).toEqual([{ organisation: '*', role: 'admin' }]);
  });

  it('refuses a replayed callback, from the same browser and from one that kept the pending cookie', async () => {
    const jar = new CookieJar();
    const authUrl = await begin(jar);
    const pending = jar.cookies.get('jo_oidc')!;
    secrets.add(pending);
    const cb = await loginAtProvider(authUrl, 'mori', { redirectUri });
    keepCallback(cb);
    expect((await jar.fetch(cb.href)).status).toBe(303);
    keepSessionId(jar);

    // The same browser again: its pending sign-in was spent with the first callback.
    const sameBrowser = new CookieJar();
    for (const [k, v] of jar.cookies) if (k !== 'jo_session') sameBrowser.cookies.set(k, v);
    const again = await sameBrowser.fetch(cb.href);
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect(sameBrowser.cookies.has('jo_session')).toBe(false);

    // Someone who copied the pending cookie and the callback URL: the provider refuses the spent code.
    const copier = new CookieJar();
    copier.cookies.set('jo_oidc', pending);
    const replayed = await copier.fetch(cb.href);
    expect(replayed.status).toBe(401);
    expect(copier.cookies.has('jo_session')).toBe(false);
    expect((await copier.fetch(`${base}/api/whoami`)).status).toBe(401);
  });
});

describe('when the directory is down', () => {
  it('answers the sign-in with a 503 page saying the directory is unavailable', async () => {
    await directory.stop();
    const { res, text, jar } = await postLogin(PEOPLE.tanaka.mail, PEOPLE.tanaka.password);
    expect(res.status).toBe(503);
    expect(text).toContain('ディレクトリ（LDAP）に接続できません');
    expect(jar.cookies.has('jo_session')).toBe(false);
  });
});

describe('the audit log of these sign-ins', () => {
  it('records successes, failures and the lockout by source, and never a password, code, state or session id', async () => {
    const rows = (await sql<{ actor: string; step: string; detail: unknown }>`SELECT actor, step, detail FROM audit_log WHERE case_id = 'access' ORDER BY seq`.execute(appDb.db)).rows;
    const steps = rows.map((r) => `${r.step} ${r.actor}`);
    expect(steps).toEqual(
      expect.arrayContaining([
        `access.signIn ${PEOPLE.tanaka.mail}`,
        `access.signInFailed ${PEOPLE.tanaka.mail}`,
        `access.lockedOut ${PEOPLE.suzuki.mail}`,
        'access.signIn kato.mika@katsuragi.example.jp',
        'access.signInFailed unknown',
      ]),
    );
    expect(rows.find((r) => r.step === 'access.signIn' && r.actor === PEOPLE.tanaka.mail)?.detail).toMatchObject({ source: 'ldap' });
    expect(rows.find((r) => r.step === 'access.signIn' && r.actor === 'kato.mika@katsuragi.example.jp')?.detail).toMatchObject({ source: 'oidc' });
    const everything = JSON.stringify(rows) + logLines.join('\n');
    for (const s of secrets) expect(everything).not.toContain(s);
  });
});
