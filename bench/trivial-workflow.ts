// The baseline of the decide benchmark: a workflow whose update does nothing but answer.
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

export const pingUpdate = defineUpdate<string, [string]>('ping');

export async function trivial(): Promise<void> {
  let done = false;
  setHandler(pingUpdate, (v) => {
    done = true;
    return v;
  });
  await condition(() => done);
}
