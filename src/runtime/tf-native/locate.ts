/**
 * Finds the TensorFlow a user already has, for `kerats setup tensorflow[-gpu]`: the given Python's
 * (`tensorflow.sysconfig`), else a libtensorflow folder (`--tf-lib`, `KERATS_TF_LIB`), else the
 * `python3` on PATH. Checks that it has the C API headers and libraries the tfjs-node binding links
 * and that it is new enough. Every failure is a KeratsError (exit 2) saying what to do.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { KeratsError } from '../../util/errors.js';
import { TFJS_NODE_VERSION, type TfVariant } from './record.js';

/** The oldest TensorFlow whose C and eager C API the tfjs-node 4.22 binding compiles and runs against (it shipped with 2.9.1). */
export const MIN_TF_VERSION = [2, 9] as const;
/** What the fixes suggest installing. */
export const SUGGESTED_TF = '2.21.0';

export interface LocalTensorFlow {
  version: string | null;
  /** The Python it came from, or null for a libtensorflow folder. */
  python: string | null;
  includeDir: string;
  libDir: string;
  /** Library files (in libDir) to link: the one exporting the C API, then libtensorflow_framework. */
  libraries: string[];
  /** From tf.sysconfig.get_build_info(); null when unknown (a libtensorflow folder). */
  cudaBuild: boolean | null;
  cudaVersion: string | null;
  cudnnVersion: string | null;
  /** The Python's site-packages folders (pip's nvidia-* CUDA libraries live there). */
  sitePackages: string[];
}

export interface LocateOptions {
  python?: string;
  tfLib?: string;
  env?: NodeJS.ProcessEnv;
}

/** Printed by the given Python on one line, after TensorFlow's own noise. */
const PROBE = `
import json, os, site, sys
r = {"python": sys.executable, "python_version": sys.version.split()[0]}
try:
    import tensorflow as tf
    r["version"] = str(tf.__version__)
    r["include"] = tf.sysconfig.get_include()
    r["lib"] = tf.sysconfig.get_lib()
    try:
        info = dict(tf.sysconfig.get_build_info())
    except Exception:
        info = {}
    r["build_info"] = {k: v if isinstance(v, (str, int, float, bool)) or v is None else str(v) for k, v in info.items()}
    sp = [os.path.dirname(os.path.dirname(os.path.abspath(tf.__file__)))]
    if hasattr(site, "getsitepackages"):
        sp += site.getsitepackages()
    r["site_packages"] = list(dict.fromkeys(sp))
except Exception as e:
    r["error"] = "%s: %s" % (type(e).__name__, e)
print("KERATS_TF " + json.dumps(r))
`;

interface ProbeResult {
  python: string;
  python_version: string;
  version?: string;
  include?: string;
  lib?: string;
  build_info?: Record<string, string | number | boolean | null>;
  site_packages?: string[];
  error?: string;
}

export function pipFix(variant: TfVariant, python = 'python3'): string {
  const pkg = variant === 'tensorflow-gpu' ? `"tensorflow[and-cuda]==${SUGGESTED_TF}"` : `tensorflow-cpu==${SUGGESTED_TF}`;
  return `${python} -m pip install ${pkg} (a venv is fine: python3 -m venv ~/tf && ~/tf/bin/pip install ${pkg}), then kerats setup ${variant} --python ${python === 'python3' ? '~/tf/bin/python' : python}`;
}

/** [major, minor, patch] of "2.21.0", "2.16.0-rc1", "2.9.1"; undefined when not a version. */
export function parseVersion(v: string): [number, number, number] | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

export function isTooOld(v: string): boolean {
  const p = parseVersion(v);
  if (!p) return false;
  return p[0] < MIN_TF_VERSION[0] || (p[0] === MIN_TF_VERSION[0] && p[1] < MIN_TF_VERSION[1]);
}

export function tooOldError(version: string, where: string, variant: TfVariant, python?: string): KeratsError {
  return new KeratsError(
    `TensorFlow ${version} (${where}) is too old: the tfjs-node ${TFJS_NODE_VERSION} binding needs TensorFlow ${MIN_TF_VERSION.join('.')} or newer ` +
      `(its eager C API). Fix: ${pipFix(variant, python)}`,
  );
}

function runProbe(python: string, variant: TfVariant, env: NodeJS.ProcessEnv, chosenBy: string): ProbeResult {
  const r = spawnSync(python, ['-c', PROBE], {
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
    env: { ...env, TF_CPP_MIN_LOG_LEVEL: '3' },
  });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'not executable' : r.error.message;
    throw new KeratsError(`Python "${python}" (${chosenBy}) ${what}. Fix: pass --python with the path of a Python that has TensorFlow, e.g. ${pipFix(variant)}`);
  }
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('KERATS_TF '));
  if (r.status !== 0 || !line) {
    const last = (r.stderr ?? '').trim().split('\n').at(-1) ?? '';
    throw new KeratsError(`Python "${python}" (${chosenBy}) failed to run (exit ${r.status ?? r.signal}): ${last || 'no output'}. Fix: check that it runs (${python} -c "import sys; print(sys.version)") or pass another --python`);
  }
  return JSON.parse(line.slice('KERATS_TF '.length)) as ProbeResult;
}

/** The C-API library and libtensorflow_framework in `libDir`, or the names of what is missing. */
function libsIn(libDir: string): { libraries: string[]; missing?: string } {
  const has = (f: string): boolean => existsSync(path.join(libDir, f));
  // libtensorflow.so.2: the libtensorflow tarball; libtensorflow_cc.so.2: pip's wheel (exports the C API too).
  const capi = ['libtensorflow.so.2', 'libtensorflow_cc.so.2', 'libtensorflow.so', 'libtensorflow_cc.so'].find(has);
  const framework = ['libtensorflow_framework.so.2', 'libtensorflow_framework.so'].find(has);
  if (!capi) return { libraries: [], missing: 'libtensorflow.so.2 or libtensorflow_cc.so.2 (the library exporting the C API)' };
  if (!framework) return { libraries: [], missing: 'libtensorflow_framework.so.2' };
  return { libraries: [capi, framework] };
}

const HEADERS = ['tensorflow/c/c_api.h', 'tensorflow/c/eager/c_api.h'];

function checkFiles(tf: LocalTensorFlow, where: string, variant: TfVariant): void {
  const missingHeader = HEADERS.find((h) => !existsSync(path.join(tf.includeDir, h)));
  if (missingHeader) {
    throw new KeratsError(`TensorFlow at ${where} has no C API header ${path.join(tf.includeDir, missingHeader)}. Fix: use a TensorFlow that ships its headers (pip's tensorflow does), e.g. ${pipFix(variant, tf.python ?? 'python3')}`);
  }
}

/** The version from the headers (release_version.h, or version.h before 2.16), else from a file name like libtensorflow.so.2.9.1. */
export function versionFromFiles(includeDir: string, libDir: string): string | null {
  for (const h of ['tensorflow/core/public/release_version.h', 'tensorflow/core/public/version.h']) {
    const file = path.join(includeDir, h);
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const get = (name: string): string | undefined => new RegExp(`#define\\s+${name}\\s+(\\d+)`).exec(text)?.[1];
    const [ma, mi, pa] = [get('TF_MAJOR_VERSION'), get('TF_MINOR_VERSION'), get('TF_PATCH_VERSION')];
    if (ma && mi) return `${ma}.${mi}.${pa ?? 0}`;
  }
  if (existsSync(libDir)) {
    for (const f of readdirSync(libDir)) {
      const m = /^libtensorflow(?:_cc|_framework)?\.so\.(\d+\.\d+\.\d+)$/.exec(f);
      if (m?.[1]) return m[1];
    }
  }
  return null;
}

function fromPython(python: string, variant: TfVariant, env: NodeJS.ProcessEnv, chosenBy: string): LocalTensorFlow {
  const p = runProbe(python, variant, env, chosenBy);
  if (p.error || !p.version || !p.include || !p.lib) {
    throw new KeratsError(`Python "${python}" (${chosenBy}; ${p.python}, Python ${p.python_version}) cannot import TensorFlow: ${p.error ?? 'tensorflow.sysconfig is incomplete'}. Fix: ${pipFix(variant, python)}`);
  }
  const where = `Python ${p.python}`;
  if (isTooOld(p.version)) throw tooOldError(p.version, where, variant, python);
  const { libraries, missing } = libsIn(p.lib);
  if (missing) throw new KeratsError(`TensorFlow ${p.version} (${where}) has no ${missing} in ${p.lib}. Fix: reinstall it, e.g. ${pipFix(variant, python)}`);
  const info = p.build_info ?? {};
  const str = (v: unknown): string | null => (v === undefined || v === null || v === '' ? null : String(v));
  const tf: LocalTensorFlow = {
    version: p.version,
    python: p.python,
    includeDir: p.include,
    libDir: p.lib,
    libraries,
    cudaBuild: info.is_cuda_build === true,
    cudaVersion: str(info.cuda_version),
    cudnnVersion: str(info.cudnn_version),
    sitePackages: p.site_packages ?? [],
  };
  checkFiles(tf, where, variant);
  return tf;
}

/** A libtensorflow folder: DIR/lib + DIR/include (the tarball), or libraries in DIR with DIR/include (pip's tensorflow folder). */
function fromLibDir(dir: string, variant: TfVariant, chosenBy: string): LocalTensorFlow {
  const root = path.resolve(dir);
  if (!existsSync(root)) throw new KeratsError(`the libtensorflow folder ${root} (${chosenBy}) does not exist. Fix: pass the folder holding lib/ and include/ of a libtensorflow 2.x, or use --python with ${pipFix(variant)}`);
  const libDir = libsIn(path.join(root, 'lib')).missing ? root : path.join(root, 'lib');
  const { libraries, missing } = libsIn(libDir);
  if (missing) throw new KeratsError(`the libtensorflow folder ${root} (${chosenBy}) has no ${missing} (looked in ${root}/lib and ${root}). Fix: pass the folder of a libtensorflow 2.x (lib/ and include/), or use --python with ${pipFix(variant)}`);
  const includeDir = path.join(root, 'include');
  const version = versionFromFiles(includeDir, libDir);
  const where = root;
  if (version && isTooOld(version)) throw tooOldError(version, where, variant);
  const tf: LocalTensorFlow = { version, python: null, includeDir, libDir, libraries, cudaBuild: null, cudaVersion: null, cudnnVersion: null, sitePackages: [] };
  checkFiles(tf, where, variant);
  return tf;
}

/** `--python`, else `--tf-lib`, else KERATS_TF_LIB, else the python3 on PATH. */
export function locateTensorFlow(variant: TfVariant, opts: LocateOptions = {}): LocalTensorFlow {
  const env = opts.env ?? process.env;
  if (opts.python && opts.tfLib) throw new KeratsError('pass either --python or --tf-lib, not both');
  if (opts.python) return fromPython(opts.python, variant, env, '--python');
  if (opts.tfLib) return fromLibDir(opts.tfLib, variant, '--tf-lib');
  if (env.KERATS_TF_LIB) return fromLibDir(env.KERATS_TF_LIB, variant, 'KERATS_TF_LIB');
  try {
    return fromPython('python3', variant, env, 'python3 on PATH, since no --python or --tf-lib was given');
  } catch (e) {
    if (e instanceof KeratsError && /not found/.test(e.message)) {
      throw new KeratsError(`no TensorFlow found: no --python, no --tf-lib, KERATS_TF_LIB is not set and there is no python3 on PATH. Fix: ${pipFix(variant)}`);
    }
    throw e;
  }
}
