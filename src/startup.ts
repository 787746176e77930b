// Problems a process meets while it starts, caused by what a variable points at (a port in use,
// an address that does not answer): one line naming the variable, never a stack trace.
import * as net from 'node:net';

export class StartupError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
    this.name = 'StartupError';
  }
}

/** A short cause for a network error: its code (ECONNREFUSED, ENOTFOUND…) or its first line. */
export function causeOf(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

export function portInUse(variable: string, port: number): StartupError {
  return new StartupError(variable, `ポート ${port} は既に使われています (port in use)。使っているプロセスを止めるか、${variable} に空いているポートを指定してください`);
}

/** Runs `listen`, turning EADDRINUSE into one line naming the variable. */
export async function listenOn<T>(variable: string, port: number, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    if ((err as { code?: unknown }).code === 'EADDRINUSE') throw portInUse(variable, port);
    throw err;
  }
}

/** Refuses a port something already listens on (another program, another Temporal, an orphan). */
export async function ensurePortFree(variable: string, port: number, host = '127.0.0.1'): Promise<void> {
  if (port === 0) return; // the system picks a free one
  await listenOn(
    variable,
    port,
    () =>
      new Promise<void>((resolve, reject) => {
        const probe = net.createServer();
        probe.once('error', reject);
        probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
      }),
  );
}

/** Opens and closes a TCP connection to `host:port`; rejects with the network error (bounded in time). */
export function probeTcp(address: string, timeoutMs = 5000): Promise<void> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(at + 1));
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}
