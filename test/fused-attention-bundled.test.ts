/** test/fused-attention.test.ts with the native addon's bundled SGEMM instead of OpenBLAS (KERATS_NATIVE_BLAS=bundled). */
process.env['KERATS_NATIVE_BLAS'] = 'bundled';
await import('./fused-attention.test.js');
