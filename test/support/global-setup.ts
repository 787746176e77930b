// One temporary folder for the whole run, removed by the teardown: every test's os.tmpdir() is
// inside it (the workers inherit TMPDIR), so a test that forgets its folder, or a run that
// crashes half-way, does not fill the machine's disk run after run.
// One throw-away PostgreSQL cluster for the whole run too, unless TEST_DATABASE_URL names one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestCluster } from './postgres';

export default async function globalSetup(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jukinet-test-run-'));
  // Traversable by others: the PostgreSQL clusters inside run as the `postgres` user when we are root.
  fs.chmodSync(root, 0o711);
  process.env.TMPDIR = root;
  (globalThis as { __testRoot?: string }).__testRoot = root;
  if (process.env.TEST_DATABASE_URL) return;
  const cluster = await startTestCluster();
  process.env.TEST_DATABASE_URL = cluster.url;
  (globalThis as { __pgCluster?: { stop(): void } }).__pgCluster = cluster;
}
