// One way for every API command of the CLI to call the API: the stored key, one line when the API
// cannot be reached, and the API's own message with each field it names when it refuses.
import { apiFetch, LOGIN_HINT } from './credentials';

export type ApiAnswer<T> = { ok: true; status: number; body: T } | { ok: false };

export async function callApi<T>(api: string, pathname: string, init: RequestInit, err: (line: string) => void): Promise<ApiAnswer<T>> {
  let res: Response;
  try {
    res = await apiFetch(api, pathname, init);
  } catch (e) {
    err(`cannot reach the API at ${api}: ${(e as Error).cause ?? (e as Error).message} (is jukinet-ops running? try npm start)`);
    return { ok: false };
  }
  const body = (await res.json().catch(() => ({}))) as T & { message?: string; issues?: Array<{ path: string; message: string }> };
  if (!res.ok) {
    err(`${res.status}: ${body.message ?? 'request failed'}${res.status === 401 ? `\n  ${LOGIN_HINT}` : ''}`);
    for (const i of body.issues ?? []) err(`  ${i.path}: ${i.message}`);
    return { ok: false };
  }
  return { ok: true, status: res.status, body };
}
