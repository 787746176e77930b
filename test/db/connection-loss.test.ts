// PostgreSQL closes connections on a restart, a failover or an idle timeout (57P01 "terminating
// connection due to administrator command"). The pool must take that as news, not as a crash:
// one line in the log, the dead client replaced, the next query served.
import { Client } from 'pg';
import { sql } from 'kysely';
import { type AppDatabase, openDatabase } from '../../src/db';
import { createTestDatabase } from '../support/databases';
import { until } from '../support/processes';

/** Ends every session of `database` from outside, as pg_ctl restart -m fast does (57P01). */
async function terminateSessions(database: string): Promise<number> {
  const admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  try {
    const r = await admin.query('select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]);
    return r.rows[0].n as number;
  } finally {
    await admin.end();
  }
}

describe('a PostgreSQL connection closed by the server', () => {
  let url: string;
  let appDb: AppDatabase;
  const logged: Array<{ message: string; meta: Record<string, unknown> }> = [];

  beforeEach(async () => {
    logged.length = 0;
    url = await createTestDatabase('connloss');
    appDb = await openDatabase({ engine: 'postgres', url }, { warn: (message, meta) => logged.push({ message, meta }) });
  });
  afterEach(() => appDb.close());

  it('on an idle client is logged in one line and the next query gets a new connection', async () => {
    await sql`select 1`.execute(appDb.db);
    expect(await terminateSessions(new URL(url).pathname.slice(1))).toBe(1);
    expect(await until(() => logged.length > 0, 10_000)).toBe(true);
    expect(logged[0]).toEqual({
      message: 'PostgreSQL connection lost: terminating connection due to administrator command',
      meta: { code: '57P01' },
    });
    const r = await sql<{ ok: number }>`select 1 as ok`.execute(appDb.db);
    expect(r.rows).toEqual([{ ok: 1 }]);
  });

  it('inside a transaction fails that transaction only; the process and the pool carry on', async () => {
    const database = new URL(url).pathname.slice(1);
    const failed = appDb.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      // The client is checked out, between two queries, when the server ends its session.
      await terminateSessions(database);
      await until(() => logged.length > 0, 10_000);
      await sql`select 1`.execute(trx);
    });
    await expect(failed).rejects.toThrow();
    expect(logged[0]?.meta).toEqual({ code: '57P01' });
    const r = await sql<{ ok: number }>`select 1 as ok`.execute(appDb.db);
    expect(r.rows).toEqual([{ ok: 1 }]);
  });
});
