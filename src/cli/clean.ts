/**
 * `kerats clean [RUNS_DIR]`: removes what runs that died left beside the run folders (see
 * saving/cleanup.ts): partial folders without a checkpoint, stale locks, temporary files. Partial
 * folders that hold a checkpoint are listed with the command that resumes them, and removed only
 * with --resumable. Nothing a live process owns is touched.
 */
import type { Command } from 'commander';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { DataError } from '../util/errors.js';
import type { Leftover } from '../saving/cleanup.js';
import { example, outputFor, withOutputOptions, type CommonOptions } from './common.js';

interface CleanOptions extends CommonOptions {
  dryRun?: boolean;
  resumable?: boolean;
}

const shown = (p: string): string => path.relative(process.cwd(), p) || p;

export function registerClean(program: Command): void {
  withOutputOptions(program.command('clean'))
    .argument('[runs_dir]', 'folder of runs to clean (and the folders directly inside it)', 'runs')
    .option('--dry-run', 'only list what would be removed')
    .option('--resumable', 'also remove unfinished runs that could be resumed (their checkpoints are lost)')
    .description('remove leftovers of runs that died: unfinished run folders without a checkpoint, stale locks, temporary files')
    .addHelpText('after', example('kerats clean', 'kerats clean runs --dry-run', 'kerats clean /data/experiments --resumable'))
    .action(async (given: string, opts: CleanOptions) => {
      const out = outputFor(opts);
      const root = path.resolve(given);
      const stat = await fs.stat(root).catch(() => undefined);
      if (!stat?.isDirectory()) throw new DataError(`"${given}" is not a folder; give the folder that holds run folders (default: runs)`);
      const { findLeftoversUnder, removeLeftovers } = await import('../saving/cleanup.js');
      const found = await findLeftoversUnder(root);
      const doomed = found.filter((l) => l.kind !== 'resumable-partial' || opts.resumable);
      const kept = found.filter((l) => !doomed.includes(l));
      const removed: Leftover[] = opts.dryRun ? [] : await removeLeftovers(doomed);
      out.result(
        {
          removed: removed.map((l) => ({ kind: l.kind, path: l.path, reason: l.reason })),
          ...(opts.dryRun ? { would_remove: doomed.map((l) => ({ kind: l.kind, path: l.path, reason: l.reason })) } : {}),
          kept: kept.map((l) => ({ kind: l.kind, path: l.path, reason: l.reason, resume: `kerats train --resume ${shown(l.path)}` })),
        },
        () => {
          const lines: string[] = [];
          for (const l of opts.dryRun ? doomed : removed) lines.push(`${opts.dryRun ? 'would remove' : 'removed'} ${shown(l.path)}: ${l.reason}`);
          for (const l of kept) lines.push(`kept ${shown(l.path)}: ${l.reason}; resume with: kerats train --resume ${shown(l.path)} (or remove it with --resumable)`);
          if (lines.length === 0) lines.push(`nothing to clean in ${shown(root)}`);
          return lines.join('\n') + '\n';
        },
      );
    });
}
