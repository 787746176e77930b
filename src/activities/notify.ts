// The notifyPersons workflow's activity: one call sends one batch of notices over a pooled SMTP
// transport. The database, not the workflow, knows who was notified: each batch holds its persons
// by a lease (one row for the attempt), each person's row is marked SENT as soon as the relay
// accepts, and never claimed again once SENT.
//
// Why each person gets one email, whatever dies when:
// - A person is sent only by the attempt whose lease holds it, and claimed only while PENDING and
//   outside every living lease; a lease its attempt stopped refreshing for NOTIFY_STALE_AFTER is
//   taken for dead and dropped. A live batch refreshes its lease several times within that period,
//   so two living attempts never hold one person. SENT is final: no claim reads it again.
// - A refusal that may pass (4xx, relay down) leaves the person PENDING; nothing was accepted. The
//   batch releases its lease only after every lane has stopped and every acceptance's SENT mark is
//   written; then its persons not reached are free at once.
// - The one window no database closes: the relay accepted (250 after DATA) and the worker died
//   before the row’s SENT mark was committed. The lease goes stale and the next attempt sends the
//   person the same notice again — with the same Message-ID (noticeMessageId: organisation,
//   incident, notice, person; never the attempt), so the two copies are one message to the
//   person's mailbox, which keeps one copy of a Message-ID, and to whoever counts. SMTP has no
//   way to ask a relay what it took; a stable Message-ID is the idempotency key it carries.
// - That window is kept to the messages in flight plus the marks not yet committed: a mark is
//   queued the moment the relay answers and written by the next group statement (SentMarks), one
//   statement for every batch of the worker, so writing fewer statements does not widen it.
//   test/production/notify-kill.test.ts kills the worker with SIGKILL twice mid-run and counts.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import type { Transporter } from 'nodemailer';
import { claimRecipients, markFailed, markSentMany, refreshAttempt, releaseLease, releaseRecipient, remainingEmails, type ClaimedRecipient } from '../db/notifications';
import { getOrganisation } from '../db/organisations';
import type { Database } from '../db/schema';
import { composePersonNotice, isPermanentRecipientFailure, noticeMessageId } from '../notify/notifications';
import { describeSmtpError } from '../mail';

/** The email a person receives for a notice. */
export type ComposeNotice = (o: { organisation: string; organisationName: string; incidentId: string; noticeId: string; person: ClaimedRecipient }) => Promise<{ subject: string; text: string }> | { subject: string; text: string };

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
  /** How often a running batch refreshes its lease (default 5 s, or a quarter of the staleness if shorter). */
  notifyBeatMs?: number;
  /** A lease not refreshed for this long is a dead attempt’s: its persons are taken over (default 60 s). */
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

type SentMark = { personId: number; messageId: string; sentAt: Date };

/**
 * SENT marks, written as they come: each acceptance is queued at once and written by the
 * statement that starts as soon as the one before it has finished (group commit), so the window
 * between the relay's acceptance and the mark is about one database write, not one per person.
 * One writer per incident serves every batch of this worker in flight: two batches sending side by
 * side share each statement instead of writing twice as many (on PGlite a statement costs about a
 * millisecond before its first row, on the event loop the SMTP connections share).
 */
class SentMarks {
  private queue: { mark: SentMark; done: (err?: unknown) => void }[] = [];
  private writing = false;
  constructor(
    private readonly write: (marks: SentMark[]) => Promise<void>,
    private readonly gatherMs: number,
  ) {}

  /** Resolves once the mark is written; rejects if it could not be. */
  add(mark: SentMark): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ mark, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!this.writing) {
        this.writing = true;
        void this.flush();
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      if (this.gatherMs > 0) await new Promise((r) => setTimeout(r, this.gatherMs));
      const taken = this.queue.splice(0);
      // A mark that cannot be written leaves its person held by the lease: taken over when stale and sent
      // again (with the same Message-ID). Worth a few tries before that.
      let failure: unknown;
      for (let attempt = 1; ; attempt++) {
        try {
          await this.write(taken.map((t) => t.mark));
          failure = undefined;
          break;
        } catch (err) {
          failure = err ?? new Error('mark not written');
          if (attempt >= 5) break;
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      }
      for (const t of taken) t.done(failure);
    }
    this.writing = false;
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
  const writers = new Map<string, SentMarks>();
  const writerFor = (scope: { organisation: string; incidentId: string }) => {
    const k = `${scope.organisation}/${scope.incidentId}`;
    let w = writers.get(k);
    if (!w) writers.set(k, (w = new SentMarks((m) => markSentMany(db, scope, m), deps.notifyMarkGatherMs ?? 0)));
    return w;
  };

  return {
    /**
     * Claims up to `batchSize` persons and emails each once. A refusal that may pass stops the
     * batch: its lease is released (the persons not yet sent are free again) and the activity
     * fails, so Temporal's retry policy spaces out the next attempt while the relay recovers.
     */
    async sendNotificationBatch(r: NotificationBatchRequest): Promise<NotificationBatchResult> {
      const attemptId = randomUUID();
      const now = new Date();
      const claimed = await claimRecipients(db, { organisation: r.organisation, incidentId: r.incidentId, attemptId, limit: r.batchSize, now, staleBefore: new Date(now.getTime() - staleAfterMs) });
      if (claimed.length === 0) {
        const remaining = await remainingEmails(db, r.organisation, r.incidentId);
        return { claimed: 0, sent: 0, failed: 0, remaining, waitMs: remaining > 0 ? Math.ceil(staleAfterMs / 2) : 0 };
      }
      let organisationName: string;
      let transport: Transporter;
      try {
        organisationName = (await getOrganisation(db, r.organisation))?.organisation.name ?? r.organisation;
        transport = pooled ??= deps.createNotifyTransport();
      } catch (err) {
        // Nothing sent: the persons are free again at once rather than when the lease goes stale.
        await releaseLease(db, attemptId).catch(() => undefined);
        throw err;
      }
      const signal = cancellation();
      let sent = 0;
      let failed = 0;
      let transient: unknown;
      // The persons stay ours while we live: a dead worker's lease goes stale and is taken over.
      const beat = setInterval(() => {
        heartbeat({ sent, failed });
        refreshAttempt(db, attemptId, new Date()).catch(() => undefined);
      }, beatMs);
      const key = (p: ClaimedRecipient) => ({ organisation: r.organisation, incidentId: r.incidentId, personId: p.person_id });
      const writer = writerFor({ organisation: r.organisation, incidentId: r.incidentId });
      const written: Promise<void>[] = [];
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
          const mark = writer.add({ personId: p.person_id, messageId, sentAt: new Date() });
          mark.catch(() => undefined); // read below, after the batch (not an unhandled rejection meanwhile)
          written.push(mark);
          sent++;
          if (sent % 50 === 0) heartbeat({ sent, failed });
        }
      };
      // Every lane to its end, even when one fails: the lease may go only once nothing is in flight.
      const lanes = await Promise.allSettled(Array.from({ length: Math.min(concurrency, claimed.length) }, lane));
      // This batch's marks written (or the activity fails, its lease goes stale and is taken over).
      const results = await Promise.allSettled(written).finally(() => clearInterval(beat));
      const lost = results.find((x): x is PromiseRejectedResult => x.status === 'rejected');
      if (lost) throw lost.reason;
      // Every acceptance is marked SENT: the persons not reached (a refusal or a cancellation
      // stopped the batch) are free for the next attempt at once. Should the release fail, the
      // lease goes stale and is dropped by a later claim.
      await releaseLease(db, attemptId).catch(() => undefined);
      const broken = lanes.find((x): x is PromiseRejectedResult => x.status === 'rejected');
      if (broken) throw broken.reason;
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
