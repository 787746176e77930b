// The procedures and their steps (DOMAIN.md). A profile maps each step to the articles of its own
// regulation that require it, so every audit row can name its article.
export const PROCEDURE_STEPS = [
  'emergency.detect',
  'emergency.instruct',
  'emergency.conveneCouncil',
  'emergency.contain',
  /** 再接続: the reconnection after containment, decided and verified like the disconnection. */
  'emergency.reconnect',
  'emergency.report',
  'emergency.notifyPersons',
  'emergency.recover',
  'emergency.preventRecurrence',
  'emergency.close',
  'userIdReview.review',
  'userIdReview.passwordPolicy',
  'userIdReview.operationLogs',
  'contractor.request',
  'contractor.investigate',
  'contractor.approve',
  'contractor.contract',
  'contractor.inspect',
  'contractor.maintenanceReport',
  'contractor.end',
] as const;
export type ProcedureStep = (typeof PROCEDURE_STEPS)[number];

