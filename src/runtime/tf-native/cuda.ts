/**
 * The CUDA libraries a GPU TensorFlow loads at run time, for `kerats setup tensorflow-gpu`.
 * `pip install "tensorflow[and-cuda]"` brings them as nvidia-* packages in site-packages
 * (nvidia/<name>/lib/lib*.so.N); TensorFlow dlopens them by name, which only finds them on the
 * library path. The binding links every one of them by file with those folders on its run path
 * (rpath), so they are loaded with the binding and TensorFlow's dlopen finds them already there:
 * no LD_LIBRARY_PATH needed.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { KeratsError } from '../../util/errors.js';
import type { CudaRecord } from './record.js';
import { pipFix, type LocalTensorFlow } from './locate.js';

/** System folders searched when pip's nvidia-* packages lack a library. */
export const SYSTEM_CUDA_DIRS = ['/usr/local/cuda/lib64', '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64'];

const major = (v: string | null, fallback: number): number => {
  const m = v ? /^(\d+)/.exec(v) : null;
  return m ? Number(m[1]) : fallback;
};

/** The libraries TensorFlow cannot start a GPU without, for its CUDA and cuDNN major versions. */
export function requiredCudaLibraries(cudaVersion: string | null, cudnnVersion: string | null): string[] {
  const cuda = major(cudaVersion, 12);
  return [`libcudart.so.${cuda}`, `libcublas.so.${cuda}`, `libcublasLt.so.${cuda}`, `libcudnn.so.${major(cudnnVersion, 9)}`];
}

/** `site-packages/nvidia/<name>/lib` folders, in name order. */
export function pipNvidiaLibDirs(sitePackages: string[]): string[] {
  const dirs: string[] = [];
  for (const sp of sitePackages) {
    const root = path.join(sp, 'nvidia');
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root).sort()) {
      const lib = path.join(root, name, 'lib');
      if (existsSync(lib) && statSync(lib).isDirectory()) dirs.push(lib);
    }
  }
  return [...new Set(dirs)];
}

/** Versioned shared libraries (lib*.so.N) in a folder. */
function sharedLibs(dir: string): string[] {
  return readdirSync(dir).filter((f) => /^lib[\w.+-]*\.so\.\d+$/.test(f)).sort();
}

export interface CudaSearch {
  sitePackages: string[];
  cudaVersion: string | null;
  cudnnVersion: string | null;
  /** Overrides SYSTEM_CUDA_DIRS (tests). */
  systemDirs?: string[];
}

/** Finds the CUDA libraries; `missing` lists the required ones found nowhere. */
export function findCudaLibraries(s: CudaSearch): { record: CudaRecord; missing: string[]; searched: string[] } {
  const pipDirs = pipNvidiaLibDirs(s.sitePackages);
  const libraries = pipDirs.flatMap((d) => sharedLibs(d).map((f) => path.join(d, f)));
  const libDirs = [...pipDirs];
  const have = new Set(libraries.map((f) => path.basename(f)));
  const missing: string[] = [];
  const systemDirs = s.systemDirs ?? SYSTEM_CUDA_DIRS;
  for (const lib of requiredCudaLibraries(s.cudaVersion, s.cudnnVersion)) {
    if (have.has(lib)) continue;
    const dir = systemDirs.find((d) => existsSync(path.join(d, lib)));
    if (!dir) {
      missing.push(lib);
      continue;
    }
    libraries.push(path.join(dir, lib));
    if (!libDirs.includes(dir)) libDirs.push(dir);
  }
  const searched = [...s.sitePackages.map((sp) => path.join(sp, 'nvidia', '*', 'lib')), ...systemDirs];
  return { record: { cuda_version: s.cudaVersion, cudnn_version: s.cudnnVersion, lib_dirs: libDirs, libraries }, missing, searched };
}

/** The CUDA libraries for a GPU TensorFlow, or a KeratsError saying which are missing and how to get them. */
export function cudaFor(tf: LocalTensorFlow, systemDirs?: string[]): CudaRecord {
  const where = tf.python ? `Python ${tf.python}` : tf.libDir;
  if (tf.cudaBuild === false) {
    throw new KeratsError(`TensorFlow ${tf.version ?? ''} (${where}) is a CPU-only build, so it cannot run tensorflow-gpu. Fix: ${pipFix('tensorflow-gpu', tf.python ?? 'python3')} — or use kerats setup tensorflow for the CPU backend`);
  }
  const found = findCudaLibraries({ sitePackages: tf.sitePackages, cudaVersion: tf.cudaVersion, cudnnVersion: tf.cudnnVersion, systemDirs });
  if (found.missing.length > 0) {
    throw new KeratsError(
      `TensorFlow ${tf.version ?? ''} (${where}) is a CUDA ${tf.cudaVersion ?? '12'} / cuDNN ${tf.cudnnVersion ?? '9'} build, but these CUDA libraries were not found: ` +
        `${found.missing.join(', ')} (looked in ${found.searched.join(', ')}). Fix: ${pipFix('tensorflow-gpu', tf.python ?? 'python3')} — it installs CUDA and cuDNN as pip packages (nvidia-*)`,
    );
  }
  return found.record;
}
