// Reading organisation profiles from YAML files: every problem is reported with its file, its
// path and, where the YAML has one, its line. A file that cannot be a profile (too large, not
// UTF-8, empty, an alias bomb) is refused by name without being parsed further, and never stops
// the other files from being checked. Across files, an organisation key may appear only once.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { type OrganisationProfile, parseOrganisationProfile, type ProfileProblem } from './domain/profile';

export interface FileProblem extends ProfileProblem {
  line?: number;
}

export type ProfileFileResult =
  | { file: string; ok: true; profile: OrganisationProfile }
  | { file: string; ok: false; problems: FileProblem[] };

/** A profile is about 10 KB; anything far larger is not one. */
export const PROFILE_MAX_BYTES = 256 * 1024;
/** Aliases a profile may expand (a profile needs none; YAML's alias bombs need thousands). */
const MAX_ALIAS_COUNT = 100;

const fileProblem = (file: string, message: string): ProfileFileResult => ({ file, ok: false, problems: [{ path: '(file)', message }] });

/** The text of a profile file, or why it is no profile. */
function readProfileText(file: string): { text: string } | { problem: string } {
  let bytes: Buffer;
  try {
    const size = fs.statSync(file).size;
    if (size > PROFILE_MAX_BYTES) {
      return { problem: `ファイルが大きすぎます（${size} バイト。組織プロファイルは ${PROFILE_MAX_BYTES / 1024} KiB までです）` };
    }
    bytes = fs.readFileSync(file);
  } catch (err) {
    return { problem: `読み込めません: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  let text: string;
  try {
    // A UTF-8 BOM (what Windows Notepad writes) is dropped by the decoder.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return {
      problem:
        '文字コードが UTF-8 ではありません（Shift_JIS や EUC-JP で保存されている可能性があります）。' +
        'エディタの「名前を付けて保存」で文字コードに「UTF-8」を選んで保存し直してください',
    };
  }
  if (text.trim() === '') return { problem: 'ファイルが空です（組織プロファイルを書いてください。例: profiles/katsuragi.yaml）' };
  return { text };
}

export function loadProfileFile(file: string): ProfileFileResult {
  const read = readProfileText(file);
  if ('problem' in read) return fileProblem(file, read.problem);
  try {
    const lineCounter = new LineCounter();
    const doc = parseDocument(read.text, { lineCounter, prettyErrors: false });
    if (doc.errors.length > 0) {
      return {
        file,
        ok: false,
        problems: doc.errors.map((e) => ({
          path: '(yaml)',
          message: `YAML の構文エラー: ${e.message.split('\n')[0]}`,
          line: lineCounter.linePos(e.pos[0]).line,
        })),
      };
    }
    if (doc.contents === null) return fileProblem(file, 'ファイルが空です（コメントしかありません）');
    let input: unknown;
    try {
      input = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      if (err instanceof ReferenceError && /alias/i.test(err.message)) {
        return fileProblem(file, `YAML の別名（エイリアス *）の展開が多すぎます（${MAX_ALIAS_COUNT} 回まで）。組織プロファイルには別名は要りません`);
      }
      throw err;
    }
    const r = parseOrganisationProfile(input);
    if (r.ok) return { file, ok: true, profile: r.profile };
    return {
      file,
      ok: false,
      problems: r.problems.map(({ path: p, message, pathSegments }) => {
        // The nearest node that exists: a missing key is reported at its parent.
        for (let n = pathSegments.length; n >= 0; n--) {
          const node = doc.getIn(pathSegments.slice(0, n), true);
          if (isNode(node) && node.range) return { path: p, message, line: lineCounter.linePos(node.range[0]).line };
        }
        return { path: p, message };
      }),
    };
  } catch (err) {
    // Whatever else the YAML library throws is this file's problem, not the caller's.
    return fileProblem(file, `YAML として読めません: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}

/**
 * Loads several files as one set: each file on its own, then a file whose organisation key an
 * earlier file already has is refused, naming both — one organisation, one file.
 */
export function loadProfileFiles(files: readonly string[]): ProfileFileResult[] {
  const firstFileOf = new Map<string, string>();
  return files.map((file) => {
    const r = loadProfileFile(file);
    if (!r.ok) return r;
    const key = r.profile.organisation.key;
    const first = firstFileOf.get(key);
    if (first === undefined) {
      firstFileOf.set(key, file);
      return r;
    }
    return {
      file,
      ok: false,
      problems: [{ path: 'organisation.key', message: `組織キー ${key} は ${first} と重複しています（一つの組織は一つのファイルに書いてください）` }],
    };
  });
}

/** Every `*.yaml` / `*.yml` file of a folder, in name order. */
export function profileFilesIn(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

export function formatProblems(result: Extract<ProfileFileResult, { ok: false }>): string[] {
  return result.problems.map((p) => `${result.file}${p.line ? `:${p.line}` : ''}: ${p.path}: ${p.message}`);
}
