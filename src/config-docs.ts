import { settings } from './config';
import { listSettings } from './settings';

/** The page, relative to the repository (`npm run docs:config` runs there). */
export const CONFIG_DOCS_FILE = 'docs/configuration.md';

const INTRO = `All configuration is environment variables, validated at start-up (a bad value stops the process
with a message naming it, and every other bad value with it). Numbers are whole and decimal;
booleans also take \`1\`/\`0\`, \`yes\`/\`no\` and \`on\`/\`off\`. An empty variable counts as unset,
except \`NODE_ENV\` and \`LOG_LEVEL\`, which refuse it.

This page is generated from the table of settings in \`src/config.ts\` by \`npm run docs:config\`:
change the table, then run it.`;

/** docs/configuration.md as the table of settings makes it. */
export function renderConfigDocs(): string {
  const rows = listSettings(settings).map(({ setting }) => [
    `\`${setting.env}\``,
    setting.shownDefault ?? `\`${setting.type.show(setting.default)}\``,
    setting.type.range,
    setting.description,
  ]);
  const lines = [
    '<!-- generated from src/config.ts -->',
    '',
    '# Configuration',
    '',
    INTRO,
    '',
    ...markdownTable(['Variable', 'Default', 'Range', 'Meaning'], rows),
  ];
  return `${lines.join('\n')}\n`;
}

/** A markdown table with its columns padded, as Prettier writes it (so format:check passes). */
function markdownTable(header: string[], rows: string[][]): string[] {
  const cells = [header, ...rows].map((row) => row.map((cell) => cell.replaceAll('|', '\\|')));
  const widths = header.map((_, column) => Math.max(3, ...cells.map((row) => row[column].length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  const [head, ...body] = cells;
  return [line(head), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)];
}
