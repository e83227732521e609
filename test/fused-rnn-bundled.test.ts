/**
 * The fused recurrent layer tests of test/fused-rnn.test.ts on the addon's bundled SGEMM
 * (KERATS_NATIVE_BLAS=bundled) instead of OpenBLAS: what installs without OpenBLAS's headers run.
 */
process.env['KERATS_NATIVE_BLAS'] = 'bundled';
await import('./fused-rnn.test.js');
