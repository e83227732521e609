/**
 * Finds the Python reference environment (TensorFlow 2.21 + Keras 3, ONNX Runtime, TensorBoard,
 * PyTorch 2.13) that `npm run pyref` creates, for the checks that compare kerats with the real
 * libraries (tests, bench). Never creates it: a caller without it gets the reason to print.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type PythonRef = { python: string; skip?: undefined } | { python?: undefined; skip: string };

/** Where `npm run pyref` puts the venv: $KERATS_PYREF, else ~/.cache/kerats/pyref. */
export function pythonRefDir(): string {
  return process.env.KERATS_PYREF || path.join(os.homedir(), '.cache', 'kerats', 'pyref');
}

const found = new Map<string, PythonRef>();

/** The reference python when it imports every module named (e.g. ['keras', 'onnxruntime']), else why not. */
export function referencePython(modules: string[]): PythonRef {
  const key = modules.join(',');
  const cached = found.get(key);
  if (cached) return cached;
  const python = path.join(pythonRefDir(), 'bin', 'python');
  let result: PythonRef;
  if (!existsSync(python)) {
    result = { skip: `no Python reference environment at ${pythonRefDir()} (create it with: npm run pyref)` };
  } else {
    const r = spawnSync(python, ['-c', modules.map((m) => `import ${m}`).join('; ')], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
    });
    result = r.status === 0
      ? { python }
      : { skip: `the Python reference at ${pythonRefDir()} cannot import ${modules.join(', ')}: ${(r.stderr || r.error?.message || '').trim().split('\n').at(-1) ?? ''}` };
  }
  found.set(key, result);
  return result;
}

/** Runs a Python script file (or `-c` code) with the reference python; quiet TensorFlow logs. */
export function runPython(python: string, args: string[], opts: { timeoutMs?: number; cwd?: string } = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(python, args, {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 300_000,
    cwd: opts.cwd,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', CUDA_VISIBLE_DEVICES: '', PYTHONHASHSEED: '0' },
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
