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

export function cookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

const isLocale = (v: unknown): v is Locale => typeof v === 'string' && (LOCALES as readonly string[]).includes(v);

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
    Object.assign(res.locals, { locale, t: translator(locale) } satisfies RequestLocals);
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

/** JSON for /api, a page for the console; a 500 never shows internals. */
export function errorHandler(renderPage: ErrorPageRenderer, log: (err: unknown) => void): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let e: HttpError;
    if (err instanceof HttpError) e = err;
    else if (err?.type === 'entity.parse.failed') e = new HttpError(400, 'invalid_json', 'request body is not valid JSON');
    else {
      log(err);
      e = new HttpError(500, 'internal_error', 'internal error');
    }
    res.status(e.status);
    if (req.path.startsWith('/api/')) {
      res.json({ error: e.code, message: e.message, ...(e.issues.length > 0 ? { issues: e.issues } : {}) });
    } else {
      res.type('html').send(renderPage(req, res, e));
    }
  };
}
