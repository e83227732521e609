#!/usr/bin/env node
/**
 * Builds kerats' optional native acceleration (kerats_blas.node: OpenBLAS GEMM and convolution
 * loops for the wasm backend) when the system has OpenBLAS's headers; `npm install` runs it.
 * It never fails an install: without OpenBLAS, or if the compiler fails, it says so in one line
 * and kerats runs on plain WebAssembly. `npm run build:native` runs it again by hand.
 *
 * KERATS_OPENBLAS_INCLUDE: the folder holding cblas.h when it is not in a usual place.
 * KERATS_SKIP_NATIVE=1: do not build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const say = (msg) => process.stderr.write(`kerats: ${msg}\n`);

function findInclude() {
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

/** npm's own node-gyp: npm tells lifecycle scripts where it is; otherwise next to npm. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].filter(Boolean);
  return candidates.find((p) => existsSync(p));
}

function main() {
  if (process.env.KERATS_SKIP_NATIVE === '1') return say('KERATS_SKIP_NATIVE=1: not building the native OpenBLAS acceleration');
  const include = findInclude();
  if (!include) {
    return say('OpenBLAS headers not found, so the optional native acceleration is not built; kerats uses plain WebAssembly ' +
      '(for faster training: apt-get install libopenblas-dev, then npm run build:native)');
  }
  const gyp = nodeGyp();
  if (!gyp) return say('node-gyp not found (it comes with npm); the optional native acceleration is not built');
  const args = [gyp, 'rebuild', '--silent'];
  // Node's own headers when npm was not told where they are (offline machines have them installed).
  const localHeaders = path.join(path.dirname(process.execPath), '..', 'include', 'node', 'node_api.h');
  if (!process.env.npm_config_nodedir && existsSync(localHeaders)) args.push(`--nodedir=${path.resolve(path.dirname(localHeaders), '..', '..')}`);
  const res = spawnSync(process.execPath, args, { cwd: here, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, KERATS_OPENBLAS_INCLUDE: include } });
  if (res.status !== 0) {
    const why = String(res.stderr ?? '').split('\n').find((l) => /error/i.test(l)) ?? `node-gyp exited with ${res.status}`;
    return say(`building the optional native acceleration failed (${why.trim()}); kerats uses plain WebAssembly`);
  }
  say(`built the native OpenBLAS acceleration (native/build/Release/kerats_blas.node, headers from ${include})`);
}

main();
