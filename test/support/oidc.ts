// A real OpenID provider for the tests (test/support/oidc-provider.mjs, the `oidc-provider`
// package in a child process), and a person signing in at it over plain HTTP: the provider's
// development login and consent forms, followed with a cookie jar as a browser would.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { freePort } from './ports';

export interface TestAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
}

export interface OidcProviderOptions {
  /** The relying party's callback; the provider accepts no other. */
  redirectUri: string | string[];
  /** Login id → claims. The development login form takes any password. */
  accounts: Record<string, TestAccount>;
  clientAuth?: 'client_secret_basic' | 'client_secret_post';
  idTokenAlg?: 'RS256' | 'PS256' | 'ES256' | 'EdDSA';
  /** Scope claims in the ID token (default), or only at the userinfo endpoint (as the package's own default). */
  claimsInIdToken?: boolean;
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  stop(): Promise<void>;
}

export async function startOidcProvider(opts: OidcProviderOptions): Promise<TestOidcProvider> {
  const port = await freePort();
  const clientId = `jukinet-ops-${randomBytes(4).toString('hex')}`;
  const clientSecret = randomBytes(32).toString('base64url');
  const settings = {
    port,
    clientId,
    clientSecret,
    redirectUris: Array.isArray(opts.redirectUri) ? opts.redirectUri : [opts.redirectUri],
    clientAuth: opts.clientAuth ?? 'client_secret_basic',
    idTokenAlg: opts.idTokenAlg ?? 'RS256',
    claimsInIdToken: opts.claimsInIdToken ?? true,
    accounts: opts.accounts,
  };
  const child = spawn(process.execPath, [path.join(__dirname, 'oidc-provider.mjs')], {
    env: { ...process.env, NODE_OPTIONS: '', OIDC_TEST_SETTINGS: JSON.stringify(settings) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const issuer = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`OpenID provider did not start:\n${err}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && out.includes('\n')) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { issuer: string }).issuer);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`OpenID provider exited (${code}):\n${err}`));
    });
  });
  return {
    issuer,
    clientId,
    clientSecret,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Cookies by name, as one browser tab on one host keeps them (paths ignored: one flow, one host). */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k, v] = a.trim().split('=');
        if (k!.toLowerCase() === 'max-age') return Number(v) <= 0;
        if (k!.toLowerCase() === 'expires') return Date.parse(v!) <= Date.now();
        return false;
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/**
 * Signs `accountId` in at the provider from the authorisation URL, through the development login
 * and consent forms, and returns the redirect to the callback without following it. `abort`
 * cancels at the login form instead (the provider answers `error=access_denied`).
 */
export async function loginAtProvider(
  authUrl: string,
  accountId: string,
  opts: { redirectUri: string; abort?: boolean },
): Promise<URL> {
  const jar = new CookieJar();
  let url = new URL(authUrl);
  let method: 'GET' | 'POST' = 'GET';
  let body: string | undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (url.href.startsWith(opts.redirectUri) && method === 'GET') return url;
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        cookie: jar.header(),
        ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
    });
    jar.take(res);
    method = 'GET';
    body = undefined;
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url);
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`provider answered ${res.status} at ${url.pathname}:\n${html.slice(0, 2000)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (!action || !prompt) throw new Error(`no form at ${url.pathname}:\n${html.slice(0, 2000)}`);
    if (prompt === 'login' && opts.abort) {
      url = new URL(`${url.pathname.replace(/\/$/, '')}/abort`, url);
      continue;
    }
    url = new URL(action.replace(/&amp;/g, '&'), url);
    method = 'POST';
    body =
      prompt === 'login'
        ? new URLSearchParams({ prompt, login: accountId, password: 'any' }).toString()
        : new URLSearchParams({ prompt }).toString();
  }
  throw new Error('too many redirects at the provider');
}
