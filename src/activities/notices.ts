// The email each person receives is the approved notice (通知文, kunitachi:14): the notifyPersons
// batches compose every message from it. An approved notice never changes, so each worker reads
// it once; a notice that is not approved is never sent (the API refuses to start the sending, and
// this refuses to compose should a workflow be started some other way).
import { ApplicationFailure } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import { getNotice } from '../db/notices';
import type { Database } from '../db/schema';
import { noticeEmailFor } from '../notify/notice';
import type { ComposeNotice } from './notify';

export interface NoticeComposerDeps {
  db: Kysely<Database>;
  /** The console's base address: the email links the public notice page. */
  publicUrl: string;
}

export function createApprovedNoticeComposer(deps: NoticeComposerDeps): ComposeNotice {
  // Each approved notice read and rendered once per worker: only the salutation differs per person.
  const approved = new Map<string, Promise<{ incidentId: string; email: ReturnType<typeof noticeEmailFor> }>>();
  const load = (organisation: string, noticeId: string) => {
    const key = `${organisation}/${noticeId}`;
    let p = approved.get(key);
    if (!p) {
      p = getNotice(deps.db, organisation, noticeId).then((n) => {
        if (!n || n.state !== 'APPROVED') {
          throw ApplicationFailure.nonRetryable(`通知文 ${noticeId} は承認されていません / notice ${noticeId} of ${organisation} is not approved`, 'NoticeNotApproved');
        }
        return { incidentId: n.content.incidentId, email: noticeEmailFor(n.content, deps.publicUrl) };
      });
      // A failed read is not kept: the next batch reads again.
      p.catch(() => approved.delete(key));
      approved.set(key, p);
    }
    return p;
  };
  return async (o) => {
    const notice = await load(o.organisation, o.noticeId);
    if (notice.incidentId !== o.incidentId) throw ApplicationFailure.nonRetryable(`notice ${o.noticeId} is not of ${o.incidentId}`, 'NoticeNotApproved');
    return notice.email(o.person);
  };
}
