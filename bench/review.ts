// The review benchmark (issue 11, item 7): N organisations × M user IDs reviewed in one run — a
// prefecture or J-LIS deployment starting every organisation's annual campaign at once. Each
// organisation is the Niigata profile under another key (its officers, its sections), its ledger
// written straight into the database; every campaign is started as the API starts one; every
// section's review is answered from its task page over HTTP (GET the page, POST a draft where an
// ID is revoked, POST the submit: the page's own path to the `decide` Update), and so is every
// system admin's confirmation of a revocation (no directory configured). When all campaigns have
// completed, the history of every execution is read: each must stay under 10,000 events.
import * as os from 'node:os';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../src/db/schema';
import { getOrganisation, upsertOrganisations } from '../src/db/organisations';
import { addTaskLink, type TaskRow } from '../src/db/tasks';
import { fiscalYearOf, type ReviewCampaignInput } from '../src/domain/review';
import { startReviewCampaign } from '../src/temporal/review-campaign';
import { signTaskToken, tokenHash } from '../src/tokens';
import { openTaskPage, postTaskForm, startTestStack } from '../test/support/stack';
import { startTestCluster, type TestCluster } from '../test/support/postgres';
import { devServer } from '../test/support/temporal';

export const MAX_HISTORY_EVENTS = 10_000;
const DAY = 86_400_000;
/** The seed profile's two sections with a データ取扱責任者 each; further sections have none (the system admin reviews them). */
const SECTIONS = ['中央区役所区民生活課', '東区役所区民生活課', '市民生活課', '西区役所区民生活課'];

export interface ReviewBenchOptions {
  organisations: number;
  ids: number;
  /** Sections per organisation (IDs spread evenly), 1 to 4. */
  sections: number;
  /** Every how many organisations one ID is revoked (its first section's first), so the system admin's confirmation runs too; 0: none. */
  revokeEvery: number;
  /** Campaigns started at once. */
  startConcurrency: number;
  /** Task pages answered at once. */
  answerConcurrency: number;
  database: 'pglite' | 'postgres';
  /** Stop waiting after this many minutes from the first start and report what was done (the run then fails). */
  maxMinutes?: number;
}

const orgKey = (i: number) => `bench-${String(i + 1).padStart(4, '0')}`;

/** A pool of at most `n` promises at a time over `items`. */
async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/** The organisations' profiles (the seed's, keyed and named anew) and their ledgers, written in bulk. */
async function seed(db: Kysely<Database>, o: ReviewBenchOptions, now: number): Promise<void> {
  const niigata = await getOrganisation(db, 'niigata');
  if (!niigata) throw new Error('the seed profile niigata is not loaded');
  const profiles = Array.from({ length: o.organisations }, (_, i) => ({
    file: 'bench',
    profile: { ...niigata, organisation: { ...niigata.organisation, key: orgKey(i), name: `ベンチ市${i + 1}`, nameEn: `Bench City ${i + 1}` } },
  }));
  for (let i = 0; i < profiles.length; i += 200) await upsertOrganisations(db, profiles.slice(i, i + 200));
  const at = (d: number) => new Date(now - d * DAY);
  // Recently used, password changed a month ago, the role's permissions: no flag, so "keep" holds for every ID not answered.
  const rows = (org: number) =>
    Array.from({ length: o.ids }, (_, k) => ({
      organisation: orgKey(org),
      user_id: `U${String(k + 1).padStart(5, '0')}`,
      person_name: `職員 ${k + 1}`,
      email: `u${k + 1}@${orgKey(org)}.example.jp`,
      section: SECTIONS[k % o.sections],
      permissions: JSON.stringify(['照会']),
      issued_at: at(400),
      last_used_at: at(3),
      password_changed_at: at(30),
      status: 'active',
      operator_card: null,
      verification_registered: false,
      verification_registered_at: null,
      updated_by: 'bench',
      updated_at: new Date(now),
    }));
  const perStatement = Math.max(1, Math.floor(2000 / o.ids));
  for (let i = 0; i < o.organisations; i += perStatement) {
    const orgs = Array.from({ length: Math.min(perStatement, o.organisations - i) }, (_, k) => i + k);
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('ledgers').values(orgs.map((k) => ({ organisation: orgKey(k), revision: 1, updated_at: new Date(now) }))).execute();
      await tx.insertInto('ledger_entries').values(orgs.flatMap(rows) as never).execute();
    });
  }
}

export async function reviewBench(o: ReviewBenchOptions) {
  let cluster: TestCluster | undefined;
  let databaseUrl: string | undefined;
  if (o.database === 'postgres') {
    databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      cluster = await startTestCluster();
      databaseUrl = cluster.url;
    }
  }
  const env = await devServer();
  const stack = await startTestStack(env, { taskQueue: 'bench-review', config: { TASK_LINK_TTL: '60d', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) }, updateTimeoutMs: 120_000 });
  const db = stack.appDb.db;
  const log = (s: string) => process.stderr.write(`review: ${s}\n`);
  const rssPeak = { mb: 0 };
  const sampler = setInterval(() => (rssPeak.mb = Math.max(rssPeak.mb, process.memoryUsage().rss / 1e6)), 1000);
  try {
    const now = Date.now();
    log(`seeding ${o.organisations} organisations × ${o.ids} IDs in ${o.sections} section(s)…`);
    let t = performance.now();
    await seed(db, o, now);
    const seedMs = performance.now() - t;

    const fiscalYear = fiscalYearOf(new Date(now));
    const revoking = new Set(Array.from({ length: o.organisations }, (_, i) => i).filter((i) => o.revokeEvery > 0 && i % o.revokeEvery === 0).map(orgKey));
    const answered = { review: 0, confirm: 0, revoked: 0, held: 0 };
    const answerMs: number[] = [];
    const inFlight = new Set<string>();
    let failure: Error | undefined;

    /**
     * The answer's POST; a 503 says the answer is held but the workflow did not take it in time (a
     * worker behind its queue): sent again a little later, as the person pressing the button again
     * would — the page resends the held answer under the same update id.
     */
    const submit = async (task: TaskRow, link: string, form: Record<string, string>, cookie: string) => {
      for (let attempt = 1; ; attempt++) {
        const r = await postTaskForm(link, form, cookie);
        if (r.status === 303) return;
        if (r.status !== 503 || attempt >= 30) throw new Error(`${task.task_id}: ${form.option} answered ${r.status}: ${r.html.slice(0, 300)}`);
        answered.held++;
        await new Promise((res) => setTimeout(res, 10_000));
      }
    };

    /** Answers one open task from its page, as the person would from a link (a fresh one, as a reminder's). */
    const answer = async (task: TaskRow) => {
      const started = performance.now();
      const expiresAt = now + 30 * DAY;
      const token = signTaskToken({ task: task.task_id, assignee: task.assignee_email, expiresAt }, stack.signingKeys[0]);
      await addTaskLink(db, task.task_id, tokenHash(token), new Date(expiresAt));
      const link = `${stack.baseUrl}/t/${token}`;
      const page = await openTaskPage(link);
      if (page.status !== 200 || !page.csrf) throw new Error(`${task.task_id}: page answered ${page.status}`);
      if (task.kind === 'review') {
        // The first section of a revoking organisation: its first ID revoked (a draft), the rest kept.
        if (revoking.has(task.organisation) && task.title.includes(SECTIONS[0])) {
          const m = /name="u_(\d+)" value="([^"]+)"/.exec(page.html);
          if (!m) throw new Error(`${task.task_id}: no ID on the review page`);
          const draft = await postTaskForm(`${link}/review`, { csrf: page.csrf, page: '1', [`u_${m[1]}`]: m[2], [`a_${m[1]}`]: 'revoke', [`r_${m[1]}`]: 'ベンチマーク: 廃止' }, page.cookie);
          if (draft.status !== 200) throw new Error(`${task.task_id}: draft answered ${draft.status}`);
          answered.revoked++;
        }
        await submit(task, link, { csrf: page.csrf, option: 'submit' }, page.cookie);
        answered.review++;
      } else {
        await submit(task, link, { csrf: page.csrf, option: 'done', note: '' }, page.cookie);
        answered.confirm++;
      }
      answerMs.push(performance.now() - started);
    };

    // The people: every open task of a bench campaign answered as soon as it is there.
    let stopAnswering = false;
    const answering = (async () => {
      while (!stopAnswering && !failure) {
        const open = await db
          .selectFrom('tasks')
          .selectAll()
          .where('state', '=', 'OPEN')
          .where('case_id', 'like', 'review/bench-%')
          .where('pending_decision', 'is', null)
          .orderBy('created_at')
          .limit(2000)
          .execute();
        const todo = open.filter((x) => !inFlight.has(x.task_id));
        for (const x of todo) inFlight.add(x.task_id);
        if (todo.length === 0) await new Promise((r) => setTimeout(r, 300));
        else
          await pool(todo, o.answerConcurrency, async (x) => {
            try {
              await answer(x);
            } catch (e) {
              failure ??= e instanceof Error ? e : new Error(String(e));
            }
          });
      }
    })();

    log(`starting ${o.organisations} campaigns…`);
    t = performance.now();
    const cpu = process.cpuUsage();
    const campaignIds: string[] = [];
    await pool(Array.from({ length: o.organisations }, (_, i) => i), o.startConcurrency, async (i) => {
      const input: ReviewCampaignInput = { organisation: orgKey(i), kind: 'annual', fiscalYear, startedBy: { name: 'ベンチマーク', email: 'bench@example.jp' } };
      const r = await startReviewCampaign(env.client, stack.config.TEMPORAL_TASK_QUEUE, input, { timeoutMs: 120_000 });
      if (!r.started) throw new Error(`${r.campaignId} was already started`);
      campaignIds.push(r.campaignId);
    });
    const startMs = performance.now() - t;
    log(`started in ${Math.round(startMs)} ms; answering…`);

    // Done when every campaign's workflow has completed (its report kept and sent).
    const progress = setInterval(() => log(`answered ${answered.review} reviews, ${answered.confirm} confirmations, ${answered.held} resent after a 503; ${Math.round(process.memoryUsage().rss / 1e6)} MB`), 10_000);
    // The database says when every campaign is closed (cheap to poll, and a failed answer stops the
    // wait); then each workflow's result, which follows its report at once.
    const closedCount = async () =>
      Number((await db.selectFrom('review_campaigns').select(sql<number>`count(*)`.as('n')).where('campaign_id', 'like', 'review/bench-%').where('state', '=', 'closed').executeTakeFirstOrThrow()).n);
    let timedOut = false;
    for (;;) {
      if (failure) break;
      if (o.maxMinutes !== undefined && performance.now() - t > o.maxMinutes * 60_000) {
        timedOut = true;
        log(`stopped waiting after ${o.maxMinutes} minutes`);
        break;
      }
      if ((await closedCount()) >= campaignIds.length) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    let closed = timedOut ? await closedCount() : 0;
    if (!failure && !timedOut)
      await pool(campaignIds, 50, async (id) => {
        await env.client.workflow.getHandle(id).result();
        closed++;
      });
    clearInterval(progress);
    const wallMs = performance.now() - t;
    const cpuMs = (() => {
      const u = process.cpuUsage(cpu);
      return (u.user + u.system) / 1000;
    })();
    stopAnswering = true;
    await answering;
    // A failed answer ends the wait, but the histories so far are still read and reported (the run fails).
    if (failure) log(`FAILED: ${failure.message}`);

    // Every execution the run made, and its history's length.
    log('reading histories…');
    t = performance.now();
    const executions: { workflowId: string; runId: string }[] = [];
    for await (const w of env.client.workflow.list()) executions.push({ workflowId: w.workflowId, runId: w.runId });
    const histories: { workflowId: string; events: number }[] = [];
    await pool(executions, 8, async (w) => {
      const h = await env.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
      histories.push({ workflowId: w.workflowId, events: h.events?.length ?? 0 });
    });
    const historyMs = performance.now() - t;
    const largest = histories.reduce((a, b) => (b.events > a.events ? b : a), histories[0]);
    const largestOf = (kind: (id: string) => boolean) => histories.filter((h) => kind(h.workflowId)).reduce((m, h) => Math.max(m, h.events), 0);

    const decisions = answered.review + answered.confirm;
    const items = await db.selectFrom('review_items').select([sql<number>`count(*)`.as('n'), sql<number>`count(carried_out)`.as('done')]).where('campaign_id', 'like', 'review/bench-%').executeTakeFirstOrThrow();
    const s = [...answerMs].sort((a, b) => a - b);
    const q = (p: number) => Math.round(s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0);
    return {
      scenario: 'review',
      machine: { cpus: os.cpus().length, node: process.version, database: stack.appDb.engine },
      at: new Date().toISOString(),
      organisations: o.organisations,
      idsPerOrganisation: o.ids,
      sectionsPerOrganisation: o.sections,
      reviewedIds: Number(items.n),
      seed: { ms: Math.round(seedMs) },
      start: { ms: Math.round(startMs), concurrency: o.startConcurrency },
      campaignsCompleted: closed,
      ...(timedOut ? { stoppedAfterMinutes: o.maxMinutes } : {}),
      wallMs: Math.round(wallMs),
      ...(failure ? { error: failure.message } : {}),
      decisions: { total: decisions, reviews: answered.review, confirmations: answered.confirm, revoked: answered.revoked, heldAndResent: answered.held, carriedOut: Number(items.done), perSecond: +((decisions / wallMs) * 1000).toFixed(2), pageRoundTripMs: { p50: q(50), p99: q(99), max: q(100) }, concurrency: o.answerConcurrency },
      idsPerSecond: +((Number(items.n) / wallMs) * 1000).toFixed(1),
      cpuMs: Math.round(cpuMs),
      peakRssMb: Math.round(Math.max(rssPeak.mb, process.resourceUsage().maxRSS / 1024)),
      executions: histories.length,
      executionsByKind: {
        campaign: histories.filter((h) => !h.workflowId.includes('/section-')).length,
        section: histories.filter((h) => /\/section-\d+$/.test(h.workflowId)).length,
        task: histories.filter((h) => /\/section-\d+\/(review|confirm)$/.test(h.workflowId)).length,
      },
      historiesReadMs: Math.round(historyMs),
      largestHistory: { events: largest.events, workflowId: largest.workflowId },
      largestHistoryByKind: {
        campaign: largestOf((id) => !id.includes('/section-')),
        section: largestOf((id) => /\/section-\d+$/.test(id)),
        task: largestOf((id) => /\/section-\d+\/(review|confirm)$/.test(id)),
      },
      target: { maxHistoryEvents: MAX_HISTORY_EVENTS },
      ok: !failure && largest.events < MAX_HISTORY_EVENTS && closed === o.organisations,
    };
  } finally {
    clearInterval(sampler);
    await stack.close();
    await env.teardown();
    cluster?.stop();
  }
}
