// The annual review's Schedules on the real dev server (the time-skipping server has no schedule
// service): the sync creates one per organisation firing on its plan's day in Japan time, updates
// it when the plan moves, deletes a removed organisation's, and changes nothing when run again;
// triggered, the opener starts the year's campaign once, under the id of organisation and year.
// Then the on-demand start from the API and the console's button, against the same server.
import * as path from 'node:path';
import { type Client, ScheduleOverlapPolicy } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { OrganisationProfile } from '../../src/domain/profile';
import { fiscalYearOf, nextCampaignStart, type ReviewCampaignInput, reviewCampaignId, reviewPlanSchema, reviewScheduleId } from '../../src/domain/review';
import { checkProfiles } from '../../src/runtime';
import { REVIEW_SCHEDULE_PREFIX, type ReviewScheduleSync, reviewScheduleOptions, syncReviewSchedules } from '../../src/temporal/review-schedule';
import type { ReviewOpenerResult } from '../../src/workflows/review/opener';
import { type AccessApp, sessionCookie, startAccessApp } from '../support/access-app';
import { CookieJar, createTestAccount, createTestKey, csrfOf, fetchWith } from '../support/auth';
import { runCliAsync } from '../support/cli';
import { json } from '../support/http';
import { eventually } from '../support/stack';
import { devServer } from '../support/temporal';

jest.setTimeout(180_000);

const K = 'katsuragi';
const N = 'niigata';
const profiles = Object.fromEntries(checkProfiles({ PROFILES_DIR: path.join(__dirname, '..', '..', 'profiles') }).map(({ profile }) => [profile.organisation.key, profile]));
const entry = (profile: OrganisationProfile) => ({ key: profile.organisation.key, profile });
const moved = (profile: OrganisationProfile, startsOn: { month: number; day: number; hour: number }): OrganisationProfile => ({ ...profile, review: reviewPlanSchema.parse({ startsOn }) });

/** The sync's review schedules only (it keeps each organisation's password reminders too: test/workflows/password-reminders.test.ts). */
const reviewOnly = (r: ReviewScheduleSync): ReviewScheduleSync => {
  const only = (ids: string[]) => ids.filter((id) => id.startsWith(REVIEW_SCHEDULE_PREFIX));
  return { created: only(r.created), updated: only(r.updated), unchanged: only(r.unchanged), deleted: only(r.deleted) };
};

/** The run a schedule's action started: the opener's result. */
async function openerResults(client: Client, scheduleId: string, count: number): Promise<ReviewOpenerResult[]> {
  const actions = await eventually(async () => {
    const a = (await client.schedule.getHandle(scheduleId).describe()).info.recentActions;
    return a.length >= count ? a : undefined;
  }, 60_000, `${count} action(s) of ${scheduleId}`);
  return Promise.all(actions.map((a) => client.workflow.getHandle(a.action.workflow.workflowId).result() as Promise<ReviewOpenerResult>));
}

describe('review schedules and the opener on the dev server', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `review-schedule-${Date.now()}`;

  beforeAll(async () => {
    env = await devServer();
    worker = await Worker.create({ connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue, workflowsPath: require.resolve('../support/review-opener-workflows') });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  it('creates one schedule per organisation, next firing on its plan’s day at 09:00 in Japan', async () => {
    const r = reviewOnly(await syncReviewSchedules(env.client, taskQueue, [entry(profiles[K]!), entry(profiles[N]!)]));
    expect(r).toEqual({ created: [reviewScheduleId(K), reviewScheduleId(N)], updated: [], unchanged: [], deleted: [] });
    const d = await env.client.schedule.getHandle(reviewScheduleId(K)).describe();
    const expected = nextCampaignStart(reviewPlanSchema.parse({}).startsOn, new Date());
    expect(d.info.nextActionTimes[0]).toEqual(expected);
    // 1 May 09:00 JST is 1 May 00:00 UTC.
    expect(d.info.nextActionTimes[0]!.toISOString()).toMatch(/^\d{4}-05-01T00:00:00\.000Z$/);
    expect(d.spec.timezone).toBe('Asia/Tokyo');
    expect(d.action).toMatchObject({ workflowType: 'reviewOpener', taskQueue, args: [{ organisation: K }] });
    expect(d.policies).toMatchObject({ overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 7 * 86_400_000 });
  });

  it('a second sync changes nothing', async () => {
    const before = await env.client.schedule.getHandle(reviewScheduleId(K)).describe();
    const r = reviewOnly(await syncReviewSchedules(env.client, taskQueue, [entry(profiles[K]!), entry(profiles[N]!)]));
    expect(r).toEqual({ created: [], updated: [], unchanged: [reviewScheduleId(K), reviewScheduleId(N)], deleted: [] });
    expect((await env.client.schedule.getHandle(reviewScheduleId(K)).describe()).info.lastUpdatedAt).toEqual(before.info.lastUpdatedAt);
  });

  it('a moved plan updates the schedule: the next firing is on the new day and hour', async () => {
    const plan = { month: 6, day: 15, hour: 10 };
    const r = reviewOnly(await syncReviewSchedules(env.client, taskQueue, [entry(moved(profiles[K]!, plan)), entry(profiles[N]!)]));
    expect(r).toMatchObject({ created: [], updated: [reviewScheduleId(K)], unchanged: [reviewScheduleId(N)] });
    const d = await env.client.schedule.getHandle(reviewScheduleId(K)).describe();
    expect(d.info.nextActionTimes[0]).toEqual(nextCampaignStart(plan, new Date()));
    expect(d.info.nextActionTimes[0]!.toISOString()).toMatch(/-06-15T01:00:00\.000Z$/);
  });

  it('a removed organisation’s schedule is deleted; another queue’s and other schedules are left alone', async () => {
    const foreign = { ...reviewScheduleOptions('tokyo', reviewPlanSchema.parse({}), 'another-installation') };
    await env.client.schedule.create(foreign);
    await env.client.schedule.create({ ...reviewScheduleOptions(K, reviewPlanSchema.parse({}), taskQueue), scheduleId: 'nightly-report' });
    // The list is eventually consistent: the sync sees the schedules once listed.
    await eventually(async () => {
      const ids: string[] = [];
      for await (const s of env.client.schedule.list()) ids.push(s.scheduleId);
      return [reviewScheduleId(N), foreign.scheduleId, 'nightly-report'].every((i) => ids.includes(i)) ? true : undefined;
    }, 30_000, 'the schedules to be listed');
    const r = reviewOnly(await syncReviewSchedules(env.client, taskQueue, [entry(moved(profiles[K]!, { month: 6, day: 15, hour: 10 }))]));
    expect(r).toEqual({ created: [], updated: [], unchanged: [reviewScheduleId(K)], deleted: [reviewScheduleId(N)] });
    await expect(env.client.schedule.getHandle(reviewScheduleId(N)).describe()).rejects.toThrow(/not found/i);
    await env.client.schedule.getHandle(foreign.scheduleId).describe();
    await env.client.schedule.getHandle('nightly-report').delete();
    await env.client.schedule.getHandle(foreign.scheduleId).delete();
  });

  it('a concurrent second process finds the schedule created and compares it (no error, no second schedule)', async () => {
    const both = (
      await Promise.all([
        syncReviewSchedules(env.client, taskQueue, [entry(profiles[K]!), entry(profiles['kunitachi']!)]),
        syncReviewSchedules(env.client, taskQueue, [entry(profiles[K]!), entry(profiles['kunitachi']!)]),
      ])
    ).map(reviewOnly);
    // Kunitachi's is new: exactly one process created it; the other found it (described, or refused as AlreadyExists) and compared.
    const kunitachi = reviewScheduleId('kunitachi');
    expect(both.flatMap((r) => r.created)).toEqual([kunitachi]);
    for (const r of both) expect([...r.created, ...r.updated, ...r.unchanged].sort()).toEqual([reviewScheduleId(K), kunitachi].sort());
    expect((await env.client.schedule.getHandle(kunitachi).describe()).info.nextActionTimes[0]).toEqual(nextCampaignStart(reviewPlanSchema.parse({}).startsOn, new Date()));
  });

  it('triggered, the opener starts this fiscal year’s campaign once; triggered again, it starts none', async () => {
    const handle = env.client.schedule.getHandle(reviewScheduleId(K));
    const fiscalYear = fiscalYearOf(new Date());
    const campaignId = reviewCampaignId(K, fiscalYear);
    await handle.trigger();
    const [first] = await openerResults(env.client, handle.scheduleId, 1);
    expect(first).toEqual({ started: true, campaignId, fiscalYear });
    expect(campaignId).toBe(`review/${K}/FY${fiscalYear}`);
    const input = (await env.client.workflow.getHandle(campaignId).result()) as ReviewCampaignInput;
    expect(input).toEqual({ organisation: K, kind: 'annual', fiscalYear, startedBy: null });
    // The campaign outlives its opener (ABANDON): it was started as a child, not awaited.
    expect((await env.client.workflow.getHandle(campaignId).describe()).parentExecution).toMatchObject({ workflowId: expect.stringMatching(/^review-opener\/katsuragi/) });

    await handle.trigger();
    const results = await openerResults(env.client, handle.scheduleId, 2);
    expect(results[1]).toEqual({ started: false, campaignId, fiscalYear });
  });

  it('a catch-up for a past 1 May opens that year’s campaign, not the year it runs in', async () => {
    const handle = env.client.schedule.getHandle(reviewScheduleId(K));
    const lastYear = fiscalYearOf(new Date()) - 1;
    await handle.backfill({ start: new Date(Date.UTC(lastYear, 3, 30, 23)), end: new Date(Date.UTC(lastYear, 4, 1, 1)), overlap: ScheduleOverlapPolicy.ALLOW_ALL });
    const results = await openerResults(env.client, handle.scheduleId, 3);
    expect(results[2]).toEqual({ started: true, campaignId: reviewCampaignId(K, lastYear), fiscalYear: lastYear });
  });

  describe('the on-demand start (API and console)', () => {
    let a: AccessApp;
    const now = new Date();
    const thisYear = fiscalYearOf(now);
    const KU = 'kunitachi';
    beforeAll(async () => {
      a = await startAccessApp({ env: { TEMPORAL_TASK_QUEUE: taskQueue, TEMPORAL_NAMESPACE: env.namespace ?? 'default' }, deps: { client: env.client } });
    });
    afterAll(() => a?.close());

    const post = (f: typeof fetch, body: unknown, org = KU) =>
      f(`${a.base}/api/review/${org}/campaigns`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    it('an admin starts this year’s campaign (202), recorded as started by the key; a second start is 409 in Japanese and English', async () => {
      const asAdmin = fetchWith(await createTestKey(a.db, 'admin', KU));
      const r = await post(asAdmin, {});
      expect(r.status).toBe(202);
      const campaignId = reviewCampaignId(KU, thisYear);
      expect(await json(r)).toEqual({ campaignId, fiscalYear: thisYear, started: true });
      const input = (await env.client.workflow.getHandle(campaignId).result()) as ReviewCampaignInput;
      expect(input).toMatchObject({ organisation: KU, kind: 'annual', fiscalYear: thisYear, startedBy: { name: `test admin@${KU}`, email: expect.stringMatching(/^apiKey:/) } });

      // Completed, or still running: either way not a second time.
      const again = await post(asAdmin, { fiscalYear: thisYear });
      expect(again.status).toBe(409);
      const body = await json(again);
      expect(body).toMatchObject({ error: 'campaign_exists', campaignId, fiscalYear: thisYear, started: false });
      expect(body.message).toContain('既に開始されています');
      expect(body.message).toContain('already been started');
    });

    it('`jukinet-ops review start` with an admin key starts it; run again, it is refused naming the campaign (exit 1)', async () => {
      const key = (await createTestKey(a.db, 'admin', 'tokyo')).replace(/^Bearer /, '');
      const campaignId = reviewCampaignId('tokyo', thisYear - 1);
      const first = await runCliAsync(['review', 'start', 'tokyo', '--fiscal-year', String(thisYear - 1), '--api', a.base], { JUKINET_OPS_API_KEY: key });
      expect(first).toMatchObject({ status: 0, stderr: '' });
      expect(first.stdout).toContain(`Started the review for fiscal year ${thisYear - 1}: ${campaignId}`);
      expect(await env.client.workflow.getHandle(campaignId).result()).toMatchObject({ organisation: 'tokyo', fiscalYear: thisYear - 1, startedBy: { name: 'test admin@tokyo' } });
      const again = await runCliAsync(['review', 'start', 'tokyo', '--fiscal-year', String(thisYear - 1), '--api', a.base], { JUKINET_OPS_API_KEY: key });
      expect(again.status).toBe(1);
      expect(again.stderr).toContain(`409: ${thisYear - 1}年度の見直し（${campaignId}）は既に開始されています`);
    });

    it('the Schedule’s opener, firing after an on-demand start, starts nothing', async () => {
      await syncReviewSchedules(env.client, taskQueue, [entry(profiles[K]!), entry(profiles[KU]!)]);
      const handle = env.client.schedule.getHandle(reviewScheduleId(KU));
      await handle.trigger();
      const [r] = await openerResults(env.client, handle.scheduleId, 1);
      expect(r).toEqual({ started: false, campaignId: reviewCampaignId(KU, thisYear), fiscalYear: thisYear });
    });

    it('a past year may be started; a later one, a string or an unknown field is 400 naming the field', async () => {
      const asAdmin = fetchWith(await createTestKey(a.db, 'admin', KU));
      const past = await post(asAdmin, { fiscalYear: thisYear - 2 });
      expect(past.status).toBe(202);
      for (const [body, field] of [
        [{ fiscalYear: thisYear + 1 }, 'body.fiscalYear'],
        [{ fiscalYear: '2026' }, 'body.fiscalYear'],
        [{ fiscalYear: 2026.5 }, 'body.fiscalYear'],
        [{ fiscal_year: 2026 }, 'body'],
      ] as const) {
        const r = await post(asAdmin, body);
        expect(r.status).toBe(400);
        const e = await json(r);
        expect(e.error).toBe('validation_failed');
        expect(e.issues.map((i: { path: string }) => i.path)).toContain(field);
      }
    });

    it('another role of the organisation is 403; another organisation’s admin is 404; no key is 401', async () => {
      for (const role of ['operator', 'auditor', 'commander'] as const) {
        expect((await post(fetchWith(await createTestKey(a.db, role, KU)), {})).status).toBe(403);
      }
      expect((await post(fetchWith(await createTestKey(a.db, 'admin', N)), {})).status).toBe(404);
      expect((await post(fetch, {})).status).toBe(401);
    });

    it('the ledger page’s button (CSRF-bound) starts it and says so; pressed again, it says it runs or ran', async () => {
      const admin = await createTestAccount(a.db, { email: 'kanri@niigata.example.jp', name: '管理 者', grants: [{ role: 'admin', organisation: N }] });
      const jar = new CookieJar();
      const [name, value] = (await sessionCookie(a, admin.id)).split('=');
      jar.cookies.set(name!, value!);
      const page = await (await jar.fetch(`${a.base}/ledger/${N}`)).text();
      expect(page).toContain('見直しを開始');
      expect(page).toContain(`action="/review/${N}/campaigns"`);
      const press = (csrf: string) => jar.fetch(`${a.base}/review/${N}/campaigns`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf }).toString() });

      expect((await press('forged')).status).toBe(403);
      const done = await press(csrfOf(page));
      expect(done.status).toBe(303);
      expect(done.headers.get('location')).toBe(`/ledger/${N}?review=started&fy=${thisYear}`);
      const after = await (await jar.fetch(`${a.base}${done.headers.get('location')}`)).text();
      expect(after).toContain(`${thisYear}年度のユーザID及びパスワードの見直しを開始しました`);
      const input = (await env.client.workflow.getHandle(reviewCampaignId(N, thisYear)).result()) as ReviewCampaignInput;
      expect(input.startedBy).toEqual({ name: '管理 者', email: 'kanri@niigata.example.jp' });

      const again = await press(csrfOf(after));
      expect(again.headers.get('location')).toBe(`/ledger/${N}?review=exists&fy=${thisYear}`);
      expect(await (await jar.fetch(`${a.base}${again.headers.get('location')}`)).text()).toContain('既に開始されています');
    });

    it('a reader of the ledger who may not start it sees no button', async () => {
      const auditor = await createTestAccount(a.db, { email: 'kansa@niigata.example.jp', grants: [{ role: 'auditor', organisation: N }] });
      const jar = new CookieJar();
      const [name, value] = (await sessionCookie(a, auditor.id)).split('=');
      jar.cookies.set(name!, value!);
      const page = await (await jar.fetch(`${a.base}/ledger/${N}`)).text();
      expect(page).not.toContain('見直しを開始');
    });
  });
});
