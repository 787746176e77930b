// The command line's API key: `jukinet-ops login` checks it against the API and keeps it in the
// user's config file (mode 0600, its folder 0700); every API command sends it as a Bearer token.
// JUKINET_OPS_API_KEY overrides the file (for scripts and CI). The key is never an argument: it
// would land in the shell history and in `ps`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { z } from '../domain/zod';

export interface StoredCredentials {
  api: string;
  key: string;
}

const storedSchema = z.object({ api: z.url(), key: z.string().regex(/^jko_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/) });

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.JUKINET_OPS_CONFIG_DIR ?? path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'jukinet-ops');
  return path.join(base, 'credentials.json');
}

export function readCredentials(env: NodeJS.ProcessEnv = process.env): StoredCredentials | undefined {
  const file = credentialsPath(env);
  if (!fs.existsSync(file)) return undefined;
  const parsed = storedSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  return parsed.success ? parsed.data : undefined;
}

export function writeCredentials(c: StoredCredentials, env: NodeJS.ProcessEnv = process.env): string {
  const file = credentialsPath(env);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Written to a new file created 0600, then renamed: the key is never readable by others, even briefly.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
  fs.chmodSync(file, 0o600);
  return file;
}

export function removeCredentials(env: NodeJS.ProcessEnv = process.env): boolean {
  const file = credentialsPath(env);
  if (!fs.existsSync(file)) return false;
  fs.rmSync(file);
  return true;
}

/** The key to send: JUKINET_OPS_API_KEY, else the stored one (when it is for this API). */
export function apiKeyFor(api: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.JUKINET_OPS_API_KEY) return env.JUKINET_OPS_API_KEY;
  const stored = readCredentials(env);
  return stored && stored.api.replace(/\/$/, '') === api.replace(/\/$/, '') ? stored.key : undefined;
}

/** `fetch` with the API key; a 401 tells how to sign in. */
export async function apiFetch(api: string, pathname: string, init: RequestInit = {}, env: NodeJS.ProcessEnv = process.env): Promise<Response> {
  const key = apiKeyFor(api, env);
  const headers = new Headers(init.headers);
  if (key) headers.set('authorization', `Bearer ${key}`);
  return fetch(`${api.replace(/\/$/, '')}${pathname}`, { ...init, headers });
}

export const LOGIN_HINT = 'the API needs a key: run `jukinet-ops login` (an admin creates keys in the console under API キー), or set JUKINET_OPS_API_KEY';

/**
 * One line from the terminal without echoing it (raw mode), or from standard input when piped.
 * Trimmed unless `trim: false`: a key has no spaces, a passphrase may begin or end with one.
 */
export async function readSecret(
  prompt: string,
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
  o: { trim?: boolean } = {},
): Promise<string> {
  const finish = (line: string) => (o.trim === false ? line.replace(/\r$/, '') : line.trim());
  if (!input.isTTY) {
    output.write(prompt);
    const rl = readline.createInterface({ input, terminal: false });
    try {
      for await (const line of rl) return finish(line);
      return '';
    } finally {
      rl.close();
    }
  }
  // Raw mode before the prompt: whatever is typed once the prompt shows is never echoed.
  input.setRawMode(true);
  output.write(prompt);
  input.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (f: () => void) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      output.write('\n');
      f();
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(() => resolve(finish(typed)));
        if (ch === '\u0003') return done(() => reject(new Error('cancelled')));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    input.on('data', onData);
  });
}
