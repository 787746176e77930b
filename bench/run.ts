// `npm run bench -- <scenario> [--n N]`: measures and writes JSON to bench-results/.
// Scenarios:
//   decide — N decisions recorded through the task link's POST (page → Update → database),
//            and in the same run N bare Temporal Updates on a trivial workflow; p50/p99 and ratios.
//   notify — N persons notified by email through the product and the same N through a plain
//            pooled nodemailer loop; throughputs, ratio, largest history, duplicates, misses.
//            --postgres: the product on PostgreSQL (DATABASE_URL, or a throw-away cluster)
//            instead of embedded PGlite.
//   review — the annual user-ID review of N organisations × M IDs (--organisations, --ids), every
//            section answered from its task page, every revocation confirmed; wall time,
//            decisions per second, the largest history of any execution (exit 1 if ≥ 10,000).
//   replay — every recorded history replayed N times (--n, default 100) on a worker
//            that creates each workflow afresh; replays per second (the cost of a workflow's start).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { parseDuration } from '../src/domain/duration';
import type { HumanTaskRequest } from '../src/domain/tasks';
import { listTasks } from '../src/db/tasks';
import { humanTask } from '../src/workflows/human-task';
import { eventually, linkIn, openTaskPage, postTaskForm, startTestStack } from '../test/support/stack';
import { devServer } from '../test/support/temporal';
import { notifyBench } from './notify';
import { replayBench } from './replay';
import { reviewBench } from './review';
import { pingUpdate, trivial } from './trivial-workflow';

const OUT = path.join(__dirname, '..', 'bench-results');

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)];
}
const summary = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return { n: s.length, p50: +percentile(s, 50).toFixed(2), p99: +percentile(s, 99).toFixed(2), max: +s[s.length - 1].toFixed(2) };
};

async function decide(n: number) {
  const env = await devServer();
  /** A workflow is idle once its first workflow task has completed and nothing more is scheduled. */
  const idle = (workflowId: string) =>
    eventually(async () => {
      const { events } = await env.client.workflow.getHandle(workflowId).fetchHistory();
      return events?.at(-1)?.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED ? true : undefined;
    }, 120_000, `${workflowId} idle`);
  const stack = await startTestStack(env, { taskQueue: 'bench-decide' });
  const baseline = await Worker.create({ connection: env.nativeConnection, taskQueue: 'bench-trivial', workflowsPath: require.resolve('./trivial-workflow') });
  const baselineRun = baseline.run();
  try {
    // N open tasks, each in its own humanTask workflow, as a council call makes them.
    const request = (i: number): HumanTaskRequest => ({
      caseId: 'BENCH',
      organisation: 'katsuragi',
      step: 'emergency.conveneCouncil',
      articles: ['katsuragi:3.4'],
      kind: 'acknowledge',
      title: `bench ${i}`,
      body: 'bench',
      options: [{ value: 'attend', label: '出席する' }],
      chain: [{ name: `Bench ${i}`, title: 'bench', email: `bench${i}@katsuragi.example.jp`, phone: '0736-22-0300', position: 'bench' }],
      remindAfterMs: parseDuration('1d')!,
      escalateAfterMs: parseDuration('2d')!,
    });
    // Both kinds are started together and are running and idle before timing starts: an update
    // that waits behind its workflow's first workflow task would inflate the baseline.
    process.stderr.write(`decide: opening ${n} tasks and ${n} baseline workflows…\n`);
    await Promise.all(Array.from({ length: n }, (_, i) => env.client.workflow.start(humanTask, { taskQueue: 'bench-decide', workflowId: `bench-task-${i}`, args: [request(i)] })));
    await Promise.all(Array.from({ length: n }, (_, i) => env.client.workflow.start(trivial, { taskQueue: 'bench-trivial', workflowId: `bench-trivial-${i}` })));
    await eventually(async () => ((await listTasks(stack.appDb.db, { caseId: 'BENCH' })).length === n ? true : undefined), 120_000, 'tasks');
    const mails = await stack.waitForMail((m) => m.subject.includes('bench'), n, 120_000);
    const pages = await Promise.all(mails.map(async (m) => ({ link: linkIn(m), page: await openTaskPage(linkIn(m)) })));
    for (let i = 0; i < n; i++) await idle(`bench-trivial-${i}`);

    // Interleave the two kinds one at a time, alternating which goes first: each POST leaves
    // background work (the workflow records the decision), and both kinds must meet it equally.
    const post: number[] = [];
    const bare: number[] = [];
    const timePost = async (i: number) => {
      const { link, page } = pages[i];
      const t = performance.now();
      const r = await postTaskForm(link, { option: 'attend', note: '', csrf: page.csrf! }, page.cookie);
      post.push(performance.now() - t);
      if (r.status !== 303) throw new Error(`POST answered ${r.status}`);
    };
    const timeBare = async (i: number) => {
      const t = performance.now();
      await env.client.workflow.getHandle(`bench-trivial-${i}`).executeUpdate(pingUpdate, { args: ['x'], updateId: `ping-${i}` });
      bare.push(performance.now() - t);
    };
    for (let i = 0; i < n; i++) {
      if (i % 20 === 0) process.stderr.write(`decide: ${i}/${n}\n`);
      if (i % 2 === 0) {
        await timePost(i);
        await timeBare(i);
      } else {
        await timeBare(i);
        await timePost(i);
      }
    }
    const decided = (await listTasks(stack.appDb.db, { caseId: 'BENCH' })).filter((x) => x.state === 'DECIDED').length;
    if (decided !== n) throw new Error(`${decided} of ${n} decisions recorded`);
    const linkPost = summary(post);
    const bareUpdate = summary(bare);
    return {
      scenario: 'decide',
      machine: { cpus: os.cpus().length, node: process.version },
      at: new Date().toISOString(),
      linkPost,
      bareUpdate,
      ratio: { p50: +(linkPost.p50 / bareUpdate.p50).toFixed(2), p99: +(linkPost.p99 / bareUpdate.p99).toFixed(2) },
      target: { p50Ratio: 1.5, p99Ratio: 1.5 },
    };
  } finally {
    baseline.shutdown();
    await baselineRun;
    await stack.close();
    await env.teardown();
  }
}

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      n: { type: 'string' },
      batch: { type: 'string', default: '500' },
      postgres: { type: 'boolean', default: false },
      letters: { type: 'string' },
      organisations: { type: 'string', default: '1741' },
      ids: { type: 'string', default: '50' },
      sections: { type: 'string', default: '2' },
      'revoke-every': { type: 'string', default: '25' },
      'start-concurrency': { type: 'string', default: '16' },
      'answer-concurrency': { type: 'string', default: '8' },
      'max-minutes': { type: 'string' },
    },
  });
  const scenario = positionals[0];
  const n = Number(values.n ?? (scenario === 'replay' ? 100 : 200));
  const letters = values.letters === undefined ? undefined : Number(values.letters);
  const int = (v: string | undefined, min: number, max = Infinity) => {
    const x = Number(v);
    return Number.isInteger(x) && x >= min && x <= max ? x : undefined;
  };
  const review = {
    organisations: int(values.organisations, 1),
    ids: int(values.ids, 1),
    sections: int(values.sections, 1, 4),
    revokeEvery: int(values['revoke-every'], 0),
    startConcurrency: int(values['start-concurrency'], 1),
    answerConcurrency: int(values['answer-concurrency'], 1),
  };
  if (
    !['decide', 'notify', 'review', 'replay'].includes(scenario) ||
    !Number.isInteger(n) ||
    n < 1 ||
    (letters !== undefined && !(Number.isInteger(letters) && letters >= 0)) ||
    Object.values(review).some((v) => v === undefined)
  ) {
    process.stderr.write(
      'usage: npm run bench -- decide|notify [--n N] [--batch PERSONS-PER-ACTIVITY] [--postgres] [--letters PERSONS (default N; 0 skips)]\n' +
        '       npm run bench -- replay [--n ROUNDS]\n' +
        '       npm run bench -- review [--organisations 1741] [--ids 50] [--sections 2 (1-4)] [--revoke-every 25 (0: none)] [--start-concurrency 16] [--answer-concurrency 8] [--max-minutes M] [--postgres]\n',
    );
    process.exit(2);
  }
  const maxMinutes = values['max-minutes'] === undefined ? undefined : Number(values['max-minutes']);
  if (maxMinutes !== undefined && !(maxMinutes > 0)) {
    process.stderr.write('--max-minutes: a positive number\n');
    process.exit(2);
  }
  const database = values.postgres ? 'postgres' : 'pglite';
  const result =
    scenario === 'review'
      ? await reviewBench({ ...(review as { [K in keyof typeof review]: number }), database, ...(maxMinutes ? { maxMinutes } : {}) })
      : scenario === 'notify'
        ? await notifyBench(n, Number(values.batch), database, letters)
        : scenario === 'replay'
          ? await replayBench(n)
          : await decide(n);
  fs.mkdirSync(OUT, { recursive: true });
  const file =
    scenario === 'review'
      ? path.join(OUT, `review-${review.organisations}x${review.ids}${values.postgres ? '-postgres' : ''}.json`)
      : path.join(OUT, `${scenario}${scenario === 'notify' && values.postgres ? '-postgres' : ''}.json`);
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\nwritten to ${file}\n`);
  // The review's target: every execution's history under 10,000 events, every campaign completed.
  if ('ok' in result && !result.ok) {
    process.stderr.write(`review: FAILED — largest history ${result.largestHistory.events} events (limit ${result.target.maxHistoryEvents}), ${result.campaignsCompleted}/${result.organisations} campaigns completed\n`);
    process.exit(1);
  }
}

void main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
