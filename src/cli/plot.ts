/** `kerats plot RUN_DIR`: the run's training history as a chart (SVG, or PNG by the output's extension). */
import type { Command } from 'commander';
import path from 'node:path';
import { ConfigError } from '../util/errors.js';
import { example, outputFor, withOutputOptions, type CommonOptions } from './common.js';

interface PlotOptions extends CommonOptions {
  output?: string;
  title?: string;
}

export function registerPlot(program: Command): void {
  withOutputOptions(program.command('plot'))
    .argument('<run_dir>', 'a run folder written by kerats train')
    .option('-o, --output <file>', 'where to write the chart; .svg or .png (default: <run_dir>/history.svg)')
    .option('--title <text>', 'chart title (default: the run folder name)')
    .description('chart the loss and each metric per epoch, train and validation, as SVG or PNG')
    .addHelpText('after', example('kerats plot runs/iris/latest -o iris.png'))
    .action(async (given: string, opts: PlotOptions) => {
      const out = outputFor(opts);
      const { readHistory, runDir } = await import('../saving/checkpoint/run-files.js');
      const { writeFileAtomic } = await import('../util/atomic.js');
      const dir = await runDir(given, 'history.json');
      const file = path.resolve(opts.output ?? path.join(dir, 'history.svg'));
      const ext = path.extname(file).toLowerCase();
      if (ext !== '.svg' && ext !== '.png') throw new ConfigError(`--output "${opts.output ?? file}": the chart is written as .svg or .png; change the file extension`);
      const history = await readHistory(dir);
      const epochs = Math.max(0, ...Object.values(history).map((v) => v.length));
      if (epochs === 0) throw new ConfigError(`"${given}" has an empty history (no epoch completed); nothing to plot`);
      const { historyPng, historySvg } = await import('../runtime/plot/history-chart.js');
      const title = opts.title ?? path.basename(dir);
      await writeFileAtomic(file, ext === '.png' ? await historyPng(history, title) : await historySvg(history, title));
      out.result({ output: file, format: ext.slice(1), epochs }, () => `Wrote ${path.relative(process.cwd(), file) || file} (${epochs} epochs)\n`);
    });
}
