// A human task moves from person to person with a task row each (one workflow id): its files are
// the whole task's, so a stand-in sees and ticks what the first person uploaded — and no other task's.
import type { AppDatabase } from '../../src/db';
import { insertAttachment, listTaskAttachments, listTaskWorkflowAttachments } from '../../src/db/attachments';
import { migrateToLatest } from '../../src/db/migrations';
import { insertTask } from '../../src/db/tasks';
import { ENGINES, freshDatabase } from '../support/databases';

describe.each(ENGINES)('a task’s attachments on %s', (engine) => {
  let appDb: AppDatabase;
  beforeAll(async () => {
    appDb = await freshDatabase(engine);
    await migrateToLatest(appDb.db);
  });
  afterAll(async () => appDb?.close());

  const task = (taskId: string, workflowId: string, email: string) =>
    insertTask(appDb.db, {
      taskId,
      caseId: 'contract/tokyo/2026-001',
      organisation: 'tokyo',
      workflowId,
      step: 'contract.investigation',
      kind: 'decide',
      title: '調査',
      body: '調査してください',
      options: [{ value: 'submit', label: '調査結果を提出' }],
      articles: ['tokyo:23.2'],
      assignee: { name: email, title: 'システム管理者', email, phone: '03-0000-0000', position: 'システム管理者', role: 'systemAdmin' },
      dueAt: new Date('2026-12-15T00:00:00Z'),
      tokenHash: `hash-${taskId}`,
      tokenExpiresAt: new Date('2026-12-20T00:00:00Z'),
    });
  const file = (id: string, taskId: string, caseId = 'contract/tokyo/2026-001') =>
    insertAttachment(appDb.db, { id, organisation: 'tokyo', caseId, taskId, filename: `${id}.pdf`, mediaType: 'application/pdf', size: 4, sha256: id.padEnd(64, '0'), bytes: Buffer.from('%PDF'), uploadedBy: 'x' });

  it('lists the files of every person the task went to, oldest first, and not another task’s or case’s', async () => {
    await task('t-first', 'contract/tokyo/2026-001/round-1/investigation', 'admin@example.jp');
    await task('t-standin', 'contract/tokyo/2026-001/round-1/investigation', 'deputy@example.jp');
    await task('t-other', 'contract/tokyo/2026-001/round-1/decision', 'chief@example.jp');
    await file('a1', 't-first');
    await file('a2', 't-standin');
    await file('a3', 't-other');
    await file('a4', 't-first', 'contract/tokyo/2026-002'); // same task id under another case: not this task's

    const whole = await listTaskWorkflowAttachments(appDb.db, { organisation: 'tokyo', caseId: 'contract/tokyo/2026-001', workflowId: 'contract/tokyo/2026-001/round-1/investigation' });
    expect(whole.map((a) => [a.id, a.taskId])).toEqual([
      ['a1', 't-first'],
      ['a2', 't-standin'],
    ]);
    // The one row alone still sees only its own.
    expect((await listTaskAttachments(appDb.db, { organisation: 'tokyo', caseId: 'contract/tokyo/2026-001', taskIds: ['t-standin'] })).map((a) => a.id)).toEqual(['a2']);
    expect(await listTaskWorkflowAttachments(appDb.db, { organisation: 'tokyo', caseId: 'contract/tokyo/2026-001', workflowId: 'nothing' })).toEqual([]);
  });
});
