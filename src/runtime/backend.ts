/**
 * Picks the TensorFlow.js backend: tfjs-node-gpu, then tfjs-node (both optional dependencies whose
 * install downloads libtensorflow, so they are often absent), then the embedded WebAssembly
 * backend, then the pure-JS cpu backend. Every probe says why a backend is unavailable.
 */
import * as tf from '@tensorflow/tfjs';
import { KeratsError, ExitCode } from '../util/errors.js';
import { installNodeCompat } from './node-compat.js';
import { registerWasmTrainingKernels } from './wasm-kernels/index.js';
import { nativeBlasStatus } from './native/blas.js';
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
    if (msg.includes(pkg)) return `not installed (npm install ${pkg})`;
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
    if (name === 'tensorflow-gpu' || name === 'tensorflow') {
      installNodeCompat();
      await import(pkg);
      if (name === 'tensorflow-gpu' && !(await hasCudaDevice())) {
        status = { name, package: pkg, available: false, reason: 'no CUDA device found (nvidia-smi lists none)' };
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
}

/** Activates the requested backend, or the best available one for `auto`. */
export async function useBackend(choice: BackendChoice = 'auto'): Promise<ActiveBackend> {
  const candidates: readonly BackendName[] = choice === 'auto' ? BACKEND_NAMES : [choice];
  const reasons: string[] = [];
  for (const name of candidates) {
    const status = await probeBackend(name);
    if (!status.available) {
      reasons.push(`${name}: ${status.reason ?? 'unavailable'}`);
      continue;
    }
    registerFastGradients();
    const kernels = name === 'wasm' ? registerWasmTrainingKernels() : [];
    if (await tf.setBackend(ENGINE_NAMES[name])) {
      await tf.ready();
      const blas = name === 'wasm' ? nativeBlasStatus() : undefined;
      return { name, tfjsVersion: tf.version.tfjs, kernels, acceleration: blas?.available ? blas.detail : null };
    }
    reasons.push(`${name}: failed to initialise`);
  }
  throw new KeratsError(
    `backend "${choice}" is not available: ${reasons.join('; ')}. Run "kerats backends" to see what is installed.`,
    choice === 'auto' ? ExitCode.runtime : ExitCode.usage,
  );
}
