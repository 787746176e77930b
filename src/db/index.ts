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

export async function openDatabase(target: DatabaseTarget): Promise<AppDatabase> {
  if (target.engine === 'postgres') {
    const pool = new Pool({ connectionString: target.url, max: 10, connectionTimeoutMillis: 5000 });
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
