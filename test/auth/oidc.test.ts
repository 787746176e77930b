// OpenID Connect sign-in against a real provider (the `oidc-provider` package, started by
// test/support/oidc.ts), and the ID-token verifier against tokens signed here with generated keys.
import { createHash, createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import * as http from 'node:http';
import {
  beginSignIn,
  completeSignIn,
  discoverProvider,
  grantsFor,
  KeySet,
  type OidcConfig,
  oidcConfigSchema,
  OidcError,
  parseOidcEnv,
  type PendingSignIn,
  type ProviderMetadata,
  verifyIdToken,
} from '../../src/auth/oidc';
import { ConfigError } from '../../src/config';
import { freePort } from '../support/ports';
import { loginAtProvider, startOidcProvider, type TestAccount, type TestOidcProvider } from '../support/oidc';

const ACCOUNTS: Record<string, TestAccount> = {
  'tanaka.k': {
    email: 'K.Tanaka@city.katsuragi.example.jp',
    email_verified: true,
    name: '田中 健',
    groups: ['katsuragi-security', 'jlis-audit'],
  },
  'no.mail': { name: 'メールなし', groups: ['katsuragi-security'] },
  'unverified': { email: 'unverified@example.jp', email_verified: false, name: '未確認' },
  'no.groups': { email: 'plain@example.jp', email_verified: true },
};

const ROLE_MAP: OidcConfig['roleMap'] = [
  { group: 'katsuragi-security', organisation: 'katsuragi', role: 'commander' },
  { group: 'jlis-audit', organisation: '*', role: 'auditor' },
  { group: 'niigata-security', organisation: 'niigata', role: 'commander' },
];

let redirectUri: string;

beforeAll(async () => {
  // Nothing listens there: the test stops at the provider's redirect to it, as a browser would arrive.
  redirectUri = `http://127.0.0.1:${await freePort()}/auth/oidc/callback`;
});

function configFor(p: TestOidcProvider, extra: Partial<OidcConfig> = {}): OidcConfig {
  return oidcConfigSchema.parse({
    issuer: p.issuer,
    clientId: p.clientId,
    clientSecret: p.clientSecret,
    redirectUri,
    roleMap: ROLE_MAP,
    ...extra,
  });
}

async function callbackFor(meta: ProviderMetadata, config: OidcConfig, account: string) {
  const { url, pending } = beginSignIn(meta, config);
  const cb = await loginAtProvider(url, account, { redirectUri });
  return { pending, callback: Object.fromEntries(cb.searchParams) as Record<string, string> };
}

describe('sign-in at a real OpenID provider (RS256, claims in the ID token, client_secret_basic)', () => {
  let provider: TestOidcProvider;
  let config: OidcConfig;
  let meta: ProviderMetadata;

  beforeAll(async () => {
    provider = await startOidcProvider({ redirectUri, accounts: ACCOUNTS });
    config = configFor(provider);
    meta = await discoverProvider(config);
  });
  afterAll(() => provider?.stop());

  it('discovers the endpoints and keys of the configured issuer', () => {
    expect(meta.issuer).toBe(provider.issuer);
    expect(meta.tokenEndpoint).toBe(`${provider.issuer}/token`);
    expect(meta.issInAuthorizationResponse).toBe(true);
  });

  it('sends the browser with state, nonce and an S256 code challenge of a fresh verifier', () => {
    const a = beginSignIn(meta, config);
    const b = beginSignIn(meta, config);
    const q = new URL(a.url).searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('client_id')).toBe(provider.clientId);
    expect(q.get('redirect_uri')).toBe(redirectUri);
    expect(q.get('scope')).toBe('openid email profile');
    expect(q.get('state')).toBe(a.pending.state);
    expect(q.get('nonce')).toBe(a.pending.nonce);
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toBe(createHash('sha256').update(a.pending.codeVerifier).digest('base64url'));
    expect(a.url).not.toContain(a.pending.codeVerifier);
    for (const k of ['state', 'nonce', 'codeVerifier'] as const) {
      expect(a.pending[k]).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(a.pending[k]).not.toBe(b.pending[k]);
    }
  });

  it('signs a person in: subject, email, name, groups and the grants the role map gives', async () => {
    const { pending, callback } = await callbackFor(meta, config, 'tanaka.k');
    expect(callback.iss).toBe(provider.issuer);
    const r = await completeSignIn(meta, config, callback, pending);
    expect(r).toEqual({
      ok: true,
      identity: {
        subject: 'tanaka.k',
        email: 'k.tanaka@city.katsuragi.example.jp',
        displayName: '田中 健',
        groups: ['katsuragi-security', 'jlis-audit'],
        grants: [
          { organisation: 'katsuragi', role: 'commander' },
          { organisation: '*', role: 'auditor' },
        ],
      },
    });
  });

  it('gives no grants to a person in no mapped group', async () => {
    const { pending, callback } = await callbackFor(meta, config, 'no.groups');
    const r = await completeSignIn(meta, config, callback, pending);
    expect(r).toMatchObject({ ok: true, identity: { email: 'plain@example.jp', displayName: 'plain@example.jp', groups: [], grants: [] } });
  });

  it('refuses a callback whose state is not the one this browser was sent with', async () => {
    const { pending, callback } = await callbackFor(meta, config, 'tanaka.k');
    const other = beginSignIn(meta, config).pending;
    expect(await completeSignIn(meta, config, callback, { ...pending, state: other.state })).toMatchObject({
      ok: false,
      reason: 'state_mismatch',
    });
    const { state: _dropped, ...withoutState } = callback;
    expect(await completeSignIn(meta, config, withoutState, pending)).toMatchObject({ ok: false, reason: 'state_mismatch' });
  });

  it('refuses an ID token carrying another sign-in’s nonce', async () => {
    const { pending, callback } = await callbackFor(meta, config, 'tanaka.k');
    const forged: PendingSignIn = { ...pending, nonce: beginSignIn(meta, config).pending.nonce };
    const r = await completeSignIn(meta, config, callback, forged);
    expect(r).toMatchObject({ ok: false, reason: 'bad_id_token' });
    expect(!r.ok && r.detail).toMatch(/nonce/);
  });

  it('refuses a replayed code: the provider redeems it once', async () => {
    const { pending, callback } = await callbackFor(meta, config, 'tanaka.k');
    expect((await completeSignIn(meta, config, callback, pending)).ok).toBe(true);
    const again = await completeSignIn(meta, config, callback, pending);
    expect(again).toMatchObject({ ok: false, reason: 'token_exchange_failed' });
    expect(!again.ok && again.detail).toMatch(/invalid_grant/);
  });

  it('refuses a code redeemed without this sign-in’s PKCE verifier (a stolen code)', async () => {
    const { pending, callback } = await callbackFor(meta, config, 'tanaka.k');
    const r = await completeSignIn(meta, config, callback, { ...pending, codeVerifier: beginSignIn(meta, config).pending.codeVerifier });
    expect(r).toMatchObject({ ok: false, reason: 'token_exchange_failed' });
  });

  it('refuses a code exchange with a wrong client secret, without echoing the secret or the code', async () => {
    const { pending, callback } = await callbackFor(meta, config, 'tanaka.k');
    const wrong = { ...config, clientSecret: 'not-the-secret-0123456789' };
    const r = await completeSignIn(meta, wrong, callback, pending);
    expect(r).toMatchObject({ ok: false, reason: 'token_exchange_failed' });
    const shown = JSON.stringify(r);
    expect(shown).not.toContain('not-the-secret');
    expect(shown).not.toContain(callback.code);
  });

  it('reports the provider’s error=access_denied when the person cancels at the provider', async () => {
    const { url, pending } = beginSignIn(meta, config);
    const cb = await loginAtProvider(url, 'tanaka.k', { redirectUri, abort: true });
    expect(cb.searchParams.get('error')).toBe('access_denied');
    const r = await completeSignIn(meta, config, Object.fromEntries(cb.searchParams), pending);
    expect(r).toMatchObject({ ok: false, reason: 'provider_error' });
    expect(!r.ok && r.detail).toMatch(/access_denied/);
  });

  it('refuses a callback whose iss names another issuer, or lacks the iss the provider promises (RFC 9207)', async () => {
    const { pending, callback } = await callbackFor(meta, config, 'tanaka.k');
    expect(await completeSignIn(meta, config, { ...callback, iss: 'https://evil.example' }, pending)).toMatchObject({
      ok: false,
      reason: 'provider_error',
    });
    const { iss: _dropped, ...withoutIss } = callback;
    expect(await completeSignIn(meta, config, withoutIss, pending)).toMatchObject({ ok: false, reason: 'provider_error' });
  });

  it('refuses a sign-in started more than 10 minutes before the callback', async () => {
    const { pending, callback } = await callbackFor(meta, config, 'tanaka.k');
    const r = await completeSignIn(meta, config, callback, pending, pending.createdAt + 10 * 60_000 + 1);
    expect(r).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('refuses a person without an email address, or with one the provider has not verified', async () => {
    for (const account of ['no.mail', 'unverified']) {
      const { pending, callback } = await callbackFor(meta, config, account);
      expect(await completeSignIn(meta, config, callback, pending)).toMatchObject({ ok: false, reason: 'no_email' });
    }
  });

  it('verifies the provider’s real ID tokens and refuses one whose signature or payload was altered', async () => {
    const { pending, callback } = await callbackFor(meta, config, 'tanaka.k');
    // The test redeems the code itself to hold the ID token.
    const res = await fetch(meta.tokenEndpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${provider.clientId}:${provider.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: callback.code!,
        redirect_uri: redirectUri,
        code_verifier: pending.codeVerifier,
      }),
    });
    expect(res.status).toBe(200);
    const idToken = ((await res.json()) as { id_token: string }).id_token;
    const expectations = {
      keys: meta.keys,
      issuer: meta.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      nonce: pending.nonce,
      nowMs: Date.now(),
    };
    expect(await verifyIdToken(idToken, expectations)).toMatchObject({ ok: true, claims: { sub: 'tanaka.k' } });

    const [h, p, s] = idToken.split('.') as [string, string, string];
    const flipped = `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    expect(await verifyIdToken(flipped, expectations)).toEqual({ ok: false, detail: 'signature does not verify' });
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const otherSub = Buffer.from(JSON.stringify({ ...payload, sub: 'someone.else' })).toString('base64url');
    expect(await verifyIdToken(`${h}.${otherSub}.${s}`, expectations)).toEqual({ ok: false, detail: 'signature does not verify' });
    // alg none, keeping the payload: refused before any key is looked at.
    const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    expect(await verifyIdToken(`${none}.${p}.`, expectations)).toMatchObject({ ok: false, detail: expect.stringMatching(/not accepted/) });
  });
});

describe('sign-in at a real provider releasing claims only at userinfo (ES256, client_secret_post)', () => {
  let provider: TestOidcProvider;

  beforeAll(async () => {
    provider = await startOidcProvider({
      redirectUri,
      accounts: ACCOUNTS,
      idTokenAlg: 'ES256',
      clientAuth: 'client_secret_post',
      claimsInIdToken: false,
    });
  });
  afterAll(() => provider?.stop());

  it('takes email, name and groups from the userinfo endpoint', async () => {
    const config = configFor(provider, { tokenEndpointAuthMethod: 'client_secret_post' });
    const meta = await discoverProvider(config);
    const { pending, callback } = await callbackFor(meta, config, 'tanaka.k');
    const r = await completeSignIn(meta, config, callback, pending);
    expect(r).toMatchObject({
      ok: true,
      identity: { subject: 'tanaka.k', email: 'k.tanaka@city.katsuragi.example.jp', groups: ['katsuragi-security', 'jlis-audit'] },
    });
  });
});

describe.each(['PS256', 'EdDSA'] as const)('sign-in at a real provider signing ID tokens with %s', (alg) => {
  let provider: TestOidcProvider;
  beforeAll(async () => {
    provider = await startOidcProvider({ redirectUri, accounts: ACCOUNTS, idTokenAlg: alg });
  });
  afterAll(() => provider?.stop());

  it('verifies the signature and signs the person in', async () => {
    const config = configFor(provider);
    const meta = await discoverProvider(config);
    const { pending, callback } = await callbackFor(meta, config, 'tanaka.k');
    expect(await completeSignIn(meta, config, callback, pending)).toMatchObject({ ok: true, identity: { subject: 'tanaka.k' } });
  });
});

/** A small HTTP server answering JSON documents that a test may change meanwhile. */
async function jsonServer(routes: Record<string, () => unknown>) {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    const route = routes[req.url ?? ''];
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(route()));
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('discovery', () => {
  let provider: TestOidcProvider;
  beforeAll(async () => {
    provider = await startOidcProvider({ redirectUri, accounts: ACCOUNTS });
  });
  afterAll(() => provider?.stop());

  it('refuses a provider whose document names an issuer other than the configured one, even by a trailing slash', async () => {
    await expect(discoverProvider(configFor(provider, { issuer: `${provider.issuer}/` }))).rejects.toThrow(OidcError);
    await expect(discoverProvider(configFor(provider, { issuer: `${provider.issuer}/` }))).rejects.toThrow(/not the configured/);
  });

  it('refuses a look-alike that serves another provider’s document', async () => {
    const real = (await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    const fake = await jsonServer({ '/.well-known/openid-configuration': () => real });
    try {
      await expect(discoverProvider(configFor(provider, { issuer: fake.base }))).rejects.toThrow(/not the configured/);
    } finally {
      await fake.close();
    }
  });
});

// ---- The verifier, against tokens signed here ----

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function signJwt(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject | string): string {
  const input = `${b64(header)}.${b64(claims)}`;
  const alg = header.alg as string;
  let sig: Buffer;
  if (alg.startsWith('HS')) sig = createHmac(`sha${alg.slice(2)}`, key as string).update(input).digest();
  else if (alg === 'ES256') sig = sign('sha256', Buffer.from(input), { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
  else sig = sign('sha256', Buffer.from(input), key as KeyObject);
  return `${input}.${sig.toString('base64url')}`;
}

describe('verifyIdToken against tokens signed with generated keys', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ISSUER = 'https://login.example.jp/realms/katsuragi';
  const CLIENT = 'jukinet-ops';
  const SECRET = 'a-client-secret-of-enough-length-0123456789';
  const NOW = Date.UTC(2026, 11, 1, 3, 0, 0);
  const nonce = 'n-0S6_WzA2Mj';
  let jwks: { keys: unknown[] };
  let server: Awaited<ReturnType<typeof jsonServer>>;
  let keys: KeySet;

  beforeAll(async () => {
    jwks = {
      keys: [
        { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', use: 'sig', alg: 'RS256' },
        { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', use: 'sig' },
      ],
    };
    server = await jsonServer({ '/jwks': () => jwks });
    keys = new KeySet(`${server.base}/jwks`, 2000);
    await keys.refresh();
  });
  afterAll(() => server?.close());

  const claims = (over: Record<string, unknown> = {}) => ({
    iss: ISSUER,
    sub: 'f:1234',
    aud: CLIENT,
    exp: NOW / 1000 + 300,
    iat: NOW / 1000,
    nonce,
    email: 'k.tanaka@example.jp',
    ...over,
  });
  const check = (token: string, over: Partial<Parameters<typeof verifyIdToken>[1]> = {}) =>
    verifyIdToken(token, { keys, issuer: ISSUER, clientId: CLIENT, nonce, nowMs: NOW, ...over });
  const rs = (c: Record<string, unknown>, kid = 'rsa-1') => signJwt({ alg: 'RS256', kid }, c, rsa.privateKey);

  it('accepts a token signed by the provider’s key, for this client, in its lifetime, with our nonce', async () => {
    expect(await check(rs(claims()))).toMatchObject({ ok: true, claims: { sub: 'f:1234' } });
    expect(await check(signJwt({ alg: 'ES256', kid: 'ec-1' }, claims(), ec.privateKey))).toMatchObject({ ok: true });
  });

  it('refuses a token for another client, or for several without us as azp', async () => {
    expect(await check(rs(claims({ aud: 'another-app' })))).toEqual({ ok: false, detail: 'aud does not include this client' });
    expect(await check(rs(claims({ aud: [CLIENT, 'another-app'] })))).toEqual({ ok: false, detail: 'azp is not this client' });
    expect(await check(rs(claims({ aud: [CLIENT, 'another-app'], azp: CLIENT })))).toMatchObject({ ok: true });
    expect(await check(rs(claims({ azp: 'another-app' })))).toEqual({ ok: false, detail: 'azp is not this client' });
  });

  it('refuses an expired token, allowing two minutes of clock difference', async () => {
    const exp = NOW / 1000 - 60;
    expect(await check(rs(claims({ exp })))).toMatchObject({ ok: true });
    expect(await check(rs(claims({ exp })), { nowMs: NOW + 61_000 })).toEqual({ ok: false, detail: 'the ID token has expired' });
    expect(await check(rs(claims({ exp: undefined })))).toEqual({ ok: false, detail: 'the ID token has expired' });
    expect(await check(rs(claims({ iat: NOW / 1000 + 600 })))).toEqual({ ok: false, detail: 'the ID token is issued in the future' });
  });

  it('refuses another issuer, another nonce, a missing subject', async () => {
    expect(await check(rs(claims({ iss: 'https://login.example.jp/realms/other' })))).toEqual({ ok: false, detail: 'iss is not the configured issuer' });
    expect(await check(rs(claims({ nonce: 'replayed' })))).toEqual({ ok: false, detail: 'nonce is not the one this sign-in sent' });
    expect(await check(rs(claims({ nonce: undefined })))).toMatchObject({ ok: false, detail: expect.stringMatching(/nonce/) });
    expect(await check(rs(claims({ sub: '' })))).toEqual({ ok: false, detail: 'sub is missing' });
  });

  it('refuses alg none, unsigned or not', async () => {
    const unsigned = `${b64({ alg: 'none' })}.${b64(claims())}.`;
    expect(await check(unsigned)).toEqual({ ok: false, detail: 'algorithm none is not accepted' });
    expect(await check(`${b64({ alg: 'none' })}.${b64(claims())}.${'A'.repeat(43)}`)).toMatchObject({ ok: false });
    expect(await check(`${b64({})}.${b64(claims())}.`)).toMatchObject({ ok: false, detail: expect.stringMatching(/not accepted/) });
  });

  it('refuses a token signed by a key the provider does not publish, or naming a key of another type', async () => {
    expect(await check(signJwt({ alg: 'RS256', kid: 'rsa-1' }, claims(), stranger.privateKey))).toEqual({
      ok: false,
      detail: 'signature does not verify',
    });
    expect(await check(signJwt({ alg: 'RS256', kid: 'ec-1' }, claims(), rsa.privateKey))).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/no provider key/),
    });
  });

  it('accepts HS256 only from a confidential client’s secret, never keyed by the public key', async () => {
    expect(await check(signJwt({ alg: 'HS256' }, claims(), SECRET), { clientSecret: SECRET })).toMatchObject({ ok: true });
    expect(await check(signJwt({ alg: 'HS256' }, claims(), SECRET))).toEqual({ ok: false, detail: 'algorithm HS256 is not accepted' });
    // The classic confusion: HMAC keyed with the published RSA key.
    const pem = rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string;
    expect(await check(signJwt({ alg: 'HS256', kid: 'rsa-1' }, claims(), pem), { clientSecret: SECRET })).toEqual({
      ok: false,
      detail: 'signature does not verify',
    });
  });

  it('fetches the key set again for an unknown key id (a rotation), at most once per interval', async () => {
    const next = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = signJwt({ alg: 'RS256', kid: 'rsa-2' }, claims(), next.privateKey);
    const eager = new KeySet(`${server.base}/jwks`, 2000, 0);
    await eager.refresh();
    expect(await check(token, { keys: eager })).toMatchObject({ ok: false, detail: expect.stringMatching(/no provider key/) });
    jwks.keys.push({ ...next.publicKey.export({ format: 'jwk' }), kid: 'rsa-2', use: 'sig' });
    expect(await check(token, { keys: eager })).toMatchObject({ ok: true });

    // The default interval: a burst of forged key ids right after a fetch costs the provider nothing.
    const before = server.hits();
    const forged = signJwt({ alg: 'RS256', kid: 'forged' }, claims(), stranger.privateKey);
    for (let i = 0; i < 5; i++) expect(await check(forged)).toMatchObject({ ok: false });
    expect(server.hits()).toBe(before);
  });

  it('refuses, without throwing, when the key set cannot be fetched again', async () => {
    const gone = await jsonServer({ '/jwks': () => jwks });
    const fragile = new KeySet(`${gone.base}/jwks`, 2000, 0);
    await fragile.refresh();
    await gone.close();
    const token = signJwt({ alg: 'RS256', kid: 'unknown' }, claims(), rsa.privateKey);
    expect(await check(token, { keys: fragile })).toMatchObject({ ok: false, detail: expect.stringMatching(/keys unavailable/) });
  });

  it('refuses what is not a compact JWS', async () => {
    for (const t of ['', 'a.b', 'a.b.c.d', `${b64({ alg: 'RS256' })}.not json.x`, `${b64([1])}.${b64(claims())}.x`]) {
      expect(await check(t)).toMatchObject({ ok: false });
    }
  });
});

describe('grantsFor', () => {
  it('gives each mapped grant once, for the groups held only', () => {
    expect(grantsFor(['katsuragi-security', 'jlis-audit', 'katsuragi-security'], [...ROLE_MAP, ROLE_MAP[0]!])).toEqual([
      { organisation: 'katsuragi', role: 'commander' },
      { organisation: '*', role: 'auditor' },
    ]);
    expect(grantsFor([], ROLE_MAP)).toEqual([]);
  });
});

describe('parseOidcEnv', () => {
  const base = {
    OIDC_ISSUER: 'https://login.microsoftonline.com/0000-tenant/v2.0',
    OIDC_CLIENT_ID: 'jukinet-ops',
    OIDC_CLIENT_SECRET: 's3cret',
    OIDC_REDIRECT_URI: 'https://ops.example.jp/auth/oidc/callback',
  };
  const problemsOf = (env: Record<string, string | undefined>) => {
    try {
      parseOidcEnv(env);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).problems.map((p) => p.variable);
    }
    throw new Error('expected a ConfigError');
  };

  it('is off while OIDC_ISSUER is unset or empty', () => {
    expect(parseOidcEnv({})).toBeUndefined();
    expect(parseOidcEnv({ OIDC_ISSUER: '', OIDC_CLIENT_ID: 'x' })).toBeUndefined();
  });

  it('reads every variable, with defaults for scopes, groups claim and timeout', () => {
    expect(parseOidcEnv(base)).toEqual({
      issuer: base.OIDC_ISSUER,
      clientId: 'jukinet-ops',
      clientSecret: 's3cret',
      redirectUri: base.OIDC_REDIRECT_URI,
      scopes: 'openid email profile',
      groupsClaim: 'groups',
      roleMap: [],
      timeoutMs: 5000,
    });
    const c = parseOidcEnv({
      ...base,
      OIDC_SCOPES: 'openid email',
      OIDC_GROUPS_CLAIM: 'roles',
      OIDC_TOKEN_AUTH_METHOD: 'client_secret_post',
      OIDC_ROLE_MAP: JSON.stringify(ROLE_MAP),
    });
    expect(c).toMatchObject({ scopes: 'openid email', groupsClaim: 'roles', tokenEndpointAuthMethod: 'client_secret_post', roleMap: ROLE_MAP });
  });

  it('names the variable at fault', () => {
    expect(problemsOf({ OIDC_ISSUER: 'http://login.example.jp', OIDC_REDIRECT_URI: base.OIDC_REDIRECT_URI })).toEqual([
      'OIDC_ISSUER',
      'OIDC_CLIENT_ID',
    ]);
    expect(problemsOf({ ...base, OIDC_ROLE_MAP: '{not json' })).toEqual(['OIDC_ROLE_MAP']);
    expect(problemsOf({ ...base, OIDC_ROLE_MAP: '[{"group":"g","organisation":"katsuragi","role":"king"}]' })).toEqual(['OIDC_ROLE_MAP[0.role]']);
    expect(problemsOf({ ...base, OIDC_SCOPES: 'email profile' })).toEqual(['OIDC_SCOPES']);
    expect(problemsOf({ ...base, OIDC_REDIRECT_URI: 'not a url' })).toEqual(['OIDC_REDIRECT_URI']);
  });

  it('accepts http only on loopback', () => {
    expect(parseOidcEnv({ ...base, OIDC_ISSUER: 'http://127.0.0.1:8080/realms/dev' })?.issuer).toBe('http://127.0.0.1:8080/realms/dev');
    expect(parseOidcEnv({ ...base, OIDC_ISSUER: 'http://localhost:8080/realms/dev' })?.issuer).toBe('http://localhost:8080/realms/dev');
  });

  it('never shows the client secret in its errors', () => {
    try {
      parseOidcEnv({ ...base, OIDC_CLIENT_SECRET: 'very-secret-value', OIDC_ISSUER: 'ftp://x' });
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('very-secret-value');
    }
  });
});
