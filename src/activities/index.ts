// Every activity the worker registers, built from its injected dependencies.
import { createSystemActivities, type SystemActivityDeps } from './system';

export type ActivityDeps = SystemActivityDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    ...createSystemActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
