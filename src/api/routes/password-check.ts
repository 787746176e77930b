// `POST /api/password-check`: whether a candidate password meets a rule set (issue 11 item 5), for
// the console, scripts and the review campaign. The candidate is the most secret thing this API
// ever receives, so it is only read: never stored, never logged, never echoed — an answer names
// rules, not characters (the rejections' messages are fixed texts). The app logs no request
// bodies, and the validator's 400 names fields, not values.
//
// Anyone signed in, or any API key, may ask: the rules are public and the answer is about the
// candidate only. It is still an oracle for the blocklist, so it is rate-limited per principal.
import { Router } from 'express';
import type { Kysely } from 'kysely';
import type { RateLimiter } from '../../auth/rate-limit';
import type { Database } from '../../db/schema';
import { getOrganisation } from '../../db/organisations';
import { EVERY_ORGANISATION } from '../../domain/access';
import { checkPasswordWith, DEFAULT_PASSWORD_RULE_SET, PASSWORD_RULE_SET_NAMES, type PasswordRuleSetName } from '../../domain/password-policy';
import { passwordRuleSetOf } from '../../domain/profile';
import { z } from '../../domain/zod';
import { allow, principalOf } from '../access';
import { HttpError, locals, valid, validate } from '../http';

const contextText = z.string().trim().max(200);

export const passwordCheckSchema = z.strictObject({
  /** Checked as sent, spaces included; the policy refuses over 256 characters, this bounds the work. */
  password: z.string().max(1024),
  /** Absent: the rule set of the caller's organisation's profile when it has one organisation, else `juki`. */
  ruleSet: z.enum(PASSWORD_RULE_SET_NAMES).optional(),
  /** NIST only: the password is the only factor (15 characters) or one of several (8). Default true. */
  singleFactor: z.boolean().optional(),
  /** Words the password must not contain: the holder's name, the user ID, the organisation's name. */
  context: z
    .strictObject({
      name: contextText.optional(),
      userId: contextText.optional(),
      organisation: contextText.optional(),
    })
    .optional(),
});

export interface PasswordCheckAnswer {
  ruleSet: (typeof PASSWORD_RULE_SET_NAMES)[number];
  accepted: boolean;
  rejections: Array<{ rule: string; message: string; messageEn: string; reference: string }>;
}

/** The rule set a caller gets by default: their one organisation's choice (signIn.passwordPolicy), else the regulation's. */
async function defaultRuleSet(db: Kysely<Database>, organisations: string[]): Promise<PasswordRuleSetName> {
  const own = [...new Set(organisations)];
  if (own.length !== 1 || own[0] === EVERY_ORGANISATION) return DEFAULT_PASSWORD_RULE_SET;
  const profile = await getOrganisation(db, own[0]);
  return profile ? passwordRuleSetOf(profile) : DEFAULT_PASSWORD_RULE_SET;
}

export function passwordCheckRouter(deps: { db: Kysely<Database>; limiter: RateLimiter }): Router {
  const r = Router();
  r.post(
    '/api/password-check',
    allow.signedIn(),
    (_req, res, next) => {
      const d = deps.limiter.hit(`${principalOf(res)!.kind}:${principalOf(res)!.id}`);
      if (d.allowed) return next();
      res.setHeader('Retry-After', String(d.retryAfterSeconds));
      next(new HttpError(429, 'rate_limited', locals(res).t('rateLimited')));
    },
    validate({ body: passwordCheckSchema }),
    async (_req, res) => {
      const body = valid<{ body: typeof passwordCheckSchema }>(res).body;
      const ruleSet = body.ruleSet ?? (await defaultRuleSet(deps.db, principalOf(res)!.grants.map((g) => g.organisation)));
      const c = body.context ?? {};
      const rejections = checkPasswordWith(
        ruleSet,
        body.password,
        { ...(c.name ? { displayName: c.name } : {}), ...(c.userId ? { userId: c.userId } : {}), ...(c.organisation ? { organisationNames: [c.organisation] } : {}) },
        body.singleFactor === undefined ? {} : { singleFactor: body.singleFactor },
      );
      const answer: PasswordCheckAnswer = {
        ruleSet,
        accepted: rejections.length === 0,
        rejections: rejections.map((x) => ({ rule: x.rule, message: x.message.ja, messageEn: x.message.en, reference: x.reference ?? '' })),
      };
      res.json(answer);
    },
  );
  return r;
}
