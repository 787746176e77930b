// Where the Temporal servers come from: the paths given in configuration, else the binaries
// scripts/provision-tools.sh built into .tools/, else the SDK's own download.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Config } from '../config';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const TOOLS_DIR = process.env.JUKINET_TOOLS_DIR ?? path.join(PROJECT_ROOT, '.tools');

export type ServerExecutable =
  | { type: 'existing-path'; path: string }
  | { type: 'cached-download'; downloadDir: string };

function resolve(configured: string | undefined, built: string): ServerExecutable {
  if (configured) return { type: 'existing-path', path: path.resolve(configured) };
  if (fs.existsSync(built)) return { type: 'existing-path', path: built };
  return { type: 'cached-download', downloadDir: path.join(TOOLS_DIR, 'downloads') };
}

/** The Temporal CLI, whose `server start-dev` is the embedded Temporal server. */
export function devServerExecutable(c: Pick<Config, 'TEMPORAL_CLI_PATH'>): ServerExecutable {
  return resolve(c.TEMPORAL_CLI_PATH, path.join(TOOLS_DIR, 'bin', 'temporal'));
}

/** The Java time-skipping test server (first argument: the port). */
export function testServerExecutable(c: Pick<Config, 'TEMPORAL_TEST_SERVER_PATH'>): ServerExecutable {
  return resolve(c.TEMPORAL_TEST_SERVER_PATH, path.join(TOOLS_DIR, 'bin', 'temporal-test-server'));
}
