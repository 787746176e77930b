// Recorded histories of the procedures replay against the current workflow code, so a change
// that would break running workflows (a non-deterministic edit) fails CI. Re-record with
// `npx tsx test/support/record-histories.ts` only for a deliberate, versioned change.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';

jest.setTimeout(120_000);
Runtime.install({ logger: new DefaultLogger('WARN') });

const HISTORIES = path.join(__dirname, '..', 'fixtures', 'histories');
const WORKFLOW_IDS = JSON.parse(fs.readFileSync(path.join(HISTORIES, 'workflow-ids.json'), 'utf8')) as Record<string, string>;
const load = (name: string) => temporal.api.history.v1.History.decode(fs.readFileSync(path.join(HISTORIES, `${name}.history.bin`)));

describe('replaying recorded histories', () => {
  it.each(['emergency-response', 'human-task-decided', 'emergency-response-contained', 'containment-operator-api', 'emergency-response-triage', 'notify-persons', 'emergency-response-council', 'emergency-response-ratified', 'emergency-response-closed', 'statutory-reports', 'emergency-response-reports', 'notify-persons-staggered', 'review-campaign', 'review-section', 'review-section-task', 'contract-approval', 'contract-inspected', 'contract-changed', 'contract-closed', 'contract-inspection', 'contract-corrective-action', 'contract-investigation-task', 'contract-decision-task'])('%s replays against the current workflows', async (name) => {
    const history = load(name);
    expect(history.events?.length).toBeGreaterThan(10);
    await expect(
      Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflows') }, history, WORKFLOW_IDS[name]),
    ).resolves.toBeUndefined();
  });

  it('fails for a non-deterministic change', async () => {
    await expect(
      Worker.runReplayHistory({ workflowsPath: require.resolve('../fixtures/changed-emergency-response') }, load('emergency-response'), WORKFLOW_IDS['emergency-response']),
    ).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
