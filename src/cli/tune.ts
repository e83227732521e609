/**
 * `kerats tune`: hyperparameter search over the config's `tune:` space, with optional k-fold
 * cross-validation, trials in parallel worker processes, resume, and scale-out (plan a search
 * folder, run trial K anywhere it is mounted, collect the results).
 */
import type { Command } from 'commander';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, ExitCode, KeratsError } from '../util/errors.js';
import type { Summary } from '../runtime/tune/collect.js';
import type { Plan, PlannedTrial } from '../runtime/tune/plan.js';
import type { UnitResult } from '../runtime/tune/runner.js';
import { example, outputFor, withBackendOption, withConfigOptions, withOutputOptions, type CommonOptions, type ConfigOptions } from './common.js';
import type { Output } from './output.js';

interface TuneOptions extends CommonOptions, ConfigOptions {
  backend: string;
  workers?: string;
  resume?: string;
  plan?: boolean;
  out?: string;
  root: string;
  trial?: string;
  collect?: string;
  emit?: string;
  image: string;
  claim: string;
  parallelism?: string;
}

function positiveInt(text: string, option: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || (option === '--workers' && n < 1)) {
    throw new ConfigError(`${option} expects ${option === '--workers' ? 'a positive' : 'a non-negative'} integer, got "${text}"`);
  }
  return n;
}

const fmtParams = (p: Record<string, unknown>) => Object.entries(p).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
/** `trial 7` or, for hyperband, `trial 7 (bracket 2, round 1, 3 epochs)`. */
const trialName = (t: PlannedTrial) => `trial ${t.index}${t.hyperband ? ` (bracket ${t.hyperband.bracket}, round ${t.hyperband.round}, ${t.hyperband.epochs} epoch${t.hyperband.epochs === 1 ? '' : 's'})` : ''}`;

/** Runs the missing trials of a search folder with progress lines, then ranks and reports. */
async function runAndReport(dir: string, plan: Plan, out: Output, workers: number, backend: string, t0: number): Promise<void> {
  const { runHyperband } = await import('../runtime/tune/promote.js');
  const { runTrials, stopAll } = await import('../runtime/tune/runner.js');
  const missing = plan.trials;
  // Ctrl-C / SIGTERM stop the training processes too; finished trials stay, --resume runs the rest.
  const onSignal = (signal: NodeJS.Signals) => {
    stopAll();
    process.stderr.write(`\nstopped; finished trials are kept: kerats tune --resume ${dir}\n`);
    process.exit(signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const hb = plan.hyperband ? `, hyperband: ${plan.hyperband.brackets.length} bracket(s) in ${plan.hyperband.waves.length} wave(s), max_epochs ${plan.hyperband.max_epochs}, factor ${plan.hyperband.factor}` : '';
  out.log(`Search folder: ${path.relative(process.cwd(), dir) || '.'} (${plan.trials.length} trials${plan.cv ? ` × ${plan.cv} folds` : ''}${hb}, ${workers} worker${workers === 1 ? '' : 's'})`);
  const events = {
    onTrial: (t: PlannedTrial, results: UnitResult[], done: number, total: number) => {
      const scores = results.map((r) => (plan.metric.startsWith('val_') ? r.result.validation?.[plan.metric.slice(4)] : undefined) ?? r.result.final[plan.metric]);
      const ok = scores.filter((s): s is number => s !== undefined);
      const mean = ok.length ? (ok.reduce((a, b) => a + b, 0) / ok.length).toFixed(4) : 'n/a';
      const secs = results.reduce((a, r) => a + r.seconds, 0).toFixed(1);
      out.log(`[${done}/${total}] ${trialName(t)}: ${fmtParams(t.params)} → ${plan.metric} ${mean} (${secs} s)`);
    },
    onError: (m: string) => out.warn(m),
  };
  const opts = backend === 'auto' ? {} : { backend };
  // Hyperband decides each later round from the previous one's results; grid and random run everything at once.
  const { errors, seconds } = plan.hyperband ? await runHyperband(dir, plan, workers, events, opts) : await runTrials(dir, plan, missing, workers, events, opts);
  const wall = (performance.now() - t0) / 1000;
  await finish(dir, plan, out, { wall, seconds });
  if (errors.length > 0) throw new KeratsError(`${errors.length} training run(s) failed (see above); fix and re-run the rest with: kerats tune --resume ${dir}`, ExitCode.runtime);
}

/** `timing`: this invocation's wall time and the seconds of the training runs it ran (a resume runs only some). */
async function finish(dir: string, plan: Plan, out: Output, timing?: { wall: number; seconds: number }): Promise<Summary> {
  const { summarize, table, writeSummary } = await import('../runtime/tune/collect.js');
  const s = await summarize(dir, plan);
  await writeSummary(dir, plan, s);
  const result = { dir, ...s, ...(timing ? { wall_seconds: Number(timing.wall.toFixed(3)), run_seconds: Number(timing.seconds.toFixed(3)) } : {}) };
  out.result(result, () => {
    const lines = [table(plan, s)];
    if (s.complete < s.total) lines.push(`${s.total - s.complete} of ${s.total} trial(s) have no results yet (run them with kerats tune --resume ${dir} or --trial K ${dir})`);
    if (s.best) lines.push(`Best: trial ${s.best.trial} (${fmtParams(s.best.params)}${s.best.epochs !== undefined ? `, ${s.best.epochs} epochs` : ''}), ${plan.metric} ${s.best.mean?.toFixed(4)}; config: ${path.relative(process.cwd(), path.join(dir, 'best.yaml'))}; chart: ${path.relative(process.cwd(), path.join(dir, 'scores.svg'))}`);
    if (timing) lines.push(`Wall time ${timing.wall.toFixed(1)} s for ${timing.seconds.toFixed(1)} s of training runs (${(timing.seconds / Math.max(timing.wall, 1e-9)).toFixed(2)}× in parallel)`);
    return lines.join('\n') + '\n';
  });
  return s;
}

export function registerTune(program: Command): void {
  withConfigOptions(withBackendOption(withOutputOptions(program.command('tune'))))
    .argument('[target]', 'the config file (with a tune: section); with --trial, the search folder')
    .option('--workers <n>', 'trials trained at once, each in its own process (default: the number of cores)')
    .option('--runs <dir>', 'folder that holds search folders', 'tune')
    .option('-o, --out <dir>', 'write the search folder exactly here instead of <runs>/<name>/<timestamp>')
    .option('--resume <dir>', 'continue a search: run only the trials whose results are missing')
    .option('--plan', 'only validate the space and write the search folder (plan.json, trial configs); run trials later with --trial')
    .option('--trial <k>', 'run exactly trial K (all its folds) of the search folder given as target; skipped when already complete')
    .option('--collect <dir>', 'rank the results in a search folder and write trials.csv, trials.json, best.yaml and scores.svg')
    .option('--emit <kind>', 'with --plan: also write a Kubernetes Indexed Job (k8s → job.yaml) or a GitHub Actions matrix (github-matrix → matrix.json); hyperband: one per wave (job-wave-N.yaml, matrix-wave-N.json)')
    .option('--image <image>', 'with --emit k8s: container image that has kerats', 'node:20')
    .option('--claim <name>', 'with --emit k8s: PersistentVolumeClaim holding the search folder', 'kerats-tune')
    .option('--parallelism <n>', 'with --emit k8s: pods at once (default: the number of trials)')
    .description('hyperparameter search: train every trial of the config\'s tune: space (optionally with k-fold cross-validation) in parallel processes and rank them')
    .addHelpText('after', example('kerats tune configs/iris-tune.yaml --workers 2', 'kerats tune configs/iris-tune.yaml --plan -o /work/tune --emit k8s', 'kerats tune --trial 3 /work/tune', 'kerats tune --collect /work/tune'))
    .action(async (target: string | undefined, opts: TuneOptions & { runs: string }) => {
      const out = outputFor(opts);
      const t0 = performance.now();
      const { stringify } = await import('yaml');
      const { writeFileAtomic, writeJsonAtomic } = await import('../util/atomic.js');
      const { githubMatrix, k8sJob, wavesOf } = await import('../runtime/tune/emit.js');
      const { createPlan, readPlan } = await import('../runtime/tune/plan.js');
      const { resolveTrial } = await import('../runtime/tune/promote.js');
      const { runTrials } = await import('../runtime/tune/runner.js');
      const workers = opts.workers !== undefined ? positiveInt(opts.workers, '--workers') : os.availableParallelism();
      const modes = [opts.resume && '--resume', opts.plan && '--plan', opts.trial !== undefined && '--trial', opts.collect && '--collect'].filter(Boolean);
      if (modes.length > 1) throw new ConfigError(`${modes.join(' and ')} cannot be combined; use one at a time`);
      if (opts.set?.length && (opts.resume || opts.trial !== undefined || opts.collect)) {
        throw new ConfigError(`--set applies when a search is planned (kerats tune CONFIG --set ...); ${modes[0]} uses the trial configs already in the search folder`);
      }
      if (opts.emit !== undefined && !opts.plan) throw new ConfigError('--emit only applies to --plan: kerats tune CONFIG --plan -o DIR --emit k8s');
      if (opts.emit !== undefined && opts.emit !== 'k8s' && opts.emit !== 'github-matrix') throw new ConfigError(`--emit expects k8s or github-matrix, got "${opts.emit}"`);

      if (opts.collect) {
        const dir = path.resolve(opts.collect);
        await finish(dir, await readPlan(dir), out);
        return;
      }
      if (opts.resume) {
        const dir = path.resolve(opts.resume);
        await runAndReport(dir, await readPlan(dir), out, workers, opts.backend, t0);
        return;
      }
      if (opts.trial !== undefined) {
        if (!target) throw new ConfigError('--trial K needs the search folder: kerats tune --trial K DIR');
        const dir = path.resolve(target);
        const plan = await readPlan(dir);
        const k = positiveInt(opts.trial, '--trial');
        const planned = plan.trials[k];
        if (!planned) throw new ConfigError(`--trial ${k}: the search in "${target}" has trials 0 to ${plan.trials.length - 1}`);
        const resolved = await resolveTrial(dir, plan, planned);
        if ('waiting' in resolved) {
          const hb = planned.hyperband;
          const wave = hb ? wavesOf(plan)[hb.round - 1] : undefined;
          throw new ConfigError(
            `--trial ${k}: hyperband decides this trial (bracket ${hb?.bracket}, round ${hb?.round}) from the results of round ${(hb?.round ?? 1) - 1}, ` +
              `and trial(s) ${resolved.waiting.join(', ')} have none yet; run the search wave by wave (wave ${(hb?.round ?? 1) - 1} is trials ${wave?.start}-${(wave?.end ?? 1) - 1}), see README "Hyperparameter search"`,
          );
        }
        const trial = resolved.trial;
        let ran = false;
        const { errors } = await runTrials(dir, plan, [trial], 1, { onTrial: () => (ran = true), onError: (m) => out.warn(m) }, opts.backend === 'auto' ? {} : { backend: opts.backend });
        if (errors.length > 0) throw new KeratsError(errors.join('\n'), ExitCode.runtime);
        out.result({ dir, trial: k, ran, params: trial.params }, () => `trial ${k}: ${ran ? 'done' : 'already complete, skipped'}\n`);
        return;
      }
      if (!target) throw new ConfigError('missing the config file: kerats tune CONFIG');
      const { plan, dir } = await createPlan(target, { root: opts.runs, sets: opts.set ?? [], ...(opts.out ? { out: opts.out } : {}) });
      if (opts.plan) {
        const written = ['plan.json'];
        // Hyperband: one file per wave (run them in order); otherwise one for the whole search.
        const waves = plan.hyperband ? wavesOf(plan).map((_, w) => w) : [undefined];
        const suffix = (w: number | undefined) => (w === undefined ? '' : `-wave-${w}`);
        if (opts.emit === 'k8s') {
          const parallelism = opts.parallelism !== undefined ? positiveInt(opts.parallelism, '--parallelism') : plan.trials.length;
          for (const w of waves) {
            await writeFileAtomic(path.join(dir, `job${suffix(w)}.yaml`), stringify(k8sJob(plan, { image: opts.image, claim: opts.claim, mountPath: dir, parallelism }, w)));
            written.push(`job${suffix(w)}.yaml`);
          }
        } else if (opts.emit === 'github-matrix') {
          for (const w of waves) {
            await writeJsonAtomic(path.join(dir, `matrix${suffix(w)}.json`), githubMatrix(plan, w));
            written.push(`matrix${suffix(w)}.json`);
          }
        }
        const waveText = plan.hyperband ? `; hyperband runs in ${plan.hyperband.waves.length} waves, each after the previous one: ${plan.hyperband.waves.map((w, i) => `wave ${i} = trials ${w.start}-${w.end - 1}`).join(', ')}` : '';
        out.result({ dir, trials: plan.trials.length, files: written, ...(plan.hyperband ? { waves: plan.hyperband.waves } : {}) }, () => `Planned ${plan.trials.length} trial(s) in ${path.relative(process.cwd(), dir) || '.'} (${written.join(', ')}); run one with kerats tune --trial K ${dir}${waveText}\n`);
        return;
      }
      await runAndReport(dir, plan, out, workers, opts.backend, t0);
    });
}
