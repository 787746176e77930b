import { Router } from 'express';
import { z } from '../../domain/zod';
import { ORGANISATION_KEY_PATTERN } from '../../domain/articles';
import { getOrganisation, listOrganisations } from '../../db/organisations';
import type { AppDeps, RenderPage } from '../app';
import { CONTRACT_READERS, LEDGER_READERS, PROFILE_READERS, rolesIn } from '../../domain/access';
import { allow, principal, visibleTo } from '../access';
import { locals, notFound, valid, validate } from '../http';
import { organisationPage, organisationsPage } from '../views/organisations';
import { paperPlanSection } from '../views/paper';
import { profileHash } from '../../documents/paper-plan';
import { html } from '../html';

const keyParams = z.object({ key: z.string().regex(ORGANISATION_KEY_PATTERN, { error: 'not an organisation key' }) });

export function organisationsRouter({ appDb, renderPage }: Pick<AppDeps, 'appDb'> & { renderPage: RenderPage }): Router {
  const r = Router();
  const { db } = appDb;

  r.get('/api/organisations', allow.signedIn(), async (_req, res) => {
    res.json({ organisations: visibleTo(res, PROFILE_READERS, (await listOrganisations(db)).map((o) => ({ ...o, organisation: o.key }))).map(({ organisation: _, ...o }) => o) });
  });

  r.get('/api/organisations/:key', allow.roles(PROFILE_READERS, 'params'), validate({ params: keyParams }), async (_req, res) => {
    const { key } = valid<{ params: typeof keyParams }>(res).params;
    const profile = await getOrganisation(db, key);
    if (!profile) throw notFound(`organisation ${key} is not loaded`);
    res.json(profile);
  });

  r.get('/organisations', allow.signedIn(), async (req, res) => {
    const { t } = locals(res);
    const visible = visibleTo(res, PROFILE_READERS, (await listOrganisations(db)).map((o) => ({ ...o, organisation: o.key })));
    res.send(renderPage(req, res, t('organisations'), organisationsPage(visible, t)));
  });

  r.get('/organisations/:key', allow.roles(PROFILE_READERS, 'params'), validate({ params: keyParams }), async (req, res) => {
    const { key } = valid<{ params: typeof keyParams }>(res).params;
    const profile = await getOrganisation(db, key);
    if (!profile) throw notFound(`organisation ${key} is not loaded`);
    const { t, locale } = locals(res);
    // The user-ID ledger (管理簿) is linked for those who may read it.
    const ledger = LEDGER_READERS.some((role) => rolesIn(principal(res).grants, key).has(role))
      ? html`<p><a href="/ledger/${key}" id="ledger-link">${locale === 'en' ? 'User-ID ledger' : 'ユーザID管理簿'}</a></p>`
      : '';
    // Its contracts (委託処理) likewise, for those who may read them.
    const contracts = CONTRACT_READERS.some((role) => rolesIn(principal(res).grants, key).has(role))
      ? html`<p><a href="/contracts/${key}" id="contracts-link">${locale === 'en' ? 'Contractors (委託処理)' : '委託処理'}</a></p>`
      : '';
    res.send(renderPage(req, res, profile.organisation.name, html`${ledger}${contracts}${paperPlanSection(profile, profileHash(profile), locale)}${organisationPage(profile, t)}`));
  });
  return r;
}
