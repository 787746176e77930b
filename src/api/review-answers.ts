// A section review's answers as the review page posts them, and the section a review task is
// for. The page numbers each ID's fields (u_N the ID, a_N the answer, p_N the permissions after a
// change, r_N the reason); a field set that is not an ID of the section is refused by the store.
import type { Kysely } from 'kysely';
import { reviewSections } from '../db/review';
import type { Database } from '../db/schema';
import type { TaskRow } from '../db/tasks';
import { REASON_MAX, REVIEW_ANSWERS, type ReviewItemAnswer } from '../domain/review';
import { text } from '../domain/text';
import { z } from '../domain/zod';

const field = z.strictObject({
  userId: text({ max: 200, required: 'ユーザIDがありません / the user ID is missing' }),
  answer: z.enum(['', ...REVIEW_ANSWERS], { error: '回答は継続・権限変更・廃止のいずれかです / keep, changePermissions or revoke' }).default(''),
  permissions: text({ max: 500, required: false }).default(''),
  reason: text({ max: REASON_MAX, required: false }).default(''),
});

export type DraftForm = { ok: true; drafts: Array<{ userId: string; draft: ReviewItemAnswer | null }> } | { ok: false; field: string; message: string };

/** The page's answers: one per numbered ID; no answer chosen clears that ID's draft. */
export function draftsFromForm(body: Record<string, string | undefined>): DraftForm {
  const numbers = [...new Set(Object.keys(body).map((k) => /^u_(\d{1,5})$/.exec(k)?.[1]).filter((n): n is string => n !== undefined))];
  if (numbers.length > 500) return { ok: false, field: 'u', message: '一度に保存できるのは 500 件までです / at most 500 IDs at once' };
  const drafts: Array<{ userId: string; draft: ReviewItemAnswer | null }> = [];
  for (const n of numbers) {
    const r = field.safeParse({ userId: body[`u_${n}`] ?? '', answer: body[`a_${n}`] ?? '', permissions: body[`p_${n}`] ?? '', reason: body[`r_${n}`] ?? '' });
    if (!r.success) {
      const i = r.error.issues[0];
      const name = { userId: 'u', answer: 'a', permissions: 'p', reason: 'r' }[String(i.path[0]) as 'userId'] ?? 'u';
      return { ok: false, field: `${name}_${n}`, message: i.message };
    }
    const { userId, answer, permissions, reason } = r.data;
    const perms = permissions.split(/[;；,、]/).map((p) => p.trim()).filter((p) => p !== '');
    drafts.push({ userId, draft: answer === '' ? null : { userId, answer, reason, ...(answer === 'changePermissions' ? { permissions: [...new Set(perms)].sort() } : {}) } });
  }
  return { ok: true, drafts };
}

/**
 * The section a review task asks about: its workflow is `<campaign>/section-N/review`, N counting
 * the campaign's sections in order (as the campaign started them, from the same snapshot).
 */
export async function reviewSectionOf(db: Kysely<Database>, task: Pick<TaskRow, 'case_id' | 'workflow_id'>): Promise<string | undefined> {
  const m = /\/section-(\d+)\/review$/.exec(task.workflow_id);
  if (!m) return undefined;
  return (await reviewSections(db, task.case_id))[Number(m[1]) - 1]?.section;
}
