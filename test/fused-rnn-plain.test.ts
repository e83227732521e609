/**
 * The fused recurrent layer tests of test/fused-rnn.test.ts with the native addon turned off
 * (KERATS_NATIVE_BLAS=0): every recurrent layer must take the generic tfjs path, say why, and train.
 */
process.env['KERATS_NATIVE_BLAS'] = '0';
await import('./fused-rnn.test.js');
