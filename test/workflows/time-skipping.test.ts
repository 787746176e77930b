// The Java time-skipping test server, provisioned by scripts/provision-tools.sh and started by
// the SDK as an 'existing-path' executable: timers are skipped, signals and updates work.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { timeSkippingServer } from '../support/temporal';
import { loadConfig } from '../../src/config';
import { testServerExecutable } from '../../src/temporal/tools';
import { nudgeSignal, readUpdate, waitsTwoHours } from '../fixtures/timer-workflows';


describe('the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    const executable = testServerExecutable(loadConfig({}, '/nonexistent/.env'));
    expect(executable.type).toBe('existing-path');
    env = await timeSkippingServer();
  });
  afterAll(async () => env?.teardown());

  it('skips a two-hour timer and delivers a signal and an update', async () => {
    const taskQueue = `time-skipping-${Date.now()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('../fixtures/timer-workflows'),
    });
    const result = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(waitsTwoHours, { taskQueue, workflowId: `${taskQueue}-wf` });
      await handle.signal(nudgeSignal, 'first');
      expect(await handle.executeUpdate(readUpdate)).toEqual(['first']);
      return handle.result();
    });
    expect(result.nudges).toEqual(['first']);
    // The workflow's own clock moved two hours: the server skipped the timer.
    expect(result.sleptMs).toBeGreaterThanOrEqual(2 * 3_600_000);
  });
});
