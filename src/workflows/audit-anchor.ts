// 監査証跡の錨 (anchor): every interval, records the audit chain's head (seq, MAC) in this
// workflow's history — outside the database, where whoever can edit the table cannot reach.
// `audit verify` reads the anchors back: a table that ends before an anchored row lost its tail;
// an anchored row whose MAC differs was rewritten. One execution per task queue runs for ever,
// continuing as new to keep its history short; each run starts with the anchor it carries, which
// never moves back to a shorter or rewritten table (nextAnchor).
import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
// Only import the activity types
import type { Activities } from '../activities';
import { nextAnchor } from '../domain/audit';
import { type AuditAnchorInput, configureAuditAnchorSignal } from './messages';

const { readAuditHead } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

export async function auditAnchor(input: AuditAnchorInput): Promise<void> {
  let { intervalMs } = input;
  let woken = false;
  // The worker signals at each start (configured interval): the next anchor is taken at once.
  setHandler(configureAuditAnchorSignal, (c) => {
    intervalMs = c.intervalMs;
    woken = true;
  });
  let latest = input.latest;
  const anchorsPerRun = input.anchorsPerRun ?? 100;
  for (let n = 0; n < anchorsPerRun && !workflowInfo().continueAsNewSuggested; n++) {
    woken = false;
    latest = nextAnchor(latest, await readAuditHead()); // each activity result in the history is an anchor too
    await condition(() => woken, intervalMs);
  }
  await continueAsNew<typeof auditAnchor>({ intervalMs, anchorsPerRun, ...(latest ? { latest } : {}) });
}
