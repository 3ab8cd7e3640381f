import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { buildAppSchema, printAppSchema, SCHEMA_FILE } from '../schema';

/** Writes schema/schema.graphql from the code (`npm run schema:emit`). */
async function emit(): Promise<void> {
  writeFileSync(SCHEMA_FILE, printAppSchema(await buildAppSchema()));
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}

void emit();
