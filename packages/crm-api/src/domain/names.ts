import { EMOJI_JOINED_SEQUENCES } from '@leadnotify/contracts';
import { DomainError } from './errors.js';

/**
 * The one rule for what a name may not hold, by Unicode general category: control characters (Cc: tab and line
 * breaks among them), the line and paragraph separators (Zl U+2028, Zp U+2029), and format characters (Cf:
 * zero-width spaces and joiners, direction marks, embeddings, overrides and isolates, U+061C, the soft hyphen
 * U+00AD, U+FEFF, …). They make a name span lines or look like another one, and WeChat refuses zero-width and
 * direction characters in message keywords: names are refused, not silently changed. The exception is an emoji
 * written with them, a ZWJ or tag sequence (👨‍👩‍👧‍👦, 👩‍💻, 🏴󠁧󠁢󠁳󠁣󠁴󠁿), common in WeChat nicknames: inside one the joiner or
 * tag is part of a picture, alone it is refused.
 */
const NOT_IN_A_NAME = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** What is wrong with a character of `name` NOT_IN_A_NAME, naming the first one found; undefined when it has none. */
export function forbiddenInName(name: string): string | undefined {
  const found = NOT_IN_A_NAME.exec(name.replace(EMOJI_JOINED_SEQUENCES, ''))?.[0];
  if (found === undefined) return undefined;
  const codePoint = `U+${(found.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`;
  return `must not contain ${codePoint}: one line, no control, zero-width, direction or other invisible formatting characters`;
}

/**
 * A name or name-like text as it is stored: trimmed (JavaScript's trim), then 1 to `max` characters (code points:
 * an emoji is one) with nothing NOT_IN_A_NAME. Otherwise VALIDATION_FAILED, its details shaped as the API's
 * validation errors, `path` being the field.
 */
export function checkName(field: string, value: string, max: number): string {
  const name = value.trim();
  const problem = nameProblem(name, max);
  if (!problem) return name;
  throw new DomainError({ code: 'VALIDATION_FAILED', message: `The ${field} ${problem.message}`, details: [{ path: field, ...problem }] });
}

function nameProblem(name: string, max: number): { message: string; code: 'too_small' | 'too_big' | 'custom' } | undefined {
  const length = [...name].length;
  if (length === 0) return { message: 'must not be empty', code: 'too_small' };
  if (length > max) return { message: `must be at most ${max} characters`, code: 'too_big' };
  const forbidden = forbiddenInName(name);
  return forbidden === undefined ? undefined : { message: forbidden, code: 'custom' };
}
