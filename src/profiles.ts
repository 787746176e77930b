// Reading organisation profiles from YAML files: every problem is reported with its path and,
// where the YAML has one, its line.
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

export function loadProfileFile(file: string): ProfileFileResult {
  let source: string;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { file, ok: false, problems: [{ path: '(file)', message: `読み込めません: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
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
  const r = parseOrganisationProfile(doc.toJS());
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
