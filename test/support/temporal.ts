// Temporal test environments on the provisioned servers. The SDK gives a server 5 s to start;
// on two busy cores a JVM or the dev server can miss that, so a start is tried up to three times.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { registerSearchAttributes } from '../../src/temporal/search-attributes';
import { devServerExecutable, testServerExecutable } from '../../src/temporal/tools';

const tools = loadConfig({}, '/nonexistent/.env');

let runtimeInstalled = false;
/** One Runtime per test file (jest gives each file its own module registry, not its own process). */
export function installTestRuntime(): void {
  if (runtimeInstalled) return;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // installed by another file in this worker process: keep it
  }
  runtimeInstalled = true;
}

async function withRetries(start: () => Promise<TestWorkflowEnvironment>): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= 3 || !/did not start within/.test(String(err))) throw err;
    }
  }
}

/** The Temporal CLI dev server, with the search attributes registered. */
export async function devServer(): Promise<TestWorkflowEnvironment> {
  installTestRuntime();
  const env = await withRetries(() => TestWorkflowEnvironment.createLocal({ server: { executable: devServerExecutable(tools) } }));
  await registerSearchAttributes(env.client);
  return env;
}

/** The Java time-skipping test server, with the search attributes registered. */
export async function timeSkippingServer(): Promise<TestWorkflowEnvironment> {
  installTestRuntime();
  const env = await withRetries(() => TestWorkflowEnvironment.createTimeSkipping({ server: { executable: testServerExecutable(tools) } }));
  await registerSearchAttributes(env.client);
  return env;
}
