import { readFileSync } from 'node:fs';
import path from 'node:path';
import { renderConfigDocs } from '../../src/config-docs';

test('docs/configuration.md is the page src/config.ts makes', () => {
  const written = readFileSync(path.join(__dirname, '../../docs/configuration.md'), 'utf8');
  const rendered = renderConfigDocs();
  if (written === rendered) return;
  const writtenLines = written.split('\n');
  const renderedLines = rendered.split('\n');
  let line = 0;
  while (writtenLines[line] === renderedLines[line]) line++;
  throw new Error(
    `docs/configuration.md is out of date with src/config.ts: run npm run docs:config\n` +
      `first difference, line ${line + 1}:\n` +
      `  written:  ${writtenLines[line]}\n  rendered: ${renderedLines[line]}`,
  );
});
