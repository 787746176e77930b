// zod as the whole project uses it: messages in Japanese by default, as the screens, the CLI and
// profile validation speak it; an English request passes `englishMessages` to its parse.
import { z } from 'zod';

z.config(z.locales.ja());

export { z };
export type { ZodType } from 'zod';
export const englishMessages = z.locales.en().localeError;
