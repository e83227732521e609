/** `kerats report RUN... [--out report.html] [--markdown]`: one HTML page (or a Markdown table) about one or more runs. */
import type { Command } from 'commander';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BackendChoice } from '../runtime/backend.js';
import { ExitCode } from '../util/errors.js';
import { gateLine } from './evaluate.js';
import { example, outputFor, withBackendOption, withOutputOptions, type CommonOptions } from './common.js';

interface ReportOptions extends CommonOptions {
  backend: BackendChoice;
  out?: string;
  markdown?: boolean;
  failUnder: string[];
  failOver: string[];
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerReport(program: Command): void {
  withBackendOption(withOutputOptions(program.command('report')))
    .argument('<run_dir...>', 'one or more run folders written by kerats train (several: compared side by side)')
    .option('--out <file>', 'where to write the HTML page (default: report.html; with one run and no --markdown, <run_dir>/report.html)')
    .option('--markdown', 'print a compact Markdown table on stdout (for CI job summaries and PR comments); HTML only with --out')
    .option('--fail-under <metric=value>', 'a quality gate shown in the report (exit 3 when missed), e.g. accuracy=0.9', collect, [])
    .option('--fail-over <metric=value>', 'a quality gate for losses (exit 3 when the metric is above value)', collect, [])
    .description('one self-contained HTML page about one run or several side by side: history charts, metrics, gates, confusion matrix, model graph, manifest')
    .addHelpText(
      'after',
      example('kerats report runs/iris/latest', 'kerats report runs/iris/2* --out compare.html', 'kerats report runs/iris/latest --markdown --fail-under accuracy=0.9 >> "$GITHUB_STEP_SUMMARY"') +
        '\nThe gates are checked against the run\'s test metrics, else its validation metrics, else its last epoch.\n',
    )
    .action(async (given: string[], opts: ReportOptions) => {
      const { useBackend } = await import('../runtime/backend.js');
      const { parseThreshold } = await import('../runtime/evaluate-run.js');
      const { reportRuns } = await import('../runtime/report/build.js');
      const { reportHtml } = await import('../runtime/report/html.js');
      const { reportMarkdown } = await import('../runtime/report/markdown.js');
      const { runDir } = await import('../saving/checkpoint/run-files.js');
      const { writeFileAtomic } = await import('../util/atomic.js');
      const out = outputFor(opts);
      const gates = [...opts.failUnder.map((t) => parseThreshold(t, '>=', '--fail-under')), ...opts.failOver.map((t) => parseThreshold(t, '<=', '--fail-over'))];
      // Through `runs/<name>/latest`: the folder it points at (its name heads the report).
      const dirs = await Promise.all(given.map(async (g) => fs.realpath(await runDir(g, 'history.json'))));
      await useBackend(opts.backend === 'auto' ? 'cpu' : opts.backend);
      const runs = await reportRuns(dirs, { gates });
      const file = opts.out ?? (opts.markdown ? undefined : dirs.length === 1 ? path.join(dirs[0] as string, 'report.html') : 'report.html');
      if (file) await writeFileAtomic(file, reportHtml(runs));
      const missed = runs.flatMap((r) => (r.gates ?? []).filter((g) => !g.passed).map((g) => ({ run: r.label, g })));
      if (opts.markdown) process.stdout.write(reportMarkdown(runs));
      else {
        out.result({ output: file ?? null, runs: runs.map((r) => r.dir), gates: runs.map((r) => ({ run: r.dir, gates: r.gates ?? [] })), passed: missed.length === 0 }, () =>
          `Wrote ${path.relative(process.cwd(), file ?? '') || file} (${runs.length} run${runs.length === 1 ? '' : 's'})\n` +
          runs.flatMap((r) => (r.gates ?? []).map((g) => `${r.label}: ${gateLine({ ...g, actual: g.actual ?? NaN })}`)).map((l) => l + '\n').join(''),
        );
      }
      if (missed.length > 0) {
        process.stderr.write(`quality gate failed: ${missed.map(({ run, g }) => `${run}: ${g.actual === undefined ? `${g.metric} is not reported (required ${g.op} ${g.value})` : gateLine({ ...g, actual: g.actual }).replace(/^FAIL: /, '')}`).join('; ')}\n`);
        process.exitCode = ExitCode.qualityGate;
      }
    });
}
