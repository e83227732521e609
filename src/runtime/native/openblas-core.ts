/**
 * OpenBLAS picks its kernels once, when the library loads, from the CPU it detects. Its 0.3.21
 * (Debian 12's) does not know AMD's AVX-512 cores (Zen 4/5) and falls back to its Haswell (AVX2)
 * kernels, which on such a core run at about half the speed of its SkylakeX (AVX-512) ones:
 * measured here (2-core AMD EPYC with AVX-512), a 1280x512x256 sgemm ran at 216 GFLOP/s on the
 * Haswell kernels and 382 on the SkylakeX ones, a 32x512x128 one at 75 against 193.
 * OPENBLAS_CORETYPE is read by OpenBLAS's loader, so it must be set before the addon (which links
 * OpenBLAS) is loaded. A user's own OPENBLAS_CORETYPE is never overridden.
 */
import { readFileSync } from 'node:fs';

/** The AVX-512 subsets OpenBLAS's SkylakeX kernels use. */
const SKYLAKEX_FLAGS = ['avx512f', 'avx512dq', 'avx512bw', 'avx512vl'];

/** The CPU's feature flags on Linux (from /proc/cpuinfo), or undefined elsewhere. */
function cpuFlags(read: (file: string) => string): Set<string> | undefined {
  try {
    const line = read('/proc/cpuinfo').split('\n').find((l) => l.startsWith('flags'));
    return line ? new Set(line.slice(line.indexOf(':') + 1).trim().split(/\s+/)) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The OPENBLAS_CORETYPE kerats sets for this process, or undefined to leave OpenBLAS's own choice:
 * 'SkylakeX' on an x86-64 Linux CPU with AVX-512 when the user has not chosen a core type.
 */
export function openBlasCoreType(
  env: NodeJS.ProcessEnv = process.env,
  arch: string = process.arch,
  platform: string = process.platform,
  read: (file: string) => string = (f) => readFileSync(f, 'utf8'),
): string | undefined {
  if (env['OPENBLAS_CORETYPE'] || arch !== 'x64' || platform !== 'linux') return undefined;
  const flags = cpuFlags(read);
  return flags && SKYLAKEX_FLAGS.every((f) => flags.has(f)) ? 'SkylakeX' : undefined;
}

/** Sets OPENBLAS_CORETYPE for the OpenBLAS the addon is about to load, where it helps. */
export function chooseOpenBlasCore(): void {
  const core = openBlasCoreType();
  if (core) process.env['OPENBLAS_CORETYPE'] = core;
}
