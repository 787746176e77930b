import { Router } from 'express';
import { z } from '../../domain/zod';
import { OUTBOX_ID_PATTERN, type Outbox } from '../../embedded/outbox';
import type { RenderPage } from '../app';
import { HttpError, locals, notFound, valid, validate } from '../http';
import { outboxMessagePage, outboxPage } from '../views/outbox';

const idParams = z.object({ id: z.string().regex(OUTBOX_ID_PATTERN, { error: 'not a message id' }) });

export function outboxRouter({ outbox, renderPage }: { outbox?: Outbox; renderPage: RenderPage }): Router {
  const r = Router();
  r.use('/outbox', (_req, res, next) => {
    if (!outbox) return next(new HttpError(404, 'outbox_disabled', locals(res).t('outboxDisabled')));
    next();
  });
  r.get('/outbox', async (req, res) => {
    const { t, locale } = locals(res);
    res.send(renderPage(req, res, t('outbox'), outboxPage(await outbox!.list(), t, locale)));
  });
  r.get('/outbox/:id', validate({ params: idParams }), async (req, res) => {
    const { t, locale } = locals(res);
    const m = await outbox!.read(valid<{ params: typeof idParams }>(res).params.id);
    if (!m) throw notFound('no such message');
    res.send(renderPage(req, res, m.subject || t('outbox'), outboxMessagePage(m, t, locale)));
  });
  return r;
}
