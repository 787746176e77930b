import * as fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { signInAsEverything } from '../support/auth';
import { declaration } from '../support/declarations';
import { json } from '../support/http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { DefaultLogger } from '@temporalio/worker';
import { generateSigningKey } from '../../src/tokens';
import express from 'express';
import nodemailer from 'nodemailer';
import { createApp } from '../../src/api/app';
import { type ErrorPageRenderer, errorHandler, HttpError, locals } from '../../src/api/http';
import { loadConfig } from '../../src/config';
import type { AppDatabase } from '../../src/db';
import type { Check } from '../../src/domain/health';
import { Outbox } from '../../src/embedded/outbox';
import { startSmtpSink, type SmtpSink } from '../../src/embedded/smtp-sink';
import { checkProfiles, openMigratedDatabase, storeProfiles } from '../../src/runtime';

/** Every log line the app writes, to check that none carries a secret. */
const logLines: string[] = [];
const logger = new DefaultLogger('WARN', (entry) => logLines.push(`${entry.message} ${JSON.stringify(entry.meta ?? {})}`));
// These pages never reach Temporal; the workflow-backed routes are tested against a real server.
const noTemporal = {} as Client;
const healthy: Check[] = [
  { part: 'temporal', status: 'ok', detail: 'server 1.29.1' },
  { part: 'namespace', status: 'ok', detail: 'default' },
  { part: 'worker', status: 'ok', detail: '1 poller(s)' },
  { part: 'database', status: 'ok', detail: 'pglite' },
  { part: 'smtp', status: 'ok', detail: 'sink' },
];

// Pages are tested as someone holding every role; who may see what is test/api/access-matrix.test.ts's.
let fetch: typeof globalThis.fetch = globalThis.fetch;

describe('the HTTP application', () => {
  let appDb: AppDatabase;
  let sink: SmtpSink;
  let base: string;
  let close: () => void;
  let checks: Check[] = healthy;

  beforeAll(async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-api-'));
    const config = loadConfig({ DATA_DIR: dataDir, PROFILES_DIR: path.join(__dirname, '..', '..', 'profiles') }, '/nonexistent/.env');
    appDb = await openMigratedDatabase(config, logger);
    await storeProfiles(appDb, checkProfiles(config), logger);
    sink = await startSmtpSink({ port: 0, outboxDir: path.join(dataDir, 'outbox') });
    const app = createApp({ config, appDb, logger, client: noTemporal, signingKeys: [generateSigningKey('t1')], auditMacKeys: [generateSigningKey('a1')], health: async () => checks, outbox: new Outbox(path.join(dataDir, 'outbox')) });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
    fetch = await signInAsEverything(base, appDb.db);
  });
  afterAll(async () => {
    close();
    await sink.close();
    await appDb.close();
  });

  describe('security headers', () => {
    const pages = ['/', '/incidents', '/incidents/new', '/tasks', '/organisations', '/organisations/katsuragi', '/outbox', '/no-such-page', '/t/not-a-token'];
    it.each(pages)('%s allows no script, only the page\'s own stylesheet, and no framing', async (p) => {
      const r = await fetch(`${base}${p}`);
      const csp = r.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|script-src/);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
      // Plain HTTP here: no HSTS, which would pin browsers to HTTPS the console does not serve.
      expect(r.headers.get('strict-transport-security')).toBeNull();
      // What a browser checks: the inline stylesheet's own hash is the one the policy allows.
      const style = /<style>([\s\S]*?)<\/style>/.exec(await r.text())?.[1];
      expect(style).toBeDefined();
      const { createHash } = await import('node:crypto');
      expect(csp).toContain(`'sha256-${createHash('sha256').update(style!).digest('base64')}'`);
    });
    it('carries the headers on API answers too', async () => {
      const r = await fetch(`${base}/api/organisations`);
      expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    });
    it('adds HSTS when people reach the console over HTTPS', async () => {
      const config = loadConfig({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-hsts-')), PUBLIC_URL: 'https://ops.example.lg.jp' }, '/nonexistent/.env');
      const app = createApp({ config, appDb, logger, client: noTemporal, signingKeys: [generateSigningKey('t1')], auditMacKeys: [generateSigningKey('a1')], health: async () => checks });
      const server = app.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      try {
        const r = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
        expect(r.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      } finally {
        server.close();
      }
    });
  });

  describe('GET /api/health', () => {
    it('is 200 when every part is well', async () => {
      checks = healthy;
      const r = await fetch(`${base}/api/health`);
      expect(r.status).toBe(200);
      expect(await json(r)).toEqual({ status: 'ok', checks: healthy });
    });
    it('is 503 and names the failing part otherwise', async () => {
      checks = healthy.map((c) => (c.part === 'worker' ? { ...c, status: 'fail', detail: 'no worker polling task queue jukinet-ops' } : c));
      const r = await fetch(`${base}/api/health`);
      expect(r.status).toBe(503);
      const body = await json(r);
      expect(body.status).toBe('degraded');
      expect(body.checks.find((c: Check) => c.part === 'worker').status).toBe('fail');
      checks = healthy;
    });
  });

  describe('organisations', () => {
    it('lists the five loaded profiles', async () => {
      const body = await json(await fetch(`${base}/api/organisations`));
      expect(body.organisations.map((o: { key: string }) => o.key)).toEqual(['jlis', 'katsuragi', 'kunitachi', 'niigata', 'tokyo']);
    });
    it('returns one profile', async () => {
      const body = await json(await fetch(`${base}/api/organisations/katsuragi`));
      expect(body.council.chair.substitutes[0].title).toContain('管財情報課長');
    });
    it('answers 400 naming the field for a malformed key', async () => {
      const r = await fetch(`${base}/api/organisations/NOT_A_KEY`);
      expect(r.status).toBe(400);
      const body = await json(r);
      expect(body.error).toBe('validation_failed');
      expect(body.issues.map((i: { path: string }) => i.path)).toEqual(['params.key']);
    });
    it('answers 404 with a reason for an unknown organisation', async () => {
      const r = await fetch(`${base}/api/organisations/atlantis`);
      expect(r.status).toBe(404);
      expect(await json(r)).toEqual({ error: 'not_found', message: 'organisation atlantis is not loaded' });
    });
    it('answers 404 as JSON for an unknown API route', async () => {
      const r = await fetch(`${base}/api/nothing-here`);
      expect(r.status).toBe(404);
      expect((await json(r)).error).toBe('not_found');
    });
  });

  describe('the console', () => {
    it('opens in Japanese on the demo organisation with the status of each part', async () => {
      const r = await fetch(`${base}/`);
      expect(r.status).toBe(200);
      const page = await r.text();
      expect(page).toContain('<html lang="ja">');
      expect(page).toContain('name="viewport"');
      expect(page).toContain('かつらぎ町');
      expect(page).toContain('進行中の手続はありません');
      expect(page).toContain('ワーカー');
    });
    it('switches to English and remembers it', async () => {
      const r = await fetch(`${base}/?lang=en`);
      const page = await r.text();
      expect(page).toContain('<html lang="en">');
      expect(page).toContain('No procedure is in progress.');
      const cookie = r.headers.get('set-cookie')!.split(';')[0];
      const again = await (await fetch(`${base}/organisations`, { headers: { cookie } })).text();
      expect(again).toContain('Organisation profiles');
    });
    it('shows a profile with its roles and council', async () => {
      const page = await (await fetch(`${base}/organisations/katsuragi`)).text();
      expect(page).toContain('セキュリティ統括責任者');
      expect(page).toContain('第3条第3項');
      expect(page).toContain('第5条第1号'); // an article of one paragraph: no 第1項
      expect(page).toContain('地方自治法第152条第1項');
      expect(page).toMatch(/管財情報課長[\s\S]*管財情報課情報係長/); // the chair's stand-ins, in order
      expect(page).toContain('090-2222-0320'); // a mobile number beside the office line
    });
    it('answers an unknown page with a Japanese 404 page', async () => {
      const r = await fetch(`${base}/nowhere`);
      expect(r.status).toBe(404);
      expect(await r.text()).toContain('ページが見つかりません');
    });
  });

  describe('the outbox', () => {
    it('lists mail the sink received and shows it with clickable links', async () => {
      const empty = await (await fetch(`${base}/outbox`)).text();
      expect(empty).toContain('メールはまだありません');
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true });
      await transport.sendMail({
        from: 'jukinet-ops <noreply@katsuragi.example.jp>',
        to: '管財情報課長 <kanzai@katsuragi.example.jp>',
        subject: '【テスト】セキュリティ会議の招集',
        text: '次のリンクから出欠を回答してください。\nhttp://127.0.0.1:3000/t/abc123\n',
      });
      transport.close();
      const list = await (await fetch(`${base}/outbox`)).text();
      expect(list).toContain('【テスト】セキュリティ会議の招集');
      expect(list).toContain('kanzai@katsuragi.example.jp');
      const id = /href="\/outbox\/([^"]+)"/.exec(list)![1];
      const message = await (await fetch(`${base}/outbox/${id}`)).text();
      expect(message).toContain('次のリンクから出欠を回答してください。');
      expect(message).toContain('<a href="http://127.0.0.1:3000/t/abc123">');
    });
    it('refuses a malformed message id and a missing one', async () => {
      expect((await fetch(`${base}/outbox/..%2F..%2Fetc%2Fpasswd`)).status).toBe(400);
      expect((await fetch(`${base}/outbox/2026-01-01T00-00-00-000Z_deadbeef`)).status).toBe(404);
    });
  });

  describe('GET /api/outbox', () => {
    it('lists the sink’s messages, newest first, a page at a time, and shows one in full', async () => {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true });
      for (const n of [1, 2, 3]) {
        await transport.sendMail({ from: 'jukinet-ops <noreply@katsuragi.example.jp>', to: 'a@katsuragi.example.jp', subject: `ページ ${n}`, text: `本文 ${n}` });
      }
      transport.close();
      const all = await json(await fetch(`${base}/api/outbox`));
      expect(all.messages.slice(0, 3).map((m: { subject: string }) => m.subject)).toEqual(['ページ 3', 'ページ 2', 'ページ 1']);
      const first = await json(await fetch(`${base}/api/outbox?limit=2`));
      expect(first.messages.map((m: { subject: string }) => m.subject)).toEqual(['ページ 3', 'ページ 2']);
      expect(first.next).toBe(`/api/outbox?limit=2&before=${first.messages[1].id}`);
      const second = await json(await fetch(`${base}${first.next}`));
      expect(second.messages[0].subject).toBe('ページ 1');
      const one = await json(await fetch(`${base}${second.messages[0].links.self}`));
      expect(one).toMatchObject({ subject: 'ページ 1', to: 'a@katsuragi.example.jp', text: expect.stringContaining('本文 1') });
    });
    it('refuses a bad limit or cursor, naming it', async () => {
      for (const q of ['limit=0', 'limit=abc', 'limit=100000', 'before=..%2Fx']) {
        const r = await fetch(`${base}/api/outbox?${q}`);
        expect(r.status).toBe(400);
        expect((await json(r)).issues[0].path).toBe(`query.${q.split('=')[0]}`);
      }
    });
  });

  describe('odd input', () => {
    const postJson = (p: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${base}${p}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    /** What a refused body must not have written. */
    const rows = async () => {
      const count = async (table: string) => (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(appDb.db)).rows[0].n;
      return { incidents: await count('incidents'), counters: await count('incident_counters'), audit: await count('audit_log') };
    };
    /** 400 naming exactly these fields; nothing written. With no Temporal behind this app, a body that got through would answer 503. */
    async function refusedNaming(body: unknown, fields: string[]) {
      const before = await rows();
      const r = await postJson('/api/incidents', body);
      const reply = await json(r);
      expect({ status: r.status, fields: (reply.issues ?? []).map((i: { path: string }) => i.path).sort() }).toEqual({ status: 400, fields: [...fields].sort() });
      expect(await rows()).toEqual(before);
    }
    /** A page that is not Express's own: no stack trace, no file path. */
    const noInternals = (page: string) => {
      expect(page).not.toMatch(/\n\s+at |node_modules|\/src\/|\.ts:\d/);
    };

    it('refuses a lone surrogate in any text, naming the field (it would break the audit write and the hash)', async () => {
      await refusedNaming(declaration({ observed: '端末 \ud800 のログ' }), ['body.observed']);
      await refusedNaming(declaration({ summary: '不審 \udc00' }), ['body.summary']);
      await refusedNaming(declaration({ detectedBy: { name: '佐藤\ud83d', email: 'sato@katsuragi.example.jp' } }), ['body.detectedBy.name']);
    });

    it('refuses NUL and control characters, and a newline in a one-line field', async () => {
      await refusedNaming(declaration({ summary: 'a\u0000b' }), ['body.summary']);
      await refusedNaming(declaration({ observed: 'ベル\u0007' }), ['body.observed']);
      await refusedNaming(declaration({ observed: '\u001b[31m赤' }), ['body.observed']);
      await refusedNaming(declaration({ summary: '一行目\n二行目' }), ['body.summary']);
      await refusedNaming(declaration({ summary: '右から左\u202e' }), ['body.summary']);
    });

    it('takes a threat level only as an integer, never coerced', async () => {
      for (const threatLevel of ['0x3', [3], true, 3.5, '3e0', ' ', '３']) await refusedNaming(declaration({ threatLevel }), ['body.threatLevel']);
    });

    it('refuses awareness and detection times before 2000, past year 9999 in Japan, or in the future', async () => {
      await refusedNaming(declaration({ detectedAt: '0000-01-01T00:00:00Z' }), ['body.detectedAt']);
      await refusedNaming(declaration({ awareAt: '0001-06-01T10:00:00+09:00' }), ['body.awareAt']);
      await refusedNaming(declaration({ awareAt: '9999-12-31T23:00:00-09:00' }), ['body.awareAt']);
      const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
      await refusedNaming(declaration({ detectedAt: inAnHour, awareAt: inAnHour }), ['body.awareAt', 'body.detectedAt']);
    });

    it('refuses a NUL in a query string instead of passing it to the database', async () => {
      const r = await fetch(`${base}/api/incidents?organisation=%00`);
      expect(r.status).toBe(400);
      expect((await json(r)).issues[0].path).toBe('query.organisation');
    });

    it('answers 413 for a body too large, as JSON on the API and as a page on the console', async () => {
      const before = await rows();
      const api = await postJson('/api/incidents', declaration({ observed: 'x'.repeat(200_000) }));
      expect(api.status).toBe(413);
      expect((await json(api)).error).toBe('payload_too_large');
      const form = await fetch(`${base}/incidents`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `summary=${'x'.repeat(30_000)}` });
      expect(form.status).toBe(413);
      const page = await form.text();
      expect(page).toContain('<html lang="ja">');
      noInternals(page);
      expect(await rows()).toEqual(before);
    });

    it('answers 413 for too many form parameters', async () => {
      const body = Array.from({ length: 1100 }, (_, i) => `f${i}=1`).join('&');
      const r = await fetch(`${base}/incidents`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(r.status).toBe(413);
      noInternals(await r.text());
    });

    it('answers 415 for an unsupported charset or Content-Encoding, and 400 for a broken gzip body', async () => {
      const latin1 = await postJson('/api/incidents', declaration(), { 'content-type': 'application/json; charset=latin1' });
      expect(latin1.status).toBe(415);
      expect((await json(latin1)).error).toBe('unsupported_media_type');
      const encoded = await postJson('/api/incidents', declaration(), { 'content-encoding': 'x-compress-9000' });
      expect(encoded.status).toBe(415);
      const broken = await fetch(`${base}/api/incidents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(JSON.stringify(declaration())).subarray(0, 20),
      });
      expect(broken.status).toBe(400);
      const garbage = await fetch(`${base}/incidents`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' }, body: 'not gzip at all' });
      expect(garbage.status).toBe(400);
      noInternals(await garbage.text());
    });

    it('shows its own page, in the person’s language, when the console’s body cannot be parsed', async () => {
      const r = await postJson('/incidents', '{"summary":', { cookie: 'lang=en' });
      expect(r.status).toBe(400);
      const page = await r.text();
      expect(page).toContain('<html lang="en">');
      noInternals(page);
    });

    it('ignores a malformed cookie instead of failing every route', async () => {
      for (const cookie of ['lang=%', 'lang=%E0%A4%A; jo_csrf=%']) {
        expect((await fetch(`${base}/api/health`, { headers: { cookie } })).status).toBe(200);
        const home = await fetch(`${base}/`, { headers: { cookie } });
        expect(home.status).toBe(200);
        expect(await home.text()).toContain('<html lang="ja">');
        expect((await fetch(`${base}/incidents/new`, { headers: { cookie } })).status).toBe(200);
      }
    });

    it('answers a bad percent-escape in a link with 400, and writes the token to no log line', async () => {
      const secret = 't1.AbCdEfGh12345678.mxyz12.AAAAAAAAAAA.SecretSignaturePart0001';
      logLines.length = 0;
      for (const method of ['GET', 'POST']) {
        const r = await fetch(`${base}/t/${secret}%E0%A4%A`, { method, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, ...(method === 'POST' ? { body: 'option=attend' } : {}) });
        expect(r.status).toBe(400);
        const page = await r.text();
        expect(page).not.toContain('Failed to decode');
        noInternals(page);
      }
      expect(logLines.filter((l) => l.includes('SecretSignaturePart'))).toEqual([]);
    });

    it('refuses a console form whose CSRF field is not text', async () => {
      for (const csrf of [{}, { toString: 1 }, ['a', 'b']]) {
        const r = await postJson('/incidents', { csrf, summary: 'x' }, { cookie: 'jo_csrf=abc' });
        expect(r.status).toBe(403);
        noInternals(await r.text());
      }
    });

    it('shows the console form again, with field errors, when its fields are not text', async () => {
      const form = await fetch(`${base}/incidents/new`);
      const cookie = form.headers.get('set-cookie')?.split(';')[0] ?? '';
      const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1];
      const before = await rows();
      const r = await postJson('/incidents', { csrf, summary: { toString: 1 }, observed: [[['深い']]], threatLevel: '0x3' }, { cookie });
      expect(r.status).toBe(400);
      const page = await r.text();
      expect(page).toContain('class="error"');
      noInternals(page);
      expect(await rows()).toEqual(before);
    });
  });

  describe('the error handler', () => {
    /** An app whose route fails before any locale middleware ran, with the given page renderer. */
    async function failing(renderPage: ErrorPageRenderer) {
      const app = express();
      app.get('/broken', () => {
        throw new HttpError(400, 'bad_request', 'nope');
      });
      app.use(errorHandler(renderPage, () => {}, 'ja'));
      const server = app.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      try {
        const r = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/broken`);
        return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
      } finally {
        server.close();
      }
    }
    it('renders its page in the default language when the request failed before its language was known', async () => {
      const r = await failing((_req, res, e) => `<p>${locals(res).t('badRequest')}: ${e.message}</p>`);
      expect(r).toEqual({ status: 400, type: expect.stringContaining('text/html'), text: '<p>入力に誤りがあります: nope</p>' });
    });
    it('answers a line of text, not express’s own page, when its page cannot be rendered', async () => {
      const r = await failing(() => {
        throw new TypeError('t is not a function');
      });
      expect(r).toEqual({ status: 400, type: expect.stringContaining('text/plain'), text: '400 nope' });
    });
  });

  describe('with a real SMTP relay instead of the sink', () => {
    it('has no outbox, and says why', async () => {
      const config = loadConfig({ SMTP_URL: 'smtp://relay.example.jp:25' }, '/nonexistent/.env');
      const app = createApp({ config, appDb, logger, client: noTemporal, signingKeys: [generateSigningKey('t1')], auditMacKeys: [generateSigningKey('a1')], health: async () => healthy });
      const server = app.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const r = await fetch(`${url}/outbox`);
        expect(r.status).toBe(404);
        expect(await r.text()).toContain('送信箱は組み込み SMTP シンクを使うときだけ表示されます');
        const api = await fetch(`${url}/api/outbox`);
        expect(api.status).toBe(404);
        expect((await json(api)).error).toBe('outbox_disabled');
        expect(await (await fetch(`${url}/`)).text()).not.toContain('href="/outbox"');
      } finally {
        server.close();
      }
    });
  });
});
