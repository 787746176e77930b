// The activity that carries out a review's outcome in the organisation's directory, where one is
// configured for writing (LEDGER_DIRECTORIES' `write`); elsewhere it answers `configured: false`
// and the workflow gives the change to the system admin as a task. A directory that is down is a
// plain failure Temporal retries; a refusal is non-retryable (type DirectoryChangeRefused): the
// workflow hands it to a person with the directory's reason.
import { ApplicationFailure } from '@temporalio/common';
import { applyDirectoryChange, DirectoryChangeRefusedError } from '../directory/ledger-writer';
import { type AppliedChange, DIRECTORY_CHANGE_REFUSED, type DirectoryChange } from '../domain/directory-change';
import type { LedgerDirectory } from '../imports/ledger-ldap';

export interface DirectoryActivityDeps {
  /** Each organisation's directory (LEDGER_DIRECTORIES). */
  directories: Record<string, LedgerDirectory>;
}

export { DIRECTORY_CHANGE_REFUSED };

export function createDirectoryActivities(deps: DirectoryActivityDeps) {
  return {
    async carryOutInDirectory(o: { organisation: string; change: DirectoryChange }): Promise<AppliedChange | { configured: false }> {
      const directory = Object.hasOwn(deps.directories, o.organisation) ? deps.directories[o.organisation] : undefined;
      if (directory?.write === undefined) return { configured: false };
      try {
        return await applyDirectoryChange(directory, o.change);
      } catch (e) {
        // The messages name the step and the directory's answer, never the bind password.
        if (e instanceof DirectoryChangeRefusedError) throw ApplicationFailure.nonRetryable(e.message, DIRECTORY_CHANGE_REFUSED, { organisation: o.organisation, change: o.change });
        throw e;
      }
    },
  };
}
