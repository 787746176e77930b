// `jukinet-ops contract request ORGANISATION FILE.json [--attach FILE]…`: a department head's
// request for a contract (委託処理の承認申請, tokyo:24.1) from a JSON file, with its attachments.
// A client of the API (POST /api/contracts/:organisation) with the stored key, as the incident
// and review commands: what the CLI can see itself — a file it cannot read, JSON that does not
// parse, an attachment too large — is refused before the call (exit 2); the request's fields are
// checked by the API, which names each (exit 1).
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { type Config, publicUrl } from '../config';
import { ORGANISATION_KEY_PATTERN } from '../domain/articles';
import { EVIDENCE_MAX_BYTES } from '../domain/evidence';
import { REQUEST_ATTACHMENTS_MAX } from '../temporal/contract';
import { callApi } from './api-call';

export const CONTRACT_REQUEST_USAGE = `Usage: jukinet-ops contract request ORGANISATION FILE.json [--attach FILE]... [--api URL]
  Requests approval of a contract (委託処理の承認申請): FILE.json holds the request — contractor
  {name, corporateNumber?, address, contact {name, email}}, business {content, scope}, data
  {identityInformation, items[], volume}, reason, protectionMeasures, workSite {kind, address,
  description?}, staff [{name, role, email?}], subcontractors [{name, via, business}], period
  {startsOn, endsOn} (YYYY-MM-DD, Japan) — and may name the organisation (it must be ORGANISATION).
  --attach adds a file (PDF, PNG, JPEG or text, at most ${EVIDENCE_MAX_BYTES / 1024 / 1024} MB each, ${REQUEST_ATTACHMENTS_MAX} files); repeat it for more.
  Prints the contract's number and its page in the console; the contractor's contact is emailed
  the questionnaire. A request with errors is refused, each field named (exit 1); nothing is recorded.
  Needs a key of the organisation with the member, commander, operator or admin role (jukinet-ops login).`;

/** The API's body limit for this route, with room for the JSON around the base64. */
const MAX_ATTACHMENT_TOTAL = 11 * 1024 * 1024;

interface RequestAnswer {
  contractId: string;
  number: string;
  status: string;
  attachments: Array<{ filename: string; size: number; sha256: string }>;
  links: { api: string; console: string };
}

export async function contractRequest(args: string[], config: Config, out: (l: string) => void, err: (l: string) => void): Promise<number> {
  let values: { attach?: string[]; api?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, allowPositionals: true, options: { attach: { type: 'string', multiple: true }, api: { type: 'string' } } }));
  } catch (e) {
    err(`${(e as Error).message}\n\n${CONTRACT_REQUEST_USAGE}`);
    return 2;
  }
  const [organisation, file, ...extra] = positionals;
  const attach = values.attach ?? [];
  const problems = [
    ...(!organisation ? ['ORGANISATION is required'] : []),
    ...(organisation && !ORGANISATION_KEY_PATTERN.test(organisation) ? ['ORGANISATION: not an organisation key'] : []),
    ...(organisation && !file ? ['FILE.json is required (the request)'] : []),
    ...(extra.length > 0 ? [`unexpected ${extra.join(' ')} (attachments go with --attach)`] : []),
    ...(attach.length > REQUEST_ATTACHMENTS_MAX ? [`--attach: at most ${REQUEST_ATTACHMENTS_MAX} files`] : []),
  ];
  if (problems.length > 0) {
    err(`${problems.join('; ')}\n\n${CONTRACT_REQUEST_USAGE}`);
    return 2;
  }

  let request: unknown;
  try {
    const text = await readFile(file!, 'utf8');
    try {
      request = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (e) {
      err(`FILE.json: ${file} is not valid JSON: ${(e as Error).message}`);
      return 2;
    }
  } catch (e) {
    err(`FILE.json: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return 2;
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    err(`FILE.json: ${file} must hold one JSON object (the request), not ${Array.isArray(request) ? 'an array' : typeof request}`);
    return 2;
  }

  const attachments: Array<{ filename: string; contentBase64: string }> = [];
  let total = 0;
  for (const f of attach) {
    let bytes: Buffer;
    try {
      bytes = await readFile(f);
    } catch (e) {
      err(`--attach: cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return 2;
    }
    if (bytes.length > EVIDENCE_MAX_BYTES) {
      err(`--attach: ${f} is larger than ${EVIDENCE_MAX_BYTES / 1024 / 1024} MB`);
      return 2;
    }
    total += bytes.length;
    attachments.push({ filename: path.basename(f), contentBase64: bytes.toString('base64') });
  }
  if (total > MAX_ATTACHMENT_TOTAL) {
    err(`--attach: the files come to more than ${MAX_ATTACHMENT_TOTAL / 1024 / 1024} MB together; attach the largest from the console's form`);
    return 2;
  }

  const api = (values.api ?? publicUrl(config)).replace(/\/$/, '');
  const r = await callApi<RequestAnswer>(
    api,
    `/api/contracts/${encodeURIComponent(organisation!)}`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ request, attachments }) },
    err,
  );
  if (!r.ok) return 1;
  const { number, contractId, links } = r.body;
  out(`Requested contract ${number} (${contractId}) (委託処理の承認を申請しました: ${number})`);
  for (const a of r.body.attachments) out(`  attached ${a.filename} (${a.size} bytes, SHA-256 ${a.sha256})`);
  out(`  Console: ${links.console}`);
  return 0;
}

/** `contract <subcommand>`. */
export async function contractCommand(args: string[], config: () => Config, out: (l: string) => void, err: (l: string) => void): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'request') {
    if (rest.includes('--help')) return (out(CONTRACT_REQUEST_USAGE), 0);
    return contractRequest(rest, config(), out, err);
  }
  (sub === '--help' || sub === 'help' ? out : err)(CONTRACT_REQUEST_USAGE);
  return sub === '--help' || sub === 'help' ? 0 : 2;
}
