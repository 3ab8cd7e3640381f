import { isIP } from 'node:net';
import path from 'node:path';
import { checkTrustProxy } from './limits/client-address';

/**
 * What a setting is, and how a table of them is read. A setting is one environment variable: how
 * it is parsed, the value it gives when unset, and what it means. src/config.ts holds the table;
 * the Config type, its defaults, its parsing and docs/configuration.md all come from it.
 */

/** What reading a variable gave: a value, the problems with it, or nothing (keep the default). */
export type Parsed<T> = { value: T } | { problems: string[] } | undefined;

/** One kind of variable: how it is read, and how its values are written in the documentation. */
export interface SettingType<T> {
  /** The values it takes, for the documentation. */
  range: string;
  /** Reads a variable that is set, perhaps to ''; `name` is the variable's, for messages. */
  parse(raw: string, name: string): Parsed<T>;
  /** A value as the variable would be written. */
  show(value: T): string;
}

export interface Setting<T> {
  /** The environment variable. */
  env: string;
  type: SettingType<T>;
  default: T;
  /** The default for the documentation, where the value itself would not say it. */
  shownDefault?: string;
  /** What it does, in the documentation's words (markdown, links relative to docs/). */
  description: string;
}

/** Settings nested as the values they make are (`limits.maxDepth`). */
export interface SettingsTable {
  [key: string]: Setting<unknown> | SettingsTable;
}

/** The value a table makes: each setting replaced by its value's type. */
export type ValuesOf<T> = {
  -readonly [K in keyof T]: T[K] extends Setting<infer V> ? V : ValuesOf<T[K]>;
};

/** A setting, its value's type given by its type (the default must be one of its values). */
export function setting<T>(
  definition: Omit<Setting<T>, 'default'> & { default: NoInfer<T> },
): Setting<T> {
  return definition;
}

/** A whole number from `min` to `max`; empty is unset. */
export function int(min: number, max: number): SettingType<number> {
  return {
    range: `${min}–${max}`,
    parse(raw, name) {
      if (raw === '') return undefined;
      // Decimal digits only: Number() would read "  " as 0 and accept "0x1F90" or "1e3".
      const value = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
      if (Number.isInteger(value) && value >= min && value <= max) return { value };
      return { problems: [`${name} must be an integer from ${min} to ${max} (got "${raw}")`] };
    },
    show: String,
  };
}

/** Whole seconds in the variable, milliseconds in the value. */
export function seconds(min: number, max: number): SettingType<number> {
  const whole = int(min, max);
  return {
    range: `${whole.range} seconds`,
    parse(raw, name) {
      const parsed = whole.parse(raw, name);
      return parsed && 'value' in parsed ? { value: parsed.value * 1000 } : parsed;
    },
    show: (ms) => String(ms / 1000),
  };
}

/** true/false, 1/0, yes/no or on/off, in any case; empty is unset. */
export const bool: SettingType<boolean> = {
  range: '`true`, `false`',
  parse(raw, name) {
    const value = raw.toLowerCase();
    if (value === '') return undefined;
    if (['1', 'true', 'yes', 'on'].includes(value)) return { value: true };
    if (['0', 'false', 'no', 'off'].includes(value)) return { value: false };
    return { problems: [`${name} must be true or false (got "${raw}")`] };
  },
  show: String,
};

/** One of `values`, which `allowed` lists in the message; empty is refused. */
export function oneOf<const T extends string>(
  values: readonly T[],
  allowed = `one of ${values.join(', ')}`,
): SettingType<T> {
  return {
    range: values.map((value) => `\`${value}\``).join(', '),
    parse(raw, name) {
      if ((values as readonly string[]).includes(raw)) return { value: raw as T };
      return { problems: [`${name} must be ${allowed} (got "${raw}")`] };
    },
    show: String,
  };
}

/** A comma-separated list, each item trimmed and empty ones dropped; empty is unset. */
export function list(
  check: (items: string[], name: string) => string[] = () => [],
): SettingType<string[]> {
  return {
    range: 'comma-separated list',
    parse(raw, name) {
      if (raw === '') return undefined;
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
      const problems = check(items, name);
      return problems.length > 0 ? { problems } : { value: items };
    },
    show: (items) => items.join(','),
  };
}

/** An IP address or a host name; whether it is this machine's is found when listening. */
export const hostName: SettingType<string> = {
  range: 'IP address or host name',
  parse(raw, name) {
    if (raw === '') return undefined;
    const host = raw.trim();
    if (isIP(host) || isHostName(host)) return { value: host };
    return { problems: [`${name} must be an IP address or a host name (got "${raw}")`] };
  },
  show: String,
};

export const postgresUrl: SettingType<string> = {
  range: '`postgres://` or `postgresql://` URL',
  parse(raw, name) {
    if (raw === '') return undefined;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { problems: [`${name} is not a valid URL`] };
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      return { problems: [`${name} must start with postgres:// or postgresql://`] };
    }
    return { value: raw };
  },
  show: String,
};

/** A directory, relative to the working directory at start-up. */
export const directory: SettingType<string> = {
  range: 'directory',
  parse: (raw) => (raw === '' ? undefined : { value: path.resolve(raw) }),
  show: String,
};

export const trustedProxies = list((proxies, name) => {
  try {
    checkTrustProxy(proxies);
    return [];
  } catch (error) {
    return [`${name}: ${(error as Error).message}`];
  }
});

// Compared with the Origin header as they are: anything that is not an origin would silently
// match nothing (a path, a trailing slash, no scheme, a "*" among others).
const origins = list((items, name) =>
  items
    .filter((origin) => !/^https?:\/\/[^/\s*]+$/i.test(origin))
    .map(
      (origin) =>
        `${name} must be * or a comma-separated list of origins like https://app.example.org (got "${origin}")`,
    ),
);
export const corsOrigins: SettingType<'*' | string[]> = {
  range: '`*` or comma-separated origins',
  parse: (raw, name) => (raw.trim() === '*' ? { value: '*' } : origins.parse(raw, name)),
  show: (value) => (value === '*' ? value : origins.show(value)),
};

/** The value a table makes from `env`: each setting read, or its default; problems are added. */
export function readSettings<T extends SettingsTable>(
  table: T,
  env: NodeJS.ProcessEnv,
  problems: string[],
): ValuesOf<T> {
  const values: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(table)) {
    values[key] = isSetting(entry)
      ? readSetting(entry, env[entry.env], problems)
      : readSettings(entry, env, problems);
  }
  return values as ValuesOf<T>;
}

function readSetting<T>(setting: Setting<T>, raw: string | undefined, problems: string[]): T {
  const parsed = raw === undefined ? undefined : setting.type.parse(raw, setting.env);
  if (parsed === undefined) return setting.default;
  if ('problems' in parsed) {
    problems.push(...parsed.problems);
    return setting.default;
  }
  return parsed.value;
}

/** Every setting of a table in order, with the path of the value it sets (`limits.maxDepth`). */
export function listSettings(
  table: SettingsTable,
  prefix = '',
): { path: string; setting: Setting<unknown> }[] {
  return Object.entries(table).flatMap(([key, entry]) =>
    isSetting(entry)
      ? [{ path: prefix + key, setting: entry }]
      : listSettings(entry, `${prefix}${key}.`),
  );
}

function isSetting(entry: Setting<unknown> | SettingsTable): entry is Setting<unknown> {
  return typeof entry.env === 'string';
}

/** A DNS name as a URL would take it as its host, unchanged (no port, path, spaces, ...). */
function isHostName(host: string): boolean {
  try {
    return new URL(`http://${host}`).host === host.toLowerCase();
  } catch {
    return false;
  }
}
