// The real express application over PGlite, for the authorisation and session tests: no Temporal
// (the routes exercised here either never reach it or stop before it), the five profiles loaded,
// an outbox when asked, and a clock the test moves (idle and absolute session limits, lockout).
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { DefaultLogger } from '@temporalio/worker';
import type express from 'express';
import type { Kysely } from 'kysely';
import { type AppDeps, createApp } from '../../src/api/app';
import { keepIdleConnections } from '../../src/api/server';
import { SESSION_COOKIE } from '../../src/api/access';
import { loadConfig } from '../../src/config';
import type { AppDatabase } from '../../src/db';
import { createSession } from '../../src/db/accounts';
import { insertIncident, type IncidentRow } from '../../src/db/incidents';
import type { Database } from '../../src/db/schema';
import type { Check } from '../../src/domain/health';
import { declareIncidentSchema } from '../../src/domain/incidents';
import { Outbox } from '../../src/embedded/outbox';
import { checkProfiles, openMigratedDatabase, storeProfiles } from '../../src/runtime';
import { generateSigningKey } from '../../src/tokens';
import { declaration } from './declarations';

/** Routes that would reach Temporal fail loudly (TypeError → 500) instead of pretending to work. */
const noTemporal = {} as Client;
const healthy: Check[] = [{ part: 'database', status: 'ok', detail: 'pglite' }];

export interface AccessApp {
  app: express.Express;
  base: string;
  appDb: AppDatabase;
  db: Kysely<Database>;
  /** Moves the app's clock forward (sessions, lockout, rate-limit windows). */
  advance(ms: number): void;
  now(): Date;
  /** Every line the app logged (to check that none carries a secret). */
  logLines: string[];
  close(): Promise<void>;
}

export async function startAccessApp(
  o: { env?: Record<string, string>; outbox?: boolean; logLevel?: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN'; deps?: Partial<Pick<AppDeps, 'ledgerDirectories' | 'client'>> } = {},
): Promise<AccessApp> {
  const logLines: string[] = [];
  const logger = new DefaultLogger(o.logLevel ?? 'WARN', (entry) => logLines.push(`${entry.message} ${JSON.stringify(entry.meta ?? {})}`));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-access-'));
  const config = loadConfig({ DATA_DIR: dataDir, PROFILES_DIR: path.join(__dirname, '..', '..', 'profiles'), ...o.env }, '/nonexistent/.env');
  const appDb = await openMigratedDatabase(config, logger);
  await storeProfiles(appDb, checkProfiles(config), logger);
  let offset = 0;
  const now = () => Date.now() + offset;
  const app = createApp({
    config,
    appDb,
    logger,
    client: noTemporal,
    signingKeys: [generateSigningKey('t1')],
    auditMacKeys: [generateSigningKey('a1')],
    health: async () => healthy,
    ...(o.outbox ? { outbox: new Outbox(path.join(dataDir, 'outbox')) } : {}),
    ...o.deps,
    now,
  });
  const server = app.listen(0, '127.0.0.1');
  keepIdleConnections(server);
  await new Promise((r) => server.once('listening', r));
  return {
    app,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    appDb,
    db: appDb.db,
    advance: (ms) => {
      offset += ms;
    },
    now: () => new Date(now()),
    logLines,
    close: async () => {
      // Idle keep-alive connections are kept 65 s: close them, or close() waits that long.
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await appDb.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An incident row as a declaration leaves it, without starting its workflow (GET routes need no Temporal). */
export async function seedIncident(db: Kysely<Database>, organisation: string, declarationId: string, over: Record<string, unknown> = {}): Promise<IncidentRow> {
  const d = declareIncidentSchema.parse(declaration({ organisation, declarationId, ...over }));
  return insertIncident(db, { ...d, declarationId }, 'api', (id) => `emergency-${organisation}-${id}`);
}

/** A signed-in session made directly in the database (password hashing is slow; the matrix needs many). */
export async function sessionCookie(a: Pick<AccessApp, 'db' | 'now'>, accountId: string, limits = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 }): Promise<string> {
  return `${SESSION_COOKIE}=${await createSession(a.db, accountId, 'full', limits, a.now())}`;
}
