// A checklist task's form as its page posts it: parsed into the answers the workflow records,
// item by item, refusing what is not one of the checklist's fields and naming the item; the held
// answer compared whatever the key order the database gives back; which tasks take evidence.
import { acceptsEvidence, checklistAnswersFromForm, foreignEvidence, formValuesOf, problemItem, sameChecklistAnswers } from '../../src/api/checklist-form';
import type { TaskChecklist } from '../../src/domain/task-checklist';
import { checklistAnswersProblem } from '../../src/domain/task-checklist';

const items = [
  { key: 'protectionSystem', label: { ja: '情報の保護に関する体制', en: 'Organisation' }, mandatory: true, articles: [] },
  { key: 'certification', label: { ja: '第三者認証', en: 'Certification' }, mandatory: false, articles: [] },
];
const assess: TaskChecklist = { mode: 'assess', items };
const describe_: TaskChecklist = { mode: 'describe', items };
const locate: TaskChecklist = { mode: 'locate', items };
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('checklistAnswersFromForm', () => {
  it('keeps only the fields of the mode, trims, dedups the evidence', () => {
    const r = checklistAnswersFromForm(assess, {
      csrf: 'x',
      option: 'submit',
      'item.protectionSystem.answer': 'notMet',
      'item.protectionSystem.note': '  責任者が未定 ',
      'item.protectionSystem.evidence': [A, A, B],
      'item.protectionSystem.page': '3',
      'item.certification.answer': 'notApplicable',
      'item.certification.note': '取得していない',
    });
    expect(r).toMatchObject({
      ok: true,
      answers: { protectionSystem: { answer: 'notMet', note: '責任者が未定', evidence: [A, B] }, certification: { answer: 'notApplicable', note: '取得していない' } },
    });
  });

  it('reads a locate form: the page as a number, the article as text', () => {
    const r = checklistAnswersFromForm(locate, { 'item.protectionSystem.page': '12', 'item.protectionSystem.section': '第8条', 'item.certification.page': '' });
    expect(r).toMatchObject({ ok: true, answers: { protectionSystem: { page: 12, section: '第8条' } } });
    expect(r.ok && r.answers.certification).toBeUndefined();
  });

  it('refuses, naming the item: a page that is not a number, an answer not offered, a field sent twice, a file that is not a digest', () => {
    const cases: Array<[TaskChecklist, Record<string, unknown>, string]> = [
      [locate, { 'item.protectionSystem.page': '0' }, '頁は1〜9999の整数'],
      [assess, { 'item.protectionSystem.answer': 'approve' }, '適合・不適合・対象外のいずれか'],
      [describe_, { 'item.protectionSystem.note': ['a', 'b'] }, '二つ以上送られました'],
      [assess, { 'item.protectionSystem.evidence': ['../etc/passwd'] }, '証跡の指定が正しくありません'],
      [assess, { 'item.protectionSystem.evidence': Array.from({ length: 21 }, (_, i) => i.toString(16).padStart(64, '0')) }, '20件まで'],
    ];
    for (const [checklist, body, message] of cases) {
      const r = checklistAnswersFromForm(checklist, body);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.item).toBe('protectionSystem');
      expect(r.message).toContain('情報の保護に関する体制（protectionSystem）: ');
      expect(r.message).toContain(message);
    }
  });

  it('refuses a field of an item the checklist does not have, keeping what was typed', () => {
    const r = checklistAnswersFromForm(describe_, { 'item.protectionSystem.note': '委員会', 'item.somethingElse.note': 'x' });
    expect(r).toMatchObject({ ok: false, message: expect.stringContaining('チェックリストにありません: somethingElse'), values: { protectionSystem: { note: '委員会' } } });
  });

  it('leaves completeness to checklistAnswersProblem, whose message names the item the page shows it beside', () => {
    const r = checklistAnswersFromForm(assess, { 'item.protectionSystem.answer': 'notMet' });
    expect(r.ok).toBe(true);
    const problem = checklistAnswersProblem(assess, r.ok ? r.answers : {})!;
    expect(problemItem(assess, problem)).toBe('protectionSystem');
  });
});

describe('the held answer and the evidence', () => {
  it('compares answers whatever the order of their keys (jsonb keeps its own)', () => {
    expect(sameChecklistAnswers({ a: { answer: 'met', note: 'x', evidence: [A] } }, { a: { evidence: [A], note: 'x', answer: 'met' } })).toBe(true);
    expect(sameChecklistAnswers({ a: { answer: 'met' } }, { a: { answer: 'notMet' } })).toBe(false);
    expect(sameChecklistAnswers({ a: { evidence: [A, B] } }, { a: { evidence: [B, A] } })).toBe(false);
    expect(sameChecklistAnswers(undefined, {})).toBe(false);
  });

  it('gives back the form of held answers, which parses to the same answers', () => {
    const answers = { protectionSystem: { answer: 'notMet' as const, note: '未定', evidence: [A] }, certification: { answer: 'met' as const } };
    const values = formValuesOf(answers);
    const body = Object.fromEntries(Object.entries(values).flatMap(([k, v]) => Object.entries(v).map(([f, x]) => [`item.${k}.${f}`, x])));
    const r = checklistAnswersFromForm(assess, body);
    expect(r.ok && sameChecklistAnswers(r.answers, answers)).toBe(true);
  });

  it('names the first file that is not one of the task’s', () => {
    expect(foreignEvidence({ x: { evidence: [A] }, y: { evidence: [A, B] } }, [{ sha256: A }])).toEqual({ item: 'y', sha256: B });
    expect(foreignEvidence({ x: { evidence: [A] } }, [{ sha256: A }])).toBeUndefined();
  });

  it('takes evidence on checklist tasks, 委託処理 decisions and attestations only', () => {
    const t = (kind: string, step: string, form: object | null = null, workflow_id = 'x') => ({ kind, step, form, workflow_id }) as Parameters<typeof acceptsEvidence>[0];
    expect(acceptsEvidence(t('checklist', 'contractor.investigate', { checklist: assess }))).toBe(true);
    expect(acceptsEvidence(t('checklist', 'contractor.investigate', null))).toBe(false);
    expect(acceptsEvidence(t('decide', 'contractor.inspect'))).toBe(true);
    expect(acceptsEvidence(t('decide', 'emergency.assess'))).toBe(false);
    expect(acceptsEvidence(t('acknowledge', 'contractor.approve'))).toBe(false);
    expect(acceptsEvidence(t('decide', 'contractor.approve'))).toBe(false);
    expect(acceptsEvidence(t('decide', 'emergency.contain', null, 'inc/disconnect/attest-1'))).toBe(true);
  });
});
