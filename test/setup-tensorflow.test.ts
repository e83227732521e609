/**
 * `kerats setup tensorflow[-gpu]` through the real binary: every way it can fail is one message
 * with the fix, exit 2, no stack trace and nothing left in the cache; a second setup rebuilds
 * nothing; the GPU build's CUDA discovery finds pip's nvidia-* folders and names what is missing.
 *
 * "A TensorFlow" here is a real python3 importing a small fake `tensorflow` package (version,
 * sysconfig and build info as the real one reports them) from PYTHONPATH, so the too-old, GPU
 * and no-compiler paths are reached without installing anything; the real build is covered by the
 * second-setup test and test/tensorflow-backend.test.ts when the Python reference venv has one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hasStackTrace, kerats, tempDir } from './helpers/cli.js';
import { findCudaLibraries, requiredCudaLibraries } from '../src/runtime/tf-native/cuda.js';
import { readRecord, tfCacheRoot } from '../src/runtime/tf-native/record.js';
import { setUpState } from '../src/runtime/tf-native/load.js';

/** The real python3 binary (not a pyenv shim), or undefined. */
const realPython3 = ((): string | undefined => {
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() || undefined : undefined;
})();
const noPython = realPython3 ? undefined : 'no python3 on this machine';

interface FakeTf {
  version: string;
  cuda?: { cuda: string; cudnn: string };
  /** Library files to create under site-packages/nvidia/<pkg>/lib. */
  nvidia?: Record<string, string[]>;
}

/** A python3 wrapper whose `import tensorflow` finds a fake package with real-looking headers and libraries. */
function fakeTensorFlowPython(dir: string, tf: FakeTf): string {
  const site = path.join(dir, 'site-packages');
  const pkg = path.join(site, 'tensorflow');
  for (const h of ['c/c_api.h', 'c/eager/c_api.h']) {
    mkdirSync(path.dirname(path.join(pkg, 'include', 'tensorflow', h)), { recursive: true });
    writeFileSync(path.join(pkg, 'include', 'tensorflow', h), '/* fake */\n');
  }
  for (const lib of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) writeFileSync(path.join(pkg, lib), '');
  const info = tf.cuda
    ? `{"is_cuda_build": True, "cuda_version": "${tf.cuda.cuda}", "cudnn_version": "${tf.cuda.cudnn}"}`
    : '{"is_cuda_build": False}';
  writeFileSync(path.join(pkg, '__init__.py'), `__version__ = "${tf.version}"\nfrom . import sysconfig\n`);
  writeFileSync(
    path.join(pkg, 'sysconfig.py'),
    `import os\n_here = os.path.dirname(__file__)\ndef get_include():\n    return os.path.join(_here, "include")\ndef get_lib():\n    return _here\ndef get_build_info():\n    return ${info}\n`,
  );
  for (const [name, libs] of Object.entries(tf.nvidia ?? {})) {
    const lib = path.join(site, 'nvidia', name, 'lib');
    mkdirSync(lib, { recursive: true });
    for (const f of libs) writeFileSync(path.join(lib, f), '');
  }
  const wrapper = path.join(dir, 'python');
  writeFileSync(wrapper, `#!/bin/sh\nPYTHONPATH="${site}" exec "${realPython3 ?? 'python3'}" "$@"\n`);
  chmodSync(wrapper, 0o755);
  return wrapper;
}

/** Runs `kerats setup ...` with an empty cache of its own; returns the result and the cache. */
async function setup(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string; cache: string }> {
  const cache = path.join(tempDir(), 'tf-cache');
  const r = await kerats(['setup', ...args], { env: { KERATS_TF_CACHE: cache, ...env }, timeoutMs: 300_000 });
  return { ...r, cache };
}

function failsCleanly(r: { code: number | null; stderr: string; cache: string }, ...patterns: RegExp[]): void {
  assert.equal(r.code, 2, r.stderr);
  assert.ok(!hasStackTrace(r.stderr), r.stderr);
  for (const p of patterns) assert.match(r.stderr, p);
  // Nothing half-built: no record, no staging folder.
  const left = existsSync(r.cache) ? readdirSync(r.cache) : [];
  assert.deepEqual(left, [], `left in the cache: ${left.join(', ')}`);
}

test('setup with a Python that does not exist: names it, says how to get one, exit 2', async () => {
  const r = await setup(['tensorflow', '--python', '/nonexistent/bin/python']);
  failsCleanly(r, /Python "\/nonexistent\/bin\/python" \(--python\) not found/, /pip install tensorflow-cpu==2\.21\.0/, /kerats setup tensorflow --python/);
});

test('setup with no Python at all (no flags, no python3 on PATH, no KERATS_TF_LIB): says what was tried, exit 2', async () => {
  const emptyBin = tempDir();
  const r = await setup(['tensorflow'], { PATH: emptyBin, KERATS_TF_LIB: '' });
  failsCleanly(r, /no TensorFlow found: no --python, no --tf-lib, KERATS_TF_LIB is not set and there is no python3 on PATH/, /pip install tensorflow-cpu/);
});

test('setup with a Python without TensorFlow (a fresh venv): the import error and the pip command, exit 2', { skip: noPython }, async () => {
  const venv = path.join(tempDir(), 'venv');
  const made = spawnSync(realPython3 as string, ['-m', 'venv', '--without-pip', venv], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const py = path.join(venv, 'bin', 'python');
  const r = await setup(['tensorflow', '--python', py]);
  failsCleanly(r, /cannot import TensorFlow: ModuleNotFoundError: No module named 'tensorflow'/, new RegExp(`${py.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} -m pip install tensorflow-cpu==2\\.21\\.0`));
});

test('setup with a TensorFlow too old for the binding: the version found and the minimum, exit 2', { skip: noPython }, async () => {
  const py = fakeTensorFlowPython(tempDir(), { version: '1.15.0' });
  const r = await setup(['tensorflow', '--python', py]);
  failsCleanly(r, /TensorFlow 1\.15\.0 \(Python .*\) is too old: the tfjs-node 4\.22\.0 binding needs TensorFlow 2\.9 or newer/, /pip install tensorflow-cpu==2\.21\.0/);
});

test('setup from a libtensorflow folder whose headers say 2.4: too old; a folder without libraries: says which file, exit 2', async () => {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'lib'));
  mkdirSync(path.join(dir, 'include', 'tensorflow', 'core', 'public'), { recursive: true });
  writeFileSync(path.join(dir, 'include', 'tensorflow', 'core', 'public', 'version.h'), '#define TF_MAJOR_VERSION 2\n#define TF_MINOR_VERSION 4\n#define TF_PATCH_VERSION 1\n');
  const noLibs = await setup(['tensorflow', '--tf-lib', dir]);
  failsCleanly(noLibs, /has no libtensorflow\.so\.2 or libtensorflow_cc\.so\.2/);
  for (const f of ['libtensorflow.so.2', 'libtensorflow_framework.so.2']) writeFileSync(path.join(dir, 'lib', f), '');
  const old = await setup(['tensorflow'], { KERATS_TF_LIB: dir });
  failsCleanly(old, /TensorFlow 2\.4\.1 \(.*\) is too old/);
  const both = await setup(['tensorflow', '--tf-lib', dir, '--python', 'python3']);
  failsCleanly(both, /pass either --python or --tf-lib, not both/);
});

test('setup without a C++ compiler: says so with the install command, exit 2, nothing left behind', { skip: noPython }, async () => {
  const py = fakeTensorFlowPython(tempDir(), { version: '2.21.0' });
  const r = await setup(['tensorflow', '--python', py], { CXX: '/nonexistent/g++' });
  failsCleanly(r, /no C\+\+ compiler: CXX=\/nonexistent\/g\+\+ does not run/, /apt-get install g\+\+/);
});

test('a corrupt setup record: setup refuses with the --force fix, backends says the same, exit 2', async () => {
  const cache = path.join(tempDir(), 'tf-cache');
  mkdirSync(cache, { recursive: true });
  writeFileSync(path.join(cache, 'tensorflow.json'), '{"kerats_tf_setup": 1, "variant": "tensorfl');
  const r = await kerats(['setup', 'tensorflow', '--python', '/nonexistent/python'], { env: { KERATS_TF_CACHE: cache } });
  assert.equal(r.code, 2, r.stderr);
  assert.ok(!hasStackTrace(r.stderr));
  assert.match(r.stderr, /the setup record .*tensorflow\.json is corrupt: not JSON .*Fix: kerats setup tensorflow --force/);
  const b = await kerats(['backends', '--json'], { env: { KERATS_TF_CACHE: cache } });
  assert.equal(b.code, 0, b.stderr);
  const tf = (JSON.parse(b.stdout) as { backends: { name: string; available: boolean; reason?: string }[] }).backends.find((x) => x.name === 'tensorflow');
  assert.equal(tf?.available, false);
  assert.match(tf?.reason ?? '', /setup record .* is corrupt.*fix: kerats setup tensorflow --force/);
  // A record naming another variant is corrupt too.
  writeFileSync(path.join(cache, 'tensorflow.json'), JSON.stringify({ kerats_tf_setup: 1, variant: 'tensorflow-gpu', tf_version: '2.21.0', device: 'GPU', tf_lib_dir: '/x', tf_include_dir: '/x', dir: 'x', package_dir: 'x', binding: 'x', built_at: 'x', tf_libraries: [] }));
  assert.match(readRecord('tensorflow', cache).state, /^corrupt$/);
});

test('setup tensorflow-gpu against a CPU-only TensorFlow: says so and what to install, exit 2', { skip: noPython }, async () => {
  const py = fakeTensorFlowPython(tempDir(), { version: '2.21.0' });
  const r = await setup(['tensorflow-gpu', '--python', py]);
  failsCleanly(r, /TensorFlow 2\.21\.0 \(Python .*\) is a CPU-only build/, /pip install "tensorflow\[and-cuda\]==2\.21\.0"/);
});

test('setup tensorflow-gpu: finds pip\'s nvidia-* libraries; names the missing cuDNN and the pip fix, exit 2', { skip: noPython }, async () => {
  const dir = tempDir();
  const nvidia = { cuda_runtime: ['libcudart.so.12'], cublas: ['libcublas.so.12', 'libcublasLt.so.12'] };
  const py = fakeTensorFlowPython(dir, { version: '2.21.0', cuda: { cuda: '12.5.1', cudnn: '9' }, nvidia });
  const r = await setup(['tensorflow-gpu', '--python', py]);
  failsCleanly(r, /is a CUDA 12\.5\.1 \/ cuDNN 9 build, but these CUDA libraries were not found: libcudnn\.so\.9 \(looked in .*site-packages\/nvidia\/\*\/lib/, /pip install "tensorflow\[and-cuda\]==2\.21\.0"/);
  // With cuDNN present the CUDA check passes and setup goes on (here to the missing compiler).
  const full = fakeTensorFlowPython(tempDir(), { version: '2.21.0', cuda: { cuda: '12.5.1', cudnn: '9' }, nvidia: { ...nvidia, cudnn: ['libcudnn.so.9', 'libcudnn_ops.so.9'] } });
  const r2 = await setup(['tensorflow-gpu', '--python', full], { CXX: '/nonexistent/g++' });
  failsCleanly(r2, /no C\+\+ compiler/);
  assert.match(r2.stdout + r2.stderr, /CUDA 12\.5\.1 \/ cuDNN 9: 5 libraries in 3 folders/);
});

test('CUDA discovery: every lib*.so.N of the nvidia-* folders is linked; system folders fill gaps; major versions from the build info', () => {
  const sp = tempDir();
  for (const [name, libs] of Object.entries({ cublas: ['libcublas.so.12', 'libcublasLt.so.12', 'README'], cudnn: ['libcudnn.so.9', 'libcudnn_ops.so.9'] })) {
    mkdirSync(path.join(sp, 'nvidia', name, 'lib'), { recursive: true });
    for (const f of libs) writeFileSync(path.join(sp, 'nvidia', name, 'lib', f), '');
  }
  const system = tempDir();
  writeFileSync(path.join(system, 'libcudart.so.12'), '');
  const found = findCudaLibraries({ sitePackages: [sp], cudaVersion: '12.5.1', cudnnVersion: '9.3.0', systemDirs: [system] });
  assert.deepEqual(found.missing, []);
  assert.deepEqual(found.record.lib_dirs, [path.join(sp, 'nvidia', 'cublas', 'lib'), path.join(sp, 'nvidia', 'cudnn', 'lib'), system]);
  assert.deepEqual(found.record.libraries.map((f) => path.basename(f)), ['libcublas.so.12', 'libcublasLt.so.12', 'libcudnn.so.9', 'libcudnn_ops.so.9', 'libcudart.so.12']);
  assert.deepEqual(requiredCudaLibraries('11.8', '8'), ['libcudart.so.11', 'libcublas.so.11', 'libcublasLt.so.11', 'libcudnn.so.8']);
  const none = findCudaLibraries({ sitePackages: [tempDir()], cudaVersion: null, cudnnVersion: null, systemDirs: [] });
  assert.deepEqual(none.missing, ['libcudart.so.12', 'libcublas.so.12', 'libcublasLt.so.12', 'libcudnn.so.9']);
});

const noCompiler = spawnSync('g++', ['--version']).status === 0 ? undefined : 'no g++ on this machine';

test('a build that fails half-way (headers that do not compile) leaves nothing in the cache, exit 2', { skip: noPython ?? noCompiler }, async () => {
  const py = fakeTensorFlowPython(tempDir(), { version: '2.21.0' });
  const r = await setup(['tensorflow', '--python', py]);
  failsCleanly(r, /compiling the tfjs-node binding against TensorFlow 2\.21\.0 \(.*include\) failed: .*error/, /Fix: check that this TensorFlow's headers match its libraries/);
});

test('a set-up build whose TensorFlow changed (pip upgrade) or whose files are gone is unavailable, with the --force fix', () => {
  const root = tempDir();
  const libDir = tempDir();
  writeFileSync(path.join(libDir, 'libtensorflow_cc.so.2'), 'now a different size');
  const build = path.join(root, 'tensorflow-2.21.0');
  mkdirSync(path.join(build, 'pkg', 'lib'), { recursive: true });
  writeFileSync(path.join(build, 'pkg', 'package.json'), '{}');
  writeFileSync(path.join(build, 'pkg', 'lib', 'tfjs_binding.node'), '');
  const record = {
    kerats_tf_setup: 1, variant: 'tensorflow', tf_version: '2.21.0', device: 'CPU', origin: 'built from a local TensorFlow', python: '/x/python',
    tf_lib_dir: libDir, tf_include_dir: path.join(libDir, 'include'), tf_libraries: ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'],
    tf_lib_stamp: { size: 1, mtime_ms: 1 }, cuda: null, dir: 'tensorflow-2.21.0', package_dir: 'pkg', binding: 'pkg/lib/tfjs_binding.node',
    tfjs_node: '4.22.0', node_abi: '115', napi_version: 8, node: 'v20', compiler: 'g++', built_at: '2026-01-01T00:00:00.000Z', build_seconds: 1,
  };
  writeFileSync(path.join(root, 'tensorflow.json'), JSON.stringify(record));
  const changed = setUpState('tensorflow', root);
  assert.equal(changed.state, 'unusable');
  assert.match(changed.state === 'unusable' ? changed.reason : '', new RegExp(`the TensorFlow in ${libDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} changed since the setup .*fix: kerats setup tensorflow --force`));
  const st = statSync(path.join(libDir, 'libtensorflow_cc.so.2'));
  writeFileSync(path.join(root, 'tensorflow.json'), JSON.stringify({ ...record, tf_lib_stamp: { size: st.size, mtime_ms: Math.round(st.mtimeMs) } }));
  assert.equal(setUpState('tensorflow', root).state, 'ready');
  rmSync(path.join(build, 'pkg', 'lib', 'tfjs_binding.node'));
  const gone = setUpState('tensorflow', root);
  assert.match(gone.state === 'unusable' ? gone.reason : '', /its binding .*tfjs_binding\.node is gone/);
});

const existing = readRecord('tensorflow', tfCacheRoot());
const noSetup = existing.state !== 'ok' ? `no tensorflow set up in ${tfCacheRoot()} (kerats setup tensorflow --python ~/.cache/kerats/pyref/bin/python; CI does it)` : undefined;

test('a second setup of the same TensorFlow rebuilds nothing and says so', { skip: noSetup }, async () => {
  if (existing.state !== 'ok') return;
  const recordBefore = readFileSync(existing.file, 'utf8');
  const args = ['setup', 'tensorflow', '--json', ...(existing.record.python ? ['--python', existing.record.python] : ['--tf-lib', existing.record.tf_lib_dir])];
  const r = await kerats(args, { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { status: string; built_at: string; tf_version: string };
  assert.equal(doc.status, 'already set up');
  assert.equal(doc.built_at, existing.record.built_at);
  assert.equal(readFileSync(existing.file, 'utf8'), recordBefore);
  const text = await kerats(args.filter((a) => a !== '--json'), { timeoutMs: 300_000 });
  assert.match(text.stdout, /already set up: tensorflow: TensorFlow \d+\.\d+\.\d+ CPU.*nothing rebuilt; --force rebuilds/);
});
