// Who is asking, and may they: every request is authenticated once (an API key in
// `Authorization: Bearer …`, else the session cookie), and every route declares its policy as its
// first handler. A test walks the app and fails on a route without one.
import type { Request, RequestHandler, Response } from 'express';
import type { Kysely } from 'kysely';
import { type ActiveSession, findApiKey, findSession, grantsOf, type SessionLimits, touchApiKey, touchSession } from '../db/accounts';
import type { Database } from '../db/schema';
import { multipartBoundary, parseMultipart } from '../domain/evidence';
import { type AccessRole, decideAccess, EVERY_ORGANISATION, type Grant, organisationsWith } from '../domain/access';
import { checkCsrf, CSRF_COOKIE, csrfField, newCsrfCookie, type SigningKey } from '../tokens';
import { cookie, HttpError, locals, notFound } from './http';

export const SESSION_COOKIE = 'jo_session';

/** The one acting: a signed-in account, or a machine client's API key. */
export interface Principal {
  kind: 'account' | 'apiKey';
  id: string;
  name: string;
  /** Accounts only: the link to the people named in profiles and to "my tasks". */
  email?: string;
  grants: Grant[];
  /** Cookie sessions only: forms are bound to it (CSRF). */
  sessionIdHash?: string;
  /** A local account without a second factor yet (it may set one up: /account/totp). */
  withoutSecondFactor?: boolean;
}

export const principalOf = (res: Response): Principal | undefined => res.locals.principal as Principal | undefined;

/** The principal of a route whose policy has let it through: never undefined there. */
export function principal(res: Response): Principal {
  const p = principalOf(res);
  if (!p) throw new HttpError(401, 'unauthenticated', locals(res).t('signInRequired'));
  return p;
}

/** A session not yet signed in fully (TOTP awaited or to be set up): only the sign-in pages use it. */
export const partialSessionOf = (res: Response): ActiveSession | undefined => res.locals.partialSession as ActiveSession | undefined;

/** The session of someone signed in fully (a cookie session, not an API key). */
export const fullSessionOf = (res: Response): ActiveSession | undefined => res.locals.fullSession as ActiveSession | undefined;

export interface AuthSettings {
  limits: SessionLimits;
  now: () => number;
}

/** Refreshing last-seen on every request would write on every page view; once a minute is enough for idle timeouts. */
const TOUCH_EVERY_MS = 60_000;

export function authenticate(db: Kysely<Database>, settings: AuthSettings): RequestHandler {
  return async (req, res, next) => {
    try {
      const now = new Date(settings.now());
      const header = req.headers.authorization;
      if (header !== undefined) {
        const m = /^Bearer ([^\s]+)$/i.exec(header);
        const key = m ? await findApiKey(db, m[1], now) : undefined;
        if (!key) {
          res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
          throw new HttpError(401, 'invalid_key', locals(res).t('apiKeyInvalid'));
        }
        if (!key.last_used_at || now.getTime() - key.last_used_at.getTime() > TOUCH_EVERY_MS) await touchApiKey(db, key.id, now);
        res.locals.principal = { kind: 'apiKey', id: key.id, name: key.name, grants: [{ organisation: key.organisation, role: key.role as AccessRole }] } satisfies Principal;
        return next();
      }
      const sid = cookie(req, SESSION_COOKIE);
      if (sid && /^[A-Za-z0-9_-]{43}$/.test(sid)) {
        const s = await findSession(db, sid, settings.limits, now);
        if (s && now.getTime() - s.lastSeenAt.getTime() > TOUCH_EVERY_MS) await touchSession(db, s.idHash, now);
        if (s?.stage === 'full') {
          // SameSite=Lax still sends the cookie with a form posted from another page of the same
          // site, and the API parses urlencoded bodies: an API write by cookie must be JSON, which
          // a form cannot send and another origin cannot without a preflight we never answer.
          if (req.path.startsWith('/api/') && !['GET', 'HEAD', 'OPTIONS'].includes(req.method) && !req.is('application/json')) {
            throw new HttpError(403, 'csrf', locals(res).t('csrfBody'));
          }
          res.locals.fullSession = s;
          res.locals.principal = {
            kind: 'account',
            id: s.account.id,
            name: s.account.display_name,
            email: s.account.email,
            grants: await grantsOf(db, s.account.id),
            sessionIdHash: s.idHash,
            ...(s.account.source === 'local' && !s.account.totp_enabled_at ? { withoutSecondFactor: true } : {}),
          } satisfies Principal;
        } else if (s) res.locals.partialSession = s;
      }
      next();
    } catch (e) {
      next(e);
    }
  };
}

// --- policies -------------------------------------------------------------------------------

/** Where a route finds the organisation a request acts in. */
export type OrganisationSource = 'params' | 'body' | 'query';

export type Policy =
  | { kind: 'public' }
  /** The signed token in the path is the credential (email-link task pages). */
  | { kind: 'taskLink' }
  | { kind: 'signedIn' }
  | { kind: 'roles'; roles: readonly AccessRole[]; organisation?: OrganisationSource }
  /**
   * What spans every organisation (the outbox shows every live link; the audit chain holds every
   * organisation's rows): only for one of `roles` held in every organisation (`*`).
   */
  | { kind: 'installation'; roles: readonly AccessRole[] };

export type PolicyHandler = RequestHandler & { policy: Policy };

function organisationOf(req: Request, from: OrganisationSource | undefined): string | undefined {
  if (!from) return undefined;
  const source = from === 'params' ? req.params : from === 'query' ? req.query : req.body;
  const v = source && typeof source === 'object' ? ((source as Record<string, unknown>).organisation ?? (source as Record<string, unknown>).key) : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** The answer for a request that is not signed in: the API says 401, a page sends the person to sign in. */
function unauthenticated(req: Request, res: Response): HttpError | undefined {
  if (req.path.startsWith('/api/') || req.method !== 'GET') {
    if (req.path.startsWith('/api/')) res.setHeader('WWW-Authenticate', 'Bearer');
    return new HttpError(401, 'unauthenticated', locals(res).t('signInRequired'));
  }
  res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
  return undefined;
}

function policyHandler(policy: Policy): PolicyHandler {
  const handler: RequestHandler = (req, res, next) => {
    if (policy.kind === 'public' || policy.kind === 'taskLink') return next();
    const p = principalOf(res);
    let decision;
    if (policy.kind === 'signedIn') decision = p ? 'allow' : 'unauthenticated';
    else if (policy.kind === 'installation') decision = !p ? 'unauthenticated' : p.grants.some((g) => g.organisation === EVERY_ORGANISATION && policy.roles.includes(g.role)) ? 'allow' : 'forbidden';
    else decision = decideAccess(p?.grants, policy.roles, organisationOf(req, policy.organisation));
    if (decision === 'allow') return next();
    if (decision === 'unauthenticated') {
      const e = unauthenticated(req, res);
      return e ? next(e) : undefined;
    }
    if (decision === 'forbidden') return next(new HttpError(403, 'forbidden', locals(res).t('forbidden')));
    next(notFound(`no route for ${req.method} ${req.path}`));
  };
  return Object.assign(handler, { policy });
}

/** The policy every route declares as its first handler. */
export const allow = {
  public: () => policyHandler({ kind: 'public' }),
  taskLink: () => policyHandler({ kind: 'taskLink' }),
  signedIn: () => policyHandler({ kind: 'signedIn' }),
  roles: (roles: readonly AccessRole[], organisation?: OrganisationSource) => policyHandler({ kind: 'roles', roles, ...(organisation ? { organisation } : {}) }),
  installation: (roles: readonly AccessRole[]) => policyHandler({ kind: 'installation', roles }),
};

/**
 * Inside a route: whether the principal holds one of `roles` in `organisation`; otherwise throws
 * 404 (nothing there for them) or 403 (they are of the organisation, but not in that role).
 */
export function requireRole(res: Response, roles: readonly AccessRole[], organisation: string): void {
  const d = decideAccess(principalOf(res)?.grants, roles, organisation);
  if (d === 'allow') return;
  if (d === 'forbidden') throw new HttpError(403, 'forbidden', locals(res).t('forbidden'));
  if (d === 'unauthenticated') throw new HttpError(401, 'unauthenticated', locals(res).t('signInRequired'));
  throw notFound(`${organisation}: not found`);
}

// --- CSRF for console forms -----------------------------------------------------------------

/** What a console form is bound to: the session, or (sign-in, setup) the browser before it has one. */
const formBinding = (res: Response) => `form.${principalOf(res)?.sessionIdHash ?? partialSessionOf(res)?.idHash ?? 'anonymous'}`;

/** The hidden field for a console form, setting the CSRF cookie on first use. */
export function formCsrf(req: Request, res: Response, keys: readonly SigningKey[]): string {
  // One value per response: a page with two forms (its own and the sign-out) sets the cookie once.
  let value = (res.locals.csrfCookie as string | undefined) ?? cookie(req, CSRF_COOKIE);
  if (!value || !/^[A-Za-z0-9_-]{24}$/.test(value)) {
    value = newCsrfCookie();
    res.cookie(CSRF_COOKIE, value, { httpOnly: true, sameSite: 'strict', path: '/', secure: req.secure });
  }
  res.locals.csrfCookie = value;
  return csrfField(value, formBinding(res), keys[0]);
}

/** Refuses a console form without the field that matches the cookie and the session (403). */
export function checkFormCsrf(req: Request, res: Response, field: unknown, keys: readonly SigningKey[]): void {
  if (!checkCsrf(cookie(req, CSRF_COOKIE), typeof field === 'string' ? field : undefined, formBinding(res), keys)) {
    throw new HttpError(403, 'csrf', locals(res).t('csrfBody'));
  }
}

/**
 * A console form's upload (multipart: the file beside the CSRF field): the body read (400 when it
 * is not multipart), the form's CSRF field checked (403), and the file part — undefined when none
 * was chosen or it is empty.
 */
export function formUpload(req: Request, res: Response, keys: readonly SigningKey[]): { filename: string; data: Buffer } | undefined {
  const boundary = multipartBoundary(req.headers['content-type']);
  const parts = boundary && Buffer.isBuffer(req.body) ? parseMultipart(req.body, boundary) : undefined;
  if (!parts) throw new HttpError(400, 'validation_failed', 'body: not a multipart/form-data body', [{ path: 'body', message: 'multipart/form-data として読めません' }]);
  checkFormCsrf(req, res, parts.find((p) => p.name === 'csrf' && p.filename === undefined)?.data.toString('utf8'), keys);
  const file = parts.find((p) => p.name === 'file' && p.filename !== undefined);
  return file && file.data.length > 0 ? { filename: file.filename!, data: file.data } : undefined;
}

/** The items of organisations where the principal holds one of `roles` (lists never show the others). */
export function visibleTo<T extends { organisation: string }>(res: Response, roles: readonly AccessRole[], items: readonly T[]): T[] {
  const scope = organisationsWith(principalOf(res)?.grants ?? [], roles);
  return scope === EVERY_ORGANISATION ? [...items] : items.filter((i) => scope.includes(i.organisation));
}
