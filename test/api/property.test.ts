// Generated bodies against both POST endpoints, on the real dev server: whatever arrives, the
// answer is never a 5xx, and a body that is refused starts no workflow and changes no task.
import { gzipSync } from 'node:zlib';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import { sql } from 'kysely';
import { getTask, listTasks } from '../../src/db/tasks';
import { TaskState } from '../../src/domain/tasks';
import { isWellFormed } from '../../src/domain/text';
import { declaration } from '../support/declarations';
import { json } from '../support/http';
import { eventually, linkIn, openTaskPage, startTestStack, type TestStack } from '../support/stack';
import { devServer } from '../support/temporal';

jest.setTimeout(240_000);

/** Enough runs to meet every kind of body several times; few enough for two busy cores. */
const RUNS = 250;

// --- what arrives ---

/** Any UTF-16 code unit (lone surrogates included), and the characters that broke things before. */
const unit = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom('\ud800', '\udfff', '\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u202e', '\u2028', '\n', '\r\n', '\t', '%', '%E0%A4%A', '&', '=', '𠮷') },
  { weight: 4, arbitrary: fc.constantFrom('あ', '住', 'a', ' ', '1') },
);
const oddString = fc.oneof(
  fc.string({ unit, maxLength: 40 }),
  fc.constantFrom('', ' ', '0x3', '3e0', '３', '-1', '1e999', 'NaN', '0000-01-01T00:00:00Z', '0001-06-01T10:00:00+09:00', '9999-12-31T23:00:00-09:00', '2026-02-30T00:00:00Z', 'x'.repeat(5000)),
);
/** Deeply nested arrays, which a naive String() recurses through. */
const deep = fc.integer({ min: 1, max: 3000 }).map((n) => JSON.parse(`${'['.repeat(n)}"x"${']'.repeat(n)}`) as unknown);
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: oddString },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(3.5), fc.constant(-0)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>({ toString: 1 }, { valueOf: 1, toString: null }, ['attend'], [3], { __proto__: { x: 1 } }) },
  { weight: 1, arbitrary: deep },
);
/** A field as sent: usually as it should be, sometimes odd, sometimes missing. */
const field = (good: unknown) =>
  fc.oneof({ weight: 5, arbitrary: fc.constant(good) }, { weight: 2, arbitrary: oddValue }, { weight: 1, arbitrary: fc.constant(undefined) });

interface Sent {
  contentType?: string;
  contentEncoding?: string;
  body: string | Uint8Array;
}

const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/json; charset=x-nonsense',
  'application/x-www-form-urlencoded',
  'text/plain',
  undefined,
);
const encodings = fc.constantFrom(undefined, undefined, undefined, 'gzip', 'deflate', 'br', 'identity', 'x-compress-9000');

/** Percent-encoded; a string that has no UTF-8 (a lone surrogate) goes as its JSON escape, as odd text. */
const formPart = (x: string) => (isWellFormed(x) ? encodeURIComponent(x) : JSON.stringify(x));

/** The same structure sent as JSON, as a form, as odd bytes, with odd headers. */
function sentAs(value: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Sent> {
  const asJson = value.map((v): Sent => ({ contentType: 'application/json', body: JSON.stringify(v) }));
  const asForm = value.map((v): Sent => ({
    contentType: 'application/x-www-form-urlencoded',
    body: Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${formPart(k)}=${typeof x === 'string' ? formPart(x) : JSON.stringify(x) ?? ''}`)
      .join('&'),
  }));
  const withOddHeaders = fc.tuple(asJson, contentTypes, encodings, fc.boolean()).map(([s, contentType, contentEncoding, gzip]): Sent => ({
    ...(contentType ? { contentType } : {}),
    ...(contentEncoding ? { contentEncoding } : {}),
    body: gzip ? gzipSync(s.body) : s.body,
  }));
  const bytes = fc.tuple(fc.uint8Array({ maxLength: 400 }), contentTypes, encodings).map(([body, contentType, contentEncoding]): Sent => ({
    body,
    ...(contentType ? { contentType } : {}),
    ...(contentEncoding ? { contentEncoding } : {}),
  }));
  return fc.oneof({ weight: 4, arbitrary: asJson }, { weight: 2, arbitrary: asForm }, { weight: 2, arbitrary: withOddHeaders }, { weight: 1, arbitrary: bytes });
}

function send(url: string, s: Sent, cookie?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      ...(s.contentType ? { 'content-type': s.contentType } : {}),
      ...(s.contentEncoding ? { 'content-encoding': s.contentEncoding } : {}),
      ...(cookie ? { cookie } : {}),
    },
    body: s.body,
  });
}

describe('generated bodies', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let taskQueue: string;

  beforeAll(async () => {
    env = await devServer();
    taskQueue = `property-${Date.now()}`;
    stack = await startTestStack(env, { taskQueue });
  });
  afterAll(async () => {
    await stack?.close();
    await env?.teardown();
  });

  const incidents = async () => (await sql<{ n: number }>`select count(*)::int as n from incidents`.execute(stack.appDb.db)).rows[0].n;

  it('on a task link: never a 5xx, and a refused one records nothing', async () => {
    const r = await stack.fetch(`${stack.baseUrl}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(declaration()) });
    const incidentId = (await json(r)).incidentId;
    const mail = (await stack.waitForMail((m) => m.subject.includes(incidentId), 5)).find((m) => m.to.includes('kikikanri-kacho@'))!;
    const link = linkIn(mail);
    const page = await openTaskPage(link);
    const task = (await listTasks(stack.appDb.db, { caseId: incidentId, assigneeEmail: 'kikikanri-kacho@katsuragi.example.jp' }))[0];
    const historyLength = async () => (await env.client.workflow.getHandle(task.workflow_id).fetchHistory()).events?.length;
    const auditRows = async () => (await sql<{ n: number }>`select count(*)::int as n from audit_log where id like ${`${task.task_id}/%`}`.execute(stack.appDb.db)).rows[0].n;
    const before = { history: await historyLength(), audit: await eventually(async () => ((await auditRows()) === 1 ? 1 : undefined)) };

    const goodCsrf = fc.constant(page.csrf!);
    const option = fc.constantFrom('attend', 'absent');
    const notAnOption = oddValue.filter((v) => v !== 'attend' && v !== 'absent');
    /** A note no task may record: not well-formed, with controls, too long, or not text at all. */
    const badNote = fc.oneof(
      fc.tuple(fc.string({ unit, maxLength: 20 }), fc.constantFrom('\ud800', '\udc00', '\u0000', '\u0007', '\u001b', '\u202e'), fc.string({ unit, maxLength: 20 })).map((p) => p.join('')),
      fc.constant('あ'.repeat(2001)),
      oddValue.filter((v) => typeof v !== 'string' && v !== null),
    );
    // Every body is refused by construction: a wrong CSRF token, or no offered option, or a bad note (sent as JSON, which keeps it exactly).
    const wrongCsrf = sentAs(fc.record({ csrf: field('x'), option: field('attend'), note: oddValue }));
    const wrongOption = sentAs(fc.record({ csrf: goodCsrf, option: notAnOption, note: oddValue }));
    const wrongNote = fc.record({ csrf: goodCsrf, option, note: badNote }).map((v): Sent => ({ contentType: 'application/json', body: JSON.stringify(v) }));
    const bodies = fc.oneof(wrongCsrf, wrongOption, wrongNote);

    await fc.assert(
      fc.asyncProperty(bodies, async (s) => {
        const res = await send(link, s, page.cookie);
        await res.arrayBuffer();
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect((await getTask(stack.appDb.db, task.task_id))?.state).toBe(TaskState.OPEN);
      }),
      { numRuns: RUNS },
    );
    expect({ history: await historyLength(), audit: await auditRows() }).toEqual(before);
  });

  it('on POST /api/incidents: never a 5xx, and a refused one writes nothing and starts no workflow', async () => {
    const good = declaration();
    // Mostly one id: a body that is accepted again returns the same incident instead of starting another procedure.
    const declarationId = '8d2f0c1e-6a51-4c5e-9a7e-2f4b1c3d5e6f';
    const declarations = fc.record({
      organisation: field(good.organisation),
      kind: field(good.kind),
      threatLevel: field(good.threatLevel),
      summary: field(good.summary),
      observed: field(good.observed),
      detectedBy: fc.oneof({ weight: 3, arbitrary: fc.record({ name: field(good.detectedBy.name), email: field(good.detectedBy.email) }) }, { weight: 1, arbitrary: oddValue }),
      detectedAt: field(good.detectedAt),
      awareAt: field(good.awareAt),
      declarationId: field(declarationId),
    });
    const bodies = fc.oneof({ weight: 6, arbitrary: sentAs(declarations) }, { weight: 1, arbitrary: sentAs(fc.dictionary(oddString, oddValue, { maxKeys: 5 })) });
    const url = `${stack.baseUrl}/api/incidents`;

    await fc.assert(
      fc.asyncProperty(bodies, async (s) => {
        const before = await incidents();
        const res = await send(url, s);
        await res.arrayBuffer();
        expect(res.status).toBeLessThan(500);
        expect(await incidents()).toBe(before + (res.status === 201 ? 1 : 0));
      }),
      { numRuns: RUNS },
    );
    // Every emergency workflow of this stack belongs to an incident that was accepted.
    const rows = await incidents();
    const query = `WorkflowType = "emergencyResponse" AND TaskQueue = "${taskQueue}"`;
    const started = await eventually(async () => {
      const { count } = await env.client.workflow.count(query);
      return count >= rows ? count : undefined;
    });
    expect(started).toBe(rows);
  });
});
