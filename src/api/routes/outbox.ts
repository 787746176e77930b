// The embedded SMTP sink's outbox: pages in the console, and `GET /api/outbox` for scripts and
// tests. Only with the embedded sink; with a real relay both answer 404 and say why.
import { Router } from 'express';
import { z } from '../../domain/zod';
import { OUTBOX_ID_PATTERN, type Outbox, type OutboxSummary } from '../../embedded/outbox';
import type { RenderPage } from '../app';
import { allow } from '../access';
import { HttpError, locals, notFound, valid, validate } from '../http';
import { outboxMessagePage, outboxPage } from '../views/outbox';

const messageId = z.string().regex(OUTBOX_ID_PATTERN, { error: 'not a message id' });
const idParams = z.object({ id: messageId });
const listQuery = z.object({
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, { error: '1 から 1000 までの整数にしてください' })
    .transform(Number)
    .pipe(z.number().int().min(1).max(1000))
    .default(100),
  /** The id of the last message of the previous page. */
  before: messageId.optional(),
});

const summaryJson = (m: OutboxSummary) => ({ ...m, date: m.date.toISOString(), links: { self: `/api/outbox/${m.id}`, console: `/outbox/${m.id}` } });

export function outboxRouter({ outbox, renderPage }: { outbox?: Outbox; renderPage: RenderPage }): Router {
  const r = Router();
  for (const prefix of ['/outbox', '/api/outbox']) {
    r.use(prefix, (_req, res, next) => {
      if (!outbox) return next(new HttpError(404, 'outbox_disabled', locals(res).t('outboxDisabled')));
      next();
    });
  }
  r.get('/outbox', allow.installation(['admin']), async (req, res) => {
    const { t, locale } = locals(res);
    res.send(renderPage(req, res, t('outbox'), outboxPage(await outbox!.list(), t, locale)));
  });
  r.get('/outbox/:id', allow.installation(['admin']), validate({ params: idParams }), async (req, res) => {
    const { t, locale } = locals(res);
    const m = await outbox!.read(valid<{ params: typeof idParams }>(res).params.id);
    if (!m) throw notFound('no such message');
    res.send(renderPage(req, res, m.subject || t('outbox'), outboxMessagePage(m, t, locale)));
  });

  r.get('/api/outbox', allow.installation(['admin']), validate({ query: listQuery }), async (_req, res) => {
    const { limit, before } = valid<{ query: typeof listQuery }>(res).query;
    // One more than asked: whether there is a next page.
    const page = await outbox!.list(limit + 1, before);
    const messages = page.slice(0, limit);
    const next = page.length > limit ? `/api/outbox?limit=${limit}&before=${messages[messages.length - 1].id}` : undefined;
    res.json({ messages: messages.map(summaryJson), ...(next ? { next } : {}) });
  });
  r.get('/api/outbox/:id', allow.installation(['admin']), validate({ params: idParams }), async (_req, res) => {
    const m = await outbox!.read(valid<{ params: typeof idParams }>(res).params.id);
    if (!m) throw notFound('no such message');
    res.json({ ...m, date: m.date.toISOString() });
  });
  return r;
}
