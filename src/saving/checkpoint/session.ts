/**
 * The checkpoint side of one `kerats train`: decides whether the run starts fresh or continues an
 * interrupted one (`--resume DIR`, `--resume auto`, a BackupAndRestore backup), restores the
 * model, optimizer, callbacks, epoch and shuffle state, keeps `checkpoints/last/` current while
 * training, and on the way out either keeps the partial folder (interrupted: resumable) or clears
 * the checkpoint before the run folder gets its final name.
 *
 * Two phases, because the seed must be known before the model and the data are built:
 * `planRun` (find what to resume, fix the seed), then `RunSession.open` (folder, restore).
 */
import type * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { KeratsConfig } from '../../config/types.js';
import { callbacks as callbackRegistry } from '../../registry/callbacks.js';
import { ConfigError, ExitCode, KeratsError } from '../../util/errors.js';
import { Prng, permutation, randomSeed } from '../../util/prng.js';
import { isStreaming, type AnyExamples } from '../../runtime/data/types.js';
import { RunFolder, safeName } from '../run-folder.js';
import { BackupAndRestore } from '../../registry/callbacks/callbacks-backup-restore.js';
import type { Callback } from '../../registry/callbacks/callbacks-types.js';
import type { EpochProgress } from '../../registry/callbacks/callbacks-types.js';
import type { TrainOptions } from '../../runtime/training/types.js';
import { buildOptimizer } from '../../runtime/training/trainer.js';
import { removeDir, removeTemporaries } from './atomic-dir.js';
import { findLeftovers, removeLeftovers } from '../cleanup.js';
import { readCheckpoint, readOptimizerSnapshot, restoreModelWeights, type LoadedCheckpoint } from './checkpoint.js';
import { Checkpointer, restoreCallbackStates } from './checkpointer.js';
import { diffJson } from './config-diff.js';
import { configSha256, dataSha256 } from './hashes.js';
import { disposeSnapshot, restoreOptimizer } from './optimizer-state.js';
import { CHECKPOINT_DIR, listResumable, openResumable, partialLocation, RUNNING_FILE, writeRunning, type ConfigOrigin, type Resumable } from './resume.js';

export interface ResumeRequest {
  /** A partial run folder, a folder of runs (its newest unfinished one), or `auto`. */
  from: string;
  /** Resume even though the config or the data changed. */
  force?: boolean;
}

export interface PlanOptions {
  runsRoot: string;
  out?: string;
  resume?: ResumeRequest;
  /** Notes for the user (what is resumed, what is skipped). */
  log?: (message: string) => void;
}

interface Source {
  kind: 'run' | 'backup';
  checkpoint: LoadedCheckpoint;
  run?: Resumable;
}

/** Where a run starts from: fresh, or a checkpoint; and the seed everything is built with. */
export interface RunPlan {
  seed: number;
  configSha256: string;
  dataSha256: string;
  source?: Source;
}

function backupDirs(config: KeratsConfig): string[] {
  return config.fit.callbacks
    .filter((c) => c.type === 'BackupAndRestore' && typeof c.args.backup_dir === 'string' && path.isAbsolute(c.args.backup_dir))
    .map((c) => c.args.backup_dir as string);
}

async function refuseChanges(config: KeratsConfig, src: Source, hashes: { config: string; data: string }, force: boolean, where: string): Promise<void> {
  const problems: string[] = [];
  if (src.checkpoint.state.configSha256 !== hashes.config) {
    let before: unknown;
    if (src.run) before = JSON.parse(await fs.readFile(path.join(src.run.dir, 'config.json'), 'utf8').catch(() => 'null')) as unknown;
    const lines = before ? diffJson(before, config.resolved) : [];
    problems.push(`the config changed since ${where} was written${lines.length ? ':\n' + lines.map((l) => `  ${l}`).join('\n') : ''}`);
  }
  if (src.checkpoint.state.dataSha256 !== hashes.data) problems.push(`the training data changed since ${where} was written (its sha256 differs)`);
  if (problems.length === 0 || force) return;
  throw new ConfigError(`cannot resume: ${problems.join('\n')}\nrestore the original config and data, or add --force to resume anyway`);
}

/** Phase 1: what to resume (if anything) and the seed the model and data must be built with. */
export async function planRun(config: KeratsConfig, opts: PlanOptions): Promise<RunPlan> {
  const hashes = { config: configSha256(config), data: await dataSha256(config.data) };
  let source: Source | undefined;
  const req = opts.resume;
  if (req && req.from !== 'auto') {
    const run = await openResumable(req.from);
    source = { kind: 'run', checkpoint: run.checkpoint, run };
    await refuseChanges(config, source, hashes, req.force === true, `"${req.from}"`);
  } else if (req) {
    const { parent, prefix } = partialLocation(opts.runsRoot, safeName(config.name), opts.out);
    // Partial folders of runs that died before their first checkpoint hold nothing to resume: say so and remove them.
    const dead = (await findLeftovers(parent, prefix)).filter((l) => l.kind === 'dead-partial');
    for (const l of await removeLeftovers(dead)) opts.log?.(`--resume auto: removed ${path.relative(process.cwd(), l.path) || l.path} (${l.reason})`);
    for (const run of await listResumable(parent, prefix)) {
      if (run.checkpoint.state.configSha256 === hashes.config && run.checkpoint.state.dataSha256 === hashes.data) {
        source = { kind: 'run', checkpoint: run.checkpoint, run };
        break;
      }
      opts.log?.(`--resume auto: skipping ${path.relative(process.cwd(), run.dir)} (written by a different config or data)`);
    }
    if (!source) opts.log?.('--resume auto: no interrupted run of this config; starting a new run');
  }
  if (!source) {
    for (const dir of backupDirs(config)) {
      const checkpoint = await readCheckpoint(dir);
      if (!checkpoint) continue;
      source = { kind: 'backup', checkpoint };
      await refuseChanges(config, source, hashes, req?.force === true, `the BackupAndRestore backup in "${dir}"`);
      break;
    }
  }
  const seed = source?.checkpoint.state.seed ?? config.seed ?? randomSeed();
  return { seed, configSha256: hashes.config, dataSha256: hashes.data, source };
}

export interface OpenOptions {
  model: tf.LayersModel;
  train: AnyExamples;
  shuffle: boolean;
  argv: string[];
  /** How the config was loaded (`--set` flags, environment values it used), so `--resume DIR` alone can load it again. */
  origin?: ConfigOrigin;
  log?: (message: string) => void;
  /** The folder a fresh run becomes, already claimed by the caller (run-lock.ts). */
  target?: string;
}

/** Where an interrupted run stopped and how to continue it (the `interrupted` event's fields). */
export interface InterruptDetails {
  /** Epochs completed. */
  epoch: number;
  /** Batches of the next epoch trained and saved (0: the checkpoint is at an epoch boundary). */
  batch: number;
  run_dir: string;
  checkpoint: string;
  resume_command: string;
}

/** Training stopped on a signal after saving a checkpoint (exit 130; `kerats train` uses 143 for SIGTERM). */
export class InterruptedError extends KeratsError {
  constructor(message: string, readonly details: InterruptDetails) {
    super(message, ExitCode.interrupted);
    this.name = 'InterruptedError';
  }
}

/** Quotes a word for a POSIX shell when it needs it. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Phase 2 and the rest of the run's life: see the file comment. */
export class RunSession {
  private savedEpochs = 0;
  /** Position of the newest checkpoint: epochs completed and batches of the next one. */
  private savedAt = { epoch: 0, batch: 0 };
  private wasInterrupted = false;
  private closed = false;

  private constructor(
    readonly folder: RunFolder,
    readonly plan: RunPlan,
    private readonly config: KeratsConfig,
    /** Epoch (0-based) training starts at: a checkpoint's, or the config's `fit.initial_epoch`. */
    readonly initialEpoch: number,
    /** Restored optimizer (resumed runs); owned here. */
    readonly optimizer: tf.Optimizer | undefined,
    /** The config's callbacks, built here so their state can be saved and restored. */
    readonly callbacks: Callback[],
  ) {}

  /** Writes `checkpoints/last/` (set up in `open`). */
  private checkpointer!: Checkpointer;

  static async open(config: KeratsConfig, plan: RunPlan, runsRoot: string, out: string | undefined, o: OpenOptions): Promise<RunSession> {
    const src = plan.source;
    const folder = src?.run
      ? RunFolder.reopen(src.run.dir, src.run.running.target, src.run.running.explicit)
      : await RunFolder.create({ root: runsRoot, name: config.name, out, ...(o.target ? { target: o.target } : {}) });
    // A run killed while it wrote a checkpoint left the half-written copy beside the last complete
    // one: the run is ours now (its lock is held), so that debris goes before anything else.
    if (src?.run) await removeTemporaries(folder.file(CHECKPOINT_DIR));
    let optimizer: tf.Optimizer | undefined;
    try {
      await writeRunning(folder.dir, {
        target: folder.targetDir,
        explicit: folder.explicitOut,
        config_file: config.file,
        config_sha256: plan.configSha256,
        data_sha256: plan.dataSha256,
        started_at: src?.run?.running.started_at ?? new Date().toISOString(),
        command: o.argv,
        overrides: o.origin?.overrides ?? src?.run?.running.overrides ?? [],
        env: o.origin?.env ?? src?.run?.running.env ?? {},
      });
      // Written at the start so `--resume` can show what changed.
      await folder.writeJson('config.json', config.resolved);

      const built = config.fit.callbacks.map((c) => {
        const entry = callbackRegistry.find(c.type);
        if (!entry) throw new ConfigError({ message: callbackRegistry.unknownMessage(c.type), loc: c.loc });
        return entry.create(c.args, { loc: c.loc, baseDir: folder.dir });
      });
      // Backups record the other callbacks' state at each epoch's end, so they run after them.
      const callbacks = [...built.filter((c) => !(c instanceof BackupAndRestore)), ...built.filter((c) => c instanceof BackupAndRestore)];

      // Keras's fit.initial_epoch: a fresh run starts there; a resumed one where its checkpoint is.
      let initialEpoch = config.fit.initialEpoch ?? 0;
      let rngState: number | undefined;
      if (src) {
        const ck = src.checkpoint;
        await restoreModelWeights(ck, o.model);
        optimizer = buildOptimizer(config.compile);
        const snap = await readOptimizerSnapshot(ck);
        try {
          await restoreOptimizer(optimizer, snap, o.model);
        } finally {
          disposeSnapshot(snap);
        }
        restoreCallbackStates(callbacks, ck.state.callbacks);
        initialEpoch = ck.state.epoch;
        rngState = ck.state.rngState;
        const where = ck.state.batch ? `batch ${ck.state.batch} of epoch ${initialEpoch + 1}` : `epoch ${initialEpoch}`;
        o.log?.(`Resuming ${path.relative(process.cwd(), folder.dir) || folder.dir} from the checkpoint after ${where}`);
      }
      const session = new RunSession(folder, plan, config, initialEpoch, optimizer, callbacks);
      session.rngState = rngState;
      if (src?.checkpoint.state.batch && src.checkpoint.state.epochProgress) {
        session.midEpoch = { initialBatch: src.checkpoint.state.batch, epochProgress: src.checkpoint.state.epochProgress };
      }
      session.resumedHistory = src?.checkpoint.state.history ?? {};
      const common = {
        seed: plan.seed,
        configSha256: plan.configSha256,
        dataSha256: plan.dataSha256,
        history: session.resumedHistory,
        callbacks: () => callbacks,
        nextEpochRng: nextEpochRng(o.train, o.shuffle),
        interrupted: () => session.wasInterrupted,
      };
      for (const c of callbacks) if (c instanceof BackupAndRestore) c.attach(common);
      session.checkpointer = new Checkpointer({
        ...common,
        dir: folder.file(CHECKPOINT_DIR),
        saveAtStart: !src?.run,
        onSaved: (epochs, batch) => {
          session.savedAt = { epoch: epochs, batch };
          // The checkpoint of the starting point (fit.initial_epoch) is no progress worth keeping a folder for.
          if (src || epochs > initialEpoch || batch > 0) session.savedEpochs = Math.max(1, epochs);
        },
      });
      return session;
    } catch (err) {
      optimizer?.dispose();
      if (!src?.run) await folder.abort();
      throw err;
    }
  }

  /** The shuffle state to start from (resumed runs). */
  rngState: number | undefined;
  /** A mid-epoch checkpoint's position and running sums (BackupAndRestore with an integer save_freq). */
  midEpoch: { initialBatch: number; epochProgress: EpochProgress } | undefined;
  /** History of the epochs before this process (resumed runs). */
  resumedHistory: Record<string, number[]> = {};

  /** What `train()` needs from the session: start epoch, restored optimizer and shuffle, the callbacks. */
  trainOptions(): Pick<TrainOptions, 'seed' | 'initialEpoch' | 'initialBatch' | 'epochProgress' | 'optimizer' | 'rngState' | 'extraCallbacks'> & { callbacks: [] } {
    return {
      seed: this.plan.seed,
      initialEpoch: this.initialEpoch,
      ...(this.midEpoch ?? {}),
      ...(this.optimizer ? { optimizer: this.optimizer } : {}),
      ...(this.rngState !== undefined ? { rngState: this.rngState } : {}),
      callbacks: [],
      extraCallbacks: [...this.callbacks, this.checkpointer],
    };
  }

  /** The resumed epochs' history followed by this process's. */
  fullHistory(latest: Record<string, number[]>): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const k of new Set([...Object.keys(this.resumedHistory), ...Object.keys(latest)])) out[k] = [...(this.resumedHistory[k] ?? []), ...(latest[k] ?? [])];
    return out;
  }

  /**
   * Training stopped on a signal: keep the partial folder and say how to resume. `flags` are the
   * command-line options to repeat (backend, output format); the run folder holds the rest.
   * Returns the error to throw (exit 130; `kerats train` turns it into 143 for SIGTERM).
   */
  interrupted(flags: string[] = []): InterruptedError {
    this.wasInterrupted = true;
    this.folder.keep();
    const dir = path.relative(process.cwd(), this.folder.dir) || this.folder.dir;
    const { epoch, batch } = this.savedAt;
    const where = batch > 0 ? `after batch ${batch} of epoch ${epoch + 1}` : epoch > 0 ? `after epoch ${epoch}` : 'of the starting point';
    const resume = ['kerats', 'train', '--resume', dir, ...flags].map(shellWord).join(' ');
    return new InterruptedError(
      `training interrupted; the checkpoint ${where} is in ${dir}\n` +
        `resume with: ${resume}\n` +
        '(the run folder keeps the config, its --set overrides and environment values; the resumed run matches an uninterrupted one)',
      { epoch, batch, run_dir: this.folder.dir, checkpoint: this.folder.file(CHECKPOINT_DIR), resume_command: resume },
    );
  }

  /**
   * A run that failed for a reason outside kerats (disk full, folder made read-only) after a
   * checkpoint: the user error, with where the checkpoint is and the command that resumes it.
   */
  failedWithCheckpoint(err: KeratsError): KeratsError {
    if (this.savedEpochs === 0 && !this.plan.source?.run) return err;
    const dir = path.relative(process.cwd(), this.folder.dir) || this.folder.dir;
    const cfg = path.relative(process.cwd(), this.config.file) || this.config.file;
    const what = `the checkpoint after epoch ${this.savedEpochs > 0 ? this.savedEpochs : this.initialEpoch}`;
    return new KeratsError(
      [...err.problems, { message: `${what} is intact in ${dir}; once fixed, continue with: kerats train ${cfg} --resume ${dir}` }],
      err.exitCode,
    );
  }

  /** Marks the signal before `train()` returns, so a BackupAndRestore backup is kept. */
  noteInterrupt(): void {
    this.wasInterrupted = true;
  }

  /** Clears the resume state from the run folder before it gets its final name. */
  async beforeFinalize(): Promise<void> {
    await removeDir(this.folder.file(CHECKPOINT_DIR));
    await fs.rmdir(this.folder.file('checkpoints')).catch(() => undefined); // only when empty
    await fs.rm(this.folder.file(RUNNING_FILE), { force: true });
  }

  /** Manifest fields about seed, hashes and resumption. */
  manifestFields(): Record<string, unknown> {
    return {
      seed: this.plan.seed,
      seed_from_config: this.config.seed !== undefined,
      config_sha256: this.plan.configSha256,
      data_sha256: this.plan.dataSha256,
      resumed_from_epoch: this.plan.source ? this.initialEpoch : null,
      ...(this.midEpoch ? { resumed_from_batch: this.midEpoch.initialBatch } : {}),
    };
  }

  /**
   * On the way out (success or failure): a run that has something to resume from keeps its partial
   * folder (interrupted, failed after a checkpoint, or resumed); otherwise the folder goes.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.optimizer?.dispose();
    if (this.savedEpochs > 0 || this.plan.source?.run || this.wasInterrupted) this.folder.keep();
    await this.folder.abort();
  }
}

/**
 * The shuffle state at the start of the next epoch, from the state at the start of this one
 * (`TrainingContext.rngState()`): an in-memory shuffle draws one permutation of the rows per epoch
 * (training/batches.ts); streamed data shuffles by seed and epoch and leaves the generator alone.
 */
function nextEpochRng(train: AnyExamples, shuffle: boolean): (state: number) => number {
  return (state) => {
    if (!shuffle || isStreaming(train)) return state;
    const rng = new Prng(0);
    rng.setState(state);
    permutation(train.size, rng);
    return rng.getState();
  };
}
