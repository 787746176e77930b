// Paper mode over HTTP, on the real app over PGlite: the printed plan for any reader of the
// organisation's profile (linked with its version from the organisation page); what was done on
// paper entered afterwards by a commander — all or nothing, each refusal naming its line's field,
// nothing written when one line is wrong — and shown in the timeline at the time it happened.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { appendAudit, auditTrail } from '../../src/db/audit';
import { profileHash, shortHash } from '../../src/documents/paper-plan';
import { loadProfile } from '../support/documents';
import { generateSigningKey } from '../../src/tokens';
import { type AccessApp, seedIncident, sessionCookie, startAccessApp } from '../support/access-app';
import { CookieJar, createTestAccount, createTestKey, csrfOf, fetchWith, form } from '../support/auth';
import { json } from '../support/http';

const squeeze = (s: string) => s.replace(/[\s\u3000]+/g, '');

describe('paper mode over HTTP', () => {
  let a: AccessApp;
  let incidentId: string;
  let commander: typeof fetch;
  let cookies: Record<'commander' | 'member' | 'otherCommander', string>;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-paper-http-'));
  const as = (cookie: string): typeof fetch => (input, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set('cookie', cookie);
    return fetch(input, { ...init, headers });
  };
  const post = (f: typeof fetch, p: string, body: unknown) => f(`${a.base}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const recordsPath = () => `/api/incidents/kunitachi/${incidentId}/paper-records`;
  const caseRows = async () => (await auditTrail(a.db, 'kunitachi', incidentId)).length;

  beforeAll(async () => {
    a = await startAccessApp();
    incidentId = (
      await seedIncident(a.db, 'kunitachi', randomUUID(), { kind: 'leak', summary: '住民票の写しの誤送付', detectedAt: '2026-11-24T01:10:00+09:00', awareAt: '2026-11-24T08:40:00+09:00' })
    ).incident_id;
    // What the system itself recorded before it was cut off, and after it came back.
    const key = generateSigningKey('seed');
    const base = { caseId: incidentId, organisation: 'kunitachi', actor: 'system', articles: [] as string[] };
    await appendAudit(a.db, { ...base, id: `seed/${incidentId}/1`, at: new Date('2026-11-24T08:41:00+09:00'), step: 'emergency.detect', outcome: '検知を記録' }, key);
    await appendAudit(a.db, { ...base, id: `seed/${incidentId}/2`, at: new Date('2026-11-24T15:00:00+09:00'), step: 'emergency.reconnect', outcome: '再接続を確認' }, key);
    const account = async (email: string, organisation: string, role: 'commander' | 'member') =>
      sessionCookie(a, (await createTestAccount(a.db, { email, name: email.split('@')[0], grants: [{ role, organisation }] })).id);
    cookies = {
      commander: await account('commander@kunitachi.example.jp', 'kunitachi', 'commander'),
      member: await account('member@kunitachi.example.jp', 'kunitachi', 'member'),
      otherCommander: await account('commander@katsuragi.example.jp', 'katsuragi', 'commander'),
    };
    commander = fetchWith(await createTestKey(a.db, 'commander', 'kunitachi'));
  });
  afterAll(async () => {
    await a?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('GET /api/organisations/:key/paper-plan.pdf', () => {
    it('answers the plan as a PDF to a member, with the profile version and the night numbers', async () => {
      const r = await as(cookies.member)(`${a.base}/api/organisations/kunitachi/paper-plan.pdf`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('application/pdf');
      expect(r.headers.get('content-disposition')).toBe(
        `attachment; filename="paper-plan-kunitachi.pdf"; filename*=UTF-8''${encodeURIComponent('緊急時対応計画_紙運用版_国立市.pdf')}`,
      );
      const file = path.join(dir, 'plan.pdf');
      fs.writeFileSync(file, Buffer.from(await r.arrayBuffer()));
      const text = squeeze(execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }));
      expect(text).toContain(`SHA-256${shortHash(profileHash(loadProfile('kunitachi')))}`);
      expect(text).toContain('携帯090-4444-2120');
      expect(text).toContain('事故報告書（様式）');
    });

    it('answers an auditor key, refuses a detector key (403), hides it from another organisation (404), and asks to sign in (401)', async () => {
      const plan = '/api/organisations/kunitachi/paper-plan.pdf';
      expect((await fetchWith(await createTestKey(a.db, 'auditor', 'kunitachi'))(`${a.base}${plan}`)).status).toBe(200);
      expect((await fetchWith(await createTestKey(a.db, 'detector', 'kunitachi'))(`${a.base}${plan}`)).status).toBe(403);
      expect((await as(cookies.otherCommander)(`${a.base}${plan}`)).status).toBe(404);
      expect((await fetch(`${a.base}${plan}`)).status).toBe(401);
    });

    it('is linked from the organisation page with the version a printed copy must match', async () => {
      const page = await (await as(cookies.member)(`${a.base}/organisations/kunitachi`)).text();
      expect(page).toContain('<a href="/api/organisations/kunitachi/paper-plan.pdf" download>');
      expect(page).toContain(shortHash(profileHash(loadProfile('kunitachi'))));
    });
  });

  describe('POST /api/incidents/:organisation/:incidentId/paper-records', () => {
    const good = () => [
      { step: 'emergency.conveneCouncil', occurredAt: '2026-11-24T09:30:00+09:00', actor: '杉山 誠', what: '電話で会議を招集（4名出席）' },
      { step: 'emergency.contain', occurredAt: '2026-11-24T10:15:00+09:00', actor: '中島 哲也', what: '住基ネット端末の LAN ケーブルを抜き、野口係長と二人で切離しを確認' },
      { step: 'emergency.report', occurredAt: '2026-11-24T11:00:00+09:00', actor: '杉山 誠', what: '機構の当直に電話で第1報', articles: ['kunitachi:10.3', 'law:番号法:29-4.1'] },
    ];

    it('refuses the whole entry when one line is wrong, naming its field, and writes nothing', async () => {
      const before = await caseRows();
      const future = good();
      future[2].occurredAt = new Date(Date.now() + 3_600_000).toISOString();
      const r = await post(commander, recordsPath(), { records: future });
      expect(r.status).toBe(400);
      const body = await json(r);
      expect(body.issues).toEqual([{ path: 'body.records[2].occurredAt', message: '未来の日時は入力できません' }]);
      expect(body.message).toContain('records[2].occurredAt');

      const early = good();
      early[1].occurredAt = '2026-11-24T08:00:00+09:00'; // before the awareness (08:40)
      const r2 = await post(commander, recordsPath(), { records: early });
      expect(r2.status).toBe(400);
      expect((await json(r2)).issues.map((i: { path: string }) => i.path)).toEqual(['body.records[1].occurredAt']);

      const shape = [...good(), { step: 'emergency.panic', occurredAt: '昨日', actor: '', what: 'x' }];
      const r3 = await post(commander, recordsPath(), { records: shape });
      expect(r3.status).toBe(400);
      expect((await json(r3)).issues.map((i: { path: string }) => i.path).sort()).toEqual(['body.records[3].actor', 'body.records[3].occurredAt', 'body.records[3].step']);

      const other = good();
      other[0] = { ...other[0], articles: ['tokyo:9.1'] } as (typeof other)[0];
      expect((await post(commander, recordsPath(), { records: other })).status).toBe(400);
      expect(await caseRows()).toBe(before);
    });

    it("is a commander's: a member is refused (403), another organisation's commander finds nothing (404), an unknown incident is 404", async () => {
      expect((await post(as(cookies.member), recordsPath(), { records: good() })).status).toBe(403);
      expect((await post(as(cookies.otherCommander), recordsPath(), { records: good() })).status).toBe(404);
      expect((await post(fetch, recordsPath(), { records: good() })).status).toBe(401);
      expect((await post(commander, '/api/incidents/kunitachi/INC-2026-0999/paper-records', { records: good() })).status).toBe(404);
    });

    it('writes one audit row a line, marked as from paper, with the real time, who entered it, and the articles', async () => {
      const submissionId = randomUUID();
      const r = await post(commander, recordsPath(), { records: good(), submissionId });
      expect(r.status).toBe(201);
      const { records } = await json(r);
      expect(records.map((x: { step: string; occurredAt: string; articles: string[] }) => [x.step, x.occurredAt, x.articles])).toEqual([
        ['emergency.conveneCouncil', '2026-11-24T00:30:00.000Z', ['kunitachi:10.2', 'kunitachi:5']],
        ['emergency.contain', '2026-11-24T01:15:00.000Z', ['kunitachi:13.1', 'kunitachi:13.2']],
        ['emergency.report', '2026-11-24T02:00:00.000Z', ['kunitachi:10.3', 'law:番号法:29-4.1']],
      ]);
      const rows = (await auditTrail(a.db, 'kunitachi', incidentId)).filter((x) => x.id.startsWith('paper/'));
      expect(rows).toHaveLength(3);
      expect(rows[1].outcome).toBe('【紙の記録】住基ネット端末の LAN ケーブルを抜き、野口係長と二人で切離しを確認');
      expect(rows[1].actor).toBe('中島 哲也');
      expect(rows[1].detail).toMatchObject({ paper: { occurredAt: '2026-11-24T01:15:00.000Z', enteredBy: { name: 'test commander@kunitachi' }, submissionId, line: 1 } });
      // Recorded now: the chain's time is when the row was written.
      expect(Math.abs(rows[1].at.getTime() - Date.now())).toBeLessThan(60_000);

      // The same submission again writes nothing more.
      const again = await post(commander, recordsPath(), { records: good(), submissionId });
      expect(again.status).toBe(200);
      expect((await json(again)).records.map((x: { seq: number }) => x.seq)).toEqual(records.map((x: { seq: number }) => x.seq));
      expect((await auditTrail(a.db, 'kunitachi', incidentId)).filter((x) => x.id.startsWith('paper/'))).toHaveLength(3);
    });

    it('shows the lines in the timeline at the time they happened, between what the system recorded', async () => {
      const view = await json(await as(cookies.member)(`${a.base}/api/incidents/kunitachi/${incidentId}`));
      const order = view.timeline.map((x: { outcome: string }) => x.outcome.replace(/^【紙の記録】(.{6}).*$/, '紙:$1'));
      expect(order).toEqual(['検知を記録', '紙:電話で会議を', '紙:住基ネット端', '紙:機構の当直に', '再接続を確認']);
      const paper = view.timeline[1];
      expect(paper.occurredAt).toBe('2026-11-24T00:30:00.000Z');
      expect(paper.paper.enteredBy.name).toBe('test commander@kunitachi');
      expect(Date.parse(paper.at)).toBeGreaterThan(Date.parse('2026-11-25T00:00:00Z'));

      const page = await (await as(cookies.member)(`${a.base}/incidents/kunitachi/${incidentId}`)).text();
      const at = (s: string) => page.indexOf(s);
      expect(at('検知を記録')).toBeLessThan(at('電話で会議を招集'));
      expect(at('電話で会議を招集')).toBeLessThan(at('再接続を確認'));
      expect(page).toContain('紙の記録: 入力 test commander@kunitachi');
      // The member sees the timeline, not the entry link.
      expect(page).not.toContain('/paper-records"');
    });
  });

  describe('the console form', () => {
    let jar: CookieJar;
    const formPath = () => `/incidents/kunitachi/${incidentId}/paper-records`;

    beforeAll(() => {
      jar = new CookieJar();
      const [name, value] = cookies.commander.split('=');
      jar.cookies.set(name, value);
    });

    it('is linked from the incident page for a commander, and refused to a member', async () => {
      const page = await (await jar.fetch(`${a.base}/incidents/kunitachi/${incidentId}`)).text();
      expect(page).toContain(`<a href="${formPath()}">紙の記録を入力</a>`);
      expect((await as(cookies.member)(`${a.base}${formPath()}`)).status).toBe(403);
    });

    it('shows a row per line, keeps what was typed when a line is wrong, writes nothing, and records a good entry', async () => {
      const page = await (await jar.fetch(`${a.base}${formPath()}?rows=3`)).text();
      expect(page).toContain('name="occurredAt_2"');
      expect(page).not.toContain('name="occurredAt_3"');
      const fields = {
        csrf: csrfOf(page),
        submissionId: /name="submissionId" value="([^"]+)"/.exec(page)![1],
        rows: '3',
        step_0: 'emergency.recover',
        occurredAt_0: '2026-11-24T16:00',
        actor_0: '野口 彩花',
        what_0: 'バックアップから住民記録を復元',
        articles_0: '',
        // Line 2 left empty: ignored.
        step_2: 'emergency.close',
        occurredAt_2: '2026-11-24T07:00', // before the awareness
        actor_2: '杉山 誠',
        what_2: '終結',
      };
      const before = await caseRows();
      const bad = await jar.fetch(`${a.base}${formPath()}`, form(fields));
      expect(bad.status).toBe(400);
      const shown = await bad.text();
      expect(shown).toContain('覚知の日時（2026-11-24 08:40）より前です');
      expect(shown).toContain('バックアップから住民記録を復元');
      expect(await caseRows()).toBe(before);

      const ok = await jar.fetch(`${a.base}${formPath()}`, form({ ...fields, csrf: csrfOf(shown), occurredAt_2: '2026-11-24T17:00' }));
      expect(ok.status).toBe(303);
      expect(ok.headers.get('location')).toBe(`/incidents/kunitachi/${incidentId}`);
      const rows = (await auditTrail(a.db, 'kunitachi', incidentId)).slice(before);
      expect(rows.map((r) => [r.step, r.detail.paper && (r.detail.paper as { occurredAt: string }).occurredAt])).toEqual([
        ['emergency.recover', '2026-11-24T07:00:00.000Z'],
        ['emergency.close', '2026-11-24T08:00:00.000Z'],
      ]);
      expect(rows[1].articles).toEqual(['kunitachi:15']);
    });

    it('refuses a post without its CSRF field', async () => {
      const r = await jar.fetch(`${a.base}${formPath()}`, form({ rows: '1', step_0: 'emergency.close', occurredAt_0: '2026-11-24T17:00', actor_0: 'x', what_0: 'y' }));
      expect(r.status).toBe(403);
    });
  });
});
