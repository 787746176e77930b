// PostgreSQL out of reach (stopped, restarting, failed over): every page and API answer that
// needs it says 503, "temporarily unavailable", with Retry-After, and says truthfully whether the
// request recorded anything. Never a 500 "サーバでエラーが発生しました".
import type { AddressInfo } from 'node:net';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { DefaultLogger } from '@temporalio/worker';
import { createApp } from '../../src/api/app';
import express from 'express';
import { errorHandler, recordingStarted, toHttpError } from '../../src/api/http';
import { loadConfig } from '../../src/config';
import { type AppDatabase, openDatabase } from '../../src/db';
import { generateSigningKey, signTaskToken } from '../../src/tokens';
import { declaration } from '../support/declarations';
import { json } from '../support/http';
import { freePort } from '../support/ports';

const logLines: string[] = [];
const logger = new DefaultLogger('WARN', (entry) => logLines.push(`${entry.message} ${JSON.stringify(entry.meta ?? {})}`));
const keys = [generateSigningKey('t1')];

/** As someone signed in: the session is looked up first, in the database that is out of reach. */
const fetch: typeof globalThis.fetch = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('cookie', `jo_session=${'A'.repeat(43)}`);
  return globalThis.fetch(input, { ...init, headers });
};

describe('the HTTP application while PostgreSQL is out of reach', () => {
  let appDb: AppDatabase;
  let base: string;
  let close: () => void;
  let token: string;

  beforeAll(async () => {
    // A port nobody listens on: every query is refused, as with a stopped server.
    const url = `postgres://jukinet:secret-pw@127.0.0.1:${await freePort()}/jukinet`;
    const config = loadConfig({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-outage-')), DATABASE_URL: url }, '/nonexistent/.env');
    appDb = await openDatabase({ engine: 'postgres', url });
    const app = createApp({ config, appDb, logger, client: {} as Client, signingKeys: keys, auditMacKeys: [generateSigningKey('a1')], health: async () => [] });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
    token = signTaskToken({ task: 'T-outage-1', assignee: 'chair@katsuragi.example.jp', expiresAt: Date.now() + 3_600_000 }, keys[0]);
  });
  afterAll(async () => {
    close();
    await appDb.close();
  });

  it.each(['/incidents', '/incidents/katsuragi/INC-2026-0001', '/tasks', '/organisations', '/'])('GET %s: a 503 page in Japanese, nothing recorded', async (p) => {
    const r = await fetch(`${base}${p}`);
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('10');
    const body = await r.text();
    expect(body).toContain('システムを一時的に利用できません');
    expect(body).toContain('表示のための要求で、記録されたものはありません');
    expect(body).not.toContain('サーバでエラーが発生しました');
  });

  it('GET of a task link: the same page, and the token appears in no log line', async () => {
    const r = await fetch(`${base}/t/${token}`);
    expect(r.status).toBe(503);
    expect(await r.text()).toContain('システムを一時的に利用できません');
    expect(logLines.join('\n')).not.toContain(token);
    expect(logLines.join('\n')).not.toContain('secret-pw');
    // One short line per refused request, without a stack trace.
    expect(logLines.at(-1)).toMatch(/^Request failed .*"path":"\/t\/…".*database unavailable: connect ECONNREFUSED 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(logLines.at(-1)).not.toContain('    at ');
  });

  it('POST of a task link fails before any answer is sent: the page says it was not recorded', async () => {
    const r = await fetch(`${base}/t/${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'option=attend&csrf=x' });
    expect(r.status).toBe(503);
    const body = await r.text();
    expect(body).toContain('この送信内容は記録されていません');
  });

  it('the API answers JSON: error "unavailable", what was recorded, Retry-After', async () => {
    const r = await fetch(`${base}/api/incidents/katsuragi/INC-2026-0001`);
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('10');
    expect(await json(r)).toEqual({ error: 'unavailable', message: expect.stringContaining('temporarily unavailable'), recorded: 'nothing' });
    const posted = await fetch(`${base}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(declaration()) });
    expect(posted.status).toBe(503);
    expect(await json(posted)).toMatchObject({ error: 'unavailable', recorded: 'no' });
  });

  it('?lang=en gives the page in English', async () => {
    const r = await fetch(`${base}/incidents?lang=en`);
    expect(r.status).toBe(503);
    expect(await r.text()).toContain('temporarily unavailable');
  });
});

describe('toHttpError: what counts as the database being out of reach', () => {
  const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });
  it.each([
    ['57P01 (restart, failover)', pgError('57P01', 'terminating connection due to administrator command')],
    ['57P02 (crash of another backend)', pgError('57P02', 'terminating connection due to crash of another server process')],
    ['57P03 (starting up)', pgError('57P03', 'the database system is starting up')],
    ['08006 (connection failure)', pgError('08006', 'connection failure')],
    ['ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['ECONNRESET', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['ETIMEDOUT', Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' })],
    ['a refused name lookup (a stopped compose service)', Object.assign(new Error('getaddrinfo ENOTFOUND postgresql'), { code: 'ENOTFOUND' })],
    ['AggregateError of refusals (localhost, IPv4 and IPv6)', Object.assign(new AggregateError([new Error('a'), new Error('b')]), { code: 'ECONNREFUSED' })],
    ['pg: Connection terminated unexpectedly', new Error('Connection terminated unexpectedly')],
    ['pg: Connection terminated due to connection timeout', new Error('Connection terminated due to connection timeout', { cause: new Error('Connection terminated unexpectedly') })],
    ['pg-pool: timeout exceeded when trying to connect', new Error('timeout exceeded when trying to connect')],
  ])('%s → 503 unavailable', (_name, err) => {
    expect(toHttpError(err)).toMatchObject({ status: 503, code: 'unavailable' });
  });

  it.each([
    ['a constraint violation', pgError('23505', 'duplicate key value violates unique constraint')],
    ['a syntax error', pgError('42601', 'syntax error')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
  ])('%s stays a 500', (_name, err) => {
    expect(toHttpError(err)).toBeUndefined();
  });
});

describe('an outage after a route started recording', () => {
  it('says "not known", never "not recorded"; before it, "not recorded"', async () => {
    const lost = () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const app = express();
    app.post('/api/before', () => {
      throw lost();
    });
    app.post('/api/after', (_req, res) => {
      recordingStarted(res);
      throw lost();
    });
    app.use(errorHandler(() => 'page', () => undefined, 'ja'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await json(await fetch(`${base}/api/before`, { method: 'POST' }))).toMatchObject({ error: 'unavailable', recorded: 'no' });
      const after = await fetch(`${base}/api/after`, { method: 'POST' });
      expect(after.status).toBe(503);
      expect(await json(after)).toMatchObject({ error: 'unavailable', recorded: 'unknown', message: expect.stringContaining('not known') });
    } finally {
      server.close();
    }
  });
});
