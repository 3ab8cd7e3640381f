import {
  ArrayMaxSize,
  ArrayMinSize,
  registerDecorator,
  validate,
  type ValidationArguments,
  type ValidationError,
} from 'class-validator';
import { suggestCountryCode } from '../countries/country-hint';
import { badUserInput } from './errors';
import { counted, sentence } from './grammar';

/**
 * Unicode's control characters (C0, DEL and C1); multi-line text may keep tab, line feed and
 * carriage return.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_EXCEPT_WHITESPACE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Characters that show nothing: zero-width spaces and joiners, word joiner, soft hyphen, BOM. */
const INVISIBLE = /[\u00ad\u200b-\u200d\u2060\ufeff]/g;

/** Characters as people count them: code points, so an emoji counts one (two UTF-16 units). */
export function characterCount(value: string): number {
  let count = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

export interface TextOptions {
  max: number;
  /** Allow tabs and line breaks (summaries, statement text, quotes). */
  multiline?: boolean;
  /** Validate every element of a string array. */
  each?: boolean;
}

/** Why a string is not acceptable text, or undefined when it is. */
export function textProblem(value: unknown, options: TextOptions): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value.replace(INVISIBLE, '').trim().length === 0) return 'must not be empty';
  // UTF-16 length is an upper bound of the character count: count only when it could matter.
  if (value.length > options.max && characterCount(value) > options.max) {
    return `must be at most ${options.max} characters (got ${characterCount(value)})`;
  }
  if ((options.multiline ? CONTROL_EXCEPT_WHITESPACE : CONTROL).test(value)) {
    return options.multiline
      ? 'must not contain control characters'
      : 'must be one line without control characters';
  }
  if (!value.isWellFormed()) return 'must be valid Unicode (it contains a lone surrogate)';
  return undefined;
}

/**
 * A message starting "[i] " tells assertValid which element of an array failed, so the error
 * can name `input.quotes[3]` rather than just `input.quotes`.
 */
function elementProblem(value: unknown, options: TextOptions): string | undefined {
  if (!options.each) return textProblem(value, options);
  if (!Array.isArray(value)) return 'must be a list of strings';
  for (const [i, item] of value.entries()) {
    const problem = textProblem(item, options);
    if (problem) return `[${i}] ${problem}`;
  }
  return undefined;
}

/**
 * For search arguments of queries (names, full text, regions): BAD_USER_INPUT naming `field`
 * when too long or not plain text (control characters, lone surrogates, which PostgreSQL would
 * refuse with an error of its own).
 */
export function searchText(value: string, field: string, max: number): string {
  if (value.length > max && characterCount(value) > max) {
    throw badUserInput(field, `${field} may be at most ${max} characters.`);
  }
  if (CONTROL.test(value) || !value.isWellFormed()) {
    throw badUserInput(field, `${field} must be plain text, without control characters.`);
  }
  return value.trim();
}

/** Non-blank text within a length limit, without control characters or broken Unicode. */
export function Text(options: TextOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'text',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) => value == null || elementProblem(value, options) === undefined,
        defaultMessage: (args?: ValidationArguments) =>
          elementProblem(args?.value, options) ?? 'is invalid',
      },
    });
}

/** Matches a pattern; `description` says what was expected, for the error message. */
export function Pattern(pattern: RegExp, description: string): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'pattern',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) =>
          value == null || (typeof value === 'string' && pattern.test(value)),
        defaultMessage: () => `must be ${description}`,
      },
    });
}

/**
 * Two letters (whether they name a country is the service's to check), else a message with the
 * code that was likely meant: `must be an ISO 3166-1 alpha-2 country code; did you mean "RU"?`.
 */
export function CountryCode(): PropertyDecorator {
  const what = 'must be an ISO 3166-1 alpha-2 country code';
  return (target, propertyName) =>
    registerDecorator({
      name: 'countryCode',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) =>
          value == null || (typeof value === 'string' && /^[A-Za-z]{2}$/.test(value)),
        defaultMessage: (args?: ValidationArguments) => {
          const code = typeof args?.value === 'string' ? suggestCountryCode(args.value) : undefined;
          return code ? `${what}; did you mean "${code}"?` : `${what}, e.g. "JP"`;
        },
      },
    });
}

/** At least `min` elements: class-validator's own message says "at least 1 elements". */
export const MinItems = (min: number): PropertyDecorator =>
  ArrayMinSize(min, { message: `must contain at least ${counted(min, 'element')}` });

/** At most `max` elements. */
export const MaxItems = (max: number): PropertyDecorator =>
  ArrayMaxSize(max, { message: `must contain at most ${counted(max, 'element')}` });

/** An absolute http(s) URL: sources link to public pages, nothing else. */
export function HttpUrl(max = 2000): PropertyDecorator {
  const problem = (value: unknown): string | undefined => {
    if (typeof value !== 'string') return 'must be a string';
    if (value.length > max) return `must be at most ${max} characters`;
    if (CONTROL.test(value) || /\s/.test(value))
      return 'must not contain spaces or control characters';
    // WHATWG URL parsing repairs `http:example.org` or `https:\\host`; what is stored is what was
    // sent, so it must already be absolute (as the database's check on source.url requires).
    if (!/^https?:\/\//i.test(value)) return 'must be an absolute http or https URL (https://...)';
    try {
      const url = new URL(value);
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        return 'must be an http or https URL';
      if (!url.hostname) return 'must name a host';
    } catch {
      return 'must be an absolute http or https URL';
    }
    return undefined;
  };
  return (target, propertyName) =>
    registerDecorator({
      name: 'httpUrl',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) => value == null || problem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => problem(args?.value) ?? 'is invalid',
      },
    });
}

/**
 * Runs the class-validator rules of an input object (nested inputs included) and throws
 * BAD_USER_INPUT for the first problem, naming its path, e.g. `input.newTargets[62].name`.
 */
export async function assertValid(input: object, path: string): Promise<void> {
  const errors = await validate(input, {
    forbidUnknownValues: true,
    // GraphQL already enforces which fields are required; a missing optional field is fine.
    skipMissingProperties: true,
    validationError: { target: false, value: true },
  });
  const first = firstProblem(errors, path);
  if (first) throw badUserInput(first.field, sentence(`${first.field} ${first.message}`));
}

function firstProblem(
  errors: ValidationError[],
  path: string,
  parentIsArray = false,
): { field: string; message: string } | undefined {
  for (const error of errors) {
    const field = parentIsArray ? `${path}[${error.property}]` : `${path}.${error.property}`;
    const raw = error.constraints ? Object.values(error.constraints)[0] : undefined;
    // class-validator's own messages start with the property name; the path replaces it.
    const message = raw?.startsWith(`${error.property} `)
      ? raw.slice(error.property.length + 1)
      : raw;
    if (message) {
      const element = /^\[(\d+)\] (.*)$/.exec(message);
      return element
        ? { field: `${field}[${element[1]}]`, message: element[2]! }
        : { field, message };
    }
    const nested = firstProblem(error.children ?? [], field, Array.isArray(error.value));
    if (nested) return nested;
  }
  return undefined;
}
