import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  (globalThis as { __pgCluster?: { stop(): void } }).__pgCluster?.stop();
  const root = (globalThis as { __testRoot?: string }).__testRoot;
  if (root) fs.rmSync(root, { recursive: true, force: true });
}
