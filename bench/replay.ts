// `npm run bench -- replay [--n 100]`: replays every recorded history (test/fixtures/histories)
// N times through one replay worker, as a busy worker replays the executions its full cache let
// go: each replay creates the workflow afresh, evaluating the workflow bundle's modules (the
// worker gives every workflow its own), then runs the history. Replays per second,
// overall and per history: what a module that does work at load costs every workflow.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';

const HISTORIES = path.join(__dirname, '..', 'test', 'fixtures', 'histories');

export async function replayBench(rounds: number) {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const ids = JSON.parse(fs.readFileSync(path.join(HISTORIES, 'workflow-ids.json'), 'utf8')) as Record<string, string>;
  const histories = Object.keys(ids)
    .sort()
    .map((name) => ({ name, workflowId: ids[name], history: temporal.api.history.v1.History.decode(fs.readFileSync(path.join(HISTORIES, `${name}.history.bin`))) }));
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } });
  // Round 0 warms the code and is not counted; each replay is timed from the previous one's end.
  const order = Array.from({ length: rounds + 1 }, (_, round) => histories.map((h) => ({ round, h }))).flat();
  const spent = new Map<string, number[]>();
  async function* feed() {
    for (const { h } of order) yield { workflowId: h.workflowId, history: h.history };
  }
  let i = 0;
  let last = process.hrtime.bigint();
  let started: bigint | undefined;
  for await (const r of Worker.runReplayHistories({ workflowBundle }, feed())) {
    if (r.error) throw r.error;
    const now = process.hrtime.bigint();
    const { round, h } = order[i++];
    if (round > 0) {
      started ??= last;
      spent.set(h.name, [...(spent.get(h.name) ?? []), Number(now - last) / 1e6]);
    }
    last = now;
  }
  const ms = Number(last - started!) / 1e6;
  const total = rounds * histories.length;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  return {
    scenario: 'replay',
    machine: { cpus: os.cpus().length, node: process.version },
    at: new Date().toISOString(),
    rounds,
    replays: total,
    ms: Math.round(ms),
    perSecond: +((total / ms) * 1000).toFixed(1),
    histories: Object.fromEntries(histories.map((h) => [h.name, { events: h.history.events?.length ?? 0, medianMs: +median(spent.get(h.name)!).toFixed(1) }])),
  };
}
