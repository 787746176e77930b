// The HTTP application (API + web console), built from its dependencies so tests can build it
// without listening and each entry (embedded stack, API process) wires its own.
import express, { type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Client } from '@temporalio/client';
import type { Logger } from '@temporalio/worker';
import { type Config, publicUrl, temporalUiUrl } from '../config';
import type { LdapConfig } from '../auth/ldap';
import type { OidcConfig } from '../auth/oidc';
import type { LedgerDirectory } from '../imports/ledger-ldap';
import { createRateLimiter } from '../auth/rate-limit';
import { parseDuration } from '../domain/duration';
import type { AppDatabase } from '../db';
import { standingAlerts } from '../db/delivery';
import { listIncidents } from '../db/incidents';
import { getOrganisation } from '../db/organisations';
import type { Check } from '../domain/health';
import type { Outbox } from '../embedded/outbox';
import { html, type Html, page, STYLE_HASH } from './html';
import { errorHandler, HttpError, locals, localeMiddleware, notFound, UnavailableError } from './http';
import { type SigningKey, withoutTaskTokens } from '../tokens';
import type { MessageKey } from './i18n';
import { allow, authenticate, formCsrf, principalOf, visibleTo } from './access';
import { INCIDENT_READERS } from '../domain/access';
import { adminRouter } from './routes/admin';
import { auditRouter } from './routes/audit';
import { detectionsRouter } from './routes/detections';
import { signInRouter } from './routes/sign-in';
import { openApiRouter } from './routes/openapi';
import { scorecardRouter } from './routes/scorecard';
import { healthRouter } from './routes/health';
import { incidentsRouter } from './routes/incidents';
import { contractRecordsRouter } from './routes/contract-records';
import { closingRouter, closingSection } from './routes/closing';
import { type JapaneseFont, resolveJapaneseFont } from '../documents/pdf';
import { noticesRouter } from './routes/notices';
import { notificationsRouter } from './routes/notifications';
import { taskLinksRouter } from './routes/task-links';
import { CHECKLIST_FIELDS_MAX } from './checklist-form';
import { tasksRouter } from './routes/tasks';
import { organisationsRouter } from './routes/organisations';
import { ledgerPageRenderer, ledgerRouter } from './routes/ledger';
import { outboxRouter } from './routes/outbox';
import { paperRouter } from './routes/paper';
import { passwordCheckRouter } from './routes/password-check';
import { targetedReviewRouter } from './routes/targeted-review';
import { reviewRouter } from './routes/review';
import { contractsRouter, isContractChangeFormPath } from './routes/contracts';
import { contractRequestsRouter, isContractRequestPost } from './routes/contract-requests';
import { homePage } from './views/home';

export interface AppDeps {
  config: Config;
  appDb: AppDatabase;
  /** The process's one Temporal client: starts procedures, records decisions. */
  client: Client;
  signingKeys: readonly SigningKey[];
  /** The audit chain's MAC keys: GET /api/audit/verify checks with them. */
  auditMacKeys: readonly SigningKey[];
  /** Runs every health check (Temporal, namespace, worker, database, SMTP). */
  health: () => Promise<Check[]>;
  /** The SMTP sink's outbox, when the embedded sink is in use. */
  outbox?: Outbox;
  logger: Logger;
  /** The clock task links expire by and answers are timed by; the real one unless a test moves it. */
  now?: () => number;
  /** How long a task answer waits for its workflow before the page says 受付済み（処理中） (default 15 s). */
  updateTimeoutMs?: number;
  /** How long a declaration waits for its workflow's start (15 s unless a test shortens it). */
  startTimeoutMs?: number;
  /** Directory sign-in, when configured (LDAP_URL…). */
  ldap?: LdapConfig;
  /** OpenID Connect sign-in, when configured (OIDC_ISSUER…). */
  oidc?: OidcConfig;
  /** The directories each organisation's user-ID ledger is read from, when configured (LEDGER_DIRECTORIES). */
  ledgerDirectories?: Record<string, LedgerDirectory>;
  /** The font generated documents embed; PDF_FONT_PATH or the system's unless a test gives one. */
  pdfFont?: () => JapaneseFont;
}

/** What an outage page says was recorded. */
const OUTAGE_BODY: Record<UnavailableError['recorded'], MessageKey> = { nothing: 'outageNothing', no: 'outageNotRecorded', unknown: 'outageUnknown' };

/** `bare`: a page reached from an email link, shown without the console's navigation. */
export type RenderPage = (req: Request, res: Response, title: string, body: Html, o?: { bare?: boolean }) => string;

export function createApp(deps: AppDeps): express.Express {
  const { config, appDb, health, outbox, logger, client, signingKeys, auditMacKeys } = deps;
  const db = appDb.db;
  const uiUrl = temporalUiUrl(config);

  const now = () => new Date(deps.now ? deps.now() : Date.now());
  const limits = { idleMs: parseDuration(config.SESSION_IDLE)!, absoluteMs: parseDuration(config.SESSION_MAX)! };
  const auditMacKey = auditMacKeys[0];

  const renderPage: RenderPage = (req, res, title, body, o = {}) => {
    const { locale, t } = locals(res);
    const p = principalOf(res);
    const nav =
      p && !o.bare
        ? {
            user: p.name,
            logoutCsrf: formCsrf(req, res, signingKeys),
            showOutbox: Boolean(outbox) && p.grants.some((g) => g.role === 'admin' && g.organisation === '*'),
            showAdmin: p.grants.some((g) => g.role === 'admin'),
            offerSecondFactor: p.withoutSecondFactor === true,
            ...(uiUrl ? { temporalUiUrl: uiUrl } : {}),
          }
        : undefined;
    return page({ title, locale, t, path: req.path, ...(nav ? { nav } : {}) }, body);
  };

  const app = express();
  app.disable('x-powered-by');
  // Express's own error page (the last resort, should our handler ever be skipped) then shows no stack trace.
  app.set('env', 'production');
  app.set('query parser', 'simple');
  // Behind a reverse proxy the client's address and HTTPS come from its headers (rate limits, Secure cookies).
  if (config.TRUST_PROXY) app.set('trust proxy', /^\d+$/.test(config.TRUST_PROXY) ? Number(config.TRUST_PROXY) : config.TRUST_PROXY === 'true' ? true : config.TRUST_PROXY === 'false' ? false : config.TRUST_PROXY);
  // Security headers on every answer: no script at all, only our one stylesheet, no framing, and
  // HSTS when people reach the console over HTTPS.
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          styleSrc: [`'${STYLE_HASH}'`],
          imgSrc: ["'self'", 'data:'],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
        },
      },
      strictTransportSecurity: publicUrl(config).startsWith('https:') ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      referrerPolicy: { policy: 'no-referrer' },
      xFrameOptions: { action: 'deny' },
    }),
  );
  // The language first: a body that cannot be parsed gets its error page in the person's language.
  app.use(localeMiddleware(config.DEFAULT_LOCALE));
  // A contract's request carries its attachments: its route parses its own, larger body after its policy.
  app.use(express.json({ limit: '100kb', type: (req) => !isContractRequestPost(req.method, req.url) && Boolean((req as express.Request).is('application/json')) }));
  // A checklist task's answer (POST /t/:token) carries every item's fields: up to 50 items, each
  // with a note of up to 2,000 characters (Japanese, 9 bytes each once percent-encoded) and a few
  // files ticked. Only that route takes more; every other form keeps the small limits below.
  const checklistBody = express.urlencoded({ extended: false, limit: '1mb', parameterLimit: CHECKLIST_FIELDS_MAX + 10 });
  app.use('/t', (req, res, next) => (req.method === 'POST' && /^\/[^/]+\/?$/.test(req.path) ? checklistBody(req, res, next) : next()));
  // A contract's change form carries the whole of the terms again (four fields of up to 4,000
  // characters, Japanese, percent-encoded): that route alone takes more than the small limit.
  const changeFormBody = express.urlencoded({ extended: false, limit: '300kb', parameterLimit: 100 });
  app.use('/contracts', (req, res, next) => (req.method === 'POST' && isContractChangeFormPath(req.path) ? changeFormBody(req, res, next) : next()));
  app.use(express.urlencoded({ extended: false, limit: '20kb', parameterLimit: 100 }));

  // Pages and answers carry people's names and live links: no cache keeps them, so Back after
  // sign-out shows nothing private.
  app.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use(authenticate(db, { limits, now: () => now().getTime() }));

  const signInDeps = { db, auditMacKey, lockout: { threshold: config.LOCKOUT_THRESHOLD, periodMs: parseDuration(config.LOCKOUT_PERIOD)! }, now, ...(deps.ldap ? { ldap: deps.ldap } : {}) };
  app.use(
    signInRouter({
      signIn: signInDeps,
      limits,
      signingKeys,
      renderPage,
      secureCookies: publicUrl(config).startsWith('https:'),
      // Per address: a whole office behind one NAT signs in at 9:00, so generous; per account: a guesser's pace.
      limiters: {
        perAddress: createRateLimiter({ limit: 60, windowMs: 5 * 60_000, now: () => now().getTime() }),
        perAccount: createRateLimiter({ limit: 10, windowMs: 15 * 60_000, now: () => now().getTime() }),
      },
      ...(deps.oidc ? { oidc: deps.oidc } : {}),
    }),
  );
  app.use(adminRouter({ admin: { db, auditMacKey, now }, signingKeys, publicUrl: publicUrl(config), renderPage }));
  app.use(healthRouter({ health }));
  app.use(openApiRouter({ publicUrl: publicUrl(config) }));
  app.use(organisationsRouter({ appDb, renderPage }));
  const ledgerDeps = { db, auditMacKey, signingKeys, renderPage, now, ...(deps.ledgerDirectories ? { directories: deps.ledgerDirectories } : {}) };
  app.use(ledgerRouter(ledgerDeps));
  app.use(
    targetedReviewRouter({ db, client, taskQueue: config.TEMPORAL_TASK_QUEUE, now, signingKeys, showLedger: ledgerPageRenderer(ledgerDeps), ...(deps.startTimeoutMs ? { startTimeoutMs: deps.startTimeoutMs } : {}) }),
  );
  app.use(reviewRouter({ db, client, taskQueue: config.TEMPORAL_TASK_QUEUE, signingKeys, now, renderPage }));
  // The request form (/contracts/:organisation/new) before the contract pages (/contracts/:organisation/:number).
  app.use(
    contractRequestsRouter({ db, client, taskQueue: config.TEMPORAL_TASK_QUEUE, signingKeys, now, renderPage, publicUrl: publicUrl(config), ...(deps.startTimeoutMs ? { startTimeoutMs: deps.startTimeoutMs } : {}) }),
  );
  app.use(contractsRouter({ db, client, signingKeys, now, renderPage, ...(deps.updateTimeoutMs ? { updateTimeoutMs: deps.updateTimeoutMs } : {}) }));
  app.use(outboxRouter({ ...(outbox ? { outbox } : {}), renderPage }));
  // Task links are credentials in a URL: guessing them is slowed per address. Only links that do
  // not work count (a whole office behind one address opens good links all day), 30 in 5 minutes.
  const taskLinkLimiter = createRateLimiter({ limit: 30, windowMs: 5 * 60_000, now: () => now().getTime() });
  app.use('/t', (req, res, next) => {
    const key = `ip:${req.ip ?? 'unknown'}`;
    const d = taskLinkLimiter.check(key);
    if (!d.allowed) {
      res.setHeader('Retry-After', String(d.retryAfterSeconds));
      return next(new HttpError(429, 'rate_limited', locals(res).t('rateLimited')));
    }
    res.on('finish', () => {
      if (res.statusCode >= 400 && res.statusCode < 500) taskLinkLimiter.hit(key);
    });
    next();
  });
  app.use(
    taskLinksRouter({
      db,
      client,
      signingKeys,
      renderPage,
      logger,
      ...(deps.now ? { now: deps.now } : {}),
      ...(deps.updateTimeoutMs ? { updateTimeoutMs: deps.updateTimeoutMs } : {}),
    }),
  );
  app.use(tasksRouter({ db, renderPage }));
  // A person trying candidates at the keyboard asks a few times a minute; a script walking a list, more.
  app.use(passwordCheckRouter({ db, limiter: createRateLimiter({ limit: 30, windowMs: 60_000, now: () => now().getTime() }) }));
  app.use(
    detectionsRouter({
      db,
      client,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      auditMacKey,
      detectorEmail: /<([^>]+)>/.exec(config.MAIL_FROM)?.[1] ?? config.MAIL_FROM,
      now,
      ...(deps.startTimeoutMs ? { startTimeoutMs: deps.startTimeoutMs } : {}),
    }),
  );
  app.use(auditRouter({ db, client, auditMacKeys, taskQueue: config.TEMPORAL_TASK_QUEUE }));
  app.use(
    incidentsRouter({
      db,
      client,
      signingKeys,
      renderPage,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      demoOrganisation: config.DEMO_ORGANISATION,
      ...(deps.startTimeoutMs ? { startTimeoutMs: deps.startTimeoutMs } : {}),
      ...(deps.updateTimeoutMs ? { updateTimeoutMs: deps.updateTimeoutMs } : {}),
      pdfFont: deps.pdfFont ?? (() => resolveJapaneseFont({ configured: config.PDF_FONT_PATH })),
      ...(deps.now ? { now: deps.now } : {}),
      pageExtras: (req, res, incident, obligations) => closingSection({ db, signingKeys }, req, res, { organisation: incident.organisation, incidentId: incident.incident_id, status: incident.status }, obligations),
    }),
  );
  app.use(contractRecordsRouter({ db, client, auditMacKey, now }));
  app.use(closingRouter({ db, client, signingKeys, auditMacKey, now, ...(deps.updateTimeoutMs ? { updateTimeoutMs: deps.updateTimeoutMs } : {}) }));

  app.use(notificationsRouter({ db, client, taskQueue: config.TEMPORAL_TASK_QUEUE, now }));
  app.use(scorecardRouter({ db, renderPage, now, pdfFont: deps.pdfFont ?? (() => resolveJapaneseFont({ configured: config.PDF_FONT_PATH })) }));
  app.use(paperRouter({ db, auditMacKey, signingKeys, renderPage, pdfFont: deps.pdfFont ?? (() => resolveJapaneseFont({ configured: config.PDF_FONT_PATH })), now }));
  app.use(
    noticesRouter({
      db,
      renderPage,
      signingKeys,
      auditMacKey,
      pdfFont: deps.pdfFont ?? (() => resolveJapaneseFont({ configured: config.PDF_FONT_PATH })),
      publicUrl: publicUrl(config),
      now,
    }),
  );

  app.get('/', allow.signedIn(), async (req, res) => {
    const { t, locale } = locals(res);
    const own = principalOf(res)!.grants.map((g) => g.organisation).find((o) => o !== '*') ?? config.DEMO_ORGANISATION;
    const [checks, profile, all, allAlerts] = await Promise.all([health(), getOrganisation(db, own), listIncidents(db), standingAlerts(db)]);
    const incidents = visibleTo(res, INCIDENT_READERS, all);
    const alerts = visibleTo(res, INCIDENT_READERS, allAlerts);
    const organisation = profile && { key: profile.organisation.key, name: profile.organisation.name, kind: profile.organisation.kind };
    res.send(renderPage(req, res, t('appTagline'), homePage({ checks, t, locale, alerts, incidents: incidents.slice(0, 10), ...(organisation ? { organisation } : {}) })));
  });

  app.use((req, _res, next) => next(notFound(`no route for ${req.method} ${req.path}`)));
  app.use(
    errorHandler(
      (req, res, e: HttpError) => {
        const { t } = locals(res);
        if (e instanceof UnavailableError) {
          return renderPage(req, res, t('outageTitle'), html`<section class="notice"><p>${t(OUTAGE_BODY[e.recorded])}</p><p><a href="">${t('outageRetry')}</a></p></section>`);
        }
        const title = e.status === 404 ? t('notFound') : e.status < 500 ? t('badRequest') : t('serverError');
        return renderPage(req, res, title, html`<section><p>${e.message}</p>${
          e.issues.length > 0 ? html`<ul class="issues">${e.issues.map((i) => html`<li><code>${i.path}</code>: ${i.message}</li>`)}</ul>` : ''
        }<p><a href="/">${t('navHome')}</a></p></section>`);
      },
      (err, req) =>
        logger.error('Request failed', { method: req.method, path: withoutTaskTokens(req.path), error: withoutTaskTokens(err instanceof Error ? (err.stack ?? err.message) : String(err)) }),
      config.DEFAULT_LOCALE,
    ),
  );
  return app;
}
