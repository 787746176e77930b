// Attacks on the task links, against the real dev server: none may change the workflow or the
// database. Mail scanners prefetch with GET and HEAD; forged, expired, reused and cross-task
// tokens and missing or wrong CSRF tokens get a clear page and nothing else.
import * as http from 'node:http';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'kysely';
import { getTask, listTasks } from '../../src/db/tasks';
import { TaskState } from '../../src/domain/tasks';
import { generateSigningKey, signTaskToken, tokenHash } from '../../src/tokens';
import type { OutboxMessage } from '../../src/embedded/outbox';
import { declaration } from '../support/declarations';
import { json } from '../support/http';
import { devServer } from '../support/temporal';
import { eventually, linkIn, openTaskPage, postTaskForm, startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(120_000);

/** A POST whose request target is in absolute form (`POST http://evil.example/t/… HTTP/1.1`), as a proxy or an attacker sends it. */
function postAbsoluteForm(link: string, form: Record<string, string>, cookie?: string): Promise<{ status: number; location?: string }> {
  const u = new URL(link);
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method: 'POST',
        path: `http://evil.example${u.pathname}`,
        headers: { host: 'evil.example', 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), ...(cookie ? { cookie } : {}) },
      },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode!, ...(res.headers.location ? { location: res.headers.location } : {}) });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const postJson = (url: string, body: string, cookie: string) =>
  fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/json', cookie }, body });

describe('task links under attack', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let invitations: OutboxMessage[];
  let incidentId: string;

  beforeAll(async () => {
    env = await devServer();
    stack = await startTestStack(env, { taskQueue: `attacks-${Date.now()}` });
    const r = await stack.fetch(`${stack.baseUrl}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(declaration()) });
    incidentId = (await json(r)).incidentId;
    invitations = await stack.waitForMail((m) => m.subject.includes(incidentId), 5);
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  const mailTo = (email: string) => invitations.find((m) => m.to.includes(email))!;
  const taskOf = async (m: OutboxMessage) => (await listTasks(stack.appDb.db, { caseId: incidentId, assigneeEmail: /<(.*)>/.exec(m.to)![1] }))[0];

  /** Everything an attack could change: the task rows, the audit log, the mail sent, each task workflow's history. */
  async function snapshot() {
    const tasks = await listTasks(stack.appDb.db, { caseId: incidentId });
    const audit = (await sql<{ n: number }>`select count(*)::int as n from audit_log`.execute(stack.appDb.db)).rows[0].n;
    const sent = (await sql<{ n: number }>`select count(*)::int as n from sent_mail`.execute(stack.appDb.db)).rows[0].n;
    const histories = await Promise.all(tasks.map(async (t) => (await env.client.workflow.getHandle(t.workflow_id).fetchHistory()).events?.length));
    return { tasks: tasks.map((t) => ({ id: t.task_id, state: t.state, decision: t.decision, hash: t.token_hash })), audit, sent, histories };
  }

  async function unchangedBy(attack: () => Promise<void>) {
    const before = await snapshot();
    await attack();
    expect(await snapshot()).toEqual(before);
  }

  it('GET and HEAD, as a mail scanner sends them, show the task and change nothing', async () => {
    const link = linkIn(mailTo('somu-kacho@'));
    await unchangedBy(async () => {
      for (let i = 0; i < 3; i++) {
        expect((await openTaskPage(link, 'HEAD')).status).toBe(200);
        const page = await openTaskPage(link);
        expect(page.status).toBe(200);
        expect(page.html).toContain('開いただけでは回答は記録されません');
      }
    });
    expect((await taskOf(mailTo('somu-kacho@'))).state).toBe(TaskState.OPEN);
  });

  it('refuses a forged link: a changed character, another key, garbage', async () => {
    const link = linkIn(mailTo('somu-kacho@'));
    const token = link.split('/t/')[1];
    const task = await taskOf(mailTo('somu-kacho@'));
    const forged = [
      token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'),
      signTaskToken({ task: task.task_id, assignee: task.assignee.email, expiresAt: Date.now() + 86_400_000 }, generateSigningKey('t1')),
      'not-a-token',
    ];
    await unchangedBy(async () => {
      for (const f of forged) {
        const page = await openTaskPage(`${stack.baseUrl}/t/${f}`);
        expect(page.status).toBe(404);
        expect(page.html).toContain('リンクが正しくありません');
        expect((await postTaskForm(`${stack.baseUrl}/t/${f}`, { option: 'attend', csrf: 'x' })).status).toBe(404);
      }
    });
  });

  it('refuses an expired link with its own page', async () => {
    const task = await taskOf(mailTo('somu-kacho@'));
    const expired = signTaskToken({ task: task.task_id, assignee: task.assignee.email, expiresAt: Date.now() - 1000 }, stack.signingKeys[0]);
    await unchangedBy(async () => {
      const page = await openTaskPage(`${stack.baseUrl}/t/${expired}`);
      expect(page.status).toBe(410);
      expect(page.html).toContain('リンクの有効期限が切れています');
      expect((await postTaskForm(`${stack.baseUrl}/t/${expired}`, { option: 'attend', csrf: 'x' })).status).toBe(410);
    });
  });

  it('refuses a link signed by us for another person, or for a task under another token', async () => {
    const task = await taskOf(mailTo('somu-kacho@'));
    const otherPerson = signTaskToken({ task: task.task_id, assignee: 'intruder@example.jp', expiresAt: Number(task.token_expires_at) }, stack.signingKeys[0]);
    await unchangedBy(async () => {
      const page = await openTaskPage(`${stack.baseUrl}/t/${otherPerson}`);
      expect(page.status).toBe(403);
      expect(page.html).toContain('このリンクは使用できません');
      expect((await postTaskForm(`${stack.baseUrl}/t/${otherPerson}`, { option: 'attend', csrf: 'x' })).status).toBe(403);
    });
  });

  it('refuses a POST without a CSRF token, with a wrong one, with another task’s, or without the cookie', async () => {
    const link = linkIn(mailTo('somu-kacho@'));
    const page = await openTaskPage(link);
    const other = await openTaskPage(linkIn(mailTo('kikikanri-kacho@')));
    await unchangedBy(async () => {
      for (const [form, cookie] of [
        [{ option: 'attend' }, page.cookie],
        [{ option: 'attend', csrf: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, page.cookie],
        [{ option: 'attend', csrf: other.csrf! }, other.cookie],
        [{ option: 'attend', csrf: page.csrf! }, undefined],
      ] as const) {
        const r = await postTaskForm(link, form, cookie);
        expect(r.status).toBe(403);
        expect(r.html).toContain('回答はまだ記録されていません');
      }
    });
  });

  it('records one decision however often the form is sent, in parallel or replayed, and then says who decided', async () => {
    const m = mailTo('somu-kacho@');
    const link = linkIn(m);
    const page = await openTaskPage(link);
    const form = { option: 'absent', note: '出張中のため', csrf: page.csrf! };
    const results = await Promise.all([1, 2, 3].map(() => postTaskForm(link, form, page.cookie)));
    expect(results.map((r) => r.status)).toEqual([303, 303, 303]);
    const task = await eventually(async () => {
      const t = await getTask(stack.appDb.db, (await taskOf(m)).task_id);
      return t?.state === TaskState.DECIDED ? t : undefined;
    });
    expect(task.decision).toMatchObject({ option: 'absent', note: '出張中のため', decidedBy: { email: task.assignee.email } });
    // Let the task's workflow finish its own work (the audit row), so what follows is the replay alone.
    await env.client.workflow.getHandle(task.workflow_id).result();

    // Replaying the same POST (a reused link) changes nothing.
    await unchangedBy(async () => {
      const replay = await postTaskForm(link, { ...form, option: 'attend' }, page.cookie);
      expect(replay.status).toBe(303);
      const shown = await openTaskPage(link);
      expect(shown.html).toContain('回答は記録済みです');
      expect(shown.html).toContain('出席できない');
    });
    const decidedRows = (await sql<{ n: number }>`select count(*)::int as n from audit_log where id = ${`${task.task_id}/decided`}`.execute(stack.appDb.db)).rows[0].n;
    expect(decidedRows).toBe(1);
    expect(tokenHash(link.split('/t/')[1])).toBe(task.token_hash);
  });

  it('refuses an option the task does not offer, and keeps what was typed', async () => {
    const link = linkIn(mailTo('kikikanri-kacho@'));
    const page = await openTaskPage(link);
    await unchangedBy(async () => {
      const r = await postTaskForm(link, { option: 'maybe', note: 'たぶん', csrf: page.csrf! }, page.cookie);
      expect(r.status).toBe(400);
      expect(r.html).toContain('選択肢から選んでください');
      expect(r.html).toContain('たぶん');
    });
  });

  it('refuses an option or a note that is not well-formed text, and changes nothing', async () => {
    const link = linkIn(mailTo('kikikanri-kacho@'));
    const page = await openTaskPage(link);
    const csrf = JSON.stringify(page.csrf);
    const depth = 20_000;
    await unchangedBy(async () => {
      for (const body of [
        `{"csrf":${csrf},"option":{"toString":1}}`,
        `{"csrf":${csrf},"option":["attend"]}`,
        `{"csrf":${csrf},"option":"attend","note":${'['.repeat(depth)}${']'.repeat(depth)}}`,
        `{"csrf":${csrf},"option":"attend","note":{"toString":1}}`,
        `{"csrf":${csrf},"option":"attend","note":"\\ud800 のため"}`,
        `{"csrf":${csrf},"option":"attend","note":"NUL\\u0000"}`,
      ]) {
        const r = await postJson(link, body, page.cookie);
        expect(r.status).toBe(400);
        expect(await r.text()).toContain('name="csrf"');
      }
    });
  });

  it('redirects to the link’s own path, never to the host of an absolute-form request target', async () => {
    // A decided task: the POST only redirects.
    const decided = linkIn(mailTo('somu-kacho@'));
    expect(await postAbsoluteForm(decided, { option: 'attend' })).toEqual({ status: 303, location: new URL(decided).pathname });
    // An open task: the answer is recorded, then the redirect.
    const open = linkIn(mailTo('jumin-fukushi-kacho@'));
    const page = await openTaskPage(open);
    expect(await postAbsoluteForm(open, { option: 'attend', csrf: page.csrf! }, page.cookie)).toEqual({ status: 303, location: new URL(open).pathname });
    expect((await taskOf(mailTo('jumin-fukushi-kacho@'))).state).toBe(TaskState.DECIDED);
  });

  it('quotes a declared summary in the council’s email on one line, as the declarer’s words, with its links broken', async () => {
    const summary = '至急 https://evil.example/reset で パスワード再設定を';
    const r = await stack.fetch(`${stack.baseUrl}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(declaration({ summary })) });
    expect(r.status).toBe(201);
    const id = (await json(r)).incidentId;
    const mails = await stack.waitForMail((m) => m.subject.includes(id), 5);
    for (const m of mails) {
      expect(m.text).toContain('申告者の記載:「至急 https[:]//evil.example/reset で パスワード再設定を」');
      expect(m.text).not.toContain('https://evil.example');
      expect(m.html ?? '').not.toContain('evil.example/reset"');
    }
  });
});
