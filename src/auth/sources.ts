// Where identities come from besides local accounts, from the configuration: the directory
// (LDAP_*) and the OpenID provider (OIDC_*). Checked when the console starts, so a bad value
// stops it with the variable named rather than failing the first sign-in.
import { type Config, publicUrl } from '../config';
import { type LdapConfig, parseLdapEnv } from './ldap';
import { type OidcConfig, parseOidcEnv } from './oidc';
import { type LedgerDirectory, parseLedgerDirectoriesEnv } from '../imports/ledger-ldap';

export interface SignInSources {
  ldap?: LdapConfig;
  oidc?: OidcConfig;
  /** The directories each organisation's user-ID ledger is read from (LEDGER_DIRECTORIES). */
  ledgerDirectories?: Record<string, LedgerDirectory>;
}

/** Throws ConfigError naming the variable when a source is configured wrongly. */
export function signInSources(config: Config): SignInSources {
  const env = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v === undefined ? undefined : String(v)]));
  if (config.OIDC_ISSUER && !config.OIDC_REDIRECT_URI) env.OIDC_REDIRECT_URI = `${publicUrl(config)}/login/oidc/callback`;
  const ldap = parseLdapEnv(env);
  const oidc = parseOidcEnv(env);
  const ledgerDirectories = parseLedgerDirectoriesEnv(config.LEDGER_DIRECTORIES);
  return { ...(ldap ? { ldap } : {}), ...(oidc ? { oidc } : {}), ...(Object.keys(ledgerDirectories).length > 0 ? { ledgerDirectories } : {}) };
}
