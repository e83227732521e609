/**
 * A run folder is built under a hidden partial name and renamed into place only when complete, so
 * `runs/` never holds a half-written run: a crash leaves at most a `.partial` folder, which
 * `abort()` removes on the way out.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { ConfigError } from '../util/errors.js';
import { atPath, makeDir } from '../util/os-errors.js';

/** `20261122-233557-123`: sortable, unique per millisecond; collisions get a `-2` suffix. */
export function timestamp(d = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}-${p(d.getMilliseconds(), 3)}`;
}

/** Names unsafe on Windows or in shells become `_`, so a config name is always a valid folder name. */
export function safeName(name: string): string {
  // Control characters are exactly what must go, so the regex names them.
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[<>:"/\\|?*\u0000-\u001f]/g, '_').replace(/^\.+/, '_').trim();
  return cleaned.length > 0 ? cleaned : 'model';
}

export class RunFolder {
  private finalized = false;
  /** Set by `keep()`: an interrupted run whose partial folder holds a checkpoint to resume from. */
  private kept = false;

  private constructor(
    /** Where files are written while the run is in progress. */
    readonly dir: string,
    /** The folder the run becomes; with no explicit `--out`, a `-2`... suffix resolves collisions. */
    private readonly target: string,
    private readonly explicit: boolean,
  ) {}

  /** The folder a new run becomes: `runs/<name>/<timestamp>/` (under `root`), or exactly `out` when given. */
  static targetFor(opts: { root: string; name: string; out?: string; time?: Date }): string {
    return opts.out ? path.resolve(opts.out) : path.resolve(opts.root, safeName(opts.name), timestamp(opts.time));
  }

  /** Refuses an `--out` folder that already holds something (checked before training, and again at create). */
  static async refuseNonEmpty(out: string): Promise<void> {
    const target = path.resolve(out);
    const stat = await fs.stat(target).catch(() => undefined);
    if (stat && !stat.isDirectory()) throw new ConfigError(`--out "${out}" is a file, not a folder; choose a new folder`);
    const entries = await fs.readdir(target).catch(() => [] as string[]);
    if (entries.length > 0) throw new ConfigError(`--out "${out}" already exists and is not empty; choose a new folder`);
  }

  /** Starts `runs/<name>/<timestamp>/` (under `root`), or exactly `out` when given; `target` when the caller chose it already (and claimed it). */
  static async create(opts: { root: string; name: string; out?: string; time?: Date; target?: string }): Promise<RunFolder> {
    const target = opts.target ?? RunFolder.targetFor(opts);
    if (opts.out) await RunFolder.refuseNonEmpty(opts.out);
    await makeDir(path.dirname(target));
    const dir = await atPath(target, 'create', () => fs.mkdtemp(path.join(path.dirname(target), `.${path.basename(target)}.partial-`)));
    return new RunFolder(dir, target, opts.out !== undefined);
  }

  /** Reopens an interrupted run's partial folder (`kerats train --resume`); `target` and `explicit` as `create` chose them. */
  static reopen(dir: string, target: string, explicit: boolean): RunFolder {
    return new RunFolder(dir, target, explicit);
  }

  /** Where the run goes when finalized, and whether the user chose it (`--out`). */
  get targetDir(): string {
    return this.target;
  }
  get explicitOut(): boolean {
    return this.explicit;
  }

  /** Makes `abort()` leave the partial folder in place (it holds a checkpoint to resume from). */
  keep(): void {
    this.kept = true;
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  async writeJson(name: string, value: unknown): Promise<void> {
    await writeJsonAtomic(this.file(name), value);
  }

  async writeText(name: string, text: string): Promise<void> {
    await writeFileAtomic(this.file(name), text);
  }

  /** Moves the finished run into place and returns its final path. */
  async finalize(): Promise<string> {
    if (this.explicit) {
      await makeDir(this.target); // empty or new (checked at create; the run's lock keeps other kerats runs out)
      try {
        await moveOnto(this.dir, this.target);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
        // Something other than kerats wrote into the folder while we trained: keep our run where it is.
        this.keep();
        throw new ConfigError(
          `"${this.target}" was filled by another program while training, so the finished run was not moved there; ` +
            `it is complete in ${this.dir} (move it where you want it)`,
        );
      }
      this.finalized = true;
      return this.target;
    }
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? this.target : `${this.target}-${n}`;
      try {
        // mkdir is the atomic claim: of two runs finishing at once, exactly one gets each name.
        await fs.mkdir(candidate);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST' && n < 1000) continue;
        throw err;
      }
      await moveOnto(this.dir, candidate);
      this.finalized = true;
      await pointLatest(candidate);
      return candidate;
    }
  }

  /** Removes the partial folder; a no-op once finalized. */
  async abort(): Promise<void> {
    if (!this.finalized && !this.kept) await fs.rm(this.dir, { recursive: true, force: true });
  }
}

/** The name of the link to a config's newest finished run: `runs/<name>/latest`. */
export const LATEST = 'latest';

/**
 * Points `runs/<name>/latest` at the run just finished (a relative symlink, replaced atomically by
 * a rename, so a reader never sees it missing). Where links cannot be made (Windows without the
 * privilege), there is simply no `latest`.
 */
async function pointLatest(runDir: string): Promise<void> {
  const parent = path.dirname(runDir);
  const tmp = path.join(parent, `.${LATEST}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await fs.symlink(path.basename(runDir), tmp, 'dir');
    await fs.rename(tmp, path.join(parent, LATEST));
  } catch {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
  }
}

/** Renames `from` onto the empty folder `to` (POSIX replaces it atomically; Windows needs it gone first). */
async function moveOnto(from: string, to: string): Promise<void> {
  if (process.platform === 'win32') await fs.rmdir(to);
  await fs.rename(from, to);
}
