// Writes docs/api.schema.json: the API's JSON Schema, generated from the contract (src/contract/apiSchemaDocs.ts).
// `npm run docs:api`; src/contract/apiSchemaDocs.test.ts fails while the file is not current.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { apiJsonSchemaText } from '../src/contract/apiSchemaDocs.ts';

const file = path.join(import.meta.dirname, '..', 'docs', 'api.schema.json');
writeFileSync(file, apiJsonSchemaText());
console.log(`wrote ${path.relative(process.cwd(), file)}`);
