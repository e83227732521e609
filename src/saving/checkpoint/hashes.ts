/** The identity of a run's inputs: a hash of the resolved config and of the data it reads. */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DataSource, DataSpec, KeratsConfig } from '../../config/types.js';

export function configSha256(config: KeratsConfig): string {
  return createHash('sha256').update(JSON.stringify(config.resolved)).digest('hex');
}

/** Every file under `dir` (names, sizes), sorted: enough to notice an image folder changed. */
async function folderListing(dir: string): Promise<string> {
  const out: string[] = [];
  const walk = async (d: string) => {
    const entries = await fs.readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(`${path.relative(dir, p)}:${(await fs.stat(p)).size}`);
    }
  };
  await walk(dir);
  return out.join('\n');
}

/** A file's bytes; an unreadable one hashes as empty, and the data loader then reports it as a DataError. */
const bytes = (p: string): Promise<Uint8Array> => fs.readFile(p).catch(() => new Uint8Array());

async function hashSource(h: ReturnType<typeof createHash>, s: DataSource): Promise<void> {
  // Settings count, where the files live does not (a moved checkout holds the same data).
  const { loc: _loc, ...settings } = s as DataSource & { path?: string; given?: string; labelsPath?: string; labelsGiven?: string };
  h.update(JSON.stringify({ ...settings, path: undefined, given: undefined, labelsPath: undefined, labelsGiven: undefined }));
  if (s.kind === 'csv') h.update(await bytes(s.path));
  else if (s.kind === 'arrays') {
    h.update(await bytes(s.path));
    if (s.labelsPath) h.update(await bytes(s.labelsPath));
  } else if (s.kind === 'images') h.update(await folderListing(s.path));
}

/** sha256 over the data files' bytes (and the source settings); synthetic and built-in data hash their spec. */
export async function dataSha256(data: DataSpec | undefined): Promise<string> {
  const h = createHash('sha256');
  for (const s of [data?.train, data?.validation, data?.test]) if (s) await hashSource(h, s);
  return h.digest('hex');
}
