/**
 * Part of `npm run build`: writes dist/registry-snapshot.json, the schema and docs text that
 * `kerats schema` and `kerats docs` print, so they answer without loading TensorFlow.js
 * (src/cli/registry-snapshot.ts).
 */
import { writeFile } from 'node:fs/promises';
import { liveSnapshot, snapshotFile } from '../src/cli/registry-snapshot.js';

await writeFile(snapshotFile(), JSON.stringify(await liveSnapshot()));
