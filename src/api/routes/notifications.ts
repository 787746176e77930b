// 本人通知 (kunitachi:14) over HTTP: the commander imports the persons concerned as CSV, starts the
// sending, and anyone who reads the incident follows its progress (sent / failed / remaining, ETA).
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import express, { Router } from 'express';
import type { Kysely } from 'kysely';
import { getIncident } from '../../db/incidents';
import { getNotice } from '../../db/notices';
import { importRecipients, notificationCounts, NotificationsStartedError } from '../../db/notifications';
import type { Database } from '../../db/schema';
import { INCIDENT_READERS } from '../../domain/access';
import { notificationProgress } from '../../notify/notifications';
import { parsePersonsCsv } from '../../notify/persons-csv';
import { z } from '../../domain/zod';
import type { notifyPersons } from '../../workflows/emergency/notify';
import { incidentRefParams } from '../params';
import { allow } from '../access';
import { HttpError, notFound, recordingStarted, valid, validate } from '../http';

export interface NotificationRouteDeps {
  db: Kysely<Database>;
  client: Client;
  taskQueue: string;
  now?: () => Date;
}

/** 100,000 persons with long addresses fit well within this. */
export const MAX_PERSONS_CSV_BYTES = 20 * 1024 * 1024;
/** The ETA is the remaining emails at the last minute's pace. */
const RATE_WINDOW_MS = 60_000;

const startBody = z.object({
  noticeId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'not a notice id' }),
  batchSize: z.number().int().min(1).max(5_000).optional(),
  batchesPerRun: z.number().int().min(1).max(500).optional(),
});

/** The workflow that sends one notice of one incident: starting it twice is starting it once. */
export const notifyWorkflowId = (organisation: string, incidentId: string, noticeId: string) => `notify-${organisation}-${incidentId}-${noticeId}`;

export function notificationsRouter(deps: NotificationRouteDeps): Router {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const r = Router();

  const requireIncident = async (organisation: string, incidentId: string) => {
    if (!(await getIncident(db, organisation, incidentId))) throw notFound(`incident ${organisation}/${incidentId} not found`);
  };

  // The CSV as the request body (any content type: browsers and curl label CSV differently); the
  // large limit applies to this route only.
  r.post(
    '/api/incidents/:organisation/:incidentId/persons',
    allow.roles(['commander'], 'params'),
    validate({ params: incidentRefParams }),
    express.raw({ type: () => true, limit: MAX_PERSONS_CSV_BYTES }),
    async (req, res) => {
      const { organisation, incidentId } = valid<{ params: typeof incidentRefParams }>(res).params;
      await requireIncident(organisation, incidentId);
      const bytes = Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : new Uint8Array();
      const parsed = parsePersonsCsv(bytes);
      if (!parsed.ok) {
        res.status(400).json({
          error: 'invalid_csv',
          message: `対象者一覧に誤りがあります（${parsed.issues.length} 件）。何も取り込んでいません / the list has errors; nothing was imported`,
          ...(parsed.encoding ? { encoding: parsed.encoding } : {}),
          issues: parsed.issues.map((i) => ({ path: `line ${i.line}: ${i.field}`, line: i.line, field: i.field, message: i.message })),
        });
        return;
      }
      recordingStarted(res);
      try {
        const result = await importRecipients(db, { organisation, incidentId, importId: randomUUID(), persons: parsed.persons });
        res.status(201).json({ ...result, encoding: parsed.encoding, links: { progress: `/api/incidents/${organisation}/${incidentId}/notifications` } });
      } catch (e) {
        if (e instanceof NotificationsStartedError) throw new HttpError(409, 'notifications_started', e.message);
        throw e;
      }
    },
  );

  // Starts sending a notice to every person with an address: only a notice of this incident that
  // a second person has approved (routes/notices.ts); each email is composed from it.
  r.post('/api/incidents/:organisation/:incidentId/notifications', allow.roles(['commander'], 'params'), validate({ params: incidentRefParams, body: startBody }), async (_req, res) => {
    const { params, body } = valid<{ params: typeof incidentRefParams; body: typeof startBody }>(res);
    await requireIncident(params.organisation, params.incidentId);
    const notice = await getNotice(db, params.organisation, body.noticeId);
    if (!notice || notice.incidentId !== params.incidentId || notice.state !== 'APPROVED') {
      throw new HttpError(
        409,
        'notice_not_approved',
        `通知文 ${body.noticeId} はこの事案の承認済みの通知文ではありません。承認されるまで送信できません / notice ${body.noticeId} is not an approved notice of this incident: nothing is sent until it is approved`,
      );
    }
    const workflowId = notifyWorkflowId(params.organisation, params.incidentId, body.noticeId);
    recordingStarted(res);
    let created = true;
    try {
      await deps.client.workflow.start<typeof notifyPersons>('notifyPersons', {
        taskQueue: deps.taskQueue,
        workflowId,
        args: [{ organisation: params.organisation, incidentId: params.incidentId, noticeId: body.noticeId, ...(body.batchSize ? { batchSize: body.batchSize } : {}), ...(body.batchesPerRun ? { batchesPerRun: body.batchesPerRun } : {}) }],
      });
    } catch (e) {
      if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
      created = false;
    }
    res.status(created ? 202 : 200).json({ workflowId, links: { progress: `/api/incidents/${params.organisation}/${params.incidentId}/notifications` } });
  });

  r.get('/api/incidents/:organisation/:incidentId/notifications', allow.roles(INCIDENT_READERS, 'params'), validate({ params: incidentRefParams }), async (_req, res) => {
    const { organisation, incidentId } = valid<{ params: typeof incidentRefParams }>(res).params;
    await requireIncident(organisation, incidentId);
    const counts = await notificationCounts(db, organisation, incidentId, { now: now(), rateWindowMs: RATE_WINDOW_MS });
    res.json(notificationProgress(counts, RATE_WINDOW_MS));
  });

  return r;
}
