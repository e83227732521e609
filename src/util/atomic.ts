/**
 * Writes that never leave a half-written file behind: data goes to a temporary sibling and is
 * renamed over the target, which POSIX makes atomic. A failure (disk full, read-only folder) is
 * reported against the target's path (os-errors.ts), and the temporary file is removed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { atPath } from './os-errors.js';

export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  await atPath(file, 'write', async () => {
    try {
      await fs.writeFile(tmp, data);
      await fs.rename(tmp, file);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  });
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}
