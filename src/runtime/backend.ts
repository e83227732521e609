/**
 * Picks the TensorFlow.js backend: tfjs-node-gpu, then tfjs-node, then the embedded WebAssembly
 * backend, then the pure-JS cpu backend. The two TensorFlow backends come either from
 * `kerats setup tensorflow[-gpu]` (tfjs-node's binding built against a local TensorFlow, in
 * kerats' cache: tf-native/) or from the optional dependencies, whose install downloads
 * libtensorflow and so often fails. Every probe says why a backend is unavailable; `auto` follows
 * the measured rule in auto-choice.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { KeratsError, ExitCode } from '../util/errors.js';
import { installNodeCompat } from './node-compat.js';
import { registerWasmTrainingKernels } from './wasm-kernels/index.js';
import { nativeBlasStatus } from './native/blas.js';
import { autoChoice, type AutoChoice } from './auto-choice.js';
import { gpuNames, loadSetUp, setUpState, tensorFlowEnv, type SetUpState, type TensorFlowInfo } from './tf-native/load.js';
import type { TfVariant } from './tf-native/record.js';
import { registerFastGradients } from './gradients/index.js';

import { BACKEND_NAMES, type BackendName, type BackendChoice } from './backend-names.js';

export { BACKEND_NAMES, type BackendName, type BackendChoice };

export interface BackendStatus {
  name: BackendName;
  /** The npm package that provides it. */
  package: string;
  available: boolean;
  /** Why not, in words a user can act on ("not installed: npm install @tensorflow/tfjs-node"). */
  reason?: string;
  /** For tensorflow and tensorflow-gpu: which TensorFlow it runs on, when known. */
  tensorflow?: TensorFlowInfo;
}

const PACKAGES: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

/** The tfjs engine name each backend registers under. */
const ENGINE_NAMES: Record<BackendName, string> = {
  'tensorflow-gpu': 'tensorflow',
  tensorflow: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

export function describeLoadFailure(pkg: string, err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    if (msg.includes(pkg)) {
      const variant = pkg === '@tensorflow/tfjs-node' ? 'tensorflow' : pkg === '@tensorflow/tfjs-node-gpu' ? 'tensorflow-gpu' : undefined;
      return variant ? `not installed (kerats setup ${variant} builds it from a local TensorFlow, or npm install ${pkg})` : `not installed (npm install ${pkg})`;
    }
  }
  if (/tfjs_binding|libtensorflow|\.node\b|cannot open shared object/i.test(msg)) {
    return `native library missing: ${firstLine(msg)} (reinstall ${pkg} with internet access so it can download libtensorflow)`;
  }
  if (/cuda|cudnn|libcu/i.test(msg)) return `no usable CUDA: ${firstLine(msg)}`;
  return `failed to load: ${firstLine(msg)}`;
}

function firstLine(s: string): string {
  return s.split('\n')[0]?.trim() ?? s;
}

const probed = new Map<BackendName, BackendStatus>();
/** The `kerats setup` build behind each TensorFlow backend, when that is what the probe found. */
const setUps = new Map<BackendName, Extract<SetUpState, { state: 'ready' }>>();

const isTfVariant = (name: BackendName): name is TfVariant => name === 'tensorflow' || name === 'tensorflow-gpu';

/** The TensorFlow version a downloaded tfjs-node's libtensorflow carries (deps/lib/libtensorflow.so.2.9.1). */
async function downloadedInfo(pkg: string, name: TfVariant): Promise<TensorFlowInfo | undefined> {
  const { createRequire } = await import('node:module');
  const { existsSync, readdirSync } = await import('node:fs');
  const path = await import('node:path');
  try {
    const lib = path.join(path.dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`)), 'deps', 'lib');
    const file = existsSync(lib) ? readdirSync(lib).find((f) => /^libtensorflow\.so\.\d+\.\d+\.\d+$/.test(f)) : undefined;
    const version = file?.replace('libtensorflow.so.', '') ?? 'unknown';
    return { version, device: name === 'tensorflow-gpu' ? 'GPU' : 'CPU', origin: 'downloaded', python: null, lib_dir: lib, cuda: name === 'tensorflow-gpu' ? '11.2' : null, cudnn: name === 'tensorflow-gpu' ? '8.1' : null, gpus: name === 'tensorflow-gpu' ? gpuNames() : [] };
  } catch {
    return undefined;
  }
}

/** Loads (once) the package behind a backend and reports whether it can be used. */
export async function probeBackend(name: BackendName): Promise<BackendStatus> {
  const cached = probed.get(name);
  if (cached) return cached;
  // tfjs's console nags ("install our node backend", kernels registered twice by a half-installed
  // tfjs-node) would interleave with kerats' own output; kerats reports backends itself.
  tf.env().set('PROD', true);
  const pkg = PACKAGES[name];
  let status: BackendStatus = { name, package: pkg, available: true };
  try {
    if (isTfVariant(name)) {
      installNodeCompat();
      // A `kerats setup` build wins over the npm package; it is loaded only when used (useBackend).
      const setUp = setUpState(name);
      if (setUp.state === 'unusable') {
        status = { name, package: pkg, available: false, reason: setUp.reason };
      } else if (setUp.state === 'ready') {
        setUps.set(name, setUp);
        status = { name, package: `${pkg} (kerats setup)`, available: true, tensorflow: setUp.info };
      } else {
        tensorFlowEnv();
        await import(pkg);
        const info = await downloadedInfo(pkg, name);
        if (info) status.tensorflow = info;
      }
      if (status.available && name === 'tensorflow-gpu' && !(await hasCudaDevice())) {
        status = { ...status, available: false, reason: 'no CUDA device found (nvidia-smi lists none)' };
      }
    } else if (name === 'wasm') {
      await import('@tensorflow/tfjs-backend-wasm');
    }
  } catch (err) {
    status = { name, package: pkg, available: false, reason: describeLoadFailure(pkg, err) };
  }
  probed.set(name, status);
  return status;
}

async function hasCudaDevice(): Promise<boolean> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['-L'], { timeout: 5000 }, (err, stdout) => resolve(!err && /GPU \d/.test(stdout)));
  });
}

export async function listBackends(): Promise<BackendStatus[]> {
  const out: BackendStatus[] = [];
  for (const name of BACKEND_NAMES) out.push(await probeBackend(name));
  return out;
}

export interface ActiveBackend {
  name: BackendName;
  /** Versions recorded in every run's manifest. */
  tfjsVersion: string;
  /** Kernels kerats replaced or added for speed or completeness (wasm). */
  kernels: string[];
  /** The native acceleration in use (wasm with the OpenBLAS addon), e.g. "OpenBLAS 0.3.21 … Zen, 2 threads"; null without. */
  acceleration: string | null;
  /** For tensorflow and tensorflow-gpu: the TensorFlow it runs on (version as the loaded library reports it). */
  tensorflow: TensorFlowInfo | null;
  /** Why `auto` chose this backend; null when it was asked for by name. */
  choice: string | null;
}

/** What `auto` may know about the model to choose by size. */
export interface BackendHints {
  /** Trainable + non-trainable parameters of the model about to run; asked only when a TensorFlow backend could be chosen. */
  params?: number | (() => Promise<number | undefined>);
  /** Samples per training step. */
  batchSize?: number;
}

/** The TensorFlow version the active tensorflow backend's library reports (TF_Version). */
function runningTfVersion(): string | undefined {
  const backend = tf.findBackend('tensorflow') as unknown as { binding?: { TF_Version?: unknown } } | null;
  const v = backend?.binding?.TF_Version;
  return typeof v === 'string' ? v : undefined;
}

/** The order `auto` tries backends in: its measured choice first, then the rest as listed. */
async function autoOrder(hints: BackendHints): Promise<{ order: BackendName[]; choice: AutoChoice }> {
  const available: BackendName[] = [];
  for (const name of BACKEND_NAMES) if ((await probeBackend(name)).available) available.push(name);
  const native = available.some(isTfVariant);
  const params = typeof hints.params === 'function' ? (native ? await hints.params() : undefined) : hints.params;
  const choice = autoChoice(available, params, hints.batchSize);
  return { order: [choice.name, ...BACKEND_NAMES.filter((n) => n !== choice.name)], choice };
}

/** Loads what a backend needs before tfjs can switch to it (a `kerats setup` build's tfjs-node). */
function prepare(name: BackendName): string[] {
  if (name === 'wasm') return registerWasmTrainingKernels();
  const setUp = setUps.get(name);
  if (setUp && isTfVariant(name)) loadSetUp(name, setUp);
  return [];
}

/** Activates the requested backend, or for `auto` the one auto-choice.ts picks (model size in `hints`). */
export async function useBackend(choice: BackendChoice = 'auto', hints: BackendHints = {}): Promise<ActiveBackend> {
  const auto = choice === 'auto' ? await autoOrder(hints) : undefined;
  const candidates: readonly BackendName[] = auto ? auto.order : [choice as BackendName];
  const reasons: string[] = [];
  for (const name of candidates) {
    const status = await probeBackend(name);
    if (!status.available) {
      reasons.push(`${name}: ${status.reason ?? 'unavailable'}`);
      continue;
    }
    let kernels: string[];
    try {
      registerFastGradients();
      kernels = prepare(name);
    } catch (err) {
      const why = setUps.has(name) && isTfVariant(name)
        ? `the build of kerats setup does not load: ${firstLine(err instanceof Error ? err.message : String(err))} (fix: kerats setup ${name} --force)`
        : describeLoadFailure(status.package, err);
      reasons.push(`${name}: ${why}`);
      continue;
    }
    if (await tf.setBackend(ENGINE_NAMES[name])) {
      await tf.ready();
      const blas = name === 'wasm' ? nativeBlasStatus() : undefined;
      const running = isTfVariant(name) ? runningTfVersion() : undefined;
      const tensorflow = status.tensorflow ? { ...status.tensorflow, version: running ?? status.tensorflow.version } : null;
      const why = auto ? (auto.choice.name === name ? auto.choice.why : `${auto.choice.name} failed (${reasons.join('; ')}), so ${name}`) : null;
      return { name, tfjsVersion: tf.version.tfjs, kernels, acceleration: blas?.available ? blas.detail : null, tensorflow, choice: why };
    }
    reasons.push(`${name}: failed to initialise`);
  }
  throw new KeratsError(
    `backend "${choice}" is not available: ${reasons.join('; ')}. Run "kerats backends" to see what is installed.`,
    choice === 'auto' ? ExitCode.runtime : ExitCode.usage,
  );
}
