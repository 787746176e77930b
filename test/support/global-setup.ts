// One throw-away PostgreSQL cluster for the whole run, unless TEST_DATABASE_URL names one.
import { startTestCluster } from './postgres';

export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) return;
  const cluster = await startTestCluster();
  process.env.TEST_DATABASE_URL = cluster.url;
  (globalThis as { __pgCluster?: { stop(): void } }).__pgCluster = cluster;
}
