// Every activity the worker registers, built from its injected dependencies.
import { createAuditActivities } from './audit';
import { type ClosingActivityDeps, createClosingActivities } from './closing';
import { type ContainmentActivityDeps, createContainmentActivities } from './containment';
import { type ContractActivityDeps, createContractActivities } from './contract';
import { createDirectoryActivities, type DirectoryActivityDeps } from './directory';
import { createIncidentActivities } from './incidents';
import { createApprovedNoticeComposer } from './notices';
import { createNotifyActivities, type NotifyActivityDeps } from './notify';
import { createPasswordReminderActivities, type PasswordReminderActivityDeps } from './password-reminders';
import { createReportActivities, type ReportActivityDeps } from './reports';
import { createReviewActivities, type ReviewActivityDeps } from './review';
import { createSystemActivities, type SystemActivityDeps } from './system';
import { createTaskActivities, type TaskActivityDeps } from './tasks';

export type ActivityDeps = SystemActivityDeps & TaskActivityDeps & ContainmentActivityDeps & NotifyActivityDeps & ClosingActivityDeps & ReportActivityDeps & ReviewActivityDeps & DirectoryActivityDeps & PasswordReminderActivityDeps & ContractActivityDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    ...createSystemActivities(deps),
    ...createTaskActivities(deps),
    ...createIncidentActivities(deps),
    ...createAuditActivities(deps),
    ...createContainmentActivities(deps),
    // Each person's email is the approved notice, unless a test gives its own text.
    ...createNotifyActivities({ composeNotice: createApprovedNoticeComposer(deps), ...deps }),
    ...createClosingActivities(deps),
    ...createReportActivities(deps),
    ...createReviewActivities(deps),
    ...createDirectoryActivities(deps),
    ...createPasswordReminderActivities(deps),
    ...createContractActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
