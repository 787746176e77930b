// The council deliberates (issue 10, item 3) on the time-skipping server, through the API, the
// console, the CLI and the task links: the mayor instructs the chief when the council is convened
// (kunitachi:10.1); the council's decision is recorded with its minutes, kept with their SHA-256;
// who may record it, and each bad input refused naming its field; a containment decision taken
// before the council met is put to the council for 事後承認 (kunitachi:10.2, katsuragi:4.2).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { auditTrail } from '../../src/db/audit';
import { IncidentStatus } from '../../src/domain/incidents';
import type { OutboxMessage } from '../../src/embedded/outbox';
import { CookieJar, createTestAccount, createTestKey, csrfOf, fetchWith, signIn } from '../support/auth';
import { runCliAsync } from '../support/cli';
import { declaration } from '../support/declarations';
import { json } from '../support/http';
import { eventually, linkIn, openTaskPage, postTaskForm, startTestStack, type TestStack, waitForIncidentStatus } from '../support/stack';
import { timeSkippingServer } from '../support/temporal';

jest.setTimeout(180_000);

/** A Tuesday morning, office hours everywhere: no night calls. */
const WORKING_HOURS = { detectedAt: '2026-11-24T09:50:00+09:00', awareAt: '2026-11-24T10:00:00+09:00' };
const KUNITACHI = { organisation: 'kunitachi', detectedBy: { name: '佐藤 花子', email: 'sato@kunitachi.example.jp' }, ...WORKING_HOURS };
const MAYOR = 'shicho@kunitachi.example.jp';
const CHAIR = 'fukushicho@kunitachi.example.jp';
const PDF = Buffer.from('%PDF-1.4\n% 議事録 第1回 会議\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n', 'utf8');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('the council deliberates', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let keys: Record<'commander' | 'member' | 'auditor' | 'operator' | 'otherCommander', string>;

  beforeAll(async () => {
    env = await timeSkippingServer();
    stack = await startTestStack(env, { taskQueue: `council-${Date.now()}` });
    const db = stack.appDb.db;
    keys = {
      commander: await createTestKey(db, 'commander', 'kunitachi'),
      member: await createTestKey(db, 'member', 'kunitachi'),
      auditor: await createTestKey(db, 'auditor', 'kunitachi'),
      operator: await createTestKey(db, 'operator', 'kunitachi'),
      otherCommander: await createTestKey(db, 'commander', 'katsuragi'),
    };
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  const declare = async (over: Record<string, unknown>) => {
    const r = await stack.fetch(`${stack.baseUrl}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(declaration(over)) });
    expect(r.status).toBe(201);
    return (await json(r)).incidentId as string;
  };
  const ofThis = (incidentId: string, subject: string, to: string) => (m: OutboxMessage) => m.subject.includes(incidentId) && m.subject.includes(subject) && m.to.includes(to);
  const answer = async (m: OutboxMessage, option: string, note: string) => {
    const page = await openTaskPage(linkIn(m));
    expect(page.csrf).toBeDefined();
    expect((await postTaskForm(linkIn(m), { option, note, csrf: page.csrf! }, page.cookie)).status).toBe(303);
  };
  const decisionsUrl = (organisation: string, incidentId: string) => `${stack.baseUrl}/api/incidents/${organisation}/${incidentId}/decisions`;
  const postJson = (key: string, url: string, body: unknown) => fetchWith(key)(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const postForm = (key: string, url: string, fields: Record<string, string>, file?: { bytes: Buffer; name: string }) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    if (file) form.set('minutes', new Blob([new Uint8Array(file.bytes)]), file.name);
    return fetchWith(key)(url, { method: 'POST', body: form });
  };
  const attachmentsOf = (incidentId: string) => stack.appDb.db.selectFrom('attachments').select(['id', 'task_id', 'sha256']).where('case_id', '=', incidentId).where('organisation', '=', 'kunitachi').execute();

  it('refuses a decision before the council is convened (kunitachi L1), leaving no minutes behind, and after the close', async () => {
    const incidentId = await declare({ ...KUNITACHI, threatLevel: 1 });
    await waitForIncidentStatus(stack, 'kunitachi', incidentId, IncidentStatus.MONITORING);
    const r = await postForm(keys.commander, decisionsUrl('kunitachi', incidentId), { decision: '切り離す', reason: '漏えいのおそれ' }, { bytes: PDF, name: '議事録.pdf' });
    const body = await json(r);
    expect(r.status).toBe(409);
    expect(body.message).toContain('the council has not been convened');
    expect(await attachmentsOf(incidentId)).toEqual([]);

    // Closed by the chief: no decision is taken any more.
    await answer((await stack.waitForMail(ofThis(incidentId, '評価・監視の上、終結してよいか', CHAIR)))[0], 'close', '脅威なし');
    await waitForIncidentStatus(stack, 'kunitachi', incidentId, IncidentStatus.CLOSED);
    const closed = await postJson(keys.member, decisionsUrl('kunitachi', incidentId), { decision: '切り離す', reason: '漏えいのおそれ' });
    expect(closed.status).toBe(409);
    expect((await json(closed)).message).toContain('終結しています');
  });

  it("kunitachi L3: the mayor's instruction to the chief is a task and is recorded (kunitachi:10.1); the council's decision is recorded with its minutes by the API, the CLI and the console", async () => {
    const incidentId = await declare({ ...KUNITACHI, threatLevel: 3 });

    // 指示: the mayor is asked when the council is convened, and the instruction is recorded with its article.
    const [instruct] = await stack.waitForMail(ofThis(incidentId, '統括責任者への指示', MAYOR));
    expect(instruct.text).toContain('統括責任者（杉山 誠）');
    await answer(instruct, 'instruct', '端末JK-03を隔離し、アクセスログを保全すること');
    const instructed = await eventually(async () => (await auditTrail(stack.appDb.db, 'kunitachi', incidentId)).find((a) => a.id.endsWith('/instruct')), 30_000, 'the instruction');
    expect(instructed).toMatchObject({ articles: ['kunitachi:10.1'], actor: expect.stringContaining(MAYOR) });
    expect(instructed.outcome).toContain('端末JK-03を隔離し、アクセスログを保全すること');
    expect(instructed.detail).toMatchObject({ instruction: '端末JK-03を隔離し、アクセスログを保全すること', to: { name: '杉山 誠', position: '統括責任者' } });
    // …and reaches the chief it is given to.
    const [told] = await stack.waitForMail((m) => m.subject.startsWith('【お知らせ】') && m.subject.includes(incidentId) && m.to.includes('fukushicho@kunitachi.example.jp'));
    expect(told.subject).toContain('からの指示');
    expect(told.text).toContain('端末JK-03を隔離し、アクセスログを保全すること');

    // The chair accepts the call: the council meets, presided by the chair.
    const [chairCall] = await stack.waitForMail(ofThis(incidentId, '招集', CHAIR));
    await answer(chairCall, 'attend', '');
    await eventually(async () => ((await auditTrail(stack.appDb.db, 'kunitachi', incidentId)).some((a) => a.outcome.startsWith('議長: 杉山 誠')) ? true : undefined), 30_000, 'the chair');

    // A commander records the decision with the minutes (multipart, an API key).
    const url = decisionsUrl('kunitachi', incidentId);
    const r = await postForm(keys.commander, url, { decision: '住基ネットの一部（JK-03 の区画）を停止するよう市長に具申する', reason: '本人確認情報の漏えいのおそれがあるため', decidedAt: '2026-11-24T11:30:00+09:00' }, { bytes: PDF, name: '第1回議事録.pdf' });
    const recorded = await json(r);
    expect(r.status).toBe(201);
    expect(recorded).toMatchObject({
      council: '住民基本台帳ネットワークシステムの運用計画及びセキュリティ対策に関する事項を検討する会議',
      presidedBy: '統括責任者 杉山 誠（議長）',
      decidedAt: '2026-11-24T02:30:00.000Z',
      minutes: { filename: '第1回議事録.pdf', mediaType: 'application/pdf', size: PDF.length, sha256: sha256(PDF) },
      articles: ['kunitachi:10.2', 'kunitachi:5'],
    });
    const row = (await auditTrail(stack.appDb.db, 'kunitachi', incidentId)).find((a) => a.id.endsWith(`council-decision/${recorded.decisionId}`))!;
    expect(row).toMatchObject({ step: 'emergency.conveneCouncil', articles: ['kunitachi:10.2', 'kunitachi:5'] });
    expect(row.outcome).toContain('の決定: 住基ネットの一部');
    expect(row.outcome).toContain('議事録 第1回議事録.pdf');
    // The minutes are kept as they came, with their SHA-256, and read back by anyone who reads the incident.
    const stored = await attachmentsOf(incidentId);
    expect(stored).toEqual([{ id: recorded.minutes.attachmentId, task_id: `council-decision:${recorded.decisionId}`, sha256: sha256(PDF) }]);
    const download = await fetchWith(keys.auditor)(`${stack.baseUrl}${recorded.links.minutes}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toContain('application/pdf');
    expect(Buffer.from(await download.arrayBuffer()).equals(PDF)).toBe(true);

    // A member records one in JSON; the CLI records one with a text file as the minutes.
    const byMember = await postJson(keys.member, url, { decision: '市民課の窓口で問い合わせに対応する', reason: '住民からの問い合わせが予想されるため' });
    expect(byMember.status).toBe(201);
    expect((await json(byMember)).minutes).toBeUndefined();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minutes-'));
    const minutesFile = path.join(dir, 'minutes.txt');
    fs.writeFileSync(minutesFile, '第2回会議 議事録\n出席: 杉山、石田、中島、大野、小松\n');
    const cli = await runCliAsync(['incident', 'decide', 'kunitachi', incidentId, '--decision', '機構に対応状況を報告する', '--reason', '第10条第3項', '--minutes', minutesFile, '--api', stack.baseUrl], {
      JUKINET_OPS_API_KEY: keys.commander.replace(/^Bearer /, ''),
    });
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain(`Recorded the decision of 住民基本台帳ネットワークシステムの運用計画及びセキュリティ対策に関する事項を検討する会議 on ${incidentId}`);
    expect(cli.stdout).toContain(`minutes: minutes.txt SHA-256 ${sha256(fs.readFileSync(minutesFile))}`);
    const cliRefused = await runCliAsync(['incident', 'decide', 'kunitachi', incidentId, '--decision', 'x', '--reason', '', '--api', stack.baseUrl], { JUKINET_OPS_API_KEY: keys.commander.replace(/^Bearer /, '') });
    expect(cliRefused.status).toBe(2);
    expect(cliRefused.stderr).toContain('missing --reason');

    // The console: a member signed in sees the decisions and records one from the page's form.
    const member = await createTestAccount(stack.appDb.db, { email: 'kunitachi-member@example.jp', grants: [{ organisation: 'kunitachi', role: 'member' }] });
    const jar: CookieJar = await signIn(stack.baseUrl, member);
    const page = await (await jar.fetch(`${stack.baseUrl}/incidents/kunitachi/${incidentId}`)).text();
    expect(page).toContain('会議の決定');
    expect(page).toContain('住基ネットの一部（JK-03 の区画）を停止するよう市長に具申する');
    expect(page).toContain(sha256(PDF));
    const form = new FormData();
    form.set('csrf', csrfOf(page.slice(page.indexOf('council-decision-form'))));
    form.set('decision', '再発防止策を情報政策課が取りまとめる');
    form.set('reason', '原因が端末の設定にあったため');
    form.set('decidedAt', '');
    form.set('minutes', new Blob([]), '');
    const posted = await jar.fetch(`${stack.baseUrl}/incidents/kunitachi/${incidentId}/decisions`, { method: 'POST', body: form });
    expect(posted.status).toBe(303);
    const refusedForm = new FormData();
    refusedForm.set('csrf', csrfOf(page.slice(page.indexOf('council-decision-form'))));
    refusedForm.set('decision', '');
    refusedForm.set('reason', 'x');
    const refusedPage = await jar.fetch(`${stack.baseUrl}/incidents/kunitachi/${incidentId}/decisions`, { method: 'POST', body: refusedForm });
    expect(refusedPage.status).toBe(400);
    expect(await refusedPage.text()).toContain('body.decision');

    const list = await json(await fetchWith(keys.auditor)(url));
    expect(list.decisions.map((d: { decision: string; recordedBy: { name: string } }) => d.decision)).toEqual([
      '住基ネットの一部（JK-03 の区画）を停止するよう市長に具申する',
      '市民課の窓口で問い合わせに対応する',
      '機構に対応状況を報告する',
      '再発防止策を情報政策課が取りまとめる',
    ]);
    const shown = await runCliAsync(['incident', 'show', 'kunitachi', incidentId, '--api', stack.baseUrl], { JUKINET_OPS_API_KEY: keys.auditor.replace(/^Bearer /, '') });
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain('decision (会議の決定)');
    expect(shown.stdout).toContain(`minutes: 第1回議事録.pdf SHA-256 ${sha256(PDF)}`);
  });

  it('only a commander or a member of the organisation records a decision; every bad input is a 4xx naming its field', async () => {
    const incidentId = await declare({ ...KUNITACHI, threatLevel: 3 });
    await waitForIncidentStatus(stack, 'kunitachi', incidentId, IncidentStatus.CONVENING_COUNCIL);
    const url = decisionsUrl('kunitachi', incidentId);
    const good = { decision: '切り離す', reason: '漏えいのおそれ' };
    expect((await postJson(keys.auditor, url, good)).status).toBe(403);
    expect((await postJson(keys.operator, url, good)).status).toBe(403);
    expect((await postJson(keys.otherCommander, url, good)).status).toBe(404);
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(good) })).status).toBe(401);

    const refused = async (r: Response, status: number, field: string) => {
      const body = await json(r);
      expect(r.status).toBe(status);
      expect(body.issues.map((i: { path: string }) => i.path)).toContain(field);
    };
    await refused(await postJson(keys.commander, url, { reason: 'x' }), 400, 'body.decision');
    await refused(await postJson(keys.commander, url, { decision: 'x', reason: '   ' }), 400, 'body.reason');
    await refused(await postJson(keys.commander, url, { ...good, decidedAt: '昨日' }), 400, 'body.decidedAt');
    await refused(await postJson(keys.commander, url, { ...good, decidedAt: '2099-01-01T00:00:00+09:00' }), 400, 'body.decidedAt');
    await refused(await postJson(keys.commander, url, { ...good, presidedBy: 'a\nb' }), 400, 'body.presidedBy');
    await refused(await postJson(keys.commander, url, { ...good, minutes: 'x' }), 400, 'body');
    await refused(await postForm(keys.commander, url, good, { bytes: Buffer.from([0x00, 0x01, 0xfe]), name: 'x.bin' }), 415, 'body.minutes');
    await refused(await postForm(keys.commander, url, good, { bytes: Buffer.alloc(0), name: 'empty.pdf' }), 400, 'body.minutes');
    await refused(await postForm(keys.commander, url, { reason: 'x' }), 400, 'body.decision');
    await refused(await fetchWith(keys.commander)(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'decision' }), 415, 'body');
    expect(await attachmentsOf(incidentId)).toEqual([]);
    expect((await json(await fetchWith(keys.auditor)(url))).decisions).toEqual([]);
  });

  it('事後承認: katsuragi L3 awaits the containment decision at once; the mayor decides before the council meets, and the chair ratifies it afterwards (kunitachi:10.2, katsuragi:4.2)', async () => {
    const incidentId = await declare({ threatLevel: 3, ...WORKING_HOURS });
    await waitForIncidentStatus(stack, 'katsuragi', incidentId, IncidentStatus.AWAITING_CONTAINMENT_DECISION);
    const [decide] = await stack.waitForMail((m) => m.subject.includes(incidentId) && m.subject.includes('切離しの判断') && !m.subject.includes('事後承認'));
    await answer(decide, 'doNotContain', '端末単位の隔離で足りるため');
    const [chairCall] = await stack.waitForMail(ofThis(incidentId, '招集', 'fukuchoucho@'));
    // Nothing is asked of the council before it has met.
    expect((await stack.mail()).some((m) => m.subject.includes(incidentId) && m.subject.includes('事後承認'))).toBe(false);
    await answer(chairCall, 'attend', '');

    const [ratify] = await stack.waitForMail(ofThis(incidentId, '切離しの判断の事後承認', 'fukuchoucho@'));
    expect(ratify.text).toContain('会議の開催前に緊急に判断されたため');
    expect(ratify.text).toContain('切離さない');
    const asked = await eventually(async () => (await auditTrail(stack.appDb.db, 'katsuragi', incidentId)).find((a) => a.id.endsWith('ratify-containment-decision/asked')), 30_000, 'the ratification to be asked');
    expect(asked.step).toBe('emergency.contain');
    expect(asked.articles).toEqual(expect.arrayContaining(['katsuragi:4.2', 'katsuragi:3.4']));
    expect(asked.detail).toMatchObject({ reasons: ['beforeCouncilMet'] });

    await answer(ratify, 'ratify', '会議として異議なし');
    const done = await eventually(async () => (await auditTrail(stack.appDb.db, 'katsuragi', incidentId)).find((a) => a.id.endsWith('ratify-containment-decision')), 30_000, 'the ratification');
    expect(done).toMatchObject({ step: 'emergency.contain', actor: expect.stringContaining('fukuchoucho@'), outcome: '切離しの判断の事後承認: 事後承認する（会議として異議なし）' });
    expect(done.articles).toEqual(asked.articles);
    expect(done.detail).toMatchObject({ ratified: true, reasons: ['beforeCouncilMet'] });
  });

  it('事後承認 of a stand-in: tokyo allows approval afterwards; the chief does not answer, the stand-in decides, and the council is asked to ratify', async () => {
    const incidentId = await declare({ organisation: 'tokyo', kind: 'failure', threatLevel: 3, detectedBy: { name: '佐藤 花子', email: 'sato@metro.tokyo.example.jp' }, ...WORKING_HOURS });
    const CHIEF = 'somu-kyokucho@metro.tokyo.example.jp';
    await answer((await stack.waitForMail(ofThis(incidentId, '招集', CHIEF)))[0], 'attend', '');
    await stack.waitForMail(ofThis(incidentId, '切離しの判断', CHIEF));
    // The chief's decision window (2 h) passes: the stand-in is asked, and decides.
    await env.sleep('125m');
    const [standIn] = await stack.waitForMail(ofThis(incidentId, '切離しの判断', 'gyosei-bucho@'));
    await answer(standIn, 'doNotContain', '影響は一部の端末に限られる');
    const [ratify] = await stack.waitForMail(ofThis(incidentId, '切離しの判断の事後承認', CHIEF));
    expect(ratify.text).toContain('代理者が判断したため');
    await answer(ratify, 'notRatified', '切離しを検討すべきだった');
    const done = await eventually(async () => (await auditTrail(stack.appDb.db, 'tokyo', incidentId)).find((a) => a.id.endsWith('ratify-containment-decision')), 30_000, 'the ratification');
    expect(done).toMatchObject({ step: 'emergency.contain', outcome: '切離しの判断の事後承認: 承認しない（切離しを検討すべきだった）' });
    expect(done.articles).toEqual(expect.arrayContaining(['tokyo:9.1', 'tokyo:8.1']));
    expect(done.detail).toMatchObject({ ratified: false, reasons: ['standIn'] });
    // Not ratified: the stand-in who decided, and the chief, are told to reconsider — once each.
    const told = await stack.waitForMail((m) => m.subject.startsWith('【お知らせ】') && m.subject.includes('事後承認されませんでした') && m.subject.includes(incidentId), 2);
    expect(told).toHaveLength(2);
    expect(told.map((m) => m.to)).toEqual(expect.arrayContaining([expect.stringContaining('gyosei-bucho@'), expect.stringContaining(CHIEF)]));
    expect(told[0].text).toContain('切離しを検討すべきだった');
  });

  it('a containment decision taken once the council has met is not put to it again (kunitachi)', async () => {
    const incidentId = await declare({ ...KUNITACHI, threatLevel: 3 });
    const [chairCall] = await stack.waitForMail(ofThis(incidentId, '招集', CHAIR));
    await answer(chairCall, 'attend', '');
    const [decide] = await stack.waitForMail(ofThis(incidentId, '切離しの判断', MAYOR));
    await answer(decide, 'doNotContain', '影響は限定的');
    await eventually(async () => ((await auditTrail(stack.appDb.db, 'kunitachi', incidentId)).some((a) => a.outcome.startsWith('切離しの判断: 切離さない')) ? true : undefined), 30_000, 'the decision');
    await new Promise((r) => setTimeout(r, 1500));
    const trail = await auditTrail(stack.appDb.db, 'kunitachi', incidentId);
    expect(trail.some((a) => a.id.includes('ratify-'))).toBe(false);
  });
});
