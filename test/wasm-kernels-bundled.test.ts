/**
 * The wasm kernel equivalence tests of test/wasm-kernels.test.ts with the native addon's bundled
 * SGEMM (native/kerats_sgemm.c) instead of OpenBLAS (KERATS_NATIVE_BLAS=bundled): what every
 * install with a C compiler but without OpenBLAS's headers runs.
 */
process.env['KERATS_NATIVE_BLAS'] = 'bundled';
await import('./wasm-kernels.test.js');
