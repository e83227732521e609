/**
 * The kill-and-resume loop: one uninterrupted training run as the reference, then runs killed with
 * SIGKILL at random moments (start-up, mid-epoch, during a checkpoint write, after the end) and
 * continued with `--resume auto`; each must finish with the reference's weights, byte for byte.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Prng } from '../../src/util/prng.js';
import { BIN, kerats, writeIrisConfig } from '../../test/helpers/cli.js';

export interface KillStats {
  kills: number;
  identical: number;
  different: number;
  failed: number;
  /** Killed before its process finished (the others ended before the signal came). */
  killedMidway: number;
  failures: string[];
}

function runFolders(runs: string): string[] {
  const dir = path.join(runs, 'tiny');
  return existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('.')).map((n) => path.join(dir, n)) : [];
}

/** Starts `kerats train` and SIGKILLs it after `ms`; resolves whether it was still running. */
function trainKilledAfter(args: string[], cwd: string, ms: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'train', ...args], { cwd, stdio: 'ignore' });
    let done = false;
    const timer = setTimeout(() => {
      if (!done) child.kill('SIGKILL');
    }, ms);
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      done = true;
      clearTimeout(timer);
      resolve(signal === 'SIGKILL');
    });
  });
}

export async function killResumeLoop(dir: string, opts: { kills: number; deadline: number; seed: number; log: (s: string) => void }): Promise<KillStats> {
  const stats: KillStats = { kills: 0, identical: 0, different: 0, failed: 0, killedMidway: 0, failures: [] };
  mkdirSync(dir, { recursive: true });
  const file = writeIrisConfig(path.join(dir, 'tiny.yaml'), { name: 'tiny', seed: 11, units: 8, dropout: 0.2, learningRate: 0.01, epochs: 6, batchSize: 8 });
  const started = Date.now();
  const ref = await kerats(['train', file, '--out', path.join(dir, 'reference'), '-q', '--backend', 'cpu'], { cwd: dir });
  if (ref.code !== 0) {
    stats.failures.push(`reference run failed: ${ref.stderr}`);
    return stats;
  }
  const duration = Date.now() - started;
  const reference = readFileSync(path.join(dir, 'reference', 'weights.bin'));
  const rng = new Prng(opts.seed);
  for (let k = 0; k < opts.kills && Date.now() < opts.deadline; k++) {
    const runs = path.join(dir, `runs-${k}`);
    const args = [file, '--runs', runs, '--backend', 'cpu', '-q'];
    // Anywhere from start-up to a little past the reference's whole run.
    const at = Math.round(rng.next() * duration * 1.1);
    const killed = await trainKilledAfter(args, dir, at);
    stats.kills++;
    if (killed) stats.killedMidway++;
    const resumed = await kerats(['train', ...args, '--resume', 'auto'], { cwd: dir, timeoutMs: 300_000 });
    const folders = runFolders(runs);
    if (resumed.code !== 0 || folders.length === 0) {
      stats.failed++;
      stats.failures.push(`kill ${k} at ${at} ms: resume exited ${resumed.code}: ${resumed.stderr.slice(0, 500)}`);
      continue;
    }
    // A run that finished before the kill is already complete; --resume auto then starts a fresh
    // (identical) run: every finished folder must match the reference.
    const same = folders.every((f) => readFileSync(path.join(f, 'weights.bin')).equals(reference));
    if (same) stats.identical++;
    else {
      stats.different++;
      stats.failures.push(`kill ${k} at ${at} ms: resumed weights differ from the uninterrupted run's`);
    }
    opts.log(`kill ${k + 1}: at ${at} ms${killed ? '' : ' (already finished)'} → ${same ? 'identical' : 'DIFFERENT'}`);
  }
  return stats;
}
