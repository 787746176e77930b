// Administration: accounts and their roles (console), API keys (console and API), and
// `GET /api/whoami`. An admin acts only within the organisations where they are admin; `*`
// (every organisation) is for the installation's administrators.
import { type Request, type Response, Router } from 'express';
import type { Kysely } from 'kysely';
import { getAccount, getApiKey, listAccounts, listApiKeys } from '../../db/accounts';
import { listOrganisations } from '../../db/organisations';
import type { Database } from '../../db/schema';
import { ACCESS_ROLES, EVERY_ORGANISATION, organisationsWith, rolesIn } from '../../domain/access';
import { ORGANISATION_KEY_PATTERN } from '../../domain/articles';
import { z } from '../../domain/zod';
import { AccountError, type AdminDeps, grantRoles, inviteAccount, issueApiKey, issueResetLink, revokeKey, revokeRole, setDisabled, setupUrl, unlock } from '../../auth/accounts';
import type { SigningKey } from '../../tokens';
import type { RenderPage } from '../app';
import { allow, checkFormCsrf, formCsrf, type Principal, principal, requireRole } from '../access';
import { HttpError, locals, notFound, textFields, valid, validate } from '../http';
import { accountsPage, apiKeysPage } from '../views/admin';

export interface AdminRouteDeps {
  admin: AdminDeps;
  signingKeys: readonly SigningKey[];
  publicUrl: string;
  renderPage: RenderPage;
}

const organisationKey = z.string().refine((v) => v === EVERY_ORGANISATION || ORGANISATION_KEY_PATTERN.test(v), { error: 'not an organisation key' });

const accountForm = z.object({
  email: z.email().max(254),
  name: z.string().trim().min(1).max(100),
  role: z.enum(ACCESS_ROLES),
  organisation: organisationKey,
});

export const apiKeySchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  organisation: organisationKey,
  role: z.enum(ACCESS_ROLES),
  expiresInDays: z.coerce.number().int().min(1).max(730).default(90),
});

const idParams = z.object({ id: z.string().regex(/^[a-z0-9]{12}$/, { error: 'not an API key id' }) });
const accountParams = z.object({ id: z.uuid({ error: 'not an account id' }) });

/** Where this admin may act: `*` for installation admins, else the organisations they administer. */
const administered = (p: Principal) => organisationsWith(p.grants, ['admin']);

export function adminRouter(deps: AdminRouteDeps): Router {
  const { admin, signingKeys, renderPage } = deps;
  const db: Kysely<Database> = admin.db;
  const r = Router();

  async function organisationChoices(p: Principal): Promise<string[]> {
    const scope = administered(p);
    const all = (await listOrganisations(db)).map((o) => o.key);
    return scope === EVERY_ORGANISATION ? [EVERY_ORGANISATION, ...all] : all.filter((k) => scope.includes(k));
  }

  // --- accounts (console) ---
  async function showAccounts(req: Request, res: Response, extra: { issued?: { email: string; url: string }; error?: string } = {}, status = 200) {
    const { t, locale } = locals(res);
    const p = principal(res);
    const scope = administered(p);
    const accounts = (await listAccounts(db)).filter((a) => scope === EVERY_ORGANISATION || a.grants.some((g) => scope.includes(g.organisation)));
    res.status(status).send(
      renderPage(req, res, t('accounts'), accountsPage({ accounts, organisations: await organisationChoices(p), csrf: formCsrf(req, res, signingKeys), now: admin.now(), ...extra }, t, locale)),
    );
  }

  r.get('/admin/accounts', allow.roles(['admin']), async (req, res) => showAccounts(req, res));

  r.post('/admin/accounts', allow.roles(['admin'], 'body'), async (req, res) => {
    const { t } = locals(res);
    const f = textFields(req.body);
    checkFormCsrf(req, res, f.csrf, signingKeys);
    const parsed = accountForm.safeParse(f);
    if (!parsed.success) return showAccounts(req, res, { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join(' / ') }, 400);
    const a = parsed.data;
    requireRole(res, ['admin'], a.organisation);
    try {
      const { token } = await inviteAccount(admin, { email: a.email, displayName: a.name, grants: [{ organisation: a.organisation, role: a.role }] }, principal(res).email ?? principal(res).name);
      await showAccounts(req, res, { issued: { email: a.email, url: setupUrl(deps.publicUrl, token) } }, 201);
    } catch (e) {
      if (e instanceof AccountError && e.code === 'exists') return showAccounts(req, res, { error: t('accountExists') }, 409);
      throw e;
    }
  });

  /**
   * The account, if this admin administers every organisation it holds a role in: 404 when none
   * (it is not theirs to see), 403 when only some. Resetting the password of, or re-enabling,
   * someone who also holds roles elsewhere (a J-LIS auditor of every organisation who is a member
   * here) would otherwise hand one organisation's admin those other roles.
   */
  async function administeredAccount(res: Response, id: string) {
    const account = await getAccount(db, id);
    const scope = administered(principal(res));
    if (!account) throw notFound('no such account');
    if (scope !== EVERY_ORGANISATION) {
      const theirs = (await listAccounts(db)).find((a) => a.id === id)?.grants ?? [];
      if (!theirs.some((g) => scope.includes(g.organisation))) throw notFound('no such account');
      if (!theirs.every((g) => scope.includes(g.organisation))) throw new HttpError(403, 'forbidden', locals(res).t('forbidden'));
    }
    return account;
  }

  const grantForm = z.object({ role: z.enum(ACCESS_ROLES), organisation: organisationKey });

  for (const action of ['grant', 'revoke'] as const) {
    r.post(`/admin/accounts/:id/${action}`, allow.roles(['admin']), validate({ params: accountParams }), async (req, res) => {
      const f = textFields(req.body);
      checkFormCsrf(req, res, f.csrf, signingKeys);
      const account = await administeredAccount(res, valid<{ params: typeof accountParams }>(res).params.id);
      const parsed = grantForm.safeParse(f);
      if (!parsed.success) return showAccounts(req, res, { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join(' / ') }, 400);
      // Only roles in an organisation this admin administers; `*` only by an installation admin.
      requireRole(res, ['admin'], parsed.data.organisation);
      const by = principal(res).email ?? principal(res).name;
      if (action === 'grant') await grantRoles(admin, account, [parsed.data], by);
      else await revokeRole(admin, account, parsed.data, by);
      res.redirect(303, '/admin/accounts');
    });
  }

  for (const action of ['disable', 'enable', 'unlock', 'reset'] as const) {
    r.post(`/admin/accounts/:id/${action}`, allow.roles(['admin']), validate({ params: accountParams }), async (req, res) => {
      const f = textFields(req.body);
      checkFormCsrf(req, res, f.csrf, signingKeys);
      const account = await administeredAccount(res, valid<{ params: typeof accountParams }>(res).params.id);
      const by = principal(res).email ?? principal(res).name;
      if (action === 'reset') {
        const token = await issueResetLink(admin, account, by).catch((e: unknown) => {
          if (e instanceof AccountError) throw new HttpError(409, e.code, e.message);
          throw e;
        });
        return showAccounts(req, res, { issued: { email: account.email, url: setupUrl(deps.publicUrl, token) } });
      }
      if (action === 'unlock') await unlock(admin, account, by);
      else await setDisabled(admin, account, action === 'disable', by);
      res.redirect(303, '/admin/accounts');
    });
  }

  // --- API keys ---
  const keyJson = (k: Awaited<ReturnType<typeof listApiKeys>>[number]) => ({
    id: k.id,
    name: k.name,
    organisation: k.organisation,
    role: k.role,
    createdBy: k.created_by,
    createdAt: k.created_at.toISOString(),
    expiresAt: k.expires_at.toISOString(),
    lastUsedAt: k.last_used_at?.toISOString() ?? null,
    revokedAt: k.revoked_at?.toISOString() ?? null,
  });

  async function visibleKeys(p: Principal) {
    const scope = administered(p);
    return listApiKeys(db, scope === EVERY_ORGANISATION ? undefined : scope);
  }

  async function showKeys(req: Request, res: Response, extra: { created?: { key: string; name: string }; error?: string } = {}, status = 200) {
    const { t, locale } = locals(res);
    const p = principal(res);
    res.status(status).send(
      renderPage(req, res, t('apiKeys'), apiKeysPage({ keys: await visibleKeys(p), organisations: await organisationChoices(p), csrf: formCsrf(req, res, signingKeys), now: admin.now(), ...extra }, t, locale)),
    );
  }

  r.get('/admin/keys', allow.roles(['admin']), async (req, res) => showKeys(req, res));

  r.post('/admin/keys', allow.roles(['admin'], 'body'), async (req, res) => {
    const f = textFields(req.body);
    checkFormCsrf(req, res, f.csrf, signingKeys);
    const parsed = apiKeySchema.safeParse({ name: f.name, organisation: f.organisation, role: f.role, ...(f.expiresInDays ? { expiresInDays: f.expiresInDays } : {}) });
    if (!parsed.success) return showKeys(req, res, { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join(' / ') }, 400);
    requireRole(res, ['admin'], parsed.data.organisation);
    const { key } = await issueApiKey(admin, parsed.data, principal(res).email ?? principal(res).name);
    await showKeys(req, res, { created: { key, name: parsed.data.name } }, 201);
  });

  async function revoke(res: Response, id: string) {
    const key = await getApiKey(db, id);
    if (!key) throw notFound('no such API key');
    requireRole(res, ['admin'], key.organisation);
    await revokeKey(admin, id, key.organisation, principal(res).email ?? principal(res).name);
  }

  r.post('/admin/keys/:id/revoke', allow.roles(['admin']), validate({ params: idParams }), async (req, res) => {
    checkFormCsrf(req, res, textFields(req.body).csrf, signingKeys);
    await revoke(res, valid<{ params: typeof idParams }>(res).params.id);
    res.redirect(303, '/admin/keys');
  });

  r.get('/api/keys', allow.roles(['admin']), async (_req, res) => {
    res.json({ keys: (await visibleKeys(principal(res))).map(keyJson) });
  });

  r.post('/api/keys', allow.roles(['admin'], 'body'), validate({ body: apiKeySchema }), async (_req, res) => {
    const body = valid<{ body: typeof apiKeySchema }>(res).body;
    requireRole(res, ['admin'], body.organisation);
    const { key, id, expiresAt } = await issueApiKey(admin, body, principal(res).email ?? principal(res).name);
    res.status(201).json({ id, key, name: body.name, organisation: body.organisation, role: body.role, expiresAt: expiresAt.toISOString() });
  });

  r.post('/api/keys/:id/revoke', allow.roles(['admin']), validate({ params: idParams }), async (_req, res) => {
    await revoke(res, valid<{ params: typeof idParams }>(res).params.id);
    res.status(204).end();
  });

  // --- who am I ---
  r.get('/api/whoami', allow.signedIn(), async (_req, res) => {
    const p = principal(res);
    const orgs = [...new Set(p.grants.map((g) => g.organisation))];
    res.json({
      kind: p.kind,
      name: p.name,
      ...(p.email ? { email: p.email } : {}),
      grants: p.grants,
      roles: Object.fromEntries(orgs.map((o) => [o, [...rolesIn(p.grants, o)]])),
    });
  });
  return r;
}
