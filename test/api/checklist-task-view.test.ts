// The checklist task page and the chief's gate as a phone shows them: a card per item with the
// fields of its mode, what was typed kept and the problem beside its item; approval shown but not
// selectable while blockers remain; Japanese first, English on request.
import type { TaskRow } from '../../src/db/tasks';
import { approvalGateSection, checklistHiddenFields, checklistTaskPage, gatedOptions } from '../../src/api/views/checklist-task';
import type { TaskChecklist } from '../../src/domain/task-checklist';

const items = [
  { key: 'protectionSystem', label: { ja: '情報の保護に関する体制', en: 'Organisation' }, mandatory: true, articles: ['tokyo:23.2'] },
  { key: 'certification', label: { ja: '第三者認証', en: 'Certification' }, mandatory: false, articles: [] },
];
const task = { title: '調査', body: '調査してください\n<b>太字ではない</b>', options: [{ value: 'submit', label: '調査結果を提出' }], due_at: new Date('2026-12-15T08:00:00Z'), articles: ['tokyo:23.2'] } as unknown as TaskRow;
const files = [{ filename: 'door.png', mediaType: 'image/png', size: 10, sha256: 'a'.repeat(64) }];
const render = (checklist: TaskChecklist, extra: Partial<Parameters<typeof checklistTaskPage>[0]> = {}) =>
  checklistTaskPage({ task, checklist, csrf: 'C', self: '/t/TOKEN', files, locale: 'ja', ...extra }).value;

describe('the checklist task page', () => {
  it('assess: 適合・不適合・対象外, a note and the task’s files to tick, per item; the body escaped', () => {
    const page = render({ mode: 'assess', items });
    for (const a of ['met', 'notMet', 'notApplicable']) expect(page).toContain(`name="item.protectionSystem.answer" value="${a}"`);
    expect(page).toContain('name="item.certification.note"');
    expect(page).toContain(`name="item.protectionSystem.evidence" value="${'a'.repeat(64)}"`);
    expect(page).toContain('必須');
    expect(page).toContain('任意');
    expect(page).toContain('action="/t/TOKEN/evidence"');
    expect(page).toContain('&lt;b&gt;太字ではない&lt;/b&gt;');
  });

  it('describe: a required text per mandatory item; locate: page and article', () => {
    expect(render({ mode: 'describe', items })).toMatch(/name="item.protectionSystem.note" maxlength="2000" required/);
    expect(render({ mode: 'describe', items })).not.toMatch(/name="item.certification.note" maxlength="2000" required/);
    const locate = render({ mode: 'locate', items });
    expect(locate).toContain('name="item.protectionSystem.page"');
    expect(locate).toContain('name="item.protectionSystem.section"');
    expect(locate).not.toContain('name="item.protectionSystem.answer"');
  });

  it('comes back refused with what was typed and the problem beside its item', () => {
    const page = render(
      { mode: 'assess', items },
      { values: { protectionSystem: { answer: 'notMet', note: '鍵が<壊れて>いる', evidence: ['a'.repeat(64)] } }, problem: { item: 'protectionSystem', message: '情報の保護に関する体制（protectionSystem）: 不適合の内容を書いてください' } },
    );
    expect(page).toContain('value="notMet" checked');
    expect(page).toContain('鍵が&lt;壊れて&gt;いる');
    expect(page).toMatch(/value="a{64}" checked/);
    expect(page).toMatch(/id="item-protectionSystem-card">[\s\S]*<p class="error" role="alert">情報の保護に関する体制（protectionSystem）: 不適合/);
  });

  it('in English on request', () => {
    const page = render({ mode: 'assess', items }, { locale: 'en' });
    expect(page).toContain('Not met');
    expect(page).toContain('Mandatory');
    expect(page).toContain('Organisation');
  });

  it('a held answer as hidden fields, escaped', () => {
    const h = checklistHiddenFields({ protectionSystem: { answer: 'met', note: '"x"', evidence: ['a'.repeat(64)] }, certification: { page: 3 } }).value;
    expect(h).toContain('<input type="hidden" name="item.protectionSystem.note" value="&quot;x&quot;">');
    expect(h).toContain('<input type="hidden" name="item.certification.page" value="3">');
  });
});

describe('the chief’s gate', () => {
  const blockers = [{ key: 'workSiteSecurity', label: { ja: '作業場所の安全管理', en: 'Work site' }, articles: ['tokyo:23.2'], reason: 'notMet' as const }];
  it('lists each blocker with its reason and disables approval only while any remains', () => {
    expect(approvalGateSection(blockers, 'ja').value).toMatch(/作業場所の安全管理<\/strong> — <span class="fail">不適合/);
    expect(Object.keys(gatedOptions(blockers, 'ja'))).toEqual(['approve']);
    expect(gatedOptions([], 'ja')).toEqual({});
    expect(approvalGateSection([], 'en').value).toContain('Every mandatory item');
  });
});
