// Sign-in through an OpenID Connect provider (Entra ID, Keycloak, …): the authorisation code flow
// with PKCE (S256), state and nonce, and the ID token checked here rather than by a client library,
// so every check is visible and tested: signature by the provider's published key, issuer,
// audience, lifetime and nonce. Tokens and the client secret never reach a log line or an error
// detail; details name what failed, not the values.
import {
  constants,
  createHash,
  createHmac,
  createPublicKey,
  type JsonWebKey,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { ConfigError } from '../config';
import { ACCESS_ROLES, type AccessRole, EVERY_ORGANISATION, type Grant } from '../domain/access';
import { ORGANISATION_KEY_PATTERN } from '../domain/articles';
import { z } from '../domain/zod';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https, or http on loopback only (a provider started by the tests, a developer's Keycloak). */
const providerUrl = z.url().refine(
  (v) => {
    if (!URL.canParse(v)) return true; // z.url() has said so already
    const u = new URL(v);
    return u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname));
  },
  { error: 'https:// で指定してください（http:// はループバックのみ）' },
);

export const oidcConfigSchema = z.object({
  /** Compared exactly with the provider's discovery document and every ID token's `iss`. */
  issuer: providerUrl,
  clientId: z.string().min(1),
  /** Absent for a public client (PKCE alone); present, it authenticates the code exchange. */
  clientSecret: z.string().min(1).optional(),
  /** How the secret goes to the token endpoint; by default Basic when the provider offers it. */
  tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post']).optional(),
  redirectUri: providerUrl,
  scopes: z
    .string()
    .default('openid email profile')
    .refine((s) => s.split(/\s+/).includes('openid'), { error: 'openid を含めてください' }),
  /** The claim listing the person's groups (`groups` for Keycloak and Entra ID, `roles` for app roles). */
  groupsClaim: z.string().min(1).default('groups'),
  /** Which provider group grants which access role in which organisation (`*`: every one). */
  roleMap: z
    .array(
      z.object({
        group: z.string().min(1),
        organisation: z.union([z.literal(EVERY_ORGANISATION), z.string().regex(ORGANISATION_KEY_PATTERN)]),
        role: z.enum(ACCESS_ROLES),
      }),
    )
    .default([]),
  timeoutMs: z.number().int().min(100).max(60_000).default(5000),
});

export type OidcConfig = z.infer<typeof oidcConfigSchema>;

const ENV_FIELDS = {
  OIDC_ISSUER: 'issuer',
  OIDC_CLIENT_ID: 'clientId',
  OIDC_CLIENT_SECRET: 'clientSecret',
  OIDC_TOKEN_AUTH_METHOD: 'tokenEndpointAuthMethod',
  OIDC_REDIRECT_URI: 'redirectUri',
  OIDC_SCOPES: 'scopes',
  OIDC_GROUPS_CLAIM: 'groupsClaim',
  OIDC_ROLE_MAP: 'roleMap',
} as const satisfies Record<string, keyof OidcConfig>;

/**
 * The OIDC settings from `OIDC_*` variables, or undefined when OIDC_ISSUER is unset (sign-in by
 * OIDC is off). OIDC_ROLE_MAP is a JSON array of `{ group, organisation, role }`. Problems throw a
 * ConfigError naming each variable. Empty values count as unset, as in loadConfig.
 */
export function parseOidcEnv(env: Record<string, string | undefined>): OidcConfig | undefined {
  const set = (k: string) => (env[k] !== undefined && env[k] !== '' ? env[k] : undefined);
  if (set('OIDC_ISSUER') === undefined) return undefined;
  const raw: Record<string, unknown> = {};
  const problems: Array<{ variable: string; message: string }> = [];
  for (const [variable, field] of Object.entries(ENV_FIELDS)) {
    const v = set(variable);
    if (v === undefined) continue;
    if (field === 'roleMap') {
      try {
        raw[field] = JSON.parse(v);
      } catch {
        problems.push({ variable, message: 'JSON の配列で指定してください（例: [{"group":"…","organisation":"…","role":"commander"}]）' });
      }
    } else raw[field] = v;
  }
  const fieldToVariable = new Map(Object.entries(ENV_FIELDS).map(([k, f]) => [f as string, k]));
  const r = oidcConfigSchema.safeParse(raw);
  if (!r.success) {
    for (const i of r.error.issues) {
      const [field, ...rest] = i.path.map(String);
      const variable = fieldToVariable.get(field ?? '') ?? 'OIDC';
      problems.push({ variable: rest.length ? `${variable}[${rest.join('.')}]` : variable, message: i.message });
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return r.data;
}

/** What the provider publishes about itself, and its signing keys (fetched again on an unknown key id). */
export interface ProviderMetadata {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  userinfoEndpoint?: string;
  jwksUri: string;
  tokenEndpointAuthMethods: string[];
  /** RFC 9207: the provider puts `iss` in its authorisation responses, so its absence is refused. */
  issInAuthorizationResponse: boolean;
  keys: KeySet;
}

export class OidcError extends Error {
  override name = 'OidcError';
}

const discoverySchema = z.looseObject({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  userinfo_endpoint: z.url().optional(),
  jwks_uri: z.url(),
  token_endpoint_auth_methods_supported: z.array(z.string()).optional(),
  authorization_response_iss_parameter_supported: z.boolean().optional(),
});

async function getJson(url: string, timeoutMs: number, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body };
}

/**
 * Reads `${issuer}/.well-known/openid-configuration` and the provider's keys. The document's
 * `issuer` must equal the configured one character for character (OpenID Connect Discovery §4.3):
 * a look-alike would otherwise have its tokens accepted.
 */
export async function discoverProvider(config: OidcConfig): Promise<ProviderMetadata> {
  const url = `${config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const { status, body } = await getJson(url, config.timeoutMs);
  if (status !== 200) throw new OidcError(`discovery answered HTTP ${status} (${url})`);
  const doc = discoverySchema.safeParse(body);
  if (!doc.success) throw new OidcError(`discovery document is not valid (${url}): ${doc.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  const d = doc.data;
  if (d.issuer !== config.issuer) {
    throw new OidcError(`discovery names issuer ${JSON.stringify(d.issuer)}, not the configured ${JSON.stringify(config.issuer)}`);
  }
  const keys = new KeySet(d.jwks_uri, config.timeoutMs);
  await keys.refresh();
  return {
    issuer: d.issuer,
    authorizationEndpoint: d.authorization_endpoint,
    tokenEndpoint: d.token_endpoint,
    userinfoEndpoint: d.userinfo_endpoint,
    jwksUri: d.jwks_uri,
    tokenEndpointAuthMethods: d.token_endpoint_auth_methods_supported ?? ['client_secret_basic'],
    issInAuthorizationResponse: d.authorization_response_iss_parameter_supported === true,
    keys,
  };
}

interface Jwk {
  kty?: string;
  kid?: string;
  use?: string;
  alg?: string;
  crv?: string;
  [k: string]: unknown;
}

/**
 * The provider's JSON Web Key Set. Providers rotate keys, announcing the new one before signing
 * with it; a token naming an unknown key id makes one refresh, at most every 30 seconds, so forged
 * key ids cannot make us hammer the provider.
 */
export class KeySet {
  private keys: Jwk[] = [];
  private lastFetch = 0;
  constructor(
    readonly uri: string,
    private readonly timeoutMs: number,
    private readonly minRefreshMs = 30_000,
  ) {}

  async refresh(): Promise<void> {
    this.lastFetch = Date.now();
    const { status, body } = await getJson(this.uri, this.timeoutMs);
    const keys = (body as { keys?: unknown } | undefined)?.keys;
    if (status !== 200 || !Array.isArray(keys)) throw new OidcError(`JWKS answered HTTP ${status} without keys (${this.uri})`);
    this.keys = keys.filter((k): k is Jwk => typeof k === 'object' && k !== null);
  }

  /** Keys fit to verify `alg`, with id `kid` (any id when the token names none). */
  async find(kid: string | undefined, alg: string): Promise<KeyObject[]> {
    let found = this.match(kid, alg);
    if (found.length === 0 && kid !== undefined && Date.now() - this.lastFetch >= this.minRefreshMs) {
      await this.refresh();
      found = this.match(kid, alg);
    }
    return found.map((k) => createPublicKey({ key: k as JsonWebKey, format: 'jwk' }));
  }

  private match(kid: string | undefined, alg: string): Jwk[] {
    const family = ALGORITHMS[alg];
    return this.keys.filter(
      (k) =>
        (kid === undefined || k.kid === kid) &&
        (k.use === undefined || k.use === 'sig') &&
        (k.alg === undefined || k.alg === alg) &&
        family !== undefined &&
        k.kty === family.kty &&
        (family.crv === undefined || k.crv === family.crv),
    );
  }
}

/** Asymmetric algorithms an ID token may be signed with; `none` and anything unknown are refused. */
const ALGORITHMS: Record<string, { kty: string; crv?: string; hash: string | null; pss?: boolean; ec?: boolean }> = {
  RS256: { kty: 'RSA', hash: 'sha256' },
  RS384: { kty: 'RSA', hash: 'sha384' },
  RS512: { kty: 'RSA', hash: 'sha512' },
  PS256: { kty: 'RSA', hash: 'sha256', pss: true },
  PS384: { kty: 'RSA', hash: 'sha384', pss: true },
  PS512: { kty: 'RSA', hash: 'sha512', pss: true },
  ES256: { kty: 'EC', crv: 'P-256', hash: 'sha256', ec: true },
  ES384: { kty: 'EC', crv: 'P-384', hash: 'sha384', ec: true },
  ES512: { kty: 'EC', crv: 'P-521', hash: 'sha512', ec: true },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', hash: null },
  Ed25519: { kty: 'OKP', crv: 'Ed25519', hash: null },
};
/** HMAC with the client secret as key (OpenID Connect Core §10.1): only for a confidential client. */
const HMAC: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  createdAt: number;
}

const random32 = () => randomBytes(32).toString('base64url');
const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/**
 * The provider URL to send the browser to, and what to keep (server-side, in the pre-sign-in
 * session) until the callback: state against cross-site forgery of the callback, nonce against
 * replay of an ID token, the PKCE verifier against a stolen code.
 */
export function beginSignIn(
  meta: ProviderMetadata,
  config: OidcConfig,
  nowMs = Date.now(),
): { url: string; pending: PendingSignIn } {
  const pending: PendingSignIn = { state: random32(), nonce: random32(), codeVerifier: random32(), createdAt: nowMs };
  const url = new URL(meta.authorizationEndpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('redirect_uri', config.redirectUri);
  url.searchParams.set('scope', config.scopes);
  url.searchParams.set('state', pending.state);
  url.searchParams.set('nonce', pending.nonce);
  url.searchParams.set('code_challenge', s256(pending.codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  return { url: url.href, pending };
}

export interface OidcIdentity {
  /** `sub`, unique within the issuer. */
  subject: string;
  email: string;
  displayName: string;
  groups: string[];
  grants: Grant[];
}

export type SignInFailure =
  | 'state_mismatch'
  | 'provider_error'
  | 'token_exchange_failed'
  | 'bad_id_token'
  | 'no_email'
  | 'expired';

/** What the sign-in page tells the person, Japanese first; the detail goes to the log only. */
export const SIGN_IN_FAILURE_MESSAGES: Record<SignInFailure, { ja: string; en: string }> = {
  state_mismatch: {
    ja: 'サインインの要求が一致しません。最初からやり直してください。',
    en: 'The sign-in response does not match this browser. Please start again.',
  },
  provider_error: {
    ja: '認証基盤がサインインを完了しませんでした（取り消された可能性があります）。',
    en: 'The identity provider did not complete the sign-in (it may have been cancelled).',
  },
  token_exchange_failed: {
    ja: '認証基盤との通信に失敗しました。しばらくしてからやり直してください。',
    en: 'Could not complete the exchange with the identity provider. Please try again later.',
  },
  bad_id_token: {
    ja: '認証基盤からの応答を検証できませんでした。管理者に連絡してください。',
    en: 'The identity provider’s response could not be verified. Please contact an administrator.',
  },
  no_email: {
    ja: '認証基盤から確認済みのメールアドレスが提供されませんでした。管理者に連絡してください。',
    en: 'The identity provider released no verified email address. Please contact an administrator.',
  },
  expired: {
    ja: 'サインインの有効期限（10 分）が過ぎました。最初からやり直してください。',
    en: 'The sign-in took longer than 10 minutes. Please start again.',
  },
};

export type SignInResult = { ok: true; identity: OidcIdentity } | { ok: false; reason: SignInFailure; detail: string };

export interface CallbackParams {
  code?: string;
  state?: string;
  error?: string;
  iss?: string;
}

/** How long a sign-in may take at the provider (login, MFA, consent). */
export const PENDING_MAX_AGE_MS = 10 * 60_000;
/** Clock difference tolerated between the provider and us. */
export const CLOCK_SKEW_MS = 2 * 60_000;

const fail = (reason: SignInFailure, detail: string): SignInResult => ({ ok: false, reason, detail });

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Provider error codes are short ASCII words; anything else is not echoed back. */
const safeWord = (s: string) => (/^[\w.-]{1,64}$/.test(s) ? s : '(unreadable)');

/**
 * Finishes a sign-in from the provider's redirect to our callback. The pending sign-in is
 * single-use: the caller removes it before calling, whatever the result.
 */
export async function completeSignIn(
  meta: ProviderMetadata,
  config: OidcConfig,
  callback: CallbackParams,
  pending: PendingSignIn,
  nowMs = Date.now(),
): Promise<SignInResult> {
  if (callback.state === undefined || !sameString(callback.state, pending.state)) {
    return fail('state_mismatch', 'the callback state is not the one this browser was sent with');
  }
  if (nowMs - pending.createdAt > PENDING_MAX_AGE_MS || nowMs < pending.createdAt - CLOCK_SKEW_MS) {
    return fail('expired', 'the sign-in was started more than 10 minutes ago');
  }
  // RFC 9207: a response carrying another issuer's iss comes from a mix-up, not from our provider.
  if (callback.iss !== undefined ? callback.iss !== meta.issuer : meta.issInAuthorizationResponse) {
    return fail('provider_error', 'the callback iss is missing or names another issuer');
  }
  if (callback.error !== undefined) return fail('provider_error', `the provider answered ${safeWord(callback.error)}`);
  if (!callback.code) return fail('provider_error', 'the callback carries no code');

  const tokens = await exchangeCode(meta, config, callback.code, pending.codeVerifier);
  if (!tokens.ok) return fail('token_exchange_failed', tokens.detail);

  const checked = await verifyIdToken(tokens.idToken, {
    keys: meta.keys,
    issuer: meta.issuer,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    nonce: pending.nonce,
    nowMs,
  });
  if (!checked.ok) return fail('bad_id_token', checked.detail);
  let claims = checked.claims;

  // Claims requested by scope often come only from userinfo (OpenID Connect Core §5.4).
  if ((claims.email === undefined || claims[config.groupsClaim] === undefined) && meta.userinfoEndpoint && tokens.accessToken) {
    const info = await fetchUserinfo(meta.userinfoEndpoint, tokens.accessToken, config.timeoutMs);
    if (!info.ok) return fail('token_exchange_failed', info.detail);
    // §5.3.2: userinfo for another subject must not be used.
    if (info.claims.sub !== claims.sub) return fail('bad_id_token', 'userinfo is for another subject than the ID token');
    claims = { ...info.claims, ...claims };
  }

  const email = claims.email;
  if (typeof email !== 'string' || email.trim() === '') return fail('no_email', 'the provider released no email address');
  // Some providers send booleans as strings.
  if (claims.email_verified === false || claims.email_verified === 'false') return fail('no_email', 'the provider has not verified the email address');
  const groups = groupsOf(claims[config.groupsClaim]);
  const name = typeof claims.name === 'string' && claims.name.trim() !== '' ? claims.name.trim() : email.trim();
  return {
    ok: true,
    identity: {
      subject: claims.sub as string,
      email: email.trim().toLowerCase(),
      displayName: name,
      groups,
      grants: grantsFor(groups, config.roleMap),
    },
  };
}

function groupsOf(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((g): g is string => typeof g === 'string');
  return [];
}

/** The grants the role map gives for `groups`, each once. */
export function grantsFor(
  groups: readonly string[],
  roleMap: ReadonlyArray<{ group: string; organisation: string; role: AccessRole }>,
): Grant[] {
  const held = new Set(groups);
  const out = new Map<string, Grant>();
  for (const m of roleMap) {
    if (held.has(m.group)) out.set(`${m.organisation}\0${m.role}`, { organisation: m.organisation, role: m.role });
  }
  return [...out.values()];
}

type Exchange = { ok: true; idToken: string; accessToken?: string } | { ok: false; detail: string };

async function exchangeCode(meta: ProviderMetadata, config: OidcConfig, code: string, codeVerifier: string): Promise<Exchange> {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: config.redirectUri,
    code_verifier: codeVerifier,
  });
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (config.clientSecret === undefined) {
    form.set('client_id', config.clientId);
  } else if (
    (config.tokenEndpointAuthMethod ??
      (meta.tokenEndpointAuthMethods.includes('client_secret_basic') || !meta.tokenEndpointAuthMethods.includes('client_secret_post')
        ? 'client_secret_basic'
        : 'client_secret_post')) === 'client_secret_basic'
  ) {
    // RFC 6749 §2.3.1: id and secret are form-encoded before Basic, which providers decode.
    const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
    headers.authorization = `Basic ${Buffer.from(`${enc(config.clientId)}:${enc(config.clientSecret)}`).toString('base64')}`;
  } else {
    form.set('client_id', config.clientId);
    form.set('client_secret', config.clientSecret);
  }
  let r: { status: number; body: unknown };
  try {
    r = await getJson(meta.tokenEndpoint, config.timeoutMs, { method: 'POST', headers, body: form.toString() });
  } catch (e) {
    return { ok: false, detail: `token endpoint unreachable: ${(e as Error).name}` };
  }
  const body = (r.body ?? {}) as Record<string, unknown>;
  if (r.status !== 200) {
    const error = typeof body.error === 'string' ? safeWord(body.error) : 'no error code';
    return { ok: false, detail: `token endpoint answered HTTP ${r.status} (${error})` };
  }
  if (typeof body.id_token !== 'string') return { ok: false, detail: 'token endpoint answered without an ID token' };
  return { ok: true, idToken: body.id_token, accessToken: typeof body.access_token === 'string' ? body.access_token : undefined };
}

async function fetchUserinfo(
  endpoint: string,
  accessToken: string,
  timeoutMs: number,
): Promise<{ ok: true; claims: Record<string, unknown> } | { ok: false; detail: string }> {
  try {
    const r = await getJson(endpoint, timeoutMs, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } });
    if (r.status !== 200 || typeof r.body !== 'object' || r.body === null) {
      return { ok: false, detail: `userinfo answered HTTP ${r.status} without JSON claims` };
    }
    return { ok: true, claims: r.body as Record<string, unknown> };
  } catch (e) {
    return { ok: false, detail: `userinfo unreachable: ${(e as Error).name}` };
  }
}

export interface IdTokenExpectations {
  keys: Pick<KeySet, 'find'>;
  issuer: string;
  clientId: string;
  /** The client secret, which alone makes HS256/384/512 acceptable. */
  clientSecret?: string;
  nonce: string;
  nowMs: number;
}

export type IdTokenCheck = { ok: true; claims: Record<string, unknown> & { sub: string } } | { ok: false; detail: string };

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * OpenID Connect Core §3.1.3.7: the signature by one of the provider's keys (or the client secret
 * for HS*), then issuer, audience (and azp when there are several), expiry and issue time with two
 * minutes' skew, and the nonce this sign-in sent.
 */
export async function verifyIdToken(token: string, expect: IdTokenExpectations): Promise<IdTokenCheck> {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return { ok: false, detail: 'not a compact JWS' };
  const [h, p, s] = parts as [string, string, string];
  const header = decodeJson(h);
  const claims = decodeJson(p);
  if (!header || !claims) return { ok: false, detail: 'header or payload is not a JSON object' };
  if (header.crit !== undefined) return { ok: false, detail: 'critical header extensions are not supported' };
  const alg = typeof header.alg === 'string' ? header.alg : '';
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const signingInput = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s, 'base64url');

  let valid = false;
  if (ALGORITHMS[alg]) {
    const a = ALGORITHMS[alg]!;
    let keys: KeyObject[];
    try {
      keys = await expect.keys.find(kid, alg);
    } catch (e) {
      return { ok: false, detail: `provider keys unavailable: ${(e as Error).message}` };
    }
    if (keys.length === 0) return { ok: false, detail: `no provider key for kid ${kid ?? '(none)'} and ${alg}` };
    valid = keys.some((key) => {
      try {
        return verify(
          a.hash,
          signingInput,
          a.pss
            ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
            : a.ec
              ? { key, dsaEncoding: 'ieee-p1363' }
              : key,
          signature,
        );
      } catch {
        return false;
      }
    });
  } else if (HMAC[alg] && expect.clientSecret !== undefined) {
    const mac = createHmac(HMAC[alg]!, expect.clientSecret).update(signingInput).digest();
    valid = mac.length === signature.length && timingSafeEqual(mac, signature);
  } else {
    return { ok: false, detail: `algorithm ${safeWord(alg || 'none')} is not accepted` };
  }
  if (!valid) return { ok: false, detail: 'signature does not verify' };

  if (claims.iss !== expect.issuer) return { ok: false, detail: 'iss is not the configured issuer' };
  if (typeof claims.sub !== 'string' || claims.sub === '') return { ok: false, detail: 'sub is missing' };
  const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  if (!aud.includes(expect.clientId)) return { ok: false, detail: 'aud does not include this client' };
  if ((aud.length > 1 || claims.azp !== undefined) && claims.azp !== expect.clientId) {
    return { ok: false, detail: 'azp is not this client' };
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 + CLOCK_SKEW_MS <= expect.nowMs) {
    return { ok: false, detail: 'the ID token has expired' };
  }
  if (typeof claims.iat !== 'number' || claims.iat * 1000 - CLOCK_SKEW_MS > expect.nowMs) {
    return { ok: false, detail: 'the ID token is issued in the future' };
  }
  if (typeof claims.nonce !== 'string' || !sameString(claims.nonce, expect.nonce)) {
    return { ok: false, detail: 'nonce is not the one this sign-in sent' };
  }
  return { ok: true, claims: claims as Record<string, unknown> & { sub: string } };
}
