/**
 * The fast path of schema validation. Compiling the whole config schema with ajv takes most of a
 * second (hundreds of layer and argument schemas), and most configs are valid. `npm run build`
 * therefore writes ajv's compiled validator as code (scripts/build-snapshot.ts,
 * dist/config-validator.cjs); a config it accepts is valid. Anything it rejects is checked again by
 * the full validator (branches.ts), which explains every error. Plugins only add layers, so a
 * document the built-in schema accepts is accepted with them too.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../util/package-root.js';

type Check = (doc: unknown) => boolean;

let check: Check | null | undefined;

export function quickValidatorFile(): string {
  return path.join(packageRoot(), 'dist', 'config-validator.cjs');
}

/** True when the prebuilt validator accepts the document; false when it rejects it or is missing. */
export function quickValid(doc: unknown): boolean {
  if (check === undefined) {
    const file = quickValidatorFile();
    check = existsSync(file) ? (createRequire(import.meta.url)(file) as { default: Check }).default : null;
  }
  return check !== null && check(doc);
}
