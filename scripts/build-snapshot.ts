/**
 * Part of `npm run build`: writes what start-up would otherwise compute from the registries.
 * - dist/registry-snapshot.json: the schema and docs text that `kerats schema` and `kerats docs`
 *   print, so they answer without loading TensorFlow.js (src/cli/registry-snapshot.ts);
 * - dist/config-validator.cjs: ajv's validator of that schema compiled to code, so loading a valid
 *   config skips compiling the schema (src/config/quick-validate.ts);
 * (dist/src/cjs/, TensorFlow.js for the compiled modules without Node's scan of its CommonJS
 * source, is the step before: scripts/write-cjs-namespace.ts.)
 * - dist/cli-fast/: what `--help`, `--version`, `schema`, `docs` and `completion` print, answered
 *   by bin/kerats.js without loading the command line (src/cli/fast-path.cts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { liveSnapshot, snapshotFile } from '../src/cli/registry-snapshot.js';
import { fastFiles } from '../src/cli/fast-path-build.js';
import { fastDir } from '../src/cli/fast-path.cjs';
import { buildSchema } from '../src/config/schema.js';
import { quickValidatorFile } from '../src/config/quick-validate.js';

const snapshot = await liveSnapshot();
await writeFile(snapshotFile(), JSON.stringify(snapshot));
await mkdir(fastDir(), { recursive: true });
for (const [name, text] of Object.entries(fastFiles(snapshot))) await writeFile(path.join(fastDir(), name), text);

// Only whether a document is valid: no error details (the full validator gives those), same
// options otherwise (branches.ts) so both accept exactly the same documents.
const ajv = new Ajv({ allErrors: false, strict: false, inlineRefs: false, code: { source: true, optimize: false } });
ajv.addSchema(buildSchema(), 'kerats');
const validate = ajv.getSchema('kerats');
if (!validate) throw new Error('the config schema did not compile');
// ajv sets module.exports and its .default to the same function; TypeScript sees the latter.
await writeFile(quickValidatorFile(), standaloneCode.default(ajv, validate));
