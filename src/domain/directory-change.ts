// A review outcome as the directory adapter carries it out (src/directory/ledger-writer.ts), and
// what it reports back: pure types and names, so that a workflow can use them without bundling the
// LDAP client.
import type { RetryPolicy } from '@temporalio/common';

export type DirectoryStatus = 'active' | 'locked' | 'revoked';

export type DirectoryChange =
  /** Disable the ID (AD: userAccountControl's ACCOUNTDISABLE; OpenLDAP: ppolicy's pwdEndTime). */
  | { userId: string; action: 'revoke' }
  /** Stop its use until an administrator lifts it (AD: accountExpires; OpenLDAP: pwdAccountLockedTime 000001010000Z). */
  | { userId: string; action: 'lock' }
  /** Make the permission groups it is a member of exactly these (by the groups' cn). */
  | { userId: string; action: 'changePermissions'; permissions: string[] };

export interface DirectoryState {
  status: DirectoryStatus;
  permissions: string[];
}

export interface AppliedChange {
  dn: string;
  before: DirectoryState;
  /** As read back from the directory after the change. */
  after: DirectoryState;
  /** Nothing needed writing: the entry already said what was asked (a retry, or a change made by hand). */
  alreadyDone: boolean;
}

/**
 * The ApplicationFailure type of a change the directory refused (no such ID, several, no access,
 * the read-back differs): not retryable, the change goes to a person. A directory that is down
 * fails with the type DirectoryUnavailableError, which is retried.
 */
export const DIRECTORY_CHANGE_REFUSED = 'DirectoryChangeRefused';
export const DIRECTORY_UNAVAILABLE = 'DirectoryUnavailableError';

/**
 * A retry policy for the activity that suits a directory: a restart or failover of a domain
 * controller takes minutes, so six attempts over about ten minutes; a refusal is never retried.
 * After the last attempt the workflow gives the change to a person.
 */
export const DIRECTORY_RETRY: RetryPolicy = {
  initialInterval: '10 seconds',
  backoffCoefficient: 2,
  maximumInterval: '5 minutes',
  maximumAttempts: 6,
  nonRetryableErrorTypes: [DIRECTORY_CHANGE_REFUSED],
};
