// Each DB test runs on both engines: embedded PGlite and the throw-away PostgreSQL cluster.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { type AppDatabase, openDatabase } from '../../src/db';

export const ENGINES = ['pglite', 'postgres'] as const;

/** A fresh, empty database on the given engine (a new PGlite folder, or a new PostgreSQL database). */
export async function freshDatabase(engine: (typeof ENGINES)[number]): Promise<AppDatabase> {
  if (engine === 'pglite') {
    return openDatabase({ engine: 'pglite', dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-pglite-')) });
  }
  return openDatabase({ engine: 'postgres', url: await createTestDatabase('t') });
}

/** A new, empty database in the test cluster; its URL. */
export async function createTestDatabase(prefix: string): Promise<string> {
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) throw new Error('TEST_DATABASE_URL is not set (the global setup starts a cluster)');
  const name = `${prefix}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const c = new Client({ connectionString: admin });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}
