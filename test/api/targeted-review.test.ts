// A targeted review from a 人事異動 list over HTTP, on the real app and the Temporal dev server
// (no worker: the campaign stays as started, which is what is checked): a bad Shift_JIS list gets
// the validation report by line and field and starts nothing; a dry run names the IDs concerned
// and the lines that concern none; a start creates the `reviewCampaign` workflow under the list's
// id with the campaign's input; the same list again, even re-saved as XLSX, is 409. The console's
// form on the ledger page and `jukinet-ops review targeted` go the same way.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import iconv from 'iconv-lite';
import { fiscalYearOf, type ReviewCampaignInput, targetedCampaignId } from '../../src/domain/review';
import { type AccessApp, sessionCookie, startAccessApp } from '../support/access-app';
import { CookieJar, createTestAccount, createTestKey, csrfOf, fetchWith } from '../support/auth';
import { runCliAsync } from '../support/cli';
import { json } from '../support/http';
import { devServer } from '../support/temporal';
import { buildXlsx } from '../support/xlsx';

jest.setTimeout(120_000);

const N = 'niigata';
const sjis = (s: string) => new Uint8Array(iconv.encode(s, 'shift_jis'));
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const DAY = 86_400_000;
const JST = 9 * 3_600_000;

/** The ledger: 高橋 holds two IDs under one email, 阿部 one, found by name; 小林's is revoked. */
async function seedLedger(a: AccessApp, asAdmin: typeof fetch): Promise<void> {
  const ledger = [
    'ユーザID,氏名,メールアドレス,所属,権限,状態',
    'NG0001,高橋 誠,takahashi@niigata.example.jp,中央区役所区民生活課,照会;更新,有効',
    'JK0001,高橋 誠,Takahashi@niigata.example.jp,中央区役所区民生活課,照会,有効',
    'NG0002,阿部 浩二,,東区役所区民生活課,照会,有効',
    'NG0003,小林 さくら,kobayashi@niigata.example.jp,東区役所区民生活課,照会,廃止',
  ].join('\n');
  const imp = await json(await asAdmin(`${a.base}/api/ledger/${N}/imports`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: utf8(ledger) }));
  expect((await asAdmin(`${a.base}/api/ledger/${N}/imports/${imp.importId}/confirm`, { method: 'POST' })).status).toBe(200);
}

describe('a targeted review from a 人事異動 list', () => {
  let env: TestWorkflowEnvironment;
  let a: AccessApp;
  let asAdmin: typeof fetch;
  let asAuditor: typeof fetch;
  const started: string[] = [];

  /** A day in Japan `days` from the app's now, as 2026-12-06 and as the ISO moment it starts. */
  const dayAhead = (days: number) => {
    const date = new Date(a.now().getTime() + JST + days * DAY).toISOString().slice(0, 10);
    return { date, start: new Date(`${date}T00:00:00+09:00`).toISOString() };
  };

  beforeAll(async () => {
    env = await devServer();
    a = await startAccessApp({ env: { TEMPORAL_TASK_QUEUE: `targeted-review-${Date.now()}` }, deps: { client: env.client } });
    asAdmin = fetchWith(await createTestKey(a.db, 'admin', N));
    asAuditor = fetchWith(await createTestKey(a.db, 'auditor', N));
    await seedLedger(a, asAdmin);
  });
  afterAll(async () => {
    for (const id of started) await env?.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    await a?.close();
    await env?.teardown();
  });

  const send = (f: typeof fetch, bytes: Uint8Array, q = '') => f(`${a.base}/api/review/${N}/targeted${q}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: bytes });
  const list = () => {
    const soon = dayAhead(5);
    const later = dayAhead(60);
    return {
      soon,
      csv: sjis(
        [
          'ユーザID,氏名,メールアドレス,異動区分,発令日,異動先',
          `NG0001,高橋 誠,TAKAHASHI@niigata.example.jp,配置換,${later.date},西区役所区民生活課`,
          `,阿部　浩二,,定年退職,${soon.date},`,
          `,山田 太郎,,異動,${later.date},北区役所`,
          `,小林 さくら,kobayashi@niigata.example.jp,退職,${later.date},`,
        ].join('\r\n'),
      ),
      // The same list, reordered in a workbook, the date of one line a serial.
      xlsx: buildXlsx([
        ['氏名', 'ユーザID', 'メール', '区分', '異動日', '新所属'],
        ['小林 さくら', null, 'kobayashi@niigata.example.jp', '退職', later.date, null],
        ['山田 太郎', null, null, '異動', later.date, '北区役所'],
        ['阿部 浩二', null, null, '定年退職', soon.date, null],
        ['高橋 誠', 'NG0001', 'takahashi@niigata.example.jp', '配置換', later.date, '西区役所区民生活課'],
      ]),
    };
  };

  it('a bad Shift_JIS list: each issue by line and field, nothing started', async () => {
    const r = await send(asAdmin, sjis('ユーザID,氏名,異動区分,発令日\nNG0001,高橋 誠,異動,令和8年4月1日\nNG0002,,休職,令和8年2月30日\n'));
    expect(r.status).toBe(400);
    const body = await json(r);
    expect(body).toMatchObject({ error: 'invalid_file', encoding: 'shift_jis' });
    expect(body.issues.map((i: { path: string }) => i.path)).toEqual(['line 3: personName', 'line 3: kind', 'line 3: effectiveAt']);
    expect(body.issues[1].message).toMatch(/異動区分は/);
  });

  it('a dry run names the IDs each line concerns, the deadline before the earliest move and the lines that concern none; it starts nothing', async () => {
    const { csv, soon } = list();
    const r = await send(asAdmin, csv, '?dryRun=1&filename=idou.csv');
    expect(r.status).toBe(200);
    const body = await json(r);
    expect(body).toMatchObject({ dryRun: true, format: 'csv', encoding: 'shift_jis', filename: 'idou.csv', dueAt: soon.start });
    expect(body.campaignId).toBe(targetedCampaignId(N, body.listId));
    expect(body.targets.map((t: { userId: string; line: number; movement: { kind: string } }) => [t.userId, t.line, t.movement.kind])).toEqual([
      ['JK0001', 2, 'transfer'],
      ['NG0001', 2, 'transfer'],
      ['NG0002', 3, 'retirement'],
    ]);
    expect(body.targets[0]).toMatchObject({ personName: '高橋 誠', section: '中央区役所区民生活課', movement: { userId: 'NG0001', toSection: '西区役所区民生活課' } });
    expect(body.unmatched.map((u: { line: number; personName: string }) => [u.line, u.personName])).toEqual([
      [4, '山田 太郎'],
      [5, '小林 さくら'],
    ]);
    await expect(env.client.workflow.getHandle(body.campaignId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('starts the campaign under the list’s id with the campaign’s input; the same list again, as XLSX, is 409', async () => {
    const { csv, xlsx, soon } = list();
    const r = await send(asAdmin, csv);
    expect(r.status).toBe(202);
    const body = await json(r);
    started.push(body.campaignId);
    expect(body).toMatchObject({ targets: 3, dueAt: soon.start, unmatched: [{ line: 4 }, { line: 5 }] });
    expect(body.campaignId).toMatch(new RegExp(`^review/${N}/targeted/[0-9a-f]{16}$`));

    const handle = env.client.workflow.getHandle(body.campaignId);
    const d = await handle.describe();
    expect(d.type).toBe('reviewCampaign');
    expect(d.status.name).toBe('RUNNING');
    const history = await handle.fetchHistory();
    const input = defaultPayloadConverter.fromPayload<ReviewCampaignInput>(history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0]);
    expect(input).toMatchObject({ organisation: N, kind: 'targeted', listId: body.listId, startedBy: { name: expect.stringContaining('admin'), email: expect.stringMatching(/^apiKey:/) } });
    expect(input.fiscalYear).toBe(fiscalYearOf(a.now()));
    expect(input.movements).toHaveLength(4);
    expect(input.movements![1]).toEqual({ personName: '阿部　浩二', kind: 'retirement', effectiveAt: soon.start });

    const again = await send(asAdmin, new Uint8Array(xlsx));
    expect(again.status).toBe(409);
    expect(await json(again)).toMatchObject({ error: 'already_started', message: expect.stringContaining(body.campaignId) });
  });

  it('a list that concerns no ID in the ledger starts nothing (409 no_targets)', async () => {
    const r = await send(asAdmin, utf8(`氏名,異動区分,発令日\n山田 太郎,異動,${dayAhead(30).date}\n`));
    expect(r.status).toBe(409);
    expect((await json(r)).error).toBe('no_targets');
  });

  it('only the organisation’s admin may send one', async () => {
    expect((await send(asAuditor, list().csv)).status).toBe(403);
    expect((await send(fetchWith(await createTestKey(a.db, 'admin', 'katsuragi')), list().csv)).status).toBe(404);
  });

  it('Temporal out of reach: 503, and the same list may be sent again', async () => {
    const connection = Connection.lazy({ address: '127.0.0.1:1' });
    const down = await startAccessApp({ deps: { client: new Client({ connection }), startTimeoutMs: 2_000 } });
    try {
      const admin = fetchWith(await createTestKey(down.db, 'admin', N));
      await seedLedger(down, admin);
      const r = await admin(`${down.base}/api/review/${N}/targeted`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: list().csv });
      expect(r.status).toBe(503);
      expect((await json(r)).error).toBe('temporal_unavailable');
    } finally {
      await connection.close().catch(() => undefined);
      await down.close();
    }
  });

  it('the console: the ledger page’s form; a bad list is shown by line and field, a good one goes to its campaign, the same again says it started', async () => {
    const admin = await createTestAccount(a.db, { email: 'jinji@niigata.example.jp', name: '人事 担当', grants: [{ role: 'admin', organisation: N }] });
    const jar = new CookieJar();
    const [name, value] = (await sessionCookie(a, admin.id)).split('=');
    jar.cookies.set(name, value);
    const page = await (await jar.fetch(`${a.base}/ledger/${N}`)).text();
    expect(page).toContain('action="/review/niigata/targeted"');
    expect(page).toContain('人事異動に伴う見直し');
    const csrf = csrfOf(page);
    const post = (file: Uint8Array | undefined, fields: Record<string, string> = { csrf }) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      if (file) form.set('file', new Blob([new Uint8Array(file)], { type: 'text/csv' }), 'idou.csv');
      return jar.fetch(`${a.base}/review/${N}/targeted`, { method: 'POST', body: form });
    };

    const bad = await post(sjis('ユーザID,氏名,異動区分,発令日\nNG0002,,休職,令和8年2月30日\n'));
    expect(bad.status).toBe(400);
    const report = await bad.text();
    expect(report).toContain('id="targeted-report"');
    expect(report).toContain('2 行目 — 氏名');
    expect(report).toContain('2 行目 — 異動区分');
    expect(report).toContain('見直しは始めていません');
    expect((await post(utf8(`氏名,異動区分,発令日\n山田 太郎,異動,${dayAhead(30).date}\n`))).status).toBe(409);
    expect((await post(undefined)).status).toBe(400);
    // Without the session's CSRF field: refused before the file is read.
    expect((await post(sjis(`ユーザID,氏名,異動区分,発令日\nNG0002,阿部 浩二,異動,${dayAhead(20).date}\n`), {})).status).toBe(403);

    const good = sjis(`ユーザID,氏名,異動区分,発令日,異動先\nNG0002,阿部 浩二,異動,${dayAhead(20).date},北区役所\n,山田 太郎,退職,${dayAhead(20).date},\n`);
    const ok = await post(good);
    expect(ok.status).toBe(303);
    const location = ok.headers.get('location')!;
    const m = new RegExp(`^/review/${N}/campaigns/(review%2F${N}%2Ftargeted%2F[0-9a-f]{16})\\?unmatched=3$`).exec(location);
    expect(m).not.toBeNull();
    const campaignId = decodeURIComponent(m![1]);
    started.push(campaignId);
    const d = await env.client.workflow.getHandle(campaignId).describe();
    expect(d.type).toBe('reviewCampaign');
    const history = await env.client.workflow.getHandle(campaignId).fetchHistory();
    const input = defaultPayloadConverter.fromPayload<ReviewCampaignInput>(history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0]);
    expect(input.startedBy).toEqual({ name: '人事 担当', email: 'jinji@niigata.example.jp' });

    // No worker here: the campaign runs but its first step has not recorded it, and the page says so.
    const landing = await jar.fetch(`${a.base}${location}`);
    expect(landing.status).toBe(200);
    const landed = await landing.text();
    expect(landed).toContain('id="campaign-starting"');
    expect(landed).toContain('3 行目は管理簿のどのユーザIDにも当たりませんでした');
    // A campaign id no workflow has is still 404.
    expect((await jar.fetch(`${a.base}/review/${N}/campaigns/${encodeURIComponent(`review/${N}/targeted/0000000000000000`)}`)).status).toBe(404);

    const again = await post(good);
    expect(again.status).toBe(409);
    const notice = await again.text();
    expect(notice).toContain('開始済み');
    expect(notice).toContain(`href="${location.split('?')[0]}"`);
  });

  it('the CLI: a dry run lists each ID with its line; the start prints the campaign, its IDs, deadline and unmatched lines; errors exit 1', async () => {
    const key = (await createTestKey(a.db, 'admin', N)).replace(/^Bearer /, '');
    const dir = mkdtempSync(path.join(tmpdir(), 'targeted-cli-'));
    const file = path.join(dir, 'idou-R8.csv');
    const due = dayAhead(10);
    writeFileSync(file, sjis(`ユーザID,氏名,異動区分,発令日\n,高橋 誠,退職,${due.date}\n,佐藤 一郎,退職,${due.date}\n`));
    const cli = (...args: string[]) => runCliAsync(['review', 'targeted', N, ...args, '--api', a.base], { JUKINET_OPS_API_KEY: key });

    const dry = await cli(file, '--dry-run');
    expect(dry.stderr).toBe('');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain('Dry run: nothing started');
    expect(dry.stdout).toMatch(/line 2: JK0001 高橋 誠 \(中央区役所区民生活課\) — retirement/);
    expect(dry.stdout).toMatch(/line 2: NG0001 高橋 誠/);
    expect(dry.stdout).toMatch(/line 3: 佐藤 一郎 — retirement/);
    const campaignId = /Campaign (review\/niigata\/targeted\/[0-9a-f]{16})/.exec(dry.stdout)![1];
    await expect(env.client.workflow.getHandle(campaignId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

    const run = await cli(file);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    started.push(campaignId);
    expect(run.stdout).toContain(`Started ${campaignId}: 2 ID(s) to review, due ${due.date} 00:00 JST`);
    expect(run.stdout).toContain('1 line(s) concern no ID in the ledger');
    expect((await env.client.workflow.getHandle(campaignId).describe()).status.name).toBe('RUNNING');

    const again = await cli(file);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`409: この人事異動の一覧の見直しは開始済みです（${campaignId}）`);
    const badFile = path.join(dir, 'bad.csv');
    writeFileSync(badFile, utf8('氏名,異動区分,発令日\n阿部 浩二,休職,2026-13-01\n'));
    const bad = await cli(badFile);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('400: 人事異動の一覧に誤りがあります');
    expect(bad.stderr).toContain('line 2: kind:');
  });
});
