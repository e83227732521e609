/**
 * `kerats doctor`: is this machine ready to train? Node, backends (and why not), CUDA,
 * libtensorflow, the cache folder and the runs folder, each with the fix when something is off.
 */
import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { ExitCode } from '../util/errors.js';
import { example, outputFor, withOutputOptions, type CommonOptions } from './common.js';

export type CheckStatus = 'ok' | 'warn' | 'error';

export interface DoctorCheck {
  /** `node`, `node-compat`, `backend:wasm`, `cuda`, `libtensorflow`, `cache`, `runs`. */
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about it, when status is not ok. */
  fix?: string;
}

/** `KERATS_HOME`, else `~/.kerats`: where kerats keeps downloads and caches. */
export function keratsHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.KERATS_HOME && env.KERATS_HOME !== '' ? path.resolve(env.KERATS_HOME) : path.join(os.homedir(), '.kerats');
}

function nodeChecks(): DoctorCheck[] {
  const major = Number(process.versions.node.split('.')[0]);
  const checks: DoctorCheck[] = [
    major >= 20
      ? { name: 'node', status: 'ok', detail: `Node ${process.version}` }
      : { name: 'node', status: 'error', detail: `Node ${process.version} is too old`, fix: 'install Node 20 or newer (https://nodejs.org)' },
  ];
  // tfjs-node 4.22 calls util.isNullOrUndefined, removed in Node 23; kerats restores it before loading tfjs-node.
  const fn = (util as unknown as { isNullOrUndefined?: unknown }).isNullOrUndefined;
  checks.push({
    name: 'node-compat',
    status: 'ok',
    detail:
      typeof fn !== 'function'
        ? 'util.isNullOrUndefined missing in this Node; kerats restores it before loading tfjs-node'
        : major >= 23
          ? 'util.isNullOrUndefined restored by kerats (Node 23+ removed it; tfjs-node needs it)'
          : 'util.isNullOrUndefined is Node\'s own (no patch needed)',
  });
  return checks;
}

async function backendChecks(): Promise<DoctorCheck[]> {
  const { listBackends } = await import('../runtime/backend.js');
  const { describeTensorFlow } = await import('../runtime/tf-native/describe.js');
  const list = await listBackends();
  const checks: DoctorCheck[] = list.map((b) => ({
    name: `backend:${b.name}`,
    status: b.available ? 'ok' : 'warn',
    detail: b.available ? `${b.package} loads${b.tensorflow ? `: ${describeTensorFlow(b.tensorflow)}` : ''}` : `${b.package}: ${b.reason ?? 'unavailable'}`,
    ...(b.available ? {} : { fix: fixFor(b.name, b.reason ?? '') }),
  }));
  if (!list.some((b) => b.available)) {
    checks.push({ name: 'backend', status: 'error', detail: 'no TensorFlow.js backend loads', fix: 'reinstall kerats (npm install) so @tensorflow/tfjs-backend-wasm is present' });
  }
  return checks;
}

function fixFor(name: string, reason: string): string {
  if (/setup record|set up, but/.test(reason)) return `kerats setup ${name} --force`;
  if (/not installed/.test(reason) && (name === 'tensorflow' || name === 'tensorflow-gpu')) {
    return `kerats setup ${name} --python PY (builds it from the TensorFlow a Python has: pip install ${name === 'tensorflow' ? 'tensorflow-cpu' : '"tensorflow[and-cuda]"'}; no download), or npm install @tensorflow/tfjs-node${name === 'tensorflow-gpu' ? '-gpu' : ''} with internet access`;
  }
  if (/not installed/.test(reason)) return `npm install ${name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : name === 'tensorflow' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-backend-' + name}`;
  if (/CUDA/i.test(reason)) return 'install an NVIDIA driver; then kerats setup tensorflow-gpu --python PY against pip\'s "tensorflow[and-cuda]" (CUDA 12 from pip), or CUDA 11.2 + cuDNN 8.1 for the downloaded tfjs-node-gpu; or use --backend wasm';
  if (/native library|libtensorflow/i.test(reason)) return 'reinstall the package with internet access so its install script can download libtensorflow';
  return 'the other backends still work: pass --backend wasm (the default) or cpu';
}

function cudaCheck(): DoctorCheck {
  const r = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { encoding: 'utf8', timeout: 5000 });
  if (r.error || r.status !== 0) {
    return { name: 'cuda', status: 'warn', detail: 'nvidia-smi not found or failed: no NVIDIA GPU visible', fix: 'only needed for --backend tensorflow-gpu; install the NVIDIA driver' };
  }
  const gpus = r.stdout.trim().split('\n').filter(Boolean);
  return gpus.length > 0
    ? { name: 'cuda', status: 'ok', detail: `${gpus.length} GPU(s): ${gpus.join('; ')}` }
    : { name: 'cuda', status: 'warn', detail: 'nvidia-smi lists no GPU', fix: 'check the driver with nvidia-smi' };
}

/** Each `kerats setup` build, loaded in a child process: does it still load, on which TensorFlow. */
async function setupChecks(): Promise<DoctorCheck[]> {
  const { probeBinding } = await import('../runtime/tf-native/build.js');
  const { describeTensorFlow } = await import('../runtime/tf-native/describe.js');
  const { setUpState } = await import('../runtime/tf-native/load.js');
  const { TF_VARIANTS, setupCommand, tfCacheRoot } = await import('../runtime/tf-native/record.js');
  const checks: DoctorCheck[] = [];
  for (const variant of TF_VARIANTS) {
    const s = setUpState(variant);
    const name = `setup:${variant}`;
    if (s.state === 'none') {
      checks.push({ name, status: 'ok', detail: `not set up (optional; cache ${tfCacheRoot()})` });
    } else if (s.state === 'unusable') {
      checks.push({ name, status: 'warn', detail: s.reason, fix: setupCommand(variant, true) });
    } else {
      const r = probeBinding(s.binding);
      checks.push(r.ok
        ? { name, status: 'ok', detail: `loads: ${describeTensorFlow({ ...s.info, version: r.version })}${variant === 'tensorflow-gpu' ? (r.gpu ? ', GPU in use' : ', no GPU visible') : ''}` }
        : { name, status: 'warn', detail: `set up, but its binding does not load: ${r.why}`, fix: setupCommand(variant, true) });
    }
  }
  return checks;
}

function libtensorflowCheck(): DoctorCheck {
  const require = createRequire(import.meta.url);
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    let dir: string;
    try {
      dir = path.dirname(require.resolve(`${pkg}/package.json`));
    } catch {
      continue;
    }
    const libDir = path.join(dir, 'deps', 'lib');
    const lib = existsSync(libDir) && readdirSync(libDir).some((f) => /libtensorflow/.test(f)) ? libDir : undefined;
    if (lib) return { name: 'libtensorflow', status: 'ok', detail: `${pkg}: ${lib}` };
    return {
      name: 'libtensorflow',
      status: 'warn',
      detail: `${pkg} is installed but its libtensorflow was never downloaded (${dir})`,
      fix: `npm rebuild ${pkg} with internet access; until then kerats uses wasm`,
    };
  }
  return { name: 'libtensorflow', status: 'warn', detail: 'no tfjs-node package installed', fix: 'optional: kerats setup tensorflow --python PY builds the native CPU backend from a local TensorFlow (no download)' };
}

/** Whether the nearest existing folder at or above `dir` accepts a new file. */
async function writable(dir: string): Promise<{ ok: boolean; at: string; why?: string }> {
  let at = path.resolve(dir);
  while (!existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  const probe = path.join(at, `.kerats-doctor-${process.pid}-${Date.now()}`);
  try {
    await fs.writeFile(probe, '');
    await fs.rm(probe, { force: true });
    return { ok: true, at };
  } catch (e) {
    return { ok: false, at, why: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
  }
}

async function folderCheck(name: string, dir: string, what: string, fixVar: string): Promise<DoctorCheck> {
  const w = await writable(dir);
  const state = existsSync(dir) ? 'exists' : `will be created (under ${w.at})`;
  return w.ok
    ? { name, status: 'ok', detail: `${what} ${dir} ${state}, writable` }
    : { name, status: 'error', detail: `${what} ${dir} is not writable (${w.why ?? 'denied'} at ${w.at})`, fix: fixVar };
}

export async function runDoctor(opts: { runs: string }): Promise<DoctorCheck[]> {
  const home = keratsHome();
  return [
    ...nodeChecks(),
    ...(await backendChecks()),
    cudaCheck(),
    ...(await setupChecks()),
    libtensorflowCheck(),
    await folderCheck('cache', home, 'cache folder', 'set KERATS_HOME to a writable folder'),
    await folderCheck('runs', path.resolve(opts.runs), 'runs folder', 'pass --runs DIR (a writable folder) to train'),
  ];
}

export function registerDoctor(program: Command): void {
  withOutputOptions(program.command('doctor'))
    .option('--runs <dir>', 'the runs folder to check', 'runs')
    .description('check this machine: Node, backends (and why not), CUDA, libtensorflow, cache and runs folders; each problem with its fix')
    .addHelpText('after', example('kerats doctor', 'kerats doctor --json'))
    .action(async (opts: CommonOptions & { runs: string }) => {
      const out = outputFor(opts);
      const checks = await runDoctor(opts);
      const ok = !checks.some((c) => c.status === 'error');
      out.result({ ok, checks }, () => {
        const mark = { ok: out.chalk.green('ok  '), warn: out.chalk.yellow('warn'), error: out.chalk.red('FAIL') };
        const lines = checks.map((c) => `${mark[c.status]} ${c.name.padEnd(24)} ${c.detail}${c.fix ? `\n     ${''.padEnd(24)} fix: ${c.fix}` : ''}`);
        return lines.join('\n') + `\n${ok ? 'ready to train' : 'not ready: fix the FAIL lines above'}\n`;
      });
      if (!ok) process.exitCode = ExitCode.runtime;
    });
}
