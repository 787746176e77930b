// Sign-in and sign-out, the second factor (TOTP), one-time setup links (the first administrator,
// invitations, password resets) and OpenID Connect. A new session id is issued at every step up
// (password, second factor), so an id planted before sign-in is worth nothing after it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import {
  addGrants,
  countAccounts,
  createAccount,
  createSession,
  endSession,
  enableTotp,
  findSetupLink,
  getAccount,
  grantsOf,
  type SessionLimits,
  setPassword,
  updateSession,
  useSetupLink,
} from '../../db/accounts';
import { EVERY_ORGANISATION } from '../../domain/access';
import { checkPassword } from '../../domain/password-policy';
import { z } from '../../domain/zod';
import { hashPassword } from '../../auth/password-hash';
import { beginSignIn, completeSignIn, discoverProvider, type OidcConfig, type ProviderMetadata, SIGN_IN_FAILURE_MESSAGES } from '../../auth/oidc';
import type { RateLimiter } from '../../auth/rate-limit';
import { auditAccess, federatedAccount, secondFactorRequired, signInWithPassword, type SignInDeps, verifySecondFactor } from '../../auth/sign-in';
import { hashRecoveryCode, newRecoveryCodes, newTotpSecret, otpauthUri, totpQrSvg, verifyTotp } from '../../auth/totp';
import type { SigningKey } from '../../tokens';
import type { RenderPage } from '../app';
import { allow, checkFormCsrf, formCsrf, fullSessionOf, partialSessionOf, principalOf, SESSION_COOKIE } from '../access';
import { cookie, HttpError, locals, textFields } from '../http';
import { enrolSecretPage, enrolStartPage, linkInvalidPage, recoveryCodesPage, secondFactorPage, setupPage, signInPage } from '../views/sign-in';

export interface SignInRouteDeps {
  signIn: SignInDeps;
  limits: SessionLimits;
  signingKeys: readonly SigningKey[];
  oidc?: OidcConfig;
  /** Per client address and per account: sign-in, second factor and setup attempts. */
  limiters: { perAddress: RateLimiter; perAccount: RateLimiter };
  renderPage: RenderPage;
  /** Secure cookies: the console is reached over HTTPS (PUBLIC_URL, or the proxy says so). */
  secureCookies: boolean;
}

/** Only a path of this site: `next` never sends someone elsewhere (open redirect). */
export function safeNext(v: unknown): string {
  return typeof v === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(v) && !v.startsWith('/login') && !v.startsWith('/setup') ? v : '/';
}

const OIDC_COOKIE = 'jo_oidc';
const OIDC_PENDING_MS = 10 * 60_000;

export function signInRouter(deps: SignInRouteDeps): Router {
  const { signIn, limits, signingKeys, renderPage } = deps;
  const { db } = signIn;
  const r = Router();
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, path: '/', secure: deps.secureCookies };

  /** Ends whatever session the browser had and starts a new one: the id changes at every step up. */
  async function startSession(req: Request, res: Response, accountId: string, stage: 'mfa' | 'enrol' | 'full'): Promise<void> {
    const old = cookie(req, SESSION_COOKIE);
    if (old) await endSession(db, old);
    const id = await createSession(db, accountId, stage, limits, signIn.now());
    res.cookie(SESSION_COOKIE, id, { ...cookieOptions, maxAge: limits.absoluteMs });
  }

  /**
   * Refuses (429) an address or account past its limit; only attempts that fail count (answered
   * 4xx), so an office signing in through one proxy address in the morning is not held up.
   */
  function limited(req: Request, res: Response, account?: string): void {
    const keys: Array<[RateLimiter, string]> = [[deps.limiters.perAddress, `ip:${req.ip ?? 'unknown'}`], ...(account ? [[deps.limiters.perAccount, `account:${account.trim().toLowerCase()}`] as [RateLimiter, string]] : [])];
    const refused = keys.map(([l, k]) => l.check(k)).find((c) => !c.allowed);
    if (refused) {
      res.setHeader('Retry-After', String(refused.retryAfterSeconds));
      throw new HttpError(429, 'rate_limited', locals(res).t('rateLimited'));
    }
    res.on('finish', () => {
      if (res.statusCode >= 400 && res.statusCode < 500) for (const [l, k] of keys) l.hit(k);
    });
  }

  const showSignIn = (req: Request, res: Response, o: { next: string; login?: string; error?: string }, status = 200) => {
    const { t } = locals(res);
    res.status(status).send(renderPage(req, res, t('signIn'), signInPage({ ...o, csrf: formCsrf(req, res, signingKeys), ldap: Boolean(signIn.ldap), oidc: Boolean(deps.oidc) }, t)));
  };

  r.get('/login', allow.public(), (req, res) => {
    const next = safeNext(req.query.next);
    if (principalOf(res)) return res.redirect(303, next);
    showSignIn(req, res, { next });
  });

  const loginBody = z.object({ login: z.string().trim().min(1).max(254), password: z.string().min(1).max(256) });

  r.post('/login', allow.public(), async (req, res) => {
    const { t } = locals(res);
    const f = textFields(req.body);
    const next = safeNext(f.next);
    checkFormCsrf(req, res, f.csrf, signingKeys);
    const parsed = loginBody.safeParse(f);
    if (!parsed.success) return showSignIn(req, res, { next, login: f.login, error: t('signInMissing') }, 400);
    limited(req, res, parsed.data.login);
    const result = await signInWithPassword(signIn, parsed.data.login, parsed.data.password);
    if (!result.ok) {
      const error = result.reason === 'locked' ? t('accountLocked') : result.reason === 'unavailable' ? t('directoryUnavailable') : t('signInFailed');
      return showSignIn(req, res, { next, login: parsed.data.login, error }, result.reason === 'locked' ? 423 : result.reason === 'unavailable' ? 503 : 401);
    }
    deps.limiters.perAccount.reset(`account:${parsed.data.login.trim().toLowerCase()}`);
    const stage = result.secondFactor === 'verify' ? 'mfa' : result.secondFactor === 'enrol' ? 'enrol' : 'full';
    await startSession(req, res, result.account.id, stage);
    res.redirect(303, stage === 'mfa' ? `/login/totp?next=${encodeURIComponent(next)}` : stage === 'enrol' ? `/account/totp?next=${encodeURIComponent(next)}` : next);
  });

  // --- the second factor ---
  r.get('/login/totp', allow.public(), (req, res) => {
    const { t } = locals(res);
    const next = safeNext(req.query.next);
    if (partialSessionOf(res)?.stage !== 'mfa') return res.redirect(303, '/login');
    res.send(renderPage(req, res, t('totpTitle'), secondFactorPage({ csrf: formCsrf(req, res, signingKeys), next }, t)));
  });

  r.post('/login/totp', allow.public(), async (req, res) => {
    const { t } = locals(res);
    const f = textFields(req.body);
    const next = safeNext(f.next);
    const partial = partialSessionOf(res);
    if (partial?.stage !== 'mfa') return res.redirect(303, '/login');
    checkFormCsrf(req, res, f.csrf, signingKeys);
    limited(req, res, partial.account.email);
    const check = await verifySecondFactor(signIn, partial.account, (f.code ?? '').slice(0, 32));
    if (!check.ok) {
      if (check.reason === 'locked') {
        await endSession(db, cookie(req, SESSION_COOKIE) ?? '');
        res.clearCookie(SESSION_COOKIE, cookieOptions);
        return showSignIn(req, res, { next, error: t('accountLocked') }, 423);
      }
      return res.status(401).send(renderPage(req, res, t('totpTitle'), secondFactorPage({ csrf: formCsrf(req, res, signingKeys), next, error: t('totpWrong') }, t)));
    }
    deps.limiters.perAccount.reset(`account:${partial.account.email}`);
    await startSession(req, res, partial.account.id, 'full');
    res.redirect(303, next);
  });

  // --- setting up the second factor (required for administrators) ---
  /** Whose enrolment this is: a session that must enrol first, or someone signed in adding one. */
  const enrolling = (res: Response) => {
    const partial = partialSessionOf(res);
    if (partial?.stage === 'enrol') return { account: partial.account, idHash: partial.idHash, pendingSecret: partial.totpPendingSecret };
    // Where the organisation leaves it optional, a local account may add a second factor itself.
    const full = fullSessionOf(res);
    if (full && full.account.source === 'local' && !full.account.totp_enabled_at) return { account: full.account, idHash: full.idHash, pendingSecret: full.totpPendingSecret };
    return undefined;
  };

  r.get('/account/totp', allow.public(), (req, res) => {
    const { t } = locals(res);
    if (!enrolling(res)) return res.redirect(303, principalOf(res) ? '/' : '/login');
    res.send(renderPage(req, res, t('totpEnrolTitle'), enrolStartPage({ csrf: formCsrf(req, res, signingKeys), next: safeNext(req.query.next) }, t)));
  });

  async function showSecret(req: Request, res: Response, e: NonNullable<ReturnType<typeof enrolling>>, next: string, secret: string, error?: string) {
    const { t } = locals(res);
    const qrSvg = await totpQrSvg(otpauthUri({ secret, account: e.account.email, issuer: 'jukinet-ops' }));
    res.status(error ? 401 : 200).send(renderPage(req, res, t('totpEnrolTitle'), enrolSecretPage({ csrf: formCsrf(req, res, signingKeys), next, qrSvg, secret, ...(error ? { error } : {}) }, t)));
  }

  r.post('/account/totp/secret', allow.public(), async (req, res) => {
    const f = textFields(req.body);
    const e = enrolling(res);
    if (!e) return res.redirect(303, '/login');
    checkFormCsrf(req, res, f.csrf, signingKeys);
    const secret = newTotpSecret();
    await updateSession(db, e.idHash, { totpPendingSecret: secret });
    await showSecret(req, res, e, safeNext(f.next), secret);
  });

  r.post('/account/totp', allow.public(), async (req, res) => {
    const { t } = locals(res);
    const f = textFields(req.body);
    const next = safeNext(f.next);
    const e = enrolling(res);
    if (!e?.pendingSecret) return res.redirect(303, '/login');
    checkFormCsrf(req, res, f.csrf, signingKeys);
    limited(req, res, e.account.email);
    const check = verifyTotp(e.pendingSecret, (f.code ?? '').replace(/\s/g, ''), signIn.now().getTime());
    if (!check.ok) return showSecret(req, res, e, next, e.pendingSecret, t('totpWrong'));
    const codes = newRecoveryCodes();
    await enableTotp(db, e.account.id, e.pendingSecret, check.step, codes.map(hashRecoveryCode), signIn.now());
    await auditAccess(signIn, 'secondFactorEnrolled', e.account.email);
    await startSession(req, res, e.account.id, 'full');
    res.send(renderPage(req, res, t('recoveryCodesTitle'), recoveryCodesPage({ codes, next }, t)));
  });

  // --- sign-out ---
  r.post('/logout', allow.public(), async (req, res) => {
    const f = textFields(req.body);
    checkFormCsrf(req, res, f.csrf, signingKeys);
    const sid = cookie(req, SESSION_COOKIE);
    if (sid) await endSession(db, sid);
    const p = principalOf(res);
    if (p?.email) await auditAccess(signIn, 'signOut', p.email);
    res.clearCookie(SESSION_COOKIE, cookieOptions);
    // The browser drops its copies of the pages: Back after sign-out shows nothing private.
    res.setHeader('Clear-Site-Data', '"cache"');
    res.redirect(303, '/login');
  });

  // --- one-time setup links ---
  r.get('/setup/:token', allow.public(), async (req, res) => {
    const { t } = locals(res);
    const token = String(req.params.token);
    const link = await findSetupLink(db, token, signIn.now());
    if (!link) return res.status(404).send(renderPage(req, res, t('setupTitle'), linkInvalidPage(t)));
    const account = link.account_id ? await getAccount(db, link.account_id) : undefined;
    res.send(renderPage(req, res, t('setupTitle'), setupPage({ csrf: formCsrf(req, res, signingKeys), token, purpose: link.purpose, ...(account ? { email: account.email, name: account.display_name } : {}) }, t)));
  });

  const setupBody = z.object({
    email: z.email().max(254).optional(),
    name: z.string().trim().min(1).max(100).optional(),
    password: z.string().min(1).max(256),
    confirm: z.string().max(256),
  });

  r.post('/setup/:token', allow.public(), async (req, res) => {
    const { t, locale } = locals(res);
    const token = String(req.params.token);
    const f = textFields(req.body);
    checkFormCsrf(req, res, f.csrf, signingKeys);
    limited(req, res);
    const link = await findSetupLink(db, token, signIn.now());
    if (!link) return res.status(404).send(renderPage(req, res, t('setupTitle'), linkInvalidPage(t)));
    const account = link.account_id ? await getAccount(db, link.account_id) : undefined;
    const again = (issues: string[], status = 400) =>
      res.status(status).send(
        renderPage(req, res, t('setupTitle'), setupPage({ csrf: formCsrf(req, res, signingKeys), token, purpose: link.purpose, issues, values: { email: f.email, name: f.name }, ...(account ? { email: account.email, name: account.display_name } : {}) }, t)),
      );
    const parsed = setupBody.safeParse(f);
    if (!parsed.success) return again(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
    const body = parsed.data;
    if (link.purpose === 'first_admin' && (!body.email || !body.name)) return again([t('setupNeedsEmailName')]);
    if (body.password !== body.confirm) return again([t('passwordMismatch')]);
    const email = account?.email ?? body.email!;
    const rejections = checkPassword(body.password, { email, displayName: account?.display_name ?? body.name ?? '' });
    if (rejections.length > 0) return again(rejections.map((x) => x.message[locale]));
    // The link is spent before anything is created: two tabs cannot both use it.
    if (!(await useSetupLink(db, token, signIn.now()))) return res.status(404).send(renderPage(req, res, t('setupTitle'), linkInvalidPage(t)));
    const hash = await hashPassword(body.password);
    let accountId: string;
    if (link.purpose === 'first_admin') {
      if ((await countAccounts(db)) > 0) return res.status(409).send(renderPage(req, res, t('setupTitle'), linkInvalidPage(t)));
      const created = await createAccount(db, { email, displayName: body.name!, source: 'local', passwordHash: hash }, signIn.now());
      await addGrants(db, created.id, [{ organisation: EVERY_ORGANISATION, role: 'admin' }], 'setup');
      await auditAccess(signIn, 'accountCreated', created.email, { via: 'first-run setup link', grants: ['admin@*'] });
      accountId = created.id;
    } else {
      accountId = account!.id;
      await setPassword(db, accountId, hash, signIn.now());
      await auditAccess(signIn, 'passwordSet', email, { via: `${link.purpose} link` });
    }
    const fresh = (await getAccount(db, accountId))!;
    const grants = await grantsOf(db, accountId);
    const stage = fresh.totp_enabled_at ? 'mfa' : (await secondFactorRequired(db, grants)) ? 'enrol' : 'full';
    await startSession(req, res, accountId, stage);
    res.redirect(303, stage === 'mfa' ? '/login/totp' : stage === 'enrol' ? '/account/totp' : '/');
  });

  // --- OpenID Connect ---
  const oidc = deps.oidc;
  if (oidc) {
    // Discovered once and kept (its key set refreshes itself); a failed discovery is tried again next time.
    let discovered: Promise<ProviderMetadata> | undefined;
    const provider = () => (discovered ??= discoverProvider(oidc).catch((e: unknown) => {
      discovered = undefined;
      throw e;
    }));
    const sign = (payload: string) => createHmac('sha256', signingKeys[0].secret).update(`oidc.${payload}`).digest('base64url');
    r.post('/login/oidc', allow.public(), async (req, res) => {
      const f = textFields(req.body);
      checkFormCsrf(req, res, f.csrf, signingKeys);
      limited(req, res);
      const meta = await provider();
      const { url, pending } = beginSignIn(meta, oidc);
      const payload = Buffer.from(JSON.stringify({ ...pending, next: safeNext(f.next) })).toString('base64url');
      res.cookie(OIDC_COOKIE, `${payload}.${sign(payload)}`, { ...cookieOptions, path: '/login/oidc', maxAge: OIDC_PENDING_MS });
      res.redirect(303, url);
    });

    r.get('/login/oidc/callback', allow.public(), async (req, res) => {
      const { t, locale } = locals(res);
      limited(req, res);
      const raw = cookie(req, OIDC_COOKIE) ?? '';
      res.clearCookie(OIDC_COOKIE, { ...cookieOptions, path: '/login/oidc' });
      const [payload, mac] = raw.split('.');
      const expected = payload ? Buffer.from(sign(payload)) : Buffer.alloc(0);
      if (!payload || !mac || Buffer.from(mac).length !== expected.length || !timingSafeEqual(Buffer.from(mac), expected)) {
        return showSignIn(req, res, { next: '/', error: t('oidcFailed') }, 400);
      }
      const pending = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { state: string; nonce: string; codeVerifier: string; createdAt: number; next: string };
      const q = req.query;
      const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
      const meta = await provider();
      const result = await completeSignIn(
        meta,
        oidc,
        { ...(str(q.code) ? { code: str(q.code) } : {}), ...(str(q.state) ? { state: str(q.state) } : {}), ...(str(q.error) ? { error: str(q.error) } : {}), ...(str(q.iss) ? { iss: str(q.iss) } : {}) },
        pending,
        signIn.now().getTime(),
      );
      if (!result.ok) {
        await auditAccess(signIn, 'signInFailed', 'unknown', { source: 'oidc', why: result.reason });
        return showSignIn(req, res, { next: '/', error: `${t('oidcFailed')} ${SIGN_IN_FAILURE_MESSAGES[result.reason][locale]}` }, 401);
      }
      const account = await federatedAccount(signIn, 'oidc', result.identity);
      if (!account) return showSignIn(req, res, { next: '/', error: t('signInFailed') }, 401);
      await startSession(req, res, account.id, 'full');
      res.redirect(303, safeNext(pending.next));
    });
  }
  return r;
}
