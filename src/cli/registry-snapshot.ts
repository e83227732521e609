/**
 * What `kerats schema` and `kerats docs` print, without loading the registries. The registries
 * hold the layer builders, so importing them loads TensorFlow.js (about a second); these two
 * commands only need their descriptions. `npm run build` writes this copy once
 * (scripts/build-snapshot.ts, dist/registry-snapshot.json) from the same code, so it cannot
 * disagree with the build it sits in; without the file (a bare `tsc`) the registries are read live.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from '../util/package-root.js';
import type { DocsCategory, DocsEntry } from './docs.js';

export interface RegistrySnapshot {
  /** `kerats schema`'s output: the JSON Schema text the registries generate. */
  schemaText: string;
  docs: { category: DocsCategory; entries: DocsEntry[] }[];
}

export function snapshotFile(): string {
  return path.join(packageRoot(), 'dist', 'registry-snapshot.json');
}

/** The snapshot computed from the registries now (loads TensorFlow.js). */
export async function liveSnapshot(): Promise<RegistrySnapshot> {
  const { schemaText } = await import('../config/schema-editor.js');
  const { docsCatalog, describeEntry } = await import('./docs-catalog.js');
  return {
    schemaText: schemaText(),
    docs: docsCatalog().map(({ category, entries }) => ({ category, entries: entries.map((e) => describeEntry(e, category)) })),
  };
}

export async function registrySnapshot(): Promise<RegistrySnapshot> {
  const text = await readFile(snapshotFile(), 'utf8').catch(() => undefined);
  return text === undefined ? liveSnapshot() : (JSON.parse(text) as RegistrySnapshot);
}
