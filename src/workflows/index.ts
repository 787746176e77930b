// The only workflowsPath: every workflow the worker runs.
export { auditAnchor } from './audit-anchor';
export { containment } from './emergency/containment';
export { emergencyResponse } from './emergency-response';
export { notifyPersons } from './emergency/notify';
export { statutoryReports } from './emergency/reports';
export { humanTask } from './human-task';
export { reviewOpener } from './review/opener';
export { systemCheck } from './system-check';
export { reviewCampaign } from './review/campaign';
export { sectionReview } from './review/section';
export { passwordReminders } from './review/password-reminders';
export { contractWorkflow } from './contract/contract';
export { contractInspection } from './contract/inspection';
export { correctiveAction } from './contract/corrective-action';
