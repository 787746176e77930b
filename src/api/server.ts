// The API process of the production topology: the HTTP server (API + web console) on its own,
// against a Temporal cluster, PostgreSQL and an SMTP relay. The embedded stack uses `listen`.
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Logger } from '@temporalio/worker';
import { type Config, loadConfig, publicUrl } from '../config';
import type { AppDatabase } from '../db';
import type { Check } from '../domain/health';
import type { Outbox } from '../embedded/outbox';
import { checkDatabase, checkSmtp, checkTemporal } from '../health';
import { createMailTransport, type MailTransport } from '../mail';
import { checkProfiles, installRuntime, onShutdownSignal, openMigratedDatabase, requireSharedParts, resolveAuditMacKeys, resolveSigningKeys, storeProfiles } from '../runtime';
import { listenOn } from '../startup';
import { registerSearchAttributes } from '../temporal/search-attributes';
import { syncReviewSchedules } from '../temporal/review-schedule';
import type { SigningKey } from '../tokens';
import { connectClient } from '../temporal/connection';
import { createApp } from './app';
import { countAccounts } from '../db/accounts';
import { signInSources, type SignInSources } from '../auth/sources';

export interface ApiDeps {
  config: Config;
  client: Client;
  appDb: AppDatabase;
  mail: MailTransport;
  signingKeys: readonly SigningKey[];
  auditMacKeys: readonly SigningKey[];
  outbox?: Outbox;
  logger: Logger;
  /** Directory and OpenID sign-in; read from the configuration when not given. */
  sources?: SignInSources;
}

export function healthChecks({ config, client, appDb, mail }: Pick<ApiDeps, 'config' | 'client' | 'appDb' | 'mail'>) {
  return async (): Promise<Check[]> => {
    const [temporal, database, smtp] = await Promise.all([
      checkTemporal(client, config.TEMPORAL_TASK_QUEUE),
      checkDatabase(appDb.db, appDb.engine),
      checkSmtp(mail, { mailFrom: config.MAIL_FROM, recipient: config.SMTP_CHECK_RECIPIENT }),
    ]);
    return [...temporal, database, smtp];
  };
}

/** Starts listening; resolves once the port is bound. */
/**
 * Idle keep-alive connections outlive the client's (fetch keeps them 4 s, proxies about a minute):
 * with Node's 5 s, a client reusing a connection just as the server closes it gets ECONNRESET —
 * seen on a loaded machine, where both timers run late.
 */
export function keepIdleConnections(server: Server): void {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
}

export async function listen(deps: ApiDeps): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const { config } = deps;
  const app = createApp({ ...deps, ...(deps.sources ?? signInSources(config)), health: healthChecks(deps) });
  const server = await listenOn('PORT', config.PORT, () =>
    new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.PORT, config.HOST, (err?: Error) => (err ? reject(err) : resolve(s)));
    }),
  );
  keepIdleConnections(server);
  return {
    server,
    url: publicUrl(config),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

export async function main(): Promise<void> {
  const config = loadConfig();
  requireSharedParts(config, 'API');
  const profiles = checkProfiles(config);
  const sources = signInSources(config);
  const logger = installRuntime(config);
  const appDb = await openMigratedDatabase(config, logger);
  await storeProfiles(appDb, profiles, logger);
  const mail = createMailTransport(config);
  const client = await connectClient(config);
  await registerSearchAttributes(client);
  // This process loads the profiles, so it keeps each organisation's review and password-reminder Schedules in step with them.
  const schedules = await syncReviewSchedules(client, config.TEMPORAL_TASK_QUEUE, profiles.map(({ profile }) => ({ key: profile.organisation.key, profile })));
  logger.info('Review and password-reminder schedules in step with the profiles', { ...schedules });
  const http = await listen({ config, client, appDb, mail, logger, sources, signingKeys: resolveSigningKeys(config), auditMacKeys: resolveAuditMacKeys(config) });
  logger.info(`API and console listening on ${http.url}`);
  // A setup link is a credential: the API process does not put one in its logs.
  if ((await countAccounts(appDb.db)) === 0) logger.warn('No account exists yet: create the first administrator with `jukinet-ops user add --email … --name … --role admin@*`');
  onShutdownSignal(logger, async () => {
    await http.close();
    await client.connection.close();
    mail.transport.close();
    await appDb.close();
  });
}
