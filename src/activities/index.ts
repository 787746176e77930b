// Every activity the worker registers, built from its injected dependencies.
import { createAuditActivities } from './audit';
import { type ContainmentActivityDeps, createContainmentActivities } from './containment';
import { createIncidentActivities } from './incidents';
import { createNotifyActivities, type NotifyActivityDeps } from './notify';
import { createReportActivities, type ReportActivityDeps } from './reports';
import { createSystemActivities, type SystemActivityDeps } from './system';
import { createTaskActivities, type TaskActivityDeps } from './tasks';

export type ActivityDeps = SystemActivityDeps & TaskActivityDeps & ContainmentActivityDeps & NotifyActivityDeps & ReportActivityDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    ...createSystemActivities(deps),
    ...createTaskActivities(deps),
    ...createIncidentActivities(deps),
    ...createAuditActivities(deps),
    ...createContainmentActivities(deps),
    ...createNotifyActivities(deps),
    ...createReportActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
