// The processes of the embedded stack as the operating system sees them: which one is ours (by its
// command line, so an unrelated process is never touched), stopping a stale one, and a watchdog
// that stops the Temporal dev server when the main process dies without cleaning up (kill -9).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

interface ProcessEntry {
  pid: number;
  ppid: number;
  /** The command line, arguments joined by spaces. */
  args: string;
}

const HAS_PROC = fs.existsSync('/proc/self/cmdline');

function listProcesses(): ProcessEntry[] {
  if (!HAS_PROC) {
    const ps = spawnSync('ps', ['-axo', 'pid=,ppid=,args='], { encoding: 'utf8' });
    return (ps.stdout ?? '').split('\n').flatMap((line) => {
      const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
      return m ? [{ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }] : [];
    });
  }
  return fs.readdirSync('/proc').flatMap((name) => {
    if (!/^\d+$/.test(name)) return [];
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const args = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      return [{ pid: Number(name), ppid, args }];
    } catch {
      return []; // gone meanwhile
    }
  });
}

/** The command line of a live process, or undefined when it is gone (or cannot be read). */
export function commandLine(pid: number): string | undefined {
  return listProcesses().find((p) => p.pid === pid)?.args;
}

/** Temporal dev servers (`temporal server start-dev`) keeping their state in `sqliteFile`; optionally only children of `parent`. */
export function devServersOf(sqliteFile: string, parent?: number): number[] {
  return listProcesses()
    .filter((p) => (parent === undefined || p.ppid === parent) && p.args.includes(' start-dev ') && p.args.includes(` --db-filename ${sqliteFile} `.trimEnd()))
    .map((p) => p.pid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function stopProcess(pid: number, graceMs = 5000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const end = Date.now() + graceMs;
  while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/**
 * A tiny `sh` outside our process group that stops `pid` (when its command line still mentions
 * `mark`) as soon as this process is gone: it reads a pipe only we hold, which ends when we exit,
 * however we exit. Node cannot ask the kernel to signal a child on its parent's death (prctl).
 * Returns the function that dismisses it, for an orderly stop.
 */
export function watchdog(pid: number, mark: string): () => void {
  const script = [
    'read -r _',
    'if [ -r "/proc/$1/cmdline" ] && ! grep -qF -- "$2" "/proc/$1/cmdline"; then exit 0; fi',
    'kill -TERM "$1" 2>/dev/null || exit 0',
    'for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$1" 2>/dev/null || exit 0; sleep 0.5; done',
    'kill -KILL "$1" 2>/dev/null',
  ].join('\n');
  const child = spawn('sh', ['-c', script, 'jukinet-ops-watchdog', String(pid), mark], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.on('error', () => undefined); // no sh: the next start stops a stale server instead
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  return () => {
    child.kill('SIGKILL');
  };
}
