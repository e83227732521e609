/**
 * `kerats setup tensorflow[-gpu]`: builds tfjs-node 4.22's own binding (binding/*.cc, shipped in
 * its npm package) against a TensorFlow the user already has, into kerats' cache. The package comes
 * from npm with its install script skipped (that script downloads libtensorflow, which is what
 * fails offline, behind proxies and on CUDA 12). Everything happens in a staging folder that is
 * renamed into place only when the binding loads: a failure leaves nothing half-built behind.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, promises as fs, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { writeJsonAtomic } from '../../util/atomic.js';
import { KeratsError } from '../../util/errors.js';
import { cudaFor } from './cuda.js';
import { isTooOld, locateTensorFlow, tooOldError, type LocalTensorFlow, type LocateOptions } from './locate.js';
import { readRecord, recordPath, setupCommand, tfCacheRoot, TFJS_NODE_PACKAGES, TFJS_NODE_VERSION, type CudaRecord, type SetupRecord, type TfVariant } from './record.js';

/** The N-API version the binding is compiled for (tfjs-node 4.22 lists 3..8; Node 20+ has 8). */
const NAPI_VERSION = 8;

export interface SetupOptions extends LocateOptions {
  force?: boolean;
  /** Progress lines ("compiling the binding ..."). */
  log?: (line: string) => void;
}

export interface SetupResult {
  status: 'built' | 'already set up';
  record: SetupRecord;
  record_file: string;
}

function firstLines(text: string, n: number, match?: RegExp): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const picked = match ? lines.filter((l) => match.test(l)) : lines;
  return (picked.length > 0 ? picked : lines).slice(0, n).join(' | ');
}

/** The C++ compiler: $CXX, else g++, c++, clang++ on PATH; its first --version line. */
export function findCompiler(env: NodeJS.ProcessEnv = process.env): { cxx: string; version: string } {
  const candidates = env.CXX ? [env.CXX] : ['g++', 'c++', 'clang++'];
  for (const cxx of candidates) {
    const r = spawnSync(cxx, ['--version'], { encoding: 'utf8', env, timeout: 30_000 });
    if (!r.error && r.status === 0) return { cxx, version: r.stdout.split('\n')[0]?.trim() ?? cxx };
  }
  const tried = env.CXX ? `CXX=${env.CXX} does not run` : 'none of g++, c++, clang++ is on PATH';
  throw new KeratsError(`no C++ compiler: ${tried}. Fix: install one (Debian/Ubuntu: apt-get install g++ make; Fedora: dnf install gcc-c++; macOS: xcode-select --install) or set CXX to its path, then run the setup again`);
}

/** Node's C headers (node_api.h) for compiling an addon without downloading them. */
export function findNodeHeaders(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [
    env.KERATS_NODE_HEADERS,
    env.npm_config_nodedir ? path.join(env.npm_config_nodedir, 'include', 'node') : undefined,
    path.join(path.dirname(process.execPath), '..', 'include', 'node'),
    path.join(os.homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter((d): d is string => Boolean(d));
  const found = candidates.find((d) => existsSync(path.join(d, 'node_api.h')));
  if (!found) {
    throw new KeratsError(`Node's C headers (node_api.h) were not found (looked in ${candidates.join(', ')}). Fix: install Node from nodejs.org (it ships them) or your distribution's Node development package, or set KERATS_NODE_HEADERS to the folder holding node_api.h`);
  }
  return path.resolve(found);
}

/** npm itself: the one running us (npx/npm scripts), else the one next to node, else `npm` on PATH. */
function npmCommand(env: NodeJS.ProcessEnv): { cmd: string; args: string[] } {
  const cli = [env.npm_execpath, path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')].find(
    (p): p is string => Boolean(p) && existsSync(p as string) && /npm-cli\.js$/.test(p as string),
  );
  return cli ? { cmd: process.execPath, args: [cli] } : { cmd: 'npm', args: [] };
}

/** Installs the tfjs-node package and its small dependencies into `stage`, without its install script. */
function fetchPackage(variant: TfVariant, stage: string, env: NodeJS.ProcessEnv): string {
  const pkg = TFJS_NODE_PACKAGES[variant];
  const npm = npmCommand(env);
  const args = [...npm.args, 'install', `${pkg}@${TFJS_NODE_VERSION}`, '--ignore-scripts', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--omit=dev', '--prefer-offline', '--loglevel=error', '--prefix', stage];
  const r = spawnSync(npm.cmd, args, { cwd: stage, encoding: 'utf8', env, timeout: 900_000, maxBuffer: 64 * 1024 * 1024 });
  const dir = path.join(stage, 'node_modules', ...pkg.split('/'));
  if (r.error || r.status !== 0 || !existsSync(path.join(dir, 'binding', 'tfjs_binding.cc'))) {
    const why = r.error ? r.error.message : firstLines(r.stderr ?? '', 3, /err/i);
    throw new KeratsError(`could not get ${pkg}@${TFJS_NODE_VERSION} from npm (${why || `npm exited with ${r.status}`}). Fix: check that npm reaches its registry or has the package cached (npm ping; npm cache ls), then run the setup again`);
  }
  return dir;
}

/** kerats' own @tensorflow/tfjs* are used instead (one engine for the whole process; see load.ts). */
async function pruneDuplicates(stage: string, pkg: string): Promise<void> {
  const scope = path.join(stage, 'node_modules', '@tensorflow');
  for (const name of readdirSync(scope)) {
    if (`@tensorflow/${name}` !== pkg) await fs.rm(path.join(scope, name), { recursive: true, force: true });
  }
}

/** Where tfjs-node's index.js looks for the binding (node-pre-gyp's rule, from the package.json). */
function bindingPathIn(packageDir: string): string {
  const preGyp = createRequire(path.join(packageDir, 'package.json'))('@mapbox/node-pre-gyp') as { find: (pj: string, opts?: object) => string };
  return preGyp.find(path.join(packageDir, 'package.json'), { napi_build_version: NAPI_VERSION });
}

function compile(variant: TfVariant, packageDir: string, out: string, tf: LocalTensorFlow, cuda: CudaRecord | null, cxx: string, nodeHeaders: string, env: NodeJS.ProcessEnv): void {
  mkdirSync(path.dirname(out), { recursive: true });
  const args = [
    '-std=c++17', '-O2', '-fPIC', '-shared', `-DNAPI_VERSION=${NAPI_VERSION}`,
    `-I${nodeHeaders}`, `-I${packageDir}`, `-I${path.dirname(packageDir)}`, `-I${tf.includeDir}`,
    path.join(packageDir, 'binding', 'tfjs_backend.cc'), path.join(packageDir, 'binding', 'tfjs_binding.cc'),
    '-o', out,
    `-L${tf.libDir}`, ...tf.libraries.map((l) => `-l:${l}`), `-Wl,-rpath,${tf.libDir}`,
  ];
  if (cuda) {
    // Linked by file, whether or not the binding uses them: loaded with it, so TensorFlow's dlopen finds them (cuda.ts).
    args.push('-Wl,--no-as-needed', ...cuda.libraries, ...cuda.lib_dirs.map((d) => `-Wl,-rpath,${d}`));
  }
  const r = spawnSync(cxx, args, { encoding: 'utf8', env, timeout: 1_800_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : firstLines(r.stderr ?? '', 4, /error/i);
    throw new KeratsError(`compiling the tfjs-node binding against TensorFlow ${tf.version ?? ''} (${tf.includeDir}) failed: ${why}. Fix: check that this TensorFlow's headers match its libraries and that ${cxx} supports C++17; ${setupCommand(variant, true)} retries`);
  }
}

/** Loads a binding in a child process with every symbol resolved now (RTLD_NOW), as the backend will; its TF_Version and GPU use, or why it does not load. */
export function probeBinding(binding: string, env: NodeJS.ProcessEnv = process.env): { ok: true; version: string; gpu: boolean } | { ok: false; why: string; symbol?: string } {
  const script = 'const os=require("os");const m={exports:{}};process.dlopen(m,process.argv[1],os.constants.dlopen.RTLD_NOW);' +
    'console.log("KERATS_BINDING "+JSON.stringify({version:m.exports.TF_Version,gpu:m.exports.isUsingGpuDevice()}))';
  const r = spawnSync(process.execPath, ['-e', script, binding], { encoding: 'utf8', env: { ...env, TF_CPP_MIN_LOG_LEVEL: '2', TF_ENABLE_ONEDNN_OPTS: env.TF_ENABLE_ONEDNN_OPTS ?? '0' }, timeout: 300_000 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('KERATS_BINDING '));
  if (r.status !== 0 || !line) {
    const symbol = /undefined symbol: (\S+)/.exec(r.stderr ?? '')?.[1];
    return { ok: false, why: firstLines(r.stderr ?? '', 2, /error|undefined symbol|cannot open/i) || `exit ${r.status ?? r.signal}`, symbol };
  }
  const parsed = JSON.parse(line.slice('KERATS_BINDING '.length)) as { version: string; gpu: boolean };
  return { ok: true, ...parsed };
}

function verifyBinding(binding: string, variant: TfVariant, tf: LocalTensorFlow, env: NodeJS.ProcessEnv): { version: string; gpu: boolean } {
  const r = probeBinding(binding, env);
  if (!r.ok) {
    throw new KeratsError(
      `the tfjs-node binding built against TensorFlow ${tf.version ?? ''} (${tf.libDir}) does not load: ${r.why}.` +
        ` Fix: ${r.symbol ? `this TensorFlow does not export ${r.symbol}; use TensorFlow 2.9 or newer with its C API (pip's tensorflow-cpu/tensorflow)` : `check the libraries in ${tf.libDir}`}, then ${setupCommand(variant, true)}`,
    );
  }
  return r;
}

function libStamp(tf: { tf_lib_dir: string; tf_libraries: string[] }): { size: number; mtime_ms: number } | undefined {
  const file = path.join(tf.tf_lib_dir, tf.tf_libraries[0] ?? '');
  if (!existsSync(file)) return undefined;
  const st = statSync(file);
  return { size: st.size, mtime_ms: Math.round(st.mtimeMs) };
}

/** Why a record no longer fits the TensorFlow found (or its files are gone); undefined when it does. */
export function staleness(record: SetupRecord, files: { binding: string }, tf?: LocalTensorFlow): string | undefined {
  if (!existsSync(files.binding)) return `its binding ${files.binding} is gone`;
  const stamp = libStamp(record);
  if (!stamp) return `its TensorFlow library ${path.join(record.tf_lib_dir, record.tf_libraries[0] ?? '')} is gone`;
  if (stamp.size !== record.tf_lib_stamp.size || stamp.mtime_ms !== record.tf_lib_stamp.mtime_ms) return `the TensorFlow in ${record.tf_lib_dir} changed since the setup (reinstalled or upgraded)`;
  for (const d of record.cuda?.lib_dirs ?? []) if (!existsSync(d)) return `its CUDA library folder ${d} is gone`;
  if (tf && (path.resolve(tf.libDir) !== path.resolve(record.tf_lib_dir) || (tf.version !== null && tf.version !== record.tf_version))) {
    return `it was built for TensorFlow ${record.tf_version} in ${record.tf_lib_dir}, not ${tf.version ?? 'this one'} in ${tf.libDir}`;
  }
  return undefined;
}

export async function setupTensorFlow(variant: TfVariant, opts: SetupOptions = {}): Promise<SetupResult> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => undefined);
  const root = tfCacheRoot(env);
  const existing = readRecord(variant, root);
  if (existing.state === 'corrupt' && !opts.force) {
    throw new KeratsError(`the setup record ${existing.file} is corrupt: ${existing.why}. Fix: ${setupCommand(variant, true)} (rebuilds and rewrites it)`);
  }

  const tf = locateTensorFlow(variant, opts);
  log(`TensorFlow ${tf.version ?? '(version read after the build)'} from ${tf.python ? `Python ${tf.python}` : tf.libDir}: libraries ${tf.libraries.join(', ')} in ${tf.libDir}`);
  const cuda = variant === 'tensorflow-gpu' ? cudaFor(tf) : null;
  if (cuda) log(`CUDA ${cuda.cuda_version ?? '?'} / cuDNN ${cuda.cudnn_version ?? '?'}: ${cuda.libraries.length} libraries in ${cuda.lib_dirs.length} folders`);

  if (existing.state === 'ok' && !opts.force) {
    const stale = staleness(existing.record, existing, tf);
    if (!stale) return { status: 'already set up', record: existing.record, record_file: existing.file };
    log(`rebuilding: the previous setup no longer fits (${stale})`);
  }

  const compiler = findCompiler(env);
  const nodeHeaders = findNodeHeaders(env);
  const started = Date.now();
  mkdirSync(root, { recursive: true });
  const stage = mkdtempSync(path.join(root, `.staging-${variant}-`));
  try {
    log(`getting ${TFJS_NODE_PACKAGES[variant]}@${TFJS_NODE_VERSION} from npm (install script skipped: no libtensorflow download)`);
    const packageDir = fetchPackage(variant, stage, env);
    await pruneDuplicates(stage, TFJS_NODE_PACKAGES[variant]);
    const binding = bindingPathIn(packageDir);
    log(`compiling its binding with ${compiler.version} (about a minute)`);
    compile(variant, packageDir, binding, tf, cuda, compiler.cxx, nodeHeaders, env);
    const loaded = verifyBinding(binding, variant, tf, env);
    if (isTooOld(loaded.version)) throw tooOldError(loaded.version, tf.python ? `Python ${tf.python}` : tf.libDir, variant, tf.python ?? undefined);
    log(`the binding loads: TensorFlow ${loaded.version}${variant === 'tensorflow-gpu' ? `, GPU ${loaded.gpu ? 'in use' : 'not visible on this machine'}` : ''}`);

    const dirName = `${variant}-${loaded.version}`;
    const finalDir = path.join(root, dirName);
    const record: SetupRecord = {
      kerats_tf_setup: 1,
      variant,
      tf_version: loaded.version,
      device: variant === 'tensorflow-gpu' ? 'GPU' : 'CPU',
      origin: 'built from a local TensorFlow',
      python: tf.python,
      tf_lib_dir: tf.libDir,
      tf_include_dir: tf.includeDir,
      tf_libraries: tf.libraries,
      tf_lib_stamp: libStamp({ tf_lib_dir: tf.libDir, tf_libraries: tf.libraries }) ?? { size: 0, mtime_ms: 0 },
      cuda,
      dir: dirName,
      package_dir: path.relative(stage, packageDir),
      binding: path.relative(stage, binding),
      tfjs_node: TFJS_NODE_VERSION,
      node_abi: process.versions.modules,
      napi_version: NAPI_VERSION,
      node: process.version,
      compiler: compiler.version,
      built_at: new Date().toISOString(),
      build_seconds: Math.round((Date.now() - started) / 100) / 10,
    };
    await fs.writeFile(path.join(stage, 'kerats-setup.json'), JSON.stringify(record, null, 2) + '\n');
    // Into place: the old build (same version, --force) moves aside first and goes once the new one is in.
    const old = existsSync(finalDir) ? `${finalDir}.old-${process.pid}` : undefined;
    if (old) await fs.rename(finalDir, old);
    await fs.rename(stage, finalDir);
    if (old) await fs.rm(old, { recursive: true, force: true });
    await writeJsonAtomic(recordPath(variant, root), record);
    // A build for another TensorFlow version that this one replaces.
    if (existing.state === 'ok' && path.resolve(existing.dir) !== finalDir) await fs.rm(existing.dir, { recursive: true, force: true });
    return { status: 'built', record, record_file: recordPath(variant, root) };
  } finally {
    await fs.rm(stage, { recursive: true, force: true });
  }
}
