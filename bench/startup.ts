/**
 * Start-up time of the command line: the median wall time of 5 runs (after one warm-up run) of
 * each command, as a user runs it (`node bin/kerats.js ...`, a fresh process each time). The
 * rounds go through all the commands in turn, so a burst of load on a shared machine slows every
 * command a little rather than one a lot. `every command's --help` is the slowest median of them.
 *
 *   npm run bench:startup            (or: node dist/bench/run.js --only startup [--runs 5])
 *
 * Targets (issue #16): --help (of every command), schema, docs, init, completion, validate < 150 ms;
 * summary of iris < 700 ms.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../src/util/package-root.js';
import type { BenchModule, BenchSection } from './types.js';
import { markdownTable, median } from './types.js';

interface StartupCase {
  name: string;
  args: string[];
  /** The issue's target in ms. */
  target: number;
}

/** Every command's name, from the help the build wrote (dist/cli-fast/help.json). */
function commandNames(root: string): string[] {
  const file = path.join(root, 'dist', 'cli-fast', 'help.json');
  if (!existsSync(file)) return ['train'];
  return Object.keys((JSON.parse(readFileSync(file, 'utf8')) as { help: Record<string, unknown> }).help).filter((n) => n !== '');
}

const EVERY_HELP = "every command's --help (slowest)";

function cases(scratch: string, commands: string[]): StartupCase[] {
  return [
    { name: 'node -e 0 (Node itself)', args: [], target: 0 },
    { name: '--help', args: ['--help'], target: 150 },
    { name: '--version', args: ['--version'], target: 150 },
    { name: 'train --help', args: ['train', '--help'], target: 150 },
    ...commands.map((c) => ({ name: `${EVERY_HELP}: ${c}`, args: [c, '--help'], target: 150 })),
    { name: 'schema', args: ['schema'], target: 150 },
    { name: 'docs Dense', args: ['docs', 'Dense'], target: 150 },
    { name: 'init', args: ['init', path.join(scratch, 'x.yaml'), '--force'], target: 150 },
    { name: 'completion bash', args: ['completion', 'bash'], target: 150 },
    { name: 'config configs/iris.yaml', args: ['config', 'configs/iris.yaml'], target: 0 },
    { name: 'validate configs/iris.yaml', args: ['validate', 'configs/iris.yaml'], target: 150 },
    { name: 'summary configs/iris.yaml', args: ['summary', 'configs/iris.yaml'], target: 700 },
  ];
}

function timeOnce(args: string[], cwd: string): { ms: number; ok: boolean } {
  const argv = args.length === 0 ? ['-e', '0'] : [path.join(cwd, 'bin', 'kerats.js'), ...args];
  const t = performance.now();
  const res = spawnSync(process.execPath, argv, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  return { ms: performance.now() - t, ok: res.status === 0 };
}

export const bench: BenchModule = {
  name: 'startup',
  description: 'command start-up: median wall time of 5 fresh processes after one warm-up',
  async run(ctx): Promise<BenchSection> {
    const i = ctx.argv.indexOf('--runs');
    const runs = i >= 0 ? Math.max(1, Number(ctx.argv[i + 1])) : ctx.quick ? 2 : 5;
    const root = packageRoot();
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'kerats-bench-startup-'));
    const rows: Record<string, unknown>[] = [];
    try {
      const all = cases(scratch, commandNames(root));
      for (const c of all) timeOnce(c.args, root); // warm-up: file cache, compiled code caches
      const times = all.map(() => [] as number[]);
      const ok = all.map(() => true);
      for (let r = 0; r < runs; r++) {
        all.forEach((c, i) => {
          const t = timeOnce(c.args, root);
          times[i]?.push(t.ms);
          ok[i] &&= t.ok;
        });
      }
      const measured = all.map((c, i) => ({ c, ms: Math.round(median(times[i] ?? [])), ok: ok[i] === true }));
      const helps = measured.filter((m) => m.c.name.startsWith(EVERY_HELP));
      const slowest = helps.reduce((a, b) => (b.ms > a.ms ? b : a), helps[0] ?? measured[0]!);
      for (const m of measured) {
        if (m.c.name.startsWith(EVERY_HELP)) {
          if (m !== slowest) continue;
          m.c = { ...m.c, name: `${EVERY_HELP.replace(')', `: ${m.c.args[0] ?? ''}, of ${helps.length})`)}` };
          m.ok = helps.every((h) => h.ok);
        }
        ctx.log(`  ${m.c.name}: ${m.ms} ms`);
        rows.push({ command: m.c.name, median_ms: m.ms, target_ms: m.c.target || null, ok: m.ok, runs });
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    const table = markdownTable(
      ['command', 'median ms', 'target ms'],
      rows.map((r) => [String(r.command), String(r.median_ms) + (r.ok ? '' : ' (failed)'), r.target_ms === null ? '' : `< ${String(r.target_ms)}`]),
    );
    return { rows, table, notes: [`${os.cpus().length} cores, load average ${os.loadavg()[0]?.toFixed(1)} when done: compare with "node -e 0" on the same machine`] };
  },
};
