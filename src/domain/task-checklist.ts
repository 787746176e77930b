// A checklist task (チェックリスト): a human task answered item by item rather than with one
// option — the shared mechanism of 委託処理's investigation and inspections (each item 適合 /
// 不適合 / 対象外 with a note and evidence), the contractor's questionnaire (each item described),
// and the contract's clauses (each located on a page of the contract or in evidence). One rule for
// what a complete answer is: the task page and the workflow's Update validator both call
// `checklistAnswersProblem`, so no path records a checklist the page would refuse.
import { type ContractChecklistItem, INVESTIGATION_ANSWERS, missingClauses } from './contract';

/**
 * `assess`: 適合 / 不適合 / 対象外 per item, a note required for the last two (investigation,
 * inspection). `describe`: the item described in words, required for mandatory items (the
 * contractor's questionnaire). `locate`: the page or evidence of each clause, every mandatory one
 * required (the contract's clauses: it does not become active without them).
 */
export const CHECKLIST_MODES = ['assess', 'describe', 'locate'] as const;
export type ChecklistMode = (typeof CHECKLIST_MODES)[number];

export interface TaskChecklist {
  mode: ChecklistMode;
  items: ContractChecklistItem[];
  /**
   * assess only: each mandatory item must be met, with evidence, or not applicable with a reason —
   * what a step that closes something asks (the data destroyed, the equipment wiped).
   */
  evidenceRequired?: boolean;
}

/** One item's answer, as a checklist task's decision carries it. */
export interface ChecklistAnswer {
  /** assess */
  answer?: (typeof INVESTIGATION_ANSWERS)[number];
  /** assess: what was seen, why 対象外; describe: the description. */
  note?: string;
  /** locate: the page of the contract, and its article (第12条). */
  page?: number;
  section?: string;
  /** SHA-256 of attachments of the task. */
  evidence?: string[];
}

export type ChecklistAnswers = Record<string, ChecklistAnswer>;

export const CHECKLIST_NOTE_MAX = 2000;
const SHA256 = /^[0-9a-f]{64}$/;

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const filled = (s: unknown) => typeof s === 'string' && s.trim() !== '';

/**
 * Why these answers do not complete the checklist (undefined: they do), naming the item. Fails
 * closed: anything that is not one of the shapes above is a problem, as is a key the checklist
 * does not have.
 */
export function checklistAnswersProblem(checklist: TaskChecklist, answers: unknown): string | undefined {
  if (!answers || typeof answers !== 'object' || Array.isArray(answers)) return '回答がありません / no answers';
  const a = answers as Record<string, unknown>;
  const known = new Set(checklist.items.map((i) => i.key));
  const unknown = Object.keys(a).find((k) => !known.has(k));
  if (unknown !== undefined) return `この項目はチェックリストにありません: ${unknown} / not an item of this checklist`;
  for (const item of checklist.items) {
    const v = has(a, item.key) ? (a[item.key] as Record<string, unknown> | null | undefined) : undefined;
    const name = `${item.label.ja}（${item.key}）`;
    if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v))) return `${name}: 回答の形式が正しくありません / malformed answer`;
    if (v?.note !== undefined && (typeof v.note !== 'string' || v.note.length > CHECKLIST_NOTE_MAX)) return `${name}: 記載は${CHECKLIST_NOTE_MAX}字以内の文字列にしてください`;
    if (v?.evidence !== undefined && !(Array.isArray(v.evidence) && v.evidence.length <= 20 && v.evidence.every((e) => typeof e === 'string' && SHA256.test(e)))) {
      return `${name}: 証跡は SHA-256 の一覧にしてください / evidence must be SHA-256 digests`;
    }
    if (checklist.mode === 'assess') {
      if (!(INVESTIGATION_ANSWERS as readonly unknown[]).includes(v?.answer)) return `${name}: 適合・不適合・対象外のいずれかを選んでください / choose met, not met or not applicable`;
      if (v!.answer !== 'met' && !filled(v!.note)) return `${name}: ${v!.answer === 'notMet' ? '不適合の内容' : '対象外とする理由'}を書いてください / say why`;
      if (checklist.evidenceRequired && item.mandatory) {
        if (v!.answer === 'notMet') return `${name}: 完了していない項目があるため登録できません / not done yet`;
        if (v!.answer === 'met' && !(Array.isArray(v!.evidence) && v!.evidence.length > 0)) return `${name}: 証跡（証明書・写真など）を添付して選んでください / attach and select the evidence`;
      }
    } else if (checklist.mode === 'describe') {
      if (item.mandatory && !filled(v?.note)) return `${name}: 記載してください / describe it`;
    } else {
      if (v?.page !== undefined && !(Number.isInteger(v.page) && (v.page as number) >= 1 && (v.page as number) <= 9999)) return `${name}: 頁は1以上の整数にしてください`;
      if (v?.section !== undefined && (typeof v.section !== 'string' || v.section.length > 100)) return `${name}: 条は100字以内にしてください`;
    }
  }
  if (checklist.mode === 'locate') {
    const located = Object.fromEntries(Object.entries(a).map(([k, v]) => [k, { page: (v as ChecklistAnswer | undefined)?.page, evidence: (v as ChecklistAnswer | undefined)?.evidence?.[0] }]));
    const missing = missingClauses({ clauses: checklist.items }, located);
    if (missing.length > 0) {
      return `必須の記載事項が契約書にありません（頁か証跡を指定してください）: ${missing.map((c) => c.label.ja).join('、')} / mandatory clauses not located: ${missing.map((c) => c.key).join(', ')}`;
    }
  }
  return undefined;
}

/** The answers as they are recorded: only the checklist's items, only the fields of its mode. */
export function normaliseChecklistAnswers(checklist: TaskChecklist, answers: ChecklistAnswers): ChecklistAnswers {
  const out: ChecklistAnswers = {};
  for (const item of checklist.items) {
    const v = answers[item.key];
    if (!v) continue;
    const evidence = v.evidence && v.evidence.length > 0 ? { evidence: [...new Set(v.evidence)] } : {};
    const note = filled(v.note) ? { note: v.note!.trim() } : {};
    if (checklist.mode === 'assess') out[item.key] = { answer: v.answer, ...note, ...evidence };
    else if (checklist.mode === 'describe') out[item.key] = { ...note, ...evidence };
    else out[item.key] = { ...(v.page !== undefined ? { page: v.page } : {}), ...(filled(v.section) ? { section: v.section!.trim() } : {}), ...note, ...evidence };
  }
  return out;
}
