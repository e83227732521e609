#!/usr/bin/env node
/**
 * Builds kerats' optional native acceleration (kerats_blas.node: GEMM and convolution loops for the
 * wasm backend); `npm install` runs it. With OpenBLAS's headers the GEMM is OpenBLAS's; without,
 * the bundled blocked SGEMM (kerats_sgemm.c), so only a C compiler is needed. It never fails an
 * install: without a compiler, or if compiling fails, it says so in one line and kerats runs on
 * plain WebAssembly. `npm run build:native` runs it again by hand.
 *
 * It calls the C compiler directly when Node's headers are installed next to node (no Python or
 * make needed), else node-gyp (which can fetch the headers).
 *
 * CC: the C compiler (default cc). KERATS_OPENBLAS_INCLUDE: the folder holding cblas.h when it is
 * not in a usual place. KERATS_NO_OPENBLAS=1: build with the bundled SGEMM only.
 * KERATS_SKIP_NATIVE=1: do not build.
 *
 * An addon built from the same sources, by the same Node, with the same compiler and OpenBLAS is
 * kept (build/build-key.json): `npx kerats` inside this repository installs the repository into
 * npx's cache, which runs this script again, and a rebuild there cost seconds of a first command.
 * --force (npm run build:native) always rebuilds.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'build', 'Release', 'kerats_blas.node');
const say = (msg) => process.stderr.write(`kerats: ${msg}\n`);
const HOW = 'for 2-5x faster training install a C compiler (Debian/Ubuntu: apt-get install gcc, macOS: xcode-select --install), ' +
  'optionally OpenBLAS (apt-get install libopenblas-dev), then run npm run build:native';

function findOpenBlasInclude() {
  if (process.env.KERATS_NO_OPENBLAS === '1') return undefined;
  const candidates = [
    process.env.KERATS_OPENBLAS_INCLUDE,
    `/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/openblas-pthread`,
    '/usr/include/openblas',
    '/usr/local/include/openblas',
    '/opt/homebrew/opt/openblas/include',
    '/usr/local/opt/openblas/include',
    '/usr/include',
    '/usr/local/include',
  ].filter(Boolean);
  return candidates.find((dir) => existsSync(path.join(dir, 'cblas.h')) && existsSync(path.join(dir, 'openblas_config.h')));
}

/** The folder with node_api.h installed beside this node, if any. */
function nodeHeaders() {
  const dir = path.resolve(path.dirname(process.execPath), '..', 'include', 'node');
  return existsSync(path.join(dir, 'node_api.h')) ? dir : undefined;
}

function findCompiler() {
  const names = [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean);
  return names.find((cc) => spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0);
}

/** npm's own node-gyp: npm tells lifecycle scripts where it is; otherwise next to npm. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].filter(Boolean);
  return candidates.find((p) => existsSync(p));
}

const firstError = (stderr, status) => String(stderr ?? '').split('\n').find((l) => /error/i.test(l))?.trim() ?? `exit status ${status}`;

/** Compiles with `cc` straight into build/Release; returns an error line or undefined. */
function compileDirect(cc, headers, openblas) {
  mkdirSync(path.dirname(out), { recursive: true });
  const args = ['-O3', '-std=gnu11', '-fPIC', '-shared', '-pthread', '-fvisibility=hidden', `-I${headers}`, `-I${here}`];
  if (openblas) args.push('-DKERATS_HAVE_OPENBLAS', `-I${openblas}`);
  args.push(path.join(here, 'kerats_blas.c'), path.join(here, 'kerats_sgemm.c'), path.join(here, 'kerats_norm.c'), path.join(here, 'kerats_rnn.c'), path.join(here, 'kerats_attention.c'), '-o', out, '-lm');
  if (openblas) args.push('-lopenblas');
  // N-API's functions come from the node binary at load time.
  if (process.platform === 'darwin') args.push('-undefined', 'dynamic_lookup');
  const res = spawnSync(cc, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return res.status === 0 ? undefined : firstError(res.stderr, res.status);
}

function compileWithGyp(gyp, openblas) {
  const args = [gyp, 'rebuild', '--silent'];
  const env = { ...process.env, KERATS_OPENBLAS_INCLUDE: openblas ?? '' };
  const res = spawnSync(process.execPath, args, { cwd: here, stdio: ['ignore', 'ignore', 'pipe'], env });
  return res.status === 0 ? undefined : firstError(res.stderr, res.status);
}

/** What the addon is built from: when it is unchanged, so is the addon. */
function buildKey(cc, headers, openblas) {
  // Every C source and header here (a new kernel file changes the key without editing this list).
  const files = readdirSync(here).filter((f) => /\.[ch]$/.test(f)).sort();
  const sources = [...files, 'build.mjs', 'binding.gyp'].map((f) => {
    const file = path.join(here, f);
    return existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : '';
  });
  return JSON.stringify({ sources, node: process.version, platform: process.platform, arch: process.arch, cc, headers, openblas, noOpenBlas: process.env.KERATS_NO_OPENBLAS ?? '' });
}

function main() {
  if (process.env.KERATS_SKIP_NATIVE === '1') return say('KERATS_SKIP_NATIVE=1: not building the native acceleration; kerats uses plain WebAssembly');
  const openblas = findOpenBlasInclude();
  const cc = findCompiler();
  const headers = nodeHeaders();
  const keyFile = path.join(here, 'build', 'build-key.json');
  const key = buildKey(cc, headers, openblas);
  if (!process.argv.includes('--force') && existsSync(out) && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key) {
    return say('the native acceleration is up to date (native/build/Release/kerats_blas.node; npm run build:native rebuilds it)');
  }
  rmSync(keyFile, { force: true });
  rmSync(out, { force: true });
  let error;
  let used = openblas;
  if (cc && headers && process.platform !== 'win32') {
    error = compileDirect(cc, headers, openblas);
    // Headers without the library (or a broken OpenBLAS): the bundled SGEMM still builds.
    if (error && openblas) {
      used = undefined;
      error = compileDirect(cc, headers, undefined);
    }
  } else {
    const gyp = nodeGyp();
    if (!gyp || (!cc && process.platform !== 'win32')) {
      return say(`no C compiler found, so the optional native acceleration is not built; kerats uses plain WebAssembly (${HOW})`);
    }
    error = compileWithGyp(gyp, openblas);
    if (error && openblas) {
      used = undefined;
      error = compileWithGyp(gyp, undefined);
    }
  }
  if (error) return say(`building the optional native acceleration failed (${error}); kerats uses plain WebAssembly (${HOW})`);
  writeFileSync(keyFile, key);
  say(used
    ? `built the native acceleration with OpenBLAS (native/build/Release/kerats_blas.node, headers from ${used}; KERATS_NATIVE_BLAS=bundled uses the bundled SGEMM instead)`
    : 'built the native acceleration with the bundled SGEMM (no OpenBLAS headers; apt-get install libopenblas-dev then npm run build:native to use OpenBLAS)');
}

main();
