// A targeted review from a 人事異動 list over HTTP, on the real app and the Temporal dev server
// (no worker: the campaign stays as started, which is what is checked): a bad Shift_JIS list gets
// the validation report by line and field and starts nothing; a dry run names the IDs concerned
// and the lines that concern none; a start creates the `reviewCampaign` workflow under the list's
// id with the campaign's input; the same list again, even re-saved as XLSX, is 409.
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import iconv from 'iconv-lite';
import { fiscalYearOf, type ReviewCampaignInput, targetedCampaignId } from '../../src/domain/review';
import { type AccessApp, startAccessApp } from '../support/access-app';
import { createTestKey, fetchWith } from '../support/auth';
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
});
