import { Router } from 'express';
import { z } from '../../domain/zod';
import { ORGANISATION_KEY_PATTERN } from '../../domain/articles';
import { getOrganisation, listOrganisations } from '../../db/organisations';
import type { AppDeps, RenderPage } from '../app';
import { locals, notFound, valid, validate } from '../http';
import { organisationPage, organisationsPage } from '../views/organisations';

const keyParams = z.object({ key: z.string().regex(ORGANISATION_KEY_PATTERN, { error: 'not an organisation key' }) });

export function organisationsRouter({ appDb, renderPage }: Pick<AppDeps, 'appDb'> & { renderPage: RenderPage }): Router {
  const r = Router();
  const { db } = appDb;

  r.get('/api/organisations', async (_req, res) => {
    res.json({ organisations: await listOrganisations(db) });
  });

  r.get('/api/organisations/:key', validate({ params: keyParams }), async (_req, res) => {
    const { key } = valid<{ params: typeof keyParams }>(res).params;
    const profile = await getOrganisation(db, key);
    if (!profile) throw notFound(`organisation ${key} is not loaded`);
    res.json(profile);
  });

  r.get('/organisations', async (req, res) => {
    const { t } = locals(res);
    res.send(renderPage(req, res, t('organisations'), organisationsPage(await listOrganisations(db), t)));
  });

  r.get('/organisations/:key', validate({ params: keyParams }), async (req, res) => {
    const { key } = valid<{ params: typeof keyParams }>(res).params;
    const profile = await getOrganisation(db, key);
    if (!profile) throw notFound(`organisation ${key} is not loaded`);
    res.send(renderPage(req, res, profile.organisation.name, organisationPage(profile, locals(res).t)));
  });
  return r;
}
