// The notifyPersons workflow's activity: one call sends one batch of notices over a pooled SMTP
// transport. The database, not the workflow, knows who was notified: each person's row is claimed
// for this attempt, marked SENT as soon as the relay accepts, and never claimed again once SENT.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import type { Transporter } from 'nodemailer';
import { claimRecipients, markFailed, markSentMany, refreshAttempt, releaseRecipient, remainingEmails, type RecipientRow } from '../db/notifications';
import { getOrganisation } from '../db/organisations';
import type { Database } from '../db/schema';
import { composePersonNotice, isPermanentRecipientFailure, noticeMessageId } from '../notify/notifications';
import { describeSmtpError } from '../mail';

/** The email a person receives for a notice. */
export type ComposeNotice = (o: { organisation: string; organisationName: string; incidentId: string; noticeId: string; person: RecipientRow }) => Promise<{ subject: string; text: string }> | { subject: string; text: string };

export interface NotifyActivityDeps {
  db: Kysely<Database>;
  mailFrom: string;
  /** The pooled transport, made at the first batch and shared by every batch of this worker. */
  createNotifyTransport: () => Transporter;
  /** How many messages are in flight at once (the pool's connections). */
  notifyConcurrency?: number;
  /** The notice's text; a plain notice until the approved template exists. */
  composeNotice?: ComposeNotice;
  /**
   * How long acceptances are gathered before their SENT marks are written together (default 0:
   * written as soon as the previous write ends). Embedded PGlite runs each statement on the event
   * loop, blocking the SMTP connections meanwhile: gathering for a few tens of milliseconds
   * writes one statement for many persons, at the cost of a window that many milliseconds wider.
   */
  notifyMarkGatherMs?: number;
  /** How often a running batch refreshes its rows' mark (default 5 s, or a quarter of the staleness if shorter). */
  notifyBeatMs?: number;
  /** A SENDING row not refreshed for this long is a dead attempt's and is taken over (default 60 s). */
  notifyStaleAfterMs?: number;
}

export interface NotificationBatchRequest {
  organisation: string;
  incidentId: string;
  noticeId: string;
  batchSize: number;
}

export interface NotificationBatchResult {
  claimed: number;
  sent: number;
  /** Refused for good: now on the letters list. */
  failed: number;
  /** Emails still to send after this batch (this and other attempts); after a full batch, not counted (positive). */
  remaining: number;
  /** Nothing could be claimed although emails remain: another (perhaps dead) attempt holds them; try again after this long. */
  waitMs: number;
}

const defaultCompose: ComposeNotice = (o) => composePersonNotice({ organisationName: o.organisationName, incidentId: o.incidentId, personName: o.person.name });

function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // outside an activity (a unit test)
  }
}

function cancellation(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/**
 * The batch's SENT marks, written as they come: each acceptance is queued at once and written by
 * the statement that starts as soon as the one before it has finished (group commit), so the
 * window between the relay's acceptance and the mark is one database write, not one per person.
 */
class SentMarks {
  private queue: { personId: number; messageId: string; sentAt: Date }[] = [];
  private writing: Promise<void> | undefined;
  private failure: unknown;
  constructor(
    private readonly write: (marks: { personId: number; messageId: string; sentAt: Date }[]) => Promise<void>,
    private readonly gatherMs: number,
  ) {}

  add(mark: { personId: number; messageId: string; sentAt: Date }): void {
    this.queue.push(mark);
    this.writing ??= this.flush();
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      if (this.gatherMs > 0) await new Promise((r) => setTimeout(r, this.gatherMs));
      const marks = this.queue.splice(0);
      // A mark that cannot be written leaves its person SENDING: taken over when stale and sent
      // again. Worth a few tries before that.
      for (let attempt = 1; ; attempt++) {
        try {
          await this.write(marks);
          break;
        } catch (err) {
          if (attempt >= 5) {
            this.failure ??= err;
            break;
          }
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      }
    }
    this.writing = undefined;
  }

  /** Every queued mark written; throws if one could not be. */
  async drain(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.failure) throw this.failure;
  }
}

export function createNotifyActivities(deps: NotifyActivityDeps) {
  const { db } = deps;
  const concurrency = deps.notifyConcurrency ?? 5;
  const staleAfterMs = deps.notifyStaleAfterMs ?? 60_000;
  // Several refreshes within the staleness period: a live batch's rows are never taken over.
  const beatMs = deps.notifyBeatMs ?? Math.min(5_000, Math.floor(staleAfterMs / 4));
  const compose = deps.composeNotice ?? defaultCompose;
  let pooled: Transporter | undefined;

  return {
    /**
     * Claims up to `batchSize` persons and emails each once. A refusal that may pass stops the
     * batch: the rows not yet sent go back to PENDING and the activity fails, so Temporal's retry
     * policy spaces out the next attempt while the relay recovers.
     */
    async sendNotificationBatch(r: NotificationBatchRequest): Promise<NotificationBatchResult> {
      const attemptId = randomUUID();
      const now = new Date();
      const claimed = await claimRecipients(db, { organisation: r.organisation, incidentId: r.incidentId, attemptId, limit: r.batchSize, now, staleBefore: new Date(now.getTime() - staleAfterMs) });
      if (claimed.length === 0) {
        const remaining = await remainingEmails(db, r.organisation, r.incidentId);
        return { claimed: 0, sent: 0, failed: 0, remaining, waitMs: remaining > 0 ? Math.ceil(staleAfterMs / 2) : 0 };
      }
      const organisationName = (await getOrganisation(db, r.organisation))?.organisation.name ?? r.organisation;
      pooled ??= deps.createNotifyTransport();
      const transport = pooled;
      const signal = cancellation();
      let sent = 0;
      let failed = 0;
      let transient: unknown;
      // The rows stay ours while we live: a dead worker's rows go stale and are taken over.
      const beat = setInterval(() => {
        heartbeat({ sent, failed });
        refreshAttempt(db, attemptId, new Date()).catch(() => undefined);
      }, beatMs);
      const key = (p: RecipientRow) => ({ organisation: r.organisation, incidentId: r.incidentId, personId: p.person_id });
      const marks = new SentMarks((m) => markSentMany(db, r, m), deps.notifyMarkGatherMs ?? 0);
      let next = 0;
      const stopped = () => transient !== undefined || signal?.aborted === true;
      const lane = async () => {
        while (!stopped() && next < claimed.length) {
          const p = claimed[next++];
          const messageId = noticeMessageId({ organisation: r.organisation, incidentId: r.incidentId, noticeId: r.noticeId, personId: p.person_id });
          const m = await compose({ organisation: r.organisation, organisationName, incidentId: r.incidentId, noticeId: r.noticeId, person: p });
          try {
            await transport.sendMail({ from: deps.mailFrom, to: p.email!, subject: m.subject, text: m.text, messageId });
          } catch (err) {
            if (isPermanentRecipientFailure(err)) {
              failed++;
              await markFailed(db, key(p), attemptId, describeSmtpError(err));
            } else {
              transient ??= err;
              await releaseRecipient(db, key(p), attemptId, describeSmtpError(err));
            }
            continue;
          }
          // At once, before anything else: the narrower the gap between the relay's acceptance
          // and this mark, the smaller the window in which a killed worker sends twice.
          marks.add({ personId: p.person_id, messageId, sentAt: new Date() });
          sent++;
          if (sent % 50 === 0) heartbeat({ sent, failed });
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(concurrency, claimed.length) }, lane));
      } finally {
        // Rows claimed but not started (a refusal or a cancellation stopped the batch) go back at once.
        for (const p of claimed.slice(next)) await releaseRecipient(db, key(p), attemptId);
        await marks.drain().finally(() => clearInterval(beat));
      }
      heartbeat({ sent, failed });
      if (signal?.aborted) throw new CancelledFailure('notification batch cancelled');
      if (transient !== undefined) {
        throw ApplicationFailure.retryable(`relay refused (${sent} sent in this batch): ${describeSmtpError(transient)}`, 'SmtpTransient');
      }
      // A full batch means more may wait: the count (a scan of the incident's rows) is for the last ones.
      const remaining = claimed.length < r.batchSize ? await remainingEmails(db, r.organisation, r.incidentId) : claimed.length;
      return { claimed: claimed.length, sent, failed, remaining, waitMs: 0 };
    },
  };
}
