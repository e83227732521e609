/**
 * The fused normalisation and bias + activation tests of test/fused-norm.test.ts with the native
 * addon on its bundled SGEMM (KERATS_NATIVE_BLAS=bundled).
 */
process.env['KERATS_NATIVE_BLAS'] = 'bundled';
await import('./fused-norm.test.js');
