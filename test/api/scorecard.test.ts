// The drill scorecard over HTTP (issue 10 §8): JSON, the console page and the PDF as a person
// reads it (pdftotext), for whoever may read the incident; a real incident has none.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { appendAudit } from '../../src/db/audit';
import { generateSigningKey } from '../../src/tokens';
import { type AccessApp, seedIncident, sessionCookie, startAccessApp } from '../support/access-app';
import { createTestAccount } from '../support/auth';
import { json } from '../support/http';

describe('the drill scorecard over HTTP', () => {
  let a: AccessApp;
  let cookie: string;
  let drillId: string;
  let realId: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-scorecard-'));

  beforeAll(async () => {
    a = await startAccessApp();
    const awareAt = new Date(a.now().getTime() - 3 * 60_000);
    const drill = await seedIncident(a.db, 'katsuragi', randomUUID(), {
      awareAt: awareAt.toISOString(),
      detectedAt: awareAt.toISOString(),
      drill: { timeScale: 60, participants: [{ name: '訓練 参加者', email: 'kunren@katsuragi.example.jp' }] },
    });
    drillId = drill.incident_id;
    realId = (await seedIncident(a.db, 'katsuragi', randomUUID())).incident_id;
    const key = generateSigningKey('a1');
    // The chair attended 40 s after awareness: 40 plan minutes at ×60, within katsuragi's hour.
    for (const [k, s] of [['detect', 0], ['chair', 40]] as const) {
      await appendAudit(
        a.db,
        { id: `${drill.workflow_id}/${k}`, caseId: drillId, organisation: 'katsuragi', step: 'emergency.conveneCouncil', outcome: k, actor: 'system', articles: [], detail: {}, at: new Date(awareAt.getTime() + s * 1000) },
        key,
      );
    }
    const auditor = await createTestAccount(a.db, { email: 'auditor@katsuragi.example.jp', grants: [{ role: 'auditor', organisation: 'katsuragi' }] });
    cookie = await sessionCookie(a, auditor.id);
  });
  afterAll(async () => {
    await a?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const get = (p: string, c = cookie) => fetch(`${a.base}${p}`, { headers: { cookie: c } });

  it('answers the milestones in plan time, against their targets', async () => {
    const r = await get(`/api/incidents/katsuragi/${drillId}/scorecard`);
    expect(r.status).toBe(200);
    const card = await json(r);
    expect(card.timeScale).toBe(60);
    expect(card.rows[0]).toMatchObject({ key: 'convene', result: 'met', planElapsedMs: 40 * 60_000, elapsedMs: 40_000 });
    // Three real minutes are three plan hours: past katsuragi's target for the cut-off.
    expect(card.rows[1]).toMatchObject({ key: 'contain', reachedAt: null, result: 'missed' });
  });

  it('prints it as an A4 PDF marked 【訓練】 with each milestone and its result', async () => {
    const r = await get(`/api/incidents/katsuragi/${drillId}/scorecard.pdf`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/pdf');
    const file = path.join(dir, 'scorecard.pdf');
    fs.writeFileSync(file, Buffer.from(await r.arrayBuffer()));
    const text = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).replace(/[ \u3000]+/g, '');
    expect(text).toContain('【訓練】訓練評価表');
    expect(text).toContain(drillId);
    expect(text).toContain('60倍');
    expect(text).toMatch(/招集（議長の出席）—達成/);
    expect(text).toMatch(/切離しの確認—未達/);
    expect(text).toContain('40分（実時間40秒）');
  });

  it('shows the page with the drill banner, and refuses a real incident and a stranger', async () => {
    const page = await get(`/incidents/katsuragi/${drillId}/scorecard`);
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain('class="drill"');
    expect(body).toContain(`/api/incidents/katsuragi/${drillId}/scorecard.pdf`);
    expect(await (await get(`/incidents/katsuragi/${drillId}`)).text()).toContain(`href="/incidents/katsuragi/${drillId}/scorecard"`);
    expect(await (await get(`/incidents/katsuragi/${realId}`)).text()).not.toContain('/scorecard');
    const real = await get(`/api/incidents/katsuragi/${realId}/scorecard`);
    expect(real.status).toBe(404);
    expect((await json(real)).error).toBe('not_a_drill');
    const stranger = await createTestAccount(a.db, { email: 'someone@niigata.example.jp', grants: [{ role: 'auditor', organisation: 'niigata' }] });
    expect((await get(`/api/incidents/katsuragi/${drillId}/scorecard`, await sessionCookie(a, stranger.id))).status).toBe(404);
  });
});
