/**
 * Where `kerats setup tensorflow[-gpu]` keeps what it built, and the small JSON record that says
 * what that is. The cache lives outside node_modules (so `npm ci` does not erase it):
 * `$KERATS_TF_CACHE`, else `$XDG_CACHE_HOME/kerats/tfjs-node`, else `~/.cache/kerats/tfjs-node`.
 * Each build is a folder `<variant>-<tf version>/`; `<variant>.json` beside it names the one in use.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TF_VARIANTS = ['tensorflow', 'tensorflow-gpu'] as const;
export type TfVariant = (typeof TF_VARIANTS)[number];

/** The npm package whose JavaScript and binding sources each variant uses. */
export const TFJS_NODE_PACKAGES: Record<TfVariant, string> = {
  tensorflow: '@tensorflow/tfjs-node',
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
};
/** The tfjs-node version matching kerats' @tensorflow/tfjs. */
export const TFJS_NODE_VERSION = '4.22.0';

/** CUDA libraries a GPU build links so TensorFlow finds them without LD_LIBRARY_PATH. */
export interface CudaRecord {
  cuda_version: string | null;
  cudnn_version: string | null;
  /** Folders put on the binding's run path (pip's nvidia-* packages, or the system's). */
  lib_dirs: string[];
  /** Library files linked, by path. */
  libraries: string[];
}

export interface SetupRecord {
  /** Format of this file. */
  kerats_tf_setup: 1;
  variant: TfVariant;
  tf_version: string;
  device: 'CPU' | 'GPU';
  origin: 'built from a local TensorFlow';
  /** The Python whose TensorFlow was used, or null when built from a libtensorflow folder. */
  python: string | null;
  tf_lib_dir: string;
  tf_include_dir: string;
  /** The TensorFlow libraries linked (file names in tf_lib_dir). */
  tf_libraries: string[];
  /** Size and mtime of the first linked library: a pip upgrade changes them, and the record goes stale. */
  tf_lib_stamp: { size: number; mtime_ms: number };
  cuda: CudaRecord | null;
  /** The build folder, relative to the cache root. */
  dir: string;
  /** The tfjs-node package folder and the binding, relative to the build folder. */
  package_dir: string;
  binding: string;
  tfjs_node: string;
  node_abi: string;
  napi_version: number;
  node: string;
  compiler: string;
  built_at: string;
  build_seconds: number;
}

export function tfCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KERATS_TF_CACHE) return path.resolve(env.KERATS_TF_CACHE);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(base, 'kerats', 'tfjs-node');
}

export function recordPath(variant: TfVariant, root = tfCacheRoot()): string {
  return path.join(root, `${variant}.json`);
}

export type RecordState =
  | { state: 'none'; file: string }
  | { state: 'corrupt'; file: string; why: string }
  | { state: 'ok'; file: string; record: SetupRecord; dir: string; packageDir: string; binding: string };

const STRING_FIELDS = ['variant', 'tf_version', 'device', 'tf_lib_dir', 'tf_include_dir', 'dir', 'package_dir', 'binding', 'built_at'] as const;

/** Reads a variant's record; a file that is not a record kerats wrote is `corrupt`, with why. */
export function readRecord(variant: TfVariant, root = tfCacheRoot()): RecordState {
  const file = recordPath(variant, root);
  if (!existsSync(file)) return { state: 'none', file };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { state: 'corrupt', file, why: `not JSON (${(e as Error).message})` };
  }
  const r = parsed as Partial<SetupRecord> | null;
  if (!r || typeof r !== 'object' || r.kerats_tf_setup !== 1) return { state: 'corrupt', file, why: 'not a kerats setup record (no "kerats_tf_setup": 1)' };
  const missing = STRING_FIELDS.filter((k) => typeof r[k] !== 'string');
  if (missing.length > 0 || !Array.isArray(r.tf_libraries)) return { state: 'corrupt', file, why: `fields missing or wrong: ${[...missing, ...(Array.isArray(r.tf_libraries) ? [] : ['tf_libraries'])].join(', ')}` };
  if (r.variant !== variant) return { state: 'corrupt', file, why: `it describes "${String(r.variant)}", not "${variant}"` };
  const record = r as SetupRecord;
  const dir = path.resolve(root, record.dir);
  return { state: 'ok', file, record, dir, packageDir: path.resolve(dir, record.package_dir), binding: path.resolve(dir, record.binding) };
}

/** The command that (re)builds a variant, for fixes in messages. */
export function setupCommand(variant: TfVariant, force = false): string {
  return `kerats setup ${variant}${force ? ' --force' : ''}`;
}
