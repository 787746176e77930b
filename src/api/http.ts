// The HTTP plumbing every router shares: the locale of a request, one validation middleware that
// keeps the parsed value and names each field in error, and one error handler.
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { englishMessages, type ZodType, z } from '../domain/zod';
import { formatIssuePath } from '../domain/profile';
import { type Locale, LOCALES, type Translate, translator } from './i18n';

export interface Issue {
  path: string;
  message: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (what: string) => new HttpError(404, 'not_found', what);

/**
 * What a request that met an outage recorded: `nothing` (it only reads), `no` (it failed before
 * sending anything that records), `unknown` (it failed after: see {@link recordingStarted}).
 */
export type Recorded = 'nothing' | 'no' | 'unknown';

/** The database (or what the request needs) is out of reach for now: 503, try again later. */
export class UnavailableError extends HttpError {
  constructor(readonly recorded: Recorded) {
    super(
      503,
      'unavailable',
      `the system is temporarily unavailable (database out of reach); ${
        recorded === 'nothing' ? 'this request records nothing' : recorded === 'no' ? 'nothing was recorded' : 'whether it was recorded is not known: check before sending again'
      }`,
    );
    this.name = 'UnavailableError';
  }
}

/** Seconds a client is asked to wait after a 503 for an outage: a restart takes about that. */
export const RETRY_AFTER_SECONDS = 10;

/**
 * A route calls this just before it sends what records the request (a write, an Update, a
 * workflow start): an outage after it may have recorded it, and the error page must not say not.
 */
export function recordingStarted(res: Response): void {
  res.locals.recordingStarted = true;
}

// Connection-level SQLSTATEs: 57P01 admin shutdown (restart, failover), 57P02 crash shutdown,
// 57P03 cannot connect now (starting up, shutting down), class 08 connection exceptions.
const PG_UNAVAILABLE = /^(57P0[123]|08...)$/;
// Socket errors the pg driver passes on from node (ENOTFOUND: a compose service that is stopped).
const NET_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
// pg and pg-pool's own errors when a connection ends or cannot be had in time.
const DRIVER_UNAVAILABLE = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/** True when `err` (or its cause) says the database cannot be reached now, not that a query is wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && (PG_UNAVAILABLE.test(e.code) || NET_UNAVAILABLE.has(e.code))) return true;
    if (typeof e.message === 'string' && DRIVER_UNAVAILABLE.test(e.message)) return true;
  }
  return false;
}

export interface RequestLocals {
  locale: Locale;
  t: Translate;
}

export function locals(res: Response): RequestLocals {
  return res.locals as RequestLocals;
}

/** A cookie's value; one that is not well-formed (`lang=%`) counts as absent. */
export function cookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * A console form's fields checked by the matching API route's own schema: the value, or every
 * issue as one line (`body.reason: …`) for the note the page shows after the redirect.
 */
export function checkForm<T extends ZodType>(schema: T, input: unknown, locale: Locale): { ok: true; data: z.output<T> } | { ok: false; note: string } {
  const r = schema.safeParse(input, locale === 'en' ? { error: englishMessages } : undefined);
  if (r.success) return { ok: true, data: r.data as z.output<T> };
  return { ok: false, note: r.error.issues.map((i) => `${formatIssuePath(['body', ...i.path])}: ${i.message}`).join('; ') };
}

/** A service's refusal (4xx) as one line for a console form's note; anything else is thrown on to the error page. */
export function refusalNote(err: unknown): string {
  if (err instanceof HttpError && err.status < 500) return [err.message, ...err.issues.map((i) => `${i.path}: ${i.message}`)].join(' / ');
  throw err;
}

/** The string fields of a parsed body (a form, or JSON sent to a form): anything else is left out. */
export function textFields(body: unknown): Record<string, string | undefined> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

const isLocale = (v: unknown): v is Locale => typeof v === 'string' && (LOCALES as readonly string[]).includes(v);

const setLocale = (res: Response, locale: Locale) => Object.assign(res.locals, { locale, t: translator(locale) } satisfies RequestLocals);

/** `?lang=en` switches and remembers the language; otherwise the cookie, else the default. */
export function localeMiddleware(defaultLocale: Locale): RequestHandler {
  return (req, res, next) => {
    const asked = req.query.lang;
    let locale: Locale = defaultLocale;
    if (isLocale(asked)) {
      locale = asked;
      res.cookie('lang', asked, { httpOnly: true, sameSite: 'lax', maxAge: 365 * 86_400_000 });
    } else {
      const remembered = cookie(req, 'lang');
      if (isLocale(remembered)) locale = remembered;
    }
    setLocale(res, locale);
    next();
  };
}

type Part = 'params' | 'query' | 'body';
export type Schemas = Partial<Record<Part, ZodType>>;
export type Validated<S extends Schemas> = { [K in keyof S]: S[K] extends ZodType ? z.output<S[K]> : never };

export type ValidatingHandler = RequestHandler & { schemas: Schemas };

/** Validates request parts; the parsed values are in `res.locals.valid`, errors name `part.field`. */
export function validate<S extends Schemas>(schemas: S): ValidatingHandler {
  const handler = (req: Request, res: Response, next: NextFunction) => {
    const valid: Record<string, unknown> = {};
    const issues: Issue[] = [];
    for (const part of Object.keys(schemas) as Part[]) {
      const r = schemas[part]!.safeParse(req[part] ?? {}, locals(res).locale === 'en' ? { error: englishMessages } : undefined);
      if (r.success) valid[part] = r.data;
      else issues.push(...r.error.issues.map((i) => ({ path: formatIssuePath([part, ...i.path]), message: i.message })));
    }
    if (issues.length > 0) {
      return next(new HttpError(400, 'validation_failed', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues));
    }
    res.locals.valid = valid;
    next();
  };
  // The OpenAPI description reads a route's schemas from here: what is documented is what is checked.
  return Object.assign(handler, { schemas: schemas as Schemas });
}

export function valid<S extends Schemas>(res: Response): Validated<S> {
  return res.locals.valid as Validated<S>;
}

export interface ErrorPageRenderer {
  (req: Request, res: Response, err: HttpError): string;
}

/** What the request parsers' own errors (`type`, `status`) mean to the caller; their messages are not shown. */
const PARSER_ERRORS: Record<string, { code: string; message: string }> = {
  'entity.parse.failed': { code: 'invalid_json', message: 'request body is not valid JSON' },
  'entity.too.large': { code: 'payload_too_large', message: 'request body is too large' },
  'parameters.too.many': { code: 'payload_too_large', message: 'request body has too many parameters' },
  'charset.unsupported': { code: 'unsupported_media_type', message: 'unsupported charset: send UTF-8' },
  'encoding.unsupported': { code: 'unsupported_media_type', message: 'unsupported Content-Encoding: send identity, gzip, deflate or br' },
  'request.aborted': { code: 'bad_request', message: 'request aborted' },
  'request.size.invalid': { code: 'bad_request', message: 'request size did not match Content-Length' },
  'querystring.parse.rangeError': { code: 'bad_request', message: 'request body is nested too deeply' },
};

/**
 * An error as the caller may see it. A 4xx from express or its parsers keeps its status with a
 * message of ours (theirs may quote the request: a path parameter that failed to decode is a
 * task link's token); the database out of reach is a 503 that says what `recorded`; anything else
 * is a 500.
 */
export function toHttpError(err: unknown, recorded: Recorded = 'nothing'): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (isDatabaseUnavailable(err)) return new UnavailableError(recorded);
  const e = err as { status?: unknown; statusCode?: unknown; type?: unknown } | null | undefined;
  const status = Number(e?.status ?? e?.statusCode);
  if (!Number.isInteger(status) || status < 400 || status > 499) return undefined;
  const known = typeof e?.type === 'string' ? PARSER_ERRORS[e.type] : undefined;
  if (known) return new HttpError(status, known.code, known.message);
  return new HttpError(status, status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'bad_request', status === 400 ? 'malformed request' : 'request refused');
}

/**
 * JSON for /api, a page for the console. A 500 never shows internals; a request that failed
 * before its language was known gets the default; and should the page itself fail, a line of
 * text answers, never express's own page with its stack trace.
 */
export function errorHandler(renderPage: ErrorPageRenderer, log: (err: unknown, req: Request) => void, defaultLocale: Locale): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const reads = req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS';
    let e = toHttpError(err, reads ? 'nothing' : res.locals.recordingStarted ? 'unknown' : 'no');
    if (!e) {
      log(err, req);
      e = new HttpError(500, 'internal_error', 'internal error');
    } else if (e instanceof UnavailableError) {
      // One short line per refused request, no stack: an outage repeats it for every request.
      const { message, code } = err as { message?: unknown; code?: unknown };
      log(`database unavailable: ${String(message)}${typeof code === 'string' ? ` (${code})` : ''}`, req);
      res.set('Retry-After', String(RETRY_AFTER_SECONDS));
    }
    res.status(e.status);
    if (req.path.startsWith('/api/')) {
      res.json({
        error: e.code,
        message: e.message,
        ...(e instanceof UnavailableError ? { recorded: e.recorded } : {}),
        ...(e.issues.length > 0 ? { issues: e.issues } : {}),
      });
      return;
    }
    if (typeof locals(res).t !== 'function') setLocale(res, defaultLocale);
    let page: string;
    try {
      page = renderPage(req, res, e);
    } catch (pageErr) {
      log(pageErr, req);
      res.type('text').send(`${e.status} ${e.message}`);
      return;
    }
    res.type('html').send(page);
  };
}
