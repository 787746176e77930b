// 切離し by two-person attestation (二者確認), Kunitachi's plan (kunitachi:13): the mayor decides
// from the task link; the two named people each confirm the physical disconnection from their own
// link with a photo or a log, which is stored with its SHA-256; an answer without a file, or
// without the time checked, is refused. Reconnection is decided by the mayor and attested the same way.
import { createHash } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { auditTrail } from '../../src/db/audit';
import { IncidentStatus } from '../../src/domain/incidents';
import { json } from '../support/http';
import { timeSkippingServer } from '../support/temporal';
import { linkIn, openTaskPage, postTaskForm, startTestStack, type TestStack, waitForIncidentStatus } from '../support/stack';
import { declaration } from '../support/declarations';
import type { OutboxMessage } from '../../src/embedded/outbox';

jest.setTimeout(180_000);

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('fake png body of the cut cable')]);
const LOG = Buffer.from('2026-11-23 09:12:03 switch jk-core-1: interface ge-0/0/1 administratively down\n', 'utf8');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const MAYOR = 'shicho@kunitachi.example.jp';
const ATTESTERS = ['johoseisaku-kacho@kunitachi.example.jp', 'johosystem-kakaricho@kunitachi.example.jp'];

async function upload(link: string, page: { cookie: string; csrf?: string }, file: Buffer, filename: string) {
  const form = new FormData();
  form.set('csrf', page.csrf!);
  form.set('file', new Blob([file]), filename);
  const r = await fetch(`${link}/evidence`, { method: 'POST', body: form, redirect: 'manual', headers: { cookie: page.cookie } });
  return { status: r.status, html: await r.text() };
}

describe('containment by two-person attestation (kunitachi)', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;

  beforeAll(async () => {
    env = await timeSkippingServer();
    stack = await startTestStack(env, { taskQueue: `attest-${Date.now()}` });
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  const answer = async (m: OutboxMessage, option: string, note: string) => {
    const page = await openTaskPage(linkIn(m));
    expect(page.csrf).toBeDefined();
    return postTaskForm(linkIn(m), { option, note, csrf: page.csrf! }, page.cookie);
  };

  /** One attester: refused without a file, a file of no allowed type refused, then the file and the answer. */
  async function attest(m: OutboxMessage, file: Buffer, filename: string, first: boolean) {
    const link = linkIn(m);
    if (first) {
      const refused = await answer(m, 'confirmed', '09:12 確認');
      expect(refused.status).toBe(400);
      expect(refused.html).toContain('写真またはログを添付してください');
      const page = await openTaskPage(link);
      const bad = await upload(link, page, Buffer.from([0x00, 0x01, 0x02, 0xfe, 0xff]), 'x.bin');
      expect(bad.status).toBe(415);
      const forged = await upload(link, { ...page, csrf: 'nope' }, file, filename);
      expect(forged.status).toBe(403);
    }
    const page = await openTaskPage(link);
    expect(page.html).toContain('証跡（写真・ログ）');
    expect((await upload(link, page, file, filename)).status).toBe(303);
    const shown = await openTaskPage(link);
    expect(shown.html).toContain(sha256(file));
    if (first) {
      const noTime = await answer(m, 'confirmed', '確認した');
      expect(noTime.status).toBe(400);
      expect(noTime.html).toContain('確認した時刻を備考に書いてください');
    }
    expect((await answer(m, 'confirmed', '09:12 現地で確認')).status).toBe(303);
  }

  it('two named people attest with files; SHA-256s are recorded; reconnection is decided and attested the same way', async () => {
    const r = await stack.fetch(`${stack.baseUrl}/api/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(declaration({ organisation: 'kunitachi', kind: 'leak', threatLevel: 3, detectedBy: { name: '佐藤 花子', email: 'sato@kunitachi.example.jp' } })),
    });
    expect(r.status).toBe(201);
    const { incidentId } = await json(r);
    const ofThis = (subject: string, to: string) => (m: OutboxMessage) => m.to.includes(to) && m.subject.includes(subject) && m.subject.includes(incidentId);

    const [chairAsk] = await stack.waitForMail(ofThis('招集', 'fukushicho@kunitachi.example.jp'));
    expect((await answer(chairAsk, 'attend', '')).status).toBe(303);
    const [decide] = await stack.waitForMail(ofThis('切離しの判断', MAYOR));
    expect((await answer(decide, 'contain', '漏えいのおそれがあるため停止する（第13条第2項）')).status).toBe(303);
    await waitForIncidentStatus(stack, 'kunitachi', incidentId, IncidentStatus.CONTAINING);

    const [a1] = await stack.waitForMail(ofThis('切離しの現地確認', ATTESTERS[0]));
    const [a2] = await stack.waitForMail(ofThis('切離しの現地確認', ATTESTERS[1]));
    await attest(a1, PNG, 'cable.png', true);
    await attest(a2, LOG, 'switch.log', false);
    await waitForIncidentStatus(stack, 'kunitachi', incidentId, IncidentStatus.CONTAINED);

    const [reconnect] = await stack.waitForMail(ofThis('再接続の判断', MAYOR));
    expect((await answer(reconnect, 'reconnect', '原因を除去し安全を確認した')).status).toBe(303);
    await waitForIncidentStatus(stack, 'kunitachi', incidentId, IncidentStatus.RECOVERING);
    const [b1] = await stack.waitForMail(ofThis('再接続の現地確認', ATTESTERS[0]));
    const [b2] = await stack.waitForMail(ofThis('再接続の現地確認', ATTESTERS[1]));
    await attest(b1, LOG, 'up.log', false);
    await attest(b2, PNG, 'up.png', false);
    await waitForIncidentStatus(stack, 'kunitachi', incidentId, IncidentStatus.RECOVERED);

    const rows = await stack.appDb.db.selectFrom('attachments').selectAll().where('case_id', '=', incidentId).execute();
    expect(rows.map((x) => [x.filename, x.media_type, x.sha256]).sort()).toEqual(
      [
        ['cable.png', 'image/png', sha256(PNG)],
        ['switch.log', 'text/plain', sha256(LOG)],
        ['up.log', 'text/plain', sha256(LOG)],
        ['up.png', 'image/png', sha256(PNG)],
      ].sort(),
    );
    expect(Buffer.from(rows.find((x) => x.filename === 'cable.png')!.bytes).equals(PNG)).toBe(true);

    const trail = await auditTrail(stack.appDb.db, 'kunitachi', incidentId);
    const row = (start: string) => trail.find((a) => a.outcome.startsWith(start))!;
    expect(row('切離しの判断: 切離す')).toMatchObject({ step: 'emergency.contain', articles: ['kunitachi:13.1', 'kunitachi:13.2'], actor: expect.stringContaining(MAYOR) });
    expect(row('切離しを指示（二者確認')).toMatchObject({ step: 'emergency.contain' });
    const verified = row('切離しを確認');
    expect(verified.articles).toEqual(['kunitachi:13.1', 'kunitachi:13.2']);
    const attestations = (verified.detail as { verification: { attestations: Array<{ attester: { email: string }; files: Array<{ sha256: string }> }> } }).verification.attestations;
    expect(attestations.map((a) => [a.attester.email, a.files.map((f) => f.sha256)])).toEqual([
      [ATTESTERS[0], [sha256(PNG)]],
      [ATTESTERS[1], [sha256(LOG)]],
    ]);
    expect(row('再接続の判断: 再接続する')).toMatchObject({ step: 'emergency.reconnect', articles: ['kunitachi:13.1', 'kunitachi:13.2'] });
    expect(row('再接続を確認').outcome).toContain('二者確認');
  });
});
