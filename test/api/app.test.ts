import * as fs from 'node:fs';
import { json } from '../support/http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { DefaultLogger } from '@temporalio/worker';
import { generateSigningKey } from '../../src/tokens';
import nodemailer from 'nodemailer';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import type { AppDatabase } from '../../src/db';
import type { Check } from '../../src/domain/health';
import { Outbox } from '../../src/embedded/outbox';
import { startSmtpSink, type SmtpSink } from '../../src/embedded/smtp-sink';
import { loadProfiles, openMigratedDatabase } from '../../src/runtime';

const logger = new DefaultLogger('WARN');
// These pages never reach Temporal; the workflow-backed routes are tested against a real server.
const noTemporal = {} as Client;
const healthy: Check[] = [
  { part: 'temporal', status: 'ok', detail: 'server 1.29.1' },
  { part: 'namespace', status: 'ok', detail: 'default' },
  { part: 'worker', status: 'ok', detail: '1 poller(s)' },
  { part: 'database', status: 'ok', detail: 'pglite' },
  { part: 'smtp', status: 'ok', detail: 'sink' },
];

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
    await loadProfiles(config, appDb, logger);
    sink = await startSmtpSink({ port: 0, outboxDir: path.join(dataDir, 'outbox') });
    const app = createApp({ config, appDb, logger, client: noTemporal, signingKeys: [generateSigningKey('t1')], auditMacKeys: [generateSigningKey('a1')], health: async () => checks, outbox: new Outbox(path.join(dataDir, 'outbox')) });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(async () => {
    close();
    await sink.close();
    await appDb.close();
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
      expect(body.council.actingChair.title).toContain('管財情報課長');
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
        expect(await (await fetch(`${url}/`)).text()).not.toContain('href="/outbox"');
      } finally {
        server.close();
      }
    });
  });
});
