/**
 * Loads a tfjs-node that `kerats setup` built (build.ts) from kerats' cache. Its JavaScript lives
 * outside kerats' node_modules, so its `require('@tensorflow/tfjs…')` calls are pointed at kerats'
 * own copies: one tfjs engine in the process, so the `tensorflow` backend it registers is the one
 * kerats' models run on. Its binding finds TensorFlow (and CUDA) through its rpath.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { staleness } from './build.js';
import { readRecord, setupCommand, tfCacheRoot, type SetupRecord, type TfVariant } from './record.js';

/** Which TensorFlow a tensorflow backend runs on: `kerats backends`, doctor, manifests, train --json. */
export interface TensorFlowInfo {
  version: string;
  device: 'CPU' | 'GPU';
  origin: 'built from a local TensorFlow' | 'downloaded';
  /** The Python whose TensorFlow was built against, when there was one. */
  python: string | null;
  lib_dir: string | null;
  cuda: string | null;
  cudnn: string | null;
  /** GPU names (nvidia-smi), for the GPU build. */
  gpus: string[];
}

export type SetUpState =
  | { state: 'none' }
  | { state: 'unusable'; reason: string }
  | { state: 'ready'; record: SetupRecord; packageDir: string; binding: string; info: TensorFlowInfo };

/** GPU names as the driver reports them; [] without nvidia-smi. */
export function gpuNames(): string[] {
  const r = spawnSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', timeout: 5000 });
  return r.error || r.status !== 0 ? [] : r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}

export function infoFromRecord(record: SetupRecord, gpus: string[] = []): TensorFlowInfo {
  return {
    version: record.tf_version,
    device: record.device,
    origin: record.origin,
    python: record.python,
    lib_dir: record.tf_lib_dir,
    cuda: record.cuda?.cuda_version ?? null,
    cudnn: record.cuda?.cudnn_version ?? null,
    gpus,
  };
}

/** What `kerats setup <variant>` left, checked without loading it (cheap: `kerats backends` lists every backend). */
export function setUpState(variant: TfVariant, root = tfCacheRoot()): SetUpState {
  const r = readRecord(variant, root);
  if (r.state === 'none') return { state: 'none' };
  if (r.state === 'corrupt') return { state: 'unusable', reason: `the setup record ${r.file} is corrupt: ${r.why} (fix: ${setupCommand(variant, true)})` };
  const stale = staleness(r.record, r);
  if (stale) return { state: 'unusable', reason: `set up, but ${stale} (fix: ${setupCommand(variant, true)})` };
  if (!existsSync(path.join(r.packageDir, 'package.json'))) return { state: 'unusable', reason: `set up, but ${r.packageDir} is gone (fix: ${setupCommand(variant, true)})` };
  return { state: 'ready', record: r.record, packageDir: r.packageDir, binding: r.binding, info: infoFromRecord(r.record, variant === 'tensorflow-gpu' ? gpuNames() : []) };
}

type Resolve = (request: string, parent: { filename?: string | null } | undefined, ...rest: unknown[]) => string;
const moduleInternals = Module as unknown as { _resolveFilename: Resolve };
const roots = new Set<string>();
const TFJS_SHARED = /^@tensorflow\/tfjs(-core|-layers|-converter|-data|-backend-cpu|-backend-webgl)?(\/|$)/;

/** Sends `@tensorflow/tfjs…` requires from files under `root` to kerats' own packages. */
function shareTfjsWith(root: string): void {
  if (roots.size === 0) {
    const keratsRequire = createRequire(import.meta.url);
    const original = moduleInternals._resolveFilename;
    moduleInternals._resolveFilename = function (request, parent, ...rest) {
      const from = parent?.filename;
      if (from && TFJS_SHARED.test(request) && [...roots].some((r) => from.startsWith(r))) return keratsRequire.resolve(request);
      return original.call(this, request, parent, ...rest);
    };
  }
  roots.add(root + path.sep);
}

/**
 * Environment TensorFlow reads when its library loads, set unless the user set it:
 * TF_ENABLE_ONEDNN_OPTS=0 because TensorFlow 2.21's oneDNN Conv2DBackpropInput returns wrong input
 * gradients for some 1x1 convolutions (NHWC 2x6x6x40 input, 1x1x40x12 filter, VALID: 75-86%
 * relative error, in Python's TensorFlow too; correct with oneDNN off; test/kernels-tensorflow.test.ts
 * checks it), and TF_CPP_MIN_LOG_LEVEL=2 so its start-up lines do not interleave with kerats' output.
 */
export function tensorFlowEnv(env: NodeJS.ProcessEnv = process.env): void {
  env.TF_ENABLE_ONEDNN_OPTS ??= '0';
  env.TF_CPP_MIN_LOG_LEVEL ??= '2';
}

let loadedVariant: TfVariant | undefined;

/** Loads the set-up tfjs-node, which registers the `tensorflow` backend with kerats' tfjs. */
export function loadSetUp(variant: TfVariant, s: Extract<SetUpState, { state: 'ready' }>): void {
  if (loadedVariant === variant) return;
  if (loadedVariant) throw new Error(`${loadedVariant}'s TensorFlow is already loaded in this process; ${variant} needs a new kerats process`);
  tensorFlowEnv();
  shareTfjsWith(path.dirname(path.dirname(path.dirname(s.packageDir))));
  createRequire(path.join(s.packageDir, 'package.json'))(s.packageDir);
  loadedVariant = variant;
}
