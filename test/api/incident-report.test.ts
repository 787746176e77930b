// The incident report over HTTP, as a commander downloads it from the incident page: a PDF with
// an ASCII-safe filename and the Japanese one (RFC 5987), the report kind validated, a missing
// font answered with what to set, and the link on the incident page.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type AccessApp, seedIncident, sessionCookie, startAccessApp } from '../support/access-app';
import { createTestAccount } from '../support/auth';
import { json } from '../support/http';

describe('GET /api/incidents/:organisation/:incidentId/report.pdf', () => {
  let a: AccessApp;
  let cookie: string;
  let incidentId: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-report-http-'));

  beforeAll(async () => {
    a = await startAccessApp();
    incidentId = (await seedIncident(a.db, 'katsuragi', randomUUID(), { kind: 'leak', summary: '住民票の写しの誤送付' })).incident_id;
    const account = await createTestAccount(a.db, { email: 'commander@katsuragi.example.jp', grants: [{ role: 'commander', organisation: 'katsuragi' }] });
    cookie = await sessionCookie(a, account.id);
  });
  afterAll(async () => {
    await a?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const get = (p: string) => fetch(`${a.base}${p}`, { headers: { cookie } });

  it('answers the report as a PDF download named in Japanese with an ASCII fallback', async () => {
    const r = await get(`/api/incidents/katsuragi/${incidentId}/report.pdf?kind=preliminary`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/pdf');
    expect(r.headers.get('cache-control')).toBe('no-store');
    const disposition = r.headers.get('content-disposition')!;
    expect(disposition).toBe(
      `attachment; filename="incident-report-preliminary-${incidentId}.pdf"; filename*=UTF-8''${encodeURIComponent(`事故報告書_速報_${incidentId}.pdf`)}`,
    );
    const file = path.join(dir, 'report.pdf');
    fs.writeFileSync(file, Buffer.from(await r.arrayBuffer()));
    const text = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).replace(/[ \u3000]+/g, '');
    expect(text).toContain('事故報告書（速報）');
    expect(text).toContain('住民票の写しの誤送付');
    expect(text).toContain('調査中');
    expect(text).toContain('個人情報保護委員会御中');
  });

  it('defaults to the 第1報 and refuses a kind it does not know', async () => {
    const first = await get(`/api/incidents/katsuragi/${incidentId}/report.pdf`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-disposition')).toContain(`incident-report-first-${incidentId}.pdf`);
    const bad = await get(`/api/incidents/katsuragi/${incidentId}/report.pdf?kind=third`);
    expect(bad.status).toBe(400);
    expect((await json(bad)).message).toMatch(/query\.kind/);
    expect((await get(`/api/incidents/katsuragi/${incidentId}/report.pdf?kind=first&target=mayor`)).status).toBe(400);
    expect((await get(`/api/incidents/katsuragi/INC-2026-0999/report.pdf?kind=first`)).status).toBe(404);
  });

  it('links every report kind from the incident page', async () => {
    const page = await (await get(`/incidents/katsuragi/${incidentId}`)).text();
    for (const [kind, label] of [['first', '第1報'], ['second', '第2報'], ['preliminary', '速報'], ['final', '確報']]) {
      expect(page).toContain(`<a href="/api/incidents/katsuragi/${incidentId}/report.pdf?kind=${kind}" download>${label}</a>`);
    }
  });
});

describe('the report without a Japanese font', () => {
  let a: AccessApp;
  afterAll(() => a?.close());

  it('answers 503 naming PDF_FONT_PATH', async () => {
    a = await startAccessApp({ env: { PDF_FONT_PATH: '/nonexistent/font.ttf' } });
    const { incident_id } = await seedIncident(a.db, 'katsuragi', randomUUID());
    const account = await createTestAccount(a.db, { email: 'commander@katsuragi.example.jp', grants: [{ role: 'commander', organisation: 'katsuragi' }] });
    const r = await fetch(`${a.base}/api/incidents/katsuragi/${incident_id}/report.pdf?kind=first`, { headers: { cookie: await sessionCookie(a, account.id) } });
    expect(r.status).toBe(503);
    const body = await json(r);
    expect(body.error).toBe('pdf_font_missing');
    expect(body.message).toContain('PDF_FONT_PATH=/nonexistent/font.ttf');
  });
});
