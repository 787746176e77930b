// `jukinet-ops <command>`: the one entry point for people and for the production processes.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode } from '@temporalio/worker';
import * as fs from 'node:fs';
import { WORKFLOW_BUNDLE_PATH, main as workerMain } from '../../worker';
import { main as apiMain } from '../api/server';
import type { Client } from '@temporalio/client';
import { type Config, ConfigError, describeConfig, isEmbeddedTemporal, loadConfig, publicUrl, temporalAddress } from '../config';
import { type AnchorEvidence, type ChainReport, verifyAuditChain } from '../db/audit';
import { migrateToLatest } from '../db/migrations';
import { ProfileError, existingAuditMacKeys, installRuntime, onShutdownSignal, openMigratedDatabase } from '../runtime';
import { fetchAuditAnchors } from '../temporal/audit-anchor';
import { connectClient } from '../temporal/connection';
import { embeddedStackRunning, startEmbeddedStack } from '../embedded/stack';
import { StartupError } from '../startup';
import { formatProblems, loadProfileFiles } from '../profiles';
import { runDoctor } from './doctor';
import { DECIDE_USAGE, DECLARE_USAGE, incidentDecide, incidentDeclare, incidentRaiseLevel, RAISE_LEVEL_USAGE } from './incident';
import { incidentNotifyStatus, NOTIFY_STATUS_USAGE } from './notify';
import { auditVerifyBundle, CLOSE_USAGE, incidentClose } from './closing';
import { apiFetch, LOGIN_HINT } from './credentials';
import { incidentList, incidentShow, LIST_USAGE, SHOW_USAGE } from './incident-view';
import { loginCommand, logoutCommand, USER_USAGE, userCommand } from './user';
import { incidentPaperRecords, PAPER_PLAN_USAGE, PAPER_RECORDS_USAGE, paperPlanCommand } from './paper';
import { passwordCommand } from './password';
import { reviewCommand } from './review';
import { contractCommand } from './contract';

const USAGE = `Usage: jukinet-ops <command>

Commands:
  start                      the whole product on one machine (embedded default; what \`npm start\` runs)
  worker                     the worker process (production: TEMPORAL_ADDRESS, DATABASE_URL, SMTP_URL)
  api                        the API and web console process (production)
  doctor [--json]            check every part: Temporal, namespace, worker, database, SMTP
  config                     print the effective configuration, secrets masked
  profile validate FILE…     validate organisation profiles; every problem with its path
  incident declare …         declare an incident (緊急時対応) through the API; \`incident declare --help\`
  incident list | show …     the incidents the key may read; one incident with its timeline
  incident raise-level …     raise or lower an incident's threat level (脅威度) with a reason; \`incident raise-level --help\`
  incident decide ORG ID …   record a decision of the security council (会議の決定) with its minutes; \`incident decide --help\`
  incident notify-status ORG ID [--json]   progress of the notices to the persons concerned (本人通知)
  incident paper-records ORG ID --file F   enter afterwards, at their real times, the lines done on paper (紙の記録)
  paper-plan ORG --out FILE  the emergency plan for paper mode (紙運用版) as a PDF, offline from the profile file
  incident close ORG ID [--reason TEXT]    close the incident (終結); refused, naming each open obligation, while any is open
  login [--api URL]          store an API key for the commands that call the API (asked for, never an argument)
  logout                     forget the stored API key
  review start ORG [--fiscal-year N]      start the year's user-ID and password review (見直し) now instead of on its scheduled day; \`review start --help\`
  review targeted ORG FILE [--dry-run]    review the IDs of the people a 人事異動 list (CSV or .xlsx) moves, before their date; \`review targeted --help\`
  contract request ORG FILE.json [--attach FILE]...   request approval of a contract (委託処理の承認申請) with its attachments; \`contract request --help\`
  password check [--rule-set juki|nist] …   check a candidate password offline (asked for without echo, never an argument); exits 1 naming each rule broken
  user add|grant|revoke|reset|disable|enable|unlock|list …   accounts (アカウント) on this server's database; \`user --help\`
  audit verify               check the audit log's MAC chain and its anchors in Temporal; exits 1 naming each edited, deleted or lost row
  audit verify-bundle FILE   check a case's evidence bundle (証拠一式): hashes, missing or extra files, audit links and MACs
  migrate                    apply database migrations and exit
  build-workflows            bundle the workflows for production workers (dist/workflow-bundle.js)
`;

/** Commands exposed to the production topology (docker-compose.yml runs these). */
export const COMMANDS = ['start', 'worker', 'api', 'doctor', 'config', 'profile', 'incident', 'paper-plan', 'login', 'logout', 'password', 'review', 'contract', 'user', 'audit', 'migrate', 'build-workflows', 'help'] as const;

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

async function start(): Promise<void> {
  const config = loadConfig();
  const logger = installRuntime(config);
  const began = Date.now();
  const stack = startEmbeddedStack(config, logger, (line) => out(line));
  // From the very beginning: a signal while starting stops whatever has started so far.
  onShutdownSignal(logger, async () => {
    out('Stopping jukinet-ops…');
    await stack.stop();
    out('Stopped.');
  });
  const urls = await stack.ready;
  out('');
  out(`jukinet-ops is running (ready in ${((Date.now() - began) / 1000).toFixed(1)} s; data in ${path.resolve(config.DATA_DIR)})`);
  out(`  Console (コンソール):  ${urls.console}`);
  if (urls.setup) {
    out('');
    out('  No account exists yet. Create the first administrator with this one-time link');
    out('  (初回の管理者アカウントをこのリンクから作成してください。1 回限り・24 時間有効):');
    out(`    ${urls.setup}`);
    out('');
  }
  if (urls.outbox) out(`  Outbox (送信箱):       ${urls.outbox}`);
  if (urls.temporalUi) out(`  Temporal UI:          ${urls.temporalUi}`);
  out(`  Health:               ${urls.health}`);
  out('Press Ctrl-C to stop.');
}

function profileValidate(files: string[]): number {
  if (files.length === 0) {
    err('profile validate: name at least one FILE');
    return 2;
  }
  let failed = 0;
  for (const r of loadProfileFiles(files)) {
    const { file } = r;
    if (r.ok) out(`${file}: OK (${r.profile.organisation.name})`);
    else {
      failed++;
      for (const line of formatProblems(r)) out(line);
    }
  }
  return failed > 0 ? 1 : 0;
}

async function migrate(): Promise<void> {
  const config = loadConfig();
  const logger = installRuntime(config);
  const appDb = await openMigratedDatabase(config, logger);
  const applied = await migrateToLatest(appDb.db);
  out(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
  await appDb.close();
}

/** The anchors from Temporal, or why they cannot be read (never a failure: verify says so). */
async function anchorsFromTemporal(config: Config): Promise<AnchorEvidence> {
  if (isEmbeddedTemporal(config) && !embeddedStackRunning(config)) {
    return { unavailable: 'the embedded Temporal server runs only with the stack: start it to check the anchors' };
  }
  let client: Client;
  try {
    client = await connectClient(config, { connectTimeout: '5s' });
  } catch (e) {
    return { unavailable: `Temporal at ${temporalAddress(config)} (TEMPORAL_ADDRESS) is unreachable: ${e instanceof Error ? e.message : String(e)}` };
  }
  try {
    return await fetchAuditAnchors(client, config.TEMPORAL_TASK_QUEUE);
  } finally {
    await client.connection.close();
  }
}

/**
 * Verifies the audit chain: its MACs, and its head against the anchors kept in Temporal. Directly
 * on PostgreSQL; on PGlite through the running stack's API when one holds the data folder (PGlite
 * serves one process), else by opening it. Exits 1 when a problem is found.
 */
async function auditVerify(): Promise<number> {
  const config = loadConfig();
  let report: ChainReport;
  if (!config.DATABASE_URL && embeddedStackRunning(config)) {
    const res = await apiFetch(publicUrl(config), '/api/audit/verify');
    if (res.status === 401 || res.status === 403) {
      err(`audit verify: ${res.status}: ${LOGIN_HINT} (an auditor or admin key)`);
      return 1;
    }
    report = (await res.json()) as ChainReport;
  } else {
    const logger = installRuntime(config);
    // The anchors first: a row appended meanwhile then cannot look like a lost tail.
    const anchors = await anchorsFromTemporal(config);
    const appDb = await openMigratedDatabase(config, logger);
    try {
      report = await verifyAuditChain(appDb.db, { macKeys: existingAuditMacKeys(config), anchors });
    } finally {
      await appDb.close();
    }
  }
  for (const p of report.problems) out(`  ✘ row ${p.seq}: ${p.problem} — ${p.detail}`);
  for (const u of report.unchecked) out(`  ⚠ not checked (未確認): ${u}`);
  if (report.anchor) out(`  Anchor: row ${report.anchor.seq} as of ${report.anchor.at}, kept in Temporal (外部の錨)`);
  if (!report.ok) out(`Audit log TAMPERED: ${report.problems.length} problem(s) in ${report.rows} rows (改ざんを検出しました).`);
  else if (report.unchecked.length > 0) out(`Audit log intact as far as checked: ${report.rows} rows, MAC chain verified; see above what was not checked (一部未確認).`);
  else out(`Audit log intact: ${report.rows} rows, MAC chain and anchors verified (監査証跡は改ざんされていません).`);
  return report.ok ? 0 : 1;
}

async function buildWorkflows(): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  fs.mkdirSync(path.dirname(WORKFLOW_BUNDLE_PATH), { recursive: true });
  fs.writeFileSync(WORKFLOW_BUNDLE_PATH, code);
  out(`Workflow bundle written to ${WORKFLOW_BUNDLE_PATH} (${(code.length / 1024).toFixed(0)} KiB)`);
}

export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      await start();
      return -1; // keeps running until a signal
    case 'worker':
      await workerMain();
      return -1;
    case 'api':
      await apiMain();
      return -1;
    case 'doctor': {
      const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean', default: false } } });
      return runDoctor(loadConfig(), { json: values.json ?? false, out });
    }
    case 'config':
      for (const [k, v] of describeConfig(loadConfig())) out(`${k.padEnd(26)} ${v}`);
      return 0;
    case 'profile':
      if (rest[0] !== 'validate') {
        err(`profile: unknown subcommand ${rest[0] ?? '(none)'}; try: jukinet-ops profile validate FILE…`);
        return 2;
      }
      return profileValidate(rest.slice(1));
    case 'incident':
      if (rest[0] === 'list' || rest[0] === 'show') {
        if (rest.includes('--help')) return (out(rest[0] === 'list' ? LIST_USAGE : SHOW_USAGE), 0);
        return (rest[0] === 'list' ? incidentList : incidentShow)(rest.slice(1), loadConfig(), out, err);
      }
      if (rest[0] === 'notify-status') {
        if (rest.includes('--help')) return (out(NOTIFY_STATUS_USAGE), 0);
        return incidentNotifyStatus(rest.slice(1), loadConfig(), out, err);
      }
      if (rest[0] === 'decide') {
        if (rest.includes('--help')) return (out(DECIDE_USAGE), 0);
        return incidentDecide(rest.slice(1), loadConfig(), out, err);
      }
      if (rest[0] === 'paper-records') {
        if (rest.includes('--help')) return (out(PAPER_RECORDS_USAGE), 0);
        return incidentPaperRecords(rest.slice(1), loadConfig(), out, err);
      }
      if (rest[0] === 'close') {
        if (rest.includes('--help')) return (out(CLOSE_USAGE), 0);
        return incidentClose(rest.slice(1), loadConfig(), out, err);
      }
      if (rest[0] === 'raise-level') {
        if (rest.includes('--help')) {
          out(RAISE_LEVEL_USAGE);
          return 0;
        }
        return incidentRaiseLevel(rest.slice(1), loadConfig(), out, err);
      }
      if (rest[0] !== 'declare' || rest.includes('--help')) {
        (rest[0] === 'declare' ? out : err)(DECLARE_USAGE);
        return rest[0] === 'declare' ? 0 : 2;
      }
      return incidentDeclare(rest.slice(1), loadConfig(), out, err);
    case 'paper-plan':
      if (rest.includes('--help')) return (out(PAPER_PLAN_USAGE), 0);
      return paperPlanCommand(rest, loadConfig(), out, err);
    case 'login':
      return loginCommand(rest, loadConfig(), out, err);
    case 'logout':
      return logoutCommand(out);
    case 'password':
      return passwordCommand(rest, out, err);
    case 'review':
      return reviewCommand(rest, () => loadConfig(), out, err);
    case 'contract':
      return contractCommand(rest, () => loadConfig(), out, err);
    case 'user':
      if (rest.length === 0 || rest.includes('--help')) {
        (rest.includes('--help') ? out : err)(USER_USAGE);
        return rest.includes('--help') ? 0 : 2;
      }
      return userCommand(rest, loadConfig(), out, err);
    case 'audit':
      if (rest[0] === 'verify-bundle') return auditVerifyBundle(rest.slice(1), existingAuditMacKeys(loadConfig()), out, err);
      if (rest[0] !== 'verify') {
        err('audit: try jukinet-ops audit verify or audit verify-bundle FILE');
        return 2;
      }
      return auditVerify();
    case 'migrate':
      await migrate();
      return 0;
    case 'build-workflows':
      await buildWorkflows();
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out(USAGE);
      return 0;
    default:
      err(`Unknown command: ${command}\n\n${USAGE}`);
      return 2;
  }
}

/** Runs a command line and exits with its status; long-running commands exit on a signal. */
export function cli(argv: string[]): void {
  run(argv).then(
    (code) => {
      if (code >= 0) process.exit(code);
    },
    (e: unknown) => {
      if (e instanceof ConfigError || e instanceof ProfileError || e instanceof StartupError) err(e.message);
      else err(`jukinet-ops: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      process.exit(1);
    },
  );
}
