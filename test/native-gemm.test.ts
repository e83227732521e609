/**
 * The native addon's GEMM (OpenBLAS's and the bundled blocked SGEMM of native/kerats_sgemm.c)
 * against a float64 reference: every transpose combination, beta 0 / 1 / 0.5, batched with
 * strides, sizes that are not multiples of the 6x16 register tile or the 256-deep blocks, and
 * products large enough to be split over threads. Skipped when the addon is not built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeBlas, nativeBlasStatus, setNativeGemm, type NativeGemm } from '../src/runtime/native/blas.js';

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** C = op(A) op(B) + beta C in float64, row-major. */
function reference(ta: boolean, tb: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, beta: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (a[ta ? p * m + i : i * k + p] as number) * (b[tb ? j * k + p : p * n + j] as number);
      out[i * n + j] = s + (beta === 0 ? 0 : beta * (c[i * n + j] as number));
    }
  }
  return out;
}

const SIZES: [number, number, number][] = [[1, 1, 1], [1, 37, 300], [37, 1, 300], [7, 5, 3], [6, 16, 256], [13, 17, 257], [64, 33, 129], [130, 200, 90], [300, 70, 520]];

for (const gemm of ['openblas', 'bundled'] as NativeGemm[]) {
  test(`${gemm} GEMM matches a float64 reference (transposes, beta, odd sizes, batches, threads)`, (t) => {
    if (!nativeBlas()) return t.skip(`addon not in use: ${nativeBlasStatus().detail}`);
    if (!setNativeGemm(gemm)) return t.skip(`this addon has no ${gemm} GEMM (${nativeBlasStatus().detail})`);
    try {
      assert.equal(nativeBlasStatus().gemm, gemm);
      assert.match(nativeBlasStatus().detail, gemm === 'bundled' ? /^bundled SGEMM \((AVX2\/FMA|NEON|portable C)\), \d+ threads?$/ : /OpenBLAS/);
      const blas = nativeBlas()!;
      let seed = 3;
      for (const [m, n, k] of SIZES) {
        for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
          for (const beta of [0, 1, 0.5]) {
            const batch = m * n * k < 50_000 ? 3 : 1;
            const [aLen, bLen, cLen] = [m * k, k * n, m * n];
            // One heap: batch A matrices, then B (shared across the batch: stride 0), then C.
            const heap = new ArrayBuffer((batch * aLen + bLen + batch * cLen + 8) * 4);
            const f = new Float32Array(heap);
            const aOff = 2, bOff = aOff + batch * aLen, cOff = bOff + bLen;
            f.set(values(batch * aLen, seed++), aOff);
            f.set(values(bLen, seed++), bOff);
            f.set(values(batch * cLen, seed++), cOff);
            const before = f.slice();
            blas.gemm(heap, ta ? 1 : 0, tb ? 1 : 0, m, n, k, aOff, bOff, cOff, batch, aLen, 0, cLen, beta);
            for (let i = 0; i < batch; i++) {
              const want = reference(ta, tb, m, n, k, before.subarray(aOff + i * aLen, aOff + (i + 1) * aLen), before.subarray(bOff, bOff + bLen), before.subarray(cOff + i * cLen, cOff + (i + 1) * cLen), beta);
              const got = f.subarray(cOff + i * cLen, cOff + (i + 1) * cLen);
              let worst = 0;
              for (let j = 0; j < cLen; j++) worst = Math.max(worst, Math.abs((got[j] as number) - (want[j] as number)) / (1 + Math.abs(want[j] as number)));
              assert.ok(worst < 1e-4, `${gemm} ${m}x${n}x${k} ta=${ta} tb=${tb} beta=${beta} batch ${i}: error ${worst}`);
            }
            // Nothing outside C was written.
            assert.deepEqual(f.subarray(0, cOff), before.subarray(0, cOff));
            assert.deepEqual(f.subarray(cOff + batch * cLen), before.subarray(cOff + batch * cLen));
          }
        }
      }
    } finally {
      setNativeGemm(process.env['KERATS_NATIVE_BLAS'] === 'bundled' ? 'bundled' : 'openblas');
    }
  });
}
