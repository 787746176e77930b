// Test identities: accounts with roles and passwords, API keys, and signing in over HTTP as a
// browser does (CSRF cookie and field, session cookie, TOTP when the account has one).
import type { Kysely } from 'kysely';
import { hashPassword } from '../../src/auth/password-hash';
import { newTotpSecret, totpCode } from '../../src/auth/totp';
import { addGrants, createAccount, createApiKey, enableTotp } from '../../src/db/accounts';
import type { Database } from '../../src/db/schema';
import type { AccessRole, Grant } from '../../src/domain/access';

/** A password every policy check accepts. */
export const TEST_PASSWORD = 'correct horse battery staple 住基';

export interface TestAccount {
  id: string;
  email: string;
  password: string;
  totpSecret?: string;
}

export async function createTestAccount(
  db: Kysely<Database>,
  o: { email: string; name?: string; grants: Grant[]; password?: string; totp?: boolean },
): Promise<TestAccount> {
  const password = o.password ?? TEST_PASSWORD;
  const account = await createAccount(db, { email: o.email, displayName: o.name ?? o.email.split('@')[0], source: 'local', passwordHash: await hashPassword(password) });
  await addGrants(db, account.id, o.grants, 'test');
  let totpSecret: string | undefined;
  if (o.totp) {
    totpSecret = newTotpSecret();
    // Last used step far in the past: any current code is accepted once.
    await enableTotp(db, account.id, totpSecret, 0, [], new Date());
  }
  return { id: account.id, email: account.email, password, ...(totpSecret ? { totpSecret } : {}) };
}

/** An API key (the `Authorization` header's value) for one role in one organisation (`*`: every one). */
export async function createTestKey(db: Kysely<Database>, role: AccessRole, organisation: string, days = 30): Promise<string> {
  const now = new Date();
  const { key } = await createApiKey(db, { name: `test ${role}@${organisation}`, organisation, role, createdBy: 'test', expiresAt: new Date(now.getTime() + days * 86_400_000) }, now);
  return `Bearer ${key}`;
}

/** `fetch` with an API key on every request. */
export function fetchWith(authorization: string): typeof fetch {
  return (input, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', authorization);
    return fetch(input, { ...init, headers });
  };
}

/** A tiny cookie jar: what a browser would send back to this one site. */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const [name, ...value] = pair.trim().split('=');
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0/i.test(a));
      if (expired || value.join('=') === '') this.cookies.delete(name);
      else this.cookies.set(name, value.join('='));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  /** fetch that sends and keeps cookies, never following redirects (the test reads them). */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', this.header());
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.take(res);
    return res;
  }
}

/** The hidden CSRF field of the first form on a page. */
export function csrfOf(page: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(page);
  if (!m) throw new Error(`no CSRF field on the page:\n${page.slice(0, 500)}`);
  return m[1];
}

export const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

/** Signs in through the pages (password, then the TOTP code when the account has one); returns the jar holding the session. */
export async function signIn(baseUrl: string, account: Pick<TestAccount, 'email' | 'password' | 'totpSecret'>, jar = new CookieJar()): Promise<CookieJar> {
  const loginPage = await jar.fetch(`${baseUrl}/login`);
  const res = await jar.fetch(`${baseUrl}/login`, form({ csrf: csrfOf(await loginPage.text()), login: account.email, password: account.password, next: '/' }));
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status} ${(await res.text()).slice(0, 300)}`);
  const to = res.headers.get('location') ?? '';
  if (to.startsWith('/login/totp')) {
    if (!account.totpSecret) throw new Error('the account needs a TOTP code');
    const totpPage = await jar.fetch(`${baseUrl}${to}`);
    const done = await jar.fetch(`${baseUrl}/login/totp`, form({ csrf: csrfOf(await totpPage.text()), code: totpCode(account.totpSecret, Date.now()), next: '/' }));
    if (done.status !== 303) throw new Error(`TOTP step failed: ${done.status}`);
  }
  return jar;
}

/** `fetch` as the signed-in person of `jar`: their session cookie goes with any cookie the test sets itself. */
export function fetchAsSignedIn(jar: CookieJar): typeof fetch {
  return (input, init = {}) => {
    const headers = new Headers(init.headers);
    const own = headers.get('cookie');
    headers.set('cookie', own ? `${own}; ${jar.header()}` : jar.header());
    return fetch(input, { ...init, headers });
  };
}

/** Signs in a person holding every role in every organisation (an admin, so with TOTP): for tests of pages, not of access. */
export async function signInAsEverything(baseUrl: string, db: Kysely<Database>, email = 'all-roles@example.jp'): Promise<typeof fetch> {
  const account = await createTestAccount(db, { email, grants: (['admin', 'commander', 'auditor', 'operator'] as const).map((role) => ({ organisation: '*', role })), totp: true });
  return fetchAsSignedIn(await signIn(baseUrl, account));
}

/**
 * What the first administrator does with the link `npm start` prints: sets a password, enrols
 * TOTP (required for admins), and is signed in. Returns their fetch and credentials.
 */
export async function setUpFirstAdmin(setupLink: string, email = 'admin@katsuragi.example.jp'): Promise<{ fetch: typeof fetch; jar: CookieJar; account: TestAccount }> {
  const base = new URL(setupLink).origin;
  const jar = new CookieJar();
  const page = await jar.fetch(setupLink);
  if (page.status !== 200) throw new Error(`setup link answered ${page.status}`);
  const set = await jar.fetch(setupLink, form({ csrf: csrfOf(await page.text()), email, name: '管理者 一郎', password: TEST_PASSWORD, confirm: TEST_PASSWORD }));
  if (set.headers.get('location') !== '/account/totp') throw new Error(`setup answered ${set.status} → ${set.headers.get('location')}: ${(await set.text()).slice(0, 300)}`);
  const start = await jar.fetch(`${base}/account/totp`);
  const shown = await (await jar.fetch(`${base}/account/totp/secret`, form({ csrf: csrfOf(await start.text()), next: '/' }))).text();
  const secret = /data-secret="([A-Z2-7]+)"/.exec(shown)?.[1];
  if (!secret) throw new Error('no TOTP secret on the enrolment page');
  const done = await jar.fetch(`${base}/account/totp`, form({ csrf: csrfOf(shown), code: totpCode(secret, Date.now()), next: '/' }));
  if (done.status !== 200) throw new Error(`TOTP enrolment answered ${done.status}`);
  return { fetch: fetchAsSignedIn(jar), jar, account: { id: '', email, password: TEST_PASSWORD, totpSecret: secret } };
}
