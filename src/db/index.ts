// The application database: embedded PGlite in the data folder by default, PostgreSQL when
// DATABASE_URL is set. Both are driven through one Kysely instance and one set of migrations.
import * as fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import { PGliteDialect } from './pglite-dialect';
import type { Database } from './schema';

export type DatabaseEngine = 'pglite' | 'postgres';

export interface AppDatabase {
  db: Kysely<Database>;
  engine: DatabaseEngine;
  close(): Promise<void>;
}

export type DatabaseTarget = { engine: 'postgres'; url: string } | { engine: 'pglite'; dataDir: string };

/** Where the pool reports a connection the server closed; the message never carries the URL. */
export interface DatabaseLog {
  warn(message: string, meta: Record<string, unknown>): void;
}

export async function openDatabase(target: DatabaseTarget, log?: DatabaseLog): Promise<AppDatabase> {
  if (target.engine === 'postgres') {
    const pool = new Pool({ connectionString: target.url, max: 10, connectionTimeoutMillis: 5000 });
    // A restart, a failover or an idle timeout ends sessions (57P01 …). pg then emits 'error' on
    // the client, and the pool re-emits it for an idle one: without listeners that is an uncaught
    // exception that ends the process. Each client gets a listener for its whole life (checked out
    // too, between the queries of a transaction); the query in flight fails on its own, and the
    // pool drops the dead client and connects a new one for the next query. One line per client.
    pool.on('connect', (client) => {
      let reported = false;
      client.on('error', (err: Error & { code?: string }) => {
        if (reported) return;
        reported = true;
        log?.warn(`PostgreSQL connection lost: ${err.message}`, err.code ? { code: err.code } : {});
      });
    });
    pool.on('error', () => {
      // Already reported by the client's own listener above; the pool has removed the client.
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, engine: 'postgres', close: () => db.destroy() };
  }
  fs.mkdirSync(target.dataDir, { recursive: true });
  const pglite = await PGlite.create(target.dataDir);
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    engine: 'pglite',
    async close() {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}
