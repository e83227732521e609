/**
 * kerats asks OpenBLAS for its AVX-512 (SkylakeX) kernels on CPUs that have AVX-512 but that
 * OpenBLAS 0.3.21 does not recognise (AMD Zen 4/5), and never overrides a user's OPENBLAS_CORETYPE.
 * The second test loads the real addon in a child process and reads the core OpenBLAS picked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { openBlasCoreType } from '../src/runtime/native/openblas-core.js';
import { nativeBlasStatus } from '../src/runtime/native/blas.js';

const avx512 = 'processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl\n';
const avx2 = 'processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma\n';

test('SkylakeX kernels are asked for only on x86-64 Linux CPUs with AVX-512, when the user chose none', () => {
  assert.equal(openBlasCoreType({}, 'x64', 'linux', () => avx512), 'SkylakeX');
  assert.equal(openBlasCoreType({}, 'x64', 'linux', () => avx2), undefined);
  assert.equal(openBlasCoreType({ OPENBLAS_CORETYPE: 'Haswell' }, 'x64', 'linux', () => avx512), undefined);
  assert.equal(openBlasCoreType({}, 'arm64', 'linux', () => avx512), undefined);
  assert.equal(openBlasCoreType({}, 'x64', 'darwin', () => avx512), undefined);
  assert.equal(openBlasCoreType({}, 'x64', 'linux', () => { throw new Error('EACCES'); }), undefined);
});

const status = nativeBlasStatus();
const skip = !status.available || status.openblas !== true ? `the addon with OpenBLAS is not in use (${status.detail})` : false;

test('the addon loads OpenBLAS with the core kerats chose, or the one the user set', { skip }, () => {
  const cpuHasAvx512 = openBlasCoreType({}, process.arch, process.platform, (f) => readFileSync(f, 'utf8')) === 'SkylakeX';
  const script = "import('./dist/src/runtime/native/blas.js').then((m) => console.log(m.nativeBlasStatus().detail))";
  const run = (env: NodeJS.ProcessEnv): string => {
    const r = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const { OPENBLAS_CORETYPE: _unset, ...base } = process.env;
  assert.match(run({ ...base, OPENBLAS_CORETYPE: 'Haswell' }), / Haswell /);
  if (cpuHasAvx512) assert.match(run(base), / SkylakeX /);
});
