// 本人通知 (kunitachi:14): every person concerned gets the notice by email exactly once, or a
// letter. The workflow only loops; who has been notified is known to the database, one row per
// person, claimed and marked by the batch activity. One activity per batch (not per person) keeps
// the history short and the throughput near a plain SMTP loop's; continuing as new every
// BATCHES_PER_RUN batches keeps any one history bounded whatever the number of persons.
import { continueAsNew, patched, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
// Only import the activity types
import type { Activities } from '../../activities';

const { sendNotificationBatch } = proxyActivities<Activities>({
  // A batch of 500 at a slow relay's pace may take minutes; a dead worker is noticed by the heartbeat.
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  // A relay refusing for a while: tried again and again, at most a minute apart, never given up.
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const { loadProfile, recordAudit } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumInterval: '1 minute' } });

export interface NotifyPersonsInput {
  organisation: string;
  incidentId: string;
  /** The approved notice being sent (part of each Message-ID). */
  noticeId: string;
  /** Persons per activity call (default 500). */
  batchSize?: number;
  /** Batches per run before continuing as new (default 50: about 300 events per run). */
  batchesPerRun?: number;
  /** Carried across runs. */
  totals?: NotifyPersonsResult;
}

export interface NotifyPersonsResult {
  sent: number;
  failed: number;
  batches: number;
  runs: number;
}

const STEP = 'emergency.notifyPersons';
const PARALLEL_BATCHES = 2;
/** The start's audit row written alongside the first batches instead of before them. */
const AUDIT_ALONGSIDE = 'notify-audit-alongside-v1';
/** The lanes' batches end apart (the first lane's first batch is smaller). */
const STAGGERED_LANES = 'notify-staggered-lanes-v1';

export async function notifyPersons(input: NotifyPersonsInput): Promise<NotifyPersonsResult> {
  const { organisation, incidentId, noticeId } = input;
  const batchSize = input.batchSize ?? 500;
  const batchesPerRun = input.batchesPerRun ?? 50;
  const totals = { ...(input.totals ?? { sent: 0, failed: 0, batches: 0, runs: 0 }) };
  totals.runs++;
  const audit = async (key: string, outcome: string, detail: Record<string, unknown>) => {
    const profile = await loadProfile(organisation);
    await recordAudit({
      id: `${organisation}/${incidentId}/notify/${noticeId}/${key}`,
      caseId: incidentId,
      organisation,
      step: STEP,
      outcome,
      actor: 'system',
      articles: profile.articles[STEP] ?? [],
      detail,
    });
  };
  // The start is recorded while the first batches already send: two activities in a row (the
  // profile, the audit row) before the first email were most of the wait for it. The row says
  // the sending was started (the workflow's decision), not that no email had gone yet.
  let startRecorded: Promise<void> = Promise.resolve();
  if (totals.runs === 1) {
    if (patched(AUDIT_ALONGSIDE)) startRecorded = audit('started', '本人通知の送信を開始', { noticeId, batchSize });
    else await audit('started', '本人通知の送信を開始', { noticeId, batchSize });
  }

  // Two batches at a time: while one claims its persons and reports back through the server, the
  // other keeps the shared SMTP connections busy. The database decides who is in which batch.
  // Started together, two batches of one size would also end together, and both lanes would
  // report back and claim at the same moment while the connections stand idle (the benchmark
  // counted a pause of about 80 ms every two batches): the first lane's first batch is a part
  // of the others, so the lanes' ends stay apart by that much.
  const staggered = patched(STAGGERED_LANES);
  let done = false;
  let started = 0;
  let active = 0;
  const lane = async (index: number) => {
    active++;
    let size = staggered && index === 0 ? Math.max(1, Math.ceil(batchSize / PARALLEL_BATCHES)) : batchSize;
    try {
      while (!done && started < batchesPerRun && !workflowInfo().continueAsNewSuggested) {
        started++;
        const r = await sendNotificationBatch({ organisation, incidentId, noticeId, batchSize: size });
        size = batchSize;
        totals.sent += r.sent;
        totals.failed += r.failed;
        totals.batches++;
        if (r.remaining === 0) done = true;
        else if (r.claimed === 0) {
          // The other lane holds the last persons: it finishes them.
          if (active > 1) return;
          // Another attempt (a killed worker's) still holds rows: its mark goes stale, then we take them.
          await sleep(r.waitMs);
        }
      }
    } finally {
      active--;
    }
  };
  await Promise.all([startRecorded, ...Array.from({ length: PARALLEL_BATCHES }, (_, i) => lane(i))]);
  if (done) {
    await audit('done', `本人通知の送信を完了（送信 ${totals.sent} 件、郵送へ ${totals.failed} 件）`, { noticeId, ...totals });
    return totals;
  }
  return continueAsNew<typeof notifyPersons>({ ...input, totals });
}
