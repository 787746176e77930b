// STYLE.md §1: workflow code runs in Temporal's deterministic sandbox. Workflow files import
// activities as types only, and no Node built-in; what they import by value must itself obey.
import { builtinModules } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const SRC = path.join(__dirname, '..', '..', 'src');
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

interface ValueImport {
  file: string;
  specifier: string;
}

/** Imports that bring a value in at run time (not `import type`, not `import { type X }` only). */
function valueImports(file: string): ValueImport[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out: ValueImport[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause?.isTypeOnly ||
        (clause && !clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 &&
          clause.namedBindings.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) out.push({ file, specifier: node.moduleSpecifier.text });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && !node.isTypeOnly) {
      out.push({ file, specifier: node.moduleSpecifier.text });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      out.push({ file, specifier: '(dynamic import)' });
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require') {
      out.push({ file, specifier: '(require)' });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

function resolveLocal(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
}

/** Every value import reachable from the workflow files that breaks the sandbox rules. */
function sandboxViolations(entryDir: string): string[] {
  const allowedPackages = ['@temporalio/workflow', '@temporalio/common'];
  const violations: string[] = [];
  const seen = new Set<string>();
  const queue = fs.readdirSync(entryDir).filter((f) => f.endsWith('.ts')).map((f) => path.join(entryDir, f));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const { specifier } of valueImports(file)) {
      const where = path.relative(SRC, file);
      if (specifier.startsWith('.')) {
        const target = resolveLocal(file, specifier);
        if (!target) violations.push(`${where}: cannot resolve ${specifier}`);
        else if (target.startsWith(path.join(SRC, 'activities'))) violations.push(`${where}: imports activities by value (${specifier})`);
        else if (!target.startsWith(path.join(SRC, 'workflows')) && !target.startsWith(path.join(SRC, 'domain'))) {
          violations.push(`${where}: imports ${specifier}, outside src/workflows and src/domain`);
        } else queue.push(target);
      } else if (BUILTINS.has(specifier)) violations.push(`${where}: imports the Node built-in ${specifier}`);
      else if (specifier.startsWith('(')) violations.push(`${where}: uses a ${specifier}`);
      else if (!allowedPackages.some((p) => specifier === p || specifier.startsWith(`${p}/`)) && specifier !== 'zod') {
        violations.push(`${where}: imports the package ${specifier}`);
      }
    }
  }
  return violations;
}

describe('workflow sandbox rules', () => {
  it('hold for src/workflows and everything it imports by value', () => {
    expect(sandboxViolations(path.join(SRC, 'workflows'))).toEqual([]);
  });

  it('hold for src/domain, which workflows may import', () => {
    expect(sandboxViolations(path.join(SRC, 'domain'))).toEqual([]);
  });

  it('catch a value import of activities, a Node built-in and an I/O package', () => {
    const dir = fs.mkdtempSync(path.join(SRC, 'workflows', '.rule-check-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'bad.ts'),
        [
          "import { createActivities } from '../../activities';",
          "import type { Activities } from '../../activities';",
          "import * as fs from 'node:fs';",
          "import { readFileSync } from 'fs';",
          "import nodemailer from 'nodemailer';",
          "import { proxyActivities } from '@temporalio/workflow';",
        ].join('\n'),
      );
      expect(sandboxViolations(dir).sort()).toEqual(
        [
          `workflows/${path.basename(dir)}/bad.ts: imports activities by value (../../activities)`,
          `workflows/${path.basename(dir)}/bad.ts: imports the Node built-in node:fs`,
          `workflows/${path.basename(dir)}/bad.ts: imports the Node built-in fs`,
          `workflows/${path.basename(dir)}/bad.ts: imports the package nodemailer`,
        ].sort(),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
