import { writeFileSync } from 'node:fs';
import { CONFIG_DOCS_FILE, renderConfigDocs } from '../config-docs';

/** Writes docs/configuration.md from the table of settings in src/config.ts (`npm run docs:config`). */
writeFileSync(CONFIG_DOCS_FILE, renderConfigDocs());
process.stdout.write(`wrote ${CONFIG_DOCS_FILE}\n`);
