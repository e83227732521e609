/**
 * The fused normalisation and bias + activation tests of test/fused-norm.test.ts with the native
 * addon turned off (KERATS_NATIVE_BLAS=0): the JavaScript loops over the wasm heap.
 */
process.env['KERATS_NATIVE_BLAS'] = '0';
await import('./fused-norm.test.js');
