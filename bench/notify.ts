// The notify benchmark: N generated persons notified by email through the product (CSV import over
// HTTP, the notifyPersons workflow on the dev server, its batch activity over a pooled transport)
// and, in the same run, the same N emails through a plain pooled nodemailer loop, both into the
// in-process SMTP sink, which counts every message per envelope recipient.
import * as os from 'node:os';
import nodemailer from 'nodemailer';
import { publicUrl } from '../src/config';
import { getNotice } from '../src/db/notices';
import { type NoticeData, noticeEmail } from '../src/notify/notice';
import { type LetterPerson, renderLetterFiles } from '../src/documents/notice';
import { resolveJapaneseFont } from '../src/documents/pdf';
import { seedApprovedNotice } from '../test/support/notices';
import { startSmtpSink } from '../src/embedded/smtp-sink';
import { json } from '../test/support/http';
import { startTestStack } from '../test/support/stack';
import { startTestCluster, type TestCluster } from '../test/support/postgres';
import { devServer } from '../test/support/temporal';

/** As the worker's notification transport: five pooled connections. */
const CONNECTIONS = 5;
/** A gap between two messages at the sink longer than this is counted as a stall. */
const STALL_MS = 50;

const address = (i: number) => `person${i}@example.jp`;
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

/**
 * `database`: the product's database — embedded PGlite (the default, as the embedded stack runs),
 * or PostgreSQL: DATABASE_URL when set, otherwise a throw-away cluster started for the run.
 */
export async function notifyBench(n: number, batchSize = 500, database: 'pglite' | 'postgres' = 'pglite', letters?: number) {
  let cluster: TestCluster | undefined;
  let databaseUrl: string | undefined;
  if (database === 'postgres') {
    databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      cluster = await startTestCluster();
      databaseUrl = cluster.url;
    }
  }
  const env = await devServer();
  const counts: Record<'product' | 'baseline', Map<string, number>> = { product: new Map(), baseline: new Map() };
  let phase: 'product' | 'baseline' = 'product';
  /** When each phase's first and last message reached the sink (performance.now()). */
  const arrivals: Record<'product' | 'baseline', { first: number; last: number; stalls: number; stalledMs: number }> = {
    product: { first: 0, last: 0, stalls: 0, stalledMs: 0 },
    baseline: { first: 0, last: 0, stalls: 0, stalledMs: 0 },
  };
  let sinkPort = 0;
  const stack = await startTestStack(env, {
    taskQueue: 'bench-notify',
    ...(databaseUrl ? { config: { DATABASE_URL: databaseUrl } } : {}),
    // BENCH_GATHER_MS: how long SENT marks are gathered before a statement (the worker's own choice otherwise).
    ...(process.env.BENCH_GATHER_MS ? { activities: { notifyMarkGatherMs: Number(process.env.BENCH_GATHER_MS) } } : {}),
    smtp: async (dir) => {
      const sink = await startSmtpSink({
        port: 0,
        outboxDir: dir,
        onMessage: ({ to }) => {
          // Only the persons' emails: the incident's own mail (its reports' reviews) may arrive meanwhile.
          if (!to.some((a) => a.startsWith('person'))) return;
          for (const a of to) counts[phase].set(a, (counts[phase].get(a) ?? 0) + 1);
          const now = performance.now();
          const a = arrivals[phase];
          // A pause of more than 50 ms between two messages: the connections stood idle.
          if (a.last > 0 && now - a.last > STALL_MS) {
            a.stalls++;
            a.stalledMs += now - a.last;
          }
          a.first ||= now;
          a.last = now;
        },
      });
      sinkPort = sink.port;
      return sink;
    },
  });
  try {
    const declared = await stack.fetch(`${stack.baseUrl}/api/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        organisation: 'kunitachi',
        kind: 'leak',
        threatLevel: 1,
        summary: 'ベンチマーク',
        observed: 'ベンチマーク用の事案',
        detectedBy: { name: '国立 花子', email: 'hanako@kunitachi.example.jp' },
        detectedAt: '2026-11-23T01:10:00+09:00',
        awareAt: '2026-11-23T08:40:00+09:00',
      }),
    });
    if (declared.status !== 201) throw new Error(`declaration answered ${declared.status}: ${await declared.text()}`);
    const { incidentId } = await json(declared);
    const base = `${stack.baseUrl}/api/incidents/kunitachi/${incidentId}`;

    const csv = ['氏名,郵便番号,住所,メールアドレス', ...Array.from({ length: n }, (_, i) => `対象者 ${i + 1},186-8501,東京都国立市富士見台2-47-${i + 1},${address(i + 1)}`)].join('\r\n');
    process.stderr.write(`notify: importing ${n} persons (${(csv.length / 1e6).toFixed(1)} MB)…\n`);
    let t = performance.now();
    const imported = await stack.fetch(`${base}/persons`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    if (imported.status !== 201) throw new Error(`import answered ${imported.status}: ${(await imported.text()).slice(0, 500)}`);
    const importMs = performance.now() - t;

    // The product sends only an approved notice, composed per person; the baseline sends the same texts.
    const noticeId = await seedApprovedNotice(stack.appDb.db, 'kunitachi', incidentId);
    const notice = (await getNotice(stack.appDb.db, 'kunitachi', noticeId))!.content;
    process.stderr.write(`notify: product sending…\n`);
    t = performance.now();
    const productStart = t;
    const productCpu = process.cpuUsage();
    const started = await stack.fetch(`${base}/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ noticeId, batchSize }) });
    if (started.status !== 202) throw new Error(`start answered ${started.status}`);
    const { workflowId } = await json(started);
    const progress = setInterval(() => process.stderr.write(`notify: product ${counts.product.size}/${n}\n`), 5_000);
    const result = await env.client.workflow.getHandle(workflowId).result();
    clearInterval(progress);
    const productMs = performance.now() - t;
    const productCpuMs = cpuMs(process.cpuUsage(productCpu));

    // Every execution of the chain (and any other this run started): its history's length.
    const histories: { workflowId: string; runId: string; events: number }[] = [];
    for await (const w of env.client.workflow.list()) {
      const h = await env.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
      histories.push({ workflowId: w.workflowId, runId: w.runId, events: h.events?.length ?? 0 });
    }

    process.stderr.write(`notify: baseline sending…\n`);
    phase = 'baseline';
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sinkPort, secure: false, ignoreTLS: true, pool: true, maxConnections: CONNECTIONS, maxMessages: Infinity });
    t = performance.now();
    const baselineStart = t;
    const baselineCpu = process.cpuUsage();
    let next = 1;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (next <= n) {
          const i = next++;
          const m = noticeEmail(notice, { name: `対象者 ${i}` }, publicUrl(stack.config));
          await transport.sendMail({ from: stack.config.MAIL_FROM, to: address(i), subject: m.subject, text: m.text });
        }
      }),
    );
    const baselineMs = performance.now() - t;
    const baselineCpuMs = cpuMs(process.cpuUsage(baselineCpu));
    transport.close();

    const tally = (c: Map<string, number>) => {
      let duplicates = 0;
      let misses = 0;
      for (let i = 1; i <= n; i++) {
        const k = c.get(address(i)) ?? 0;
        if (k === 0) misses++;
        if (k > 1) duplicates += k - 1;
      }
      return { duplicates, misses };
    };
    // Where the product's time goes besides sending: before the first message (start, first
    // workflow task, audit, first claim) and after the last (last marks, counts, audit, result).
    const phases = (p: 'product' | 'baseline', startedAt: number, ms: number) => ({
      firstMessageMs: Math.round(arrivals[p].first - startedAt),
      afterLastMessageMs: Math.round(startedAt + ms - arrivals[p].last),
      sendingPerSecond: +((n / (arrivals[p].last - arrivals[p].first)) * 1000).toFixed(1),
      stalls: { count: arrivals[p].stalls, ms: Math.round(arrivals[p].stalledMs) },
    });
    const product = { ms: Math.round(productMs), ...phases('product', productStart, productMs), perSecond: +((n / productMs) * 1000).toFixed(1), cpuMs: Math.round(productCpuMs), ...tally(counts.product), runs: result.runs, batches: result.batches };
    const baseline = { ms: Math.round(baselineMs), ...phases('baseline', baselineStart, baselineMs), perSecond: +((n / baselineMs) * 1000).toFixed(1), cpuMs: Math.round(baselineCpuMs), ...tally(counts.baseline) };
    const largest = histories.reduce((a, b) => (b.events > a.events ? b : a), histories[0]);
    return {
      scenario: 'notify',
      machine: { cpus: os.cpus().length, node: process.version, database: stack.appDb.engine },
      at: new Date().toISOString(),
      n,
      batchSize,
      connections: CONNECTIONS,
      import: { ms: Math.round(importMs), rowsPerSecond: Math.round((n / importMs) * 1000) },
      product,
      baseline,
      ratio: +(product.perSecond / baseline.perSecond).toFixed(3),
      // On a shared machine the wall-clock ratio moves with whatever else runs; the CPU this
      // process spent per message (sink, worker, API, database and loop alike; the Temporal
      // server's own process not counted) is steadier.
      cpuRatio: +(baseline.cpuMs / product.cpuMs).toFixed(3),
      largestHistory: { events: largest.events, workflowId: largest.workflowId, runId: largest.runId },
      executions: histories.length,
      duplicates: product.duplicates,
      misses: product.misses,
      target: { ratio: 0.9, duplicates: 0, misses: 0, maxHistoryEvents: 10_000 },
      letterPdfs: await timeLetters(notice, letters ?? n),
    };
  } finally {
    await stack.close();
    await env.teardown();
    cluster?.stop();
  }
}

/**
 * The letters (郵送) for `count` persons: every file of at most 1,000 pages rendered one after the
 * other, as a print run does, with the time and the pages per second (the CPU-bound part, on the
 * same font the product embeds).
 */
async function timeLetters(notice: NoticeData, count: number) {
  if (count === 0) return { persons: 0, skipped: 'letters 0' };
  const persons: LetterPerson[] = Array.from({ length: count }, (_, i) => ({ personId: i + 1, name: `対象者 ${i + 1}`, postalCode: '186-8501', address: `東京都国立市富士見台2-47-${i + 1}` }));
  const font = resolveJapaneseFont();
  process.stderr.write(`notify: rendering letters for ${count} persons…\n`);
  const t = performance.now();
  const cpu = process.cpuUsage();
  let files = 0;
  let pages = 0;
  let bytes = 0;
  for await (const f of renderLetterFiles({ notice, persons, generatedAt: new Date('2026-11-24T09:00:00+09:00') }, font)) {
    files++;
    pages += f.pages;
    bytes += f.pdf.length;
  }
  const ms = performance.now() - t;
  return { persons: count, files, pages, megabytes: +(bytes / 1e6).toFixed(1), ms: Math.round(ms), cpuMs: Math.round(cpuMs(process.cpuUsage(cpu))), pagesPerSecond: +((pages / ms) * 1000).toFixed(1), msPerFile: Math.round(ms / files) };
}
