/** test/fused-attention.test.ts with the native addon off (KERATS_NATIVE_BLAS=0): every call takes the generic path and says why. */
process.env['KERATS_NATIVE_BLAS'] = '0';
await import('./fused-attention.test.js');
