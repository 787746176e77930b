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

/** Validates request parts; the parsed values are in `res.locals.valid`, errors name `part.field`. */
export function validate<S extends Schemas>(schemas: S): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
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
}

export function valid<S extends Schemas>(res: Response): Validated<S> {
  return res.locals.valid as Validated<S>;
}

export interface ErrorPageRenderer {
  (req: Request, res: Response, err: HttpError): string;
}

/** A task link's token is a credential: it appears in no log line. */
export const withoutTokens = (s: string) => s.replace(/\/t\/[^\s/?#'"]+/g, '/t/…');

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
 * task link's token); anything else is a 500.
 */
export function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
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
    let e = toHttpError(err);
    if (!e) {
      log(err, req);
      e = new HttpError(500, 'internal_error', 'internal error');
    }
    res.status(e.status);
    if (req.path.startsWith('/api/')) {
      res.json({ error: e.code, message: e.message, ...(e.issues.length > 0 ? { issues: e.issues } : {}) });
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
