// 切離し (containment) and 再接続 (reconnection): who decides, what they choose among, and how the
// network operator's answers are read. The workflow (src/workflows/emergency/containment.ts)
// carries the plan out; these are its pure parts.
import { roleHolderChain } from './council';
import type { OrganisationProfile } from './profile';
import type { Assignee, TaskOption } from './tasks';

export type SegmentAction = 'disconnect' | 'reconnect';
export type SegmentState = 'connected' | 'disconnected';

/** The state a segment must read back after the action. */
export const EXPECTED_STATE: Record<SegmentAction, SegmentState> = { disconnect: 'disconnected', reconnect: 'connected' };

export const CONTAIN_OPTIONS: TaskOption[] = [
  { value: 'contain', label: '切離す' },
  { value: 'doNotContain', label: '切離さない' },
];

export const RECONNECT_OPTIONS: TaskOption[] = [
  { value: 'reconnect', label: '再接続する' },
  { value: 'notYet', label: 'まだ再接続しない' },
];

/** What an attester answers: they saw it done; the note carries the time and the evidence's SHA-256. */
export const ATTEST_OPTIONS: Record<SegmentAction, TaskOption[]> = {
  disconnect: [{ value: 'confirmed', label: '物理的な切離しを確認した' }],
  reconnect: [{ value: 'confirmed', label: '再接続を確認した' }],
};

/** 事後承認: the role holder approves (or not) an order a stand-in gave. */
export const RATIFY_OPTIONS: TaskOption[] = [
  { value: 'approve', label: '承認する' },
  { value: 'reject', label: '承認しない' },
];

/** When verification keeps failing: a person decides to request again (a new request) or to stop. */
export const RETRY_OPTIONS: TaskOption[] = [
  { value: 'retry', label: 'もう一度要求する' },
  { value: 'confirmedByHand', label: '現地で確認済み（手作業で実施した）' },
];

/** The person holding the role that orders containment, then that role's stand-ins in order. */
export function containmentDeciders(profile: OrganisationProfile): Assignee[] {
  const role = profile.containment?.orderedBy ?? 'executive';
  const chain = roleHolderChain(profile, role);
  return chain.length > 0 ? chain : roleHolderChain(profile, 'chief');
}

/**
 * The Idempotency-Key of a request to the operator: derived from the workflow and the action, so
 * every retry of the activity (a timeout after the operator acted included) sends the same key and
 * the operator acts once. A new round — a person decided to ask again — is a new request.
 */
export function operatorIdempotencyKey(workflowId: string, action: SegmentAction, round: number): string {
  return `${workflowId}/${action}${round > 1 ? `/${round}` : ''}`;
}

export type OperatorOutcome = 'ok' | 'retry' | 'fail';

/**
 * How to treat an operator's HTTP status: success; a transient refusal worth retrying (timeouts,
 * conflicts while a request with the key is in flight, rate limits, server errors); or a request
 * the operator will never accept (bad segment, bad key) — retrying it would only repeat the error.
 */
export function classifyOperatorStatus(status: number): OperatorOutcome {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 408 || status === 409 || status === 425 || status === 429 || status >= 500) return 'retry';
  return 'fail';
}

export const SHA256_PATTERN = /\b[0-9a-f]{64}\b/g;

/** The SHA-256 hashes an attester quoted in the note. */
export function quotedHashes(note: string): string[] {
  return [...new Set(note.toLowerCase().match(SHA256_PATTERN) ?? [])];
}

/** Whether a task is one of the two attestations of a change (its page takes evidence files). */
export function isAttestationTask(task: { step: string; workflow_id: string }): boolean {
  return (task.step === 'emergency.contain' || task.step === 'emergency.reconnect') && /\/(disconnect|reconnect)\/attest-[12]$/.test(task.workflow_id);
}

/** Whether an attester's note gives the time they checked (09:12, 9時12分, ９：１２). */
export function mentionsClockTime(note: string): boolean {
  return /(^|[^0-9０-９])([01]?[0-9０-９]|2[0-3２３])\s*[:：時]\s*[0-5０-５][0-9０-９]/.test(note.normalize('NFKC'));
}
