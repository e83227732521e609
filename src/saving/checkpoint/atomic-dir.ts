/**
 * Replacing a whole folder so that a kill at any instant leaves one complete copy: the new
 * contents are written into a temporary sibling, the old folder is renamed aside, the new one
 * renamed into place, the old one removed. If the process dies between the two renames, only the
 * `.old` copy exists, and `completeDir` finds it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { atPath, checkFreeSpace, makeDir } from '../../util/os-errors.js';

const oldName = (dir: string) => path.join(path.dirname(dir), `.${path.basename(dir)}.old`);

/**
 * Writes `dir` through `fill(tmpDir)`; `dir` holds either its previous or its new contents at every
 * moment. With `bytes` (the expected size), a file system with less free space is refused before
 * anything is written. A failure names `dir` and removes the temporary copy, so a full disk leaves
 * the previous contents exactly as they were and nothing hidden beside them.
 */
export async function replaceDir(dir: string, fill: (tmp: string) => Promise<void>, bytes?: number): Promise<void> {
  const parent = path.dirname(dir);
  await makeDir(parent);
  if (bytes !== undefined) await checkFreeSpace(parent, bytes, `"${path.basename(dir)}"`);
  const tmp = await atPath(dir, 'write', () => fs.mkdtemp(path.join(parent, `.${path.basename(dir)}.tmp-`)));
  try {
    await atPath(dir, 'write', () => fill(tmp));
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  const old = oldName(dir);
  await atPath(dir, 'write', async () => {
    await fs.rm(old, { recursive: true, force: true });
    const hadOld = await fs.rename(dir, old).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return false;
        throw err;
      },
    );
    await fs.rename(tmp, dir);
    if (hadOld) await fs.rm(old, { recursive: true, force: true });
  });
}

/**
 * The folder holding the last complete copy: `dir` itself, or the `.old` copy a kill between the
 * two renames left behind. `marker` is the file written last, so its presence means complete.
 */
export async function completeDir(dir: string, marker: string): Promise<string | undefined> {
  for (const d of [dir, oldName(dir)]) {
    try {
      await fs.access(path.join(d, marker));
      return d;
    } catch {
      // not there; try the next
    }
  }
  return undefined;
}

/**
 * Removes the unfinished temporary copies of `dir` (`.<name>.tmp-*`) that a killed writer left
 * beside it; the previous complete copy (`dir`, or its `.old`) stays. Only for a folder the caller
 * owns (a resumed run it holds the lock of): another live writer's copy would look the same.
 */
export async function removeTemporaries(dir: string): Promise<void> {
  const parent = path.dirname(dir);
  const prefix = `.${path.basename(dir)}.tmp-`;
  const entries = await fs.readdir(parent).catch(() => [] as string[]);
  for (const e of entries) if (e.startsWith(prefix)) await fs.rm(path.join(parent, e), { recursive: true, force: true });
}

/** Removes `dir`, its `.old` copy and unfinished temporary siblings. */
export async function removeDir(dir: string): Promise<void> {
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  const entries = await fs.readdir(parent).catch(() => [] as string[]);
  for (const e of entries) {
    if (e === base || e === `.${base}.old` || e.startsWith(`.${base}.tmp-`)) await fs.rm(path.join(parent, e), { recursive: true, force: true });
  }
}
