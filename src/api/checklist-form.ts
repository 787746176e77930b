// A checklist task's answers as its page posts them (task-checklist.ts), and which tasks take
// evidence files from their link. The page names each item's fields `item.<key>.answer`,
// `.note`, `.page`, `.section`, and `.evidence` (repeated, one SHA-256 per file ticked). The form is
// parsed into the shape the workflow records, item by item, naming the item at the first problem;
// whether the answers complete the checklist is then `checklistAnswersProblem`'s to say (the one
// rule, which the workflow's Update validator applies too).
import type { TaskRow } from '../db/tasks';
import { isAttestationTask } from '../domain/containment';
import { INVESTIGATION_ANSWERS } from '../domain/contract';
import { CHECKLIST_NOTE_MAX, type ChecklistAnswer, type ChecklistAnswers, type TaskChecklist } from '../domain/task-checklist';
import { text } from '../domain/text';
import { canonical } from '../domain/canonical-json';
import { z } from '../domain/zod';

/**
 * Whether the task's page takes evidence files: a containment attestation (the photo of the cable
 * pulled), any checklist task (certificates, photos of the site), and a corrective action's report
 * and its re-inspection (their photos). The chief's approval is decided on the investigation's record.
 */
export function acceptsEvidence(task: Pick<TaskRow, 'kind' | 'step' | 'workflow_id' | 'form'>): boolean {
  return isAttestationTask(task) || (task.kind === 'checklist' && Boolean(task.form?.checklist)) || (task.kind === 'decide' && task.step === 'contractor.inspect');
}

/** What was typed for one item, kept as typed so a refused form comes back as it was sent. */
export interface ChecklistItemValues {
  answer?: string;
  note?: string;
  page?: string;
  section?: string;
  evidence?: string[];
}
export type ChecklistFormValues = Record<string, ChecklistItemValues>;

export type ChecklistForm =
  | { ok: true; answers: ChecklistAnswers; values: ChecklistFormValues }
  /** `item`: the key of the item the problem is about, when it is one of the checklist's. */
  | { ok: false; item?: string; message: string; values: ChecklistFormValues };

/** Enough for 50 items with every field and a few files each; a body with more fields is not a checklist page's. */
export const CHECKLIST_FIELDS_MAX = 1500;

const FIELD = /^item\.([a-z][A-Za-z0-9]{0,47})\.(answer|note|page|section|evidence)$/;
const SHA256 = /^[0-9a-f]{64}$/;

const itemSchema = z.strictObject({
  answer: z.enum(['', ...INVESTIGATION_ANSWERS], { error: '適合・不適合・対象外のいずれかを選んでください / choose met, not met or not applicable' }).default(''),
  note: text({ max: CHECKLIST_NOTE_MAX, multiline: true, required: false }).default(''),
  page: z
    .string()
    .trim()
    .regex(/^([1-9][0-9]{0,3})?$/, { error: '頁は1〜9999の整数にしてください / the page is a number from 1 to 9999' })
    .default(''),
  section: text({ max: 100, required: false }).default(''),
  evidence: z.array(z.string().regex(SHA256, { error: '証跡の指定が正しくありません / not an evidence file' })).max(20, { error: '証跡は一項目20件までです / at most 20 files per item' }).default([]),
});

const FIELD_LABELS: Record<string, string> = { answer: '回答', note: '記載', page: '頁', section: '条', evidence: '証跡' };

/**
 * The answers of a checklist page's form. Only the fields of the checklist's mode count; a field
 * of an item the checklist does not have, or one sent twice (but evidence), is refused.
 */
export function checklistAnswersFromForm(checklist: TaskChecklist, body: unknown): ChecklistForm {
  const values: ChecklistFormValues = {};
  const raw = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const keys = new Set(checklist.items.map((i) => i.key));
  const fields = Object.keys(raw).filter((k) => k.startsWith('item.'));
  if (fields.length > CHECKLIST_FIELDS_MAX) return { ok: false, message: '項目が多すぎます / too many fields', values };
  let malformed: { item?: string; message: string } | undefined;
  for (const name of fields) {
    const m = FIELD.exec(name);
    if (!m || !keys.has(m[1])) {
      malformed ??= { message: `この項目はチェックリストにありません: ${name.slice(5, 60)} / not an item of this checklist` };
      continue;
    }
    const [, key, field] = m;
    const v = raw[name];
    const item = (values[key] ??= {});
    if (field === 'evidence') {
      const list = (Array.isArray(v) ? v : [v]).filter((e): e is string => typeof e === 'string');
      item.evidence = list;
      if (list.length !== (Array.isArray(v) ? v.length : 1)) malformed ??= { item: key, message: '証跡の指定が正しくありません / not an evidence file' };
    } else if (typeof v === 'string') {
      item[field as 'answer'] = v;
    } else {
      malformed ??= { item: key, message: `${FIELD_LABELS[field]}が二つ以上送られました / the field was sent more than once` };
    }
  }
  if (malformed) return { ok: false, ...named(checklist, malformed), values };

  const answers: ChecklistAnswers = {};
  for (const i of checklist.items) {
    const v = values[i.key] ?? {};
    const r = itemSchema.safeParse(v);
    if (!r.success) {
      const issue = r.error.issues[0];
      return { ok: false, ...named(checklist, { item: i.key, message: `${FIELD_LABELS[String(issue.path[0])] ?? ''}: ${issue.message}` }), values };
    }
    const { answer, note, page, section, evidence } = r.data;
    const a: ChecklistAnswer = {};
    if (checklist.mode === 'assess' && answer !== '') a.answer = answer;
    if (note !== '') a.note = note;
    if (checklist.mode === 'locate' && page !== '') a.page = Number(page);
    if (checklist.mode === 'locate' && section !== '') a.section = section;
    if (evidence.length > 0) a.evidence = [...new Set(evidence)];
    if (Object.keys(a).length > 0) answers[i.key] = a;
  }
  return { ok: true, answers, values };
}

/** A problem about an item, its message beginning with the item's name as the checklist's rule names it. */
function named(checklist: TaskChecklist, p: { item?: string; message: string }): { item?: string; message: string } {
  const item = checklist.items.find((i) => i.key === p.item);
  return item ? { item: item.key, message: `${item.label.ja}（${item.key}）: ${p.message}` } : { message: p.message };
}

/** The item a message of `checklistAnswersProblem` is about (it begins with `label（key）`), if any. */
export function problemItem(checklist: TaskChecklist, problem: string): string | undefined {
  return checklist.items.find((i) => problem.startsWith(`${i.label.ja}（${i.key}）`))?.key;
}

/** The evidence an answer names that is not one of the given files (this task's own). */
export function foreignEvidence(answers: ChecklistAnswers, files: ReadonlyArray<{ sha256: string }>): { item: string; sha256: string } | undefined {
  const own = new Set(files.map((f) => f.sha256));
  for (const [item, a] of Object.entries(answers)) {
    const sha256 = a.evidence?.find((e) => !own.has(e));
    if (sha256) return { item, sha256 };
  }
  return undefined;
}

/** Whether two checklist answers are the same answer (a held one and one sent again). */
export const sameChecklistAnswers = (a: ChecklistAnswers | undefined, b: ChecklistAnswers | undefined): boolean => canonical(a ?? null) === canonical(b ?? null);

/** The form's values of recorded answers: what the pending page sends again, as the first time. */
export function formValuesOf(answers: ChecklistAnswers): ChecklistFormValues {
  return Object.fromEntries(
    Object.entries(answers).map(([k, a]) => [
      k,
      {
        ...(a.answer !== undefined ? { answer: a.answer } : {}),
        ...(a.note !== undefined ? { note: a.note } : {}),
        ...(a.page !== undefined ? { page: String(a.page) } : {}),
        ...(a.section !== undefined ? { section: a.section } : {}),
        ...(a.evidence ? { evidence: a.evidence } : {}),
      },
    ]),
  );
}
