/**
 * Writes schemas/kerats.schema.json from the registries (`npm run schema`). The committed file is
 * checked against a fresh build by test/schema.test.ts, so rerun this after changing a registry.
 */
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { schemaText } from '../src/config/schema-editor.js';

// dist/scripts/generate-schema.js → the package root, two levels up.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = path.join(root, 'schemas', 'kerats.schema.json');
await writeFile(out, schemaText());
console.log(`wrote ${path.relative(process.cwd(), out) || out}`);
