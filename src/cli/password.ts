// `jukinet-ops password check`: whether a candidate password meets the Juki-net or the NIST rules
// (issue 11 item 5), checked here on the machine, not by the API. The rules are pure code the
// command line already carries (domain/password-policy.ts, word lists included), so the check
// needs no server, no key and no network — it works on a Juki-net segment terminal with no route
// to the console — and the candidate never leaves the process: no proxy, TLS terminator or access
// log can keep it. It is read from the terminal without echo (or from standard input when piped),
// never from an argument, which the shell history and `ps` would keep. Nothing prints it.
import { parseArgs } from 'node:util';
import { checkPasswordWith, DEFAULT_PASSWORD_RULE_SET, PASSWORD_RULE_SET_NAMES, PASSWORD_RULE_SETS, type PasswordRuleSetName } from '../domain/password-policy';
import { readSecret } from './credentials';

type Out = (line: string) => void;

export const PASSWORD_CHECK_USAGE = `Usage: jukinet-ops password check [--rule-set juki|nist] [--multi-factor] [--name NAME] [--user-id ID] [--organisation NAME]
  Asks for the candidate without echo (or reads one line from standard input when piped) and checks
  it on this machine against the rule set: juki (default; niigata:15.2.7, 8+ characters mixed, no
  dictionary word or simple string) or nist (SP 800-63B-4: 15+ characters, or 8+ with --multi-factor;
  blocklist; no composition rules). --name, --user-id and --organisation are words the password must
  not contain. Prints each rule the candidate breaks; exits 0 when accepted, 1 when rejected.
  The password is never an argument: it would stay in the shell history and the process list.`;

const ARGUMENT_REFUSED =
  'password check: a password is never given as an argument (the shell history and the process list would keep it); run `jukinet-ops password check` and type it at the prompt, or pipe it on standard input';

export async function passwordCommand(args: string[], out: Out, err: Out, readPassword: () => Promise<string> = () => readSecret('Password (not shown): ', process.stdin, process.stderr, { trim: false })): Promise<number> {
  if (args[0] !== 'check' || args.includes('--help')) {
    (args.includes('--help') ? out : err)(PASSWORD_CHECK_USAGE);
    return args.includes('--help') ? 0 : 2;
  }
  const rest = args.slice(1);
  // Refused before parsing, so that the refusal (not a parser's message quoting it) is all that is said.
  if (rest.some((a) => /^--?(password|pass|pw|p)(=|$)/i.test(a))) {
    err(ARGUMENT_REFUSED);
    return 2;
  }
  let values: { 'rule-set'?: string; 'multi-factor'?: boolean; name?: string; 'user-id'?: string; organisation?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { 'rule-set': { type: 'string' }, 'multi-factor': { type: 'boolean' }, name: { type: 'string' }, 'user-id': { type: 'string' }, organisation: { type: 'string' } },
    }));
  } catch {
    // The parser's message would quote the unknown option, which may be the password itself.
    err(`password check: unknown option\n\n${PASSWORD_CHECK_USAGE}`);
    return 2;
  }
  if (positionals.length > 0) {
    err(ARGUMENT_REFUSED);
    return 2;
  }
  const ruleSet = (values['rule-set'] ?? DEFAULT_PASSWORD_RULE_SET) as PasswordRuleSetName;
  if (!PASSWORD_RULE_SET_NAMES.includes(ruleSet)) {
    err(`password check: --rule-set must be one of ${PASSWORD_RULE_SET_NAMES.join(', ')}`);
    return 2;
  }
  let candidate: string;
  try {
    candidate = await readPassword();
  } catch {
    err('password check: cancelled');
    return 2;
  }
  if (candidate === '') {
    err('password check: nothing was typed');
    return 2;
  }
  const rejections = checkPasswordWith(
    ruleSet,
    candidate,
    {
      ...(values.name ? { displayName: values.name } : {}),
      ...(values['user-id'] ? { userId: values['user-id'] } : {}),
      ...(values.organisation ? { organisationNames: [values.organisation] } : {}),
    },
    { singleFactor: !values['multi-factor'] },
  );
  const title = PASSWORD_RULE_SETS[ruleSet].title;
  if (rejections.length === 0) {
    out(`受理: ${title.ja}を満たしています / Accepted: meets the ${title.en}`);
    return 0;
  }
  out(`不可: ${title.ja}に反しています / Rejected under the ${title.en}:`);
  for (const r of rejections) {
    out(`  - [${r.rule}] ${r.message.ja}（${r.reference}）`);
    out(`    ${r.message.en}`);
  }
  return 1;
}
