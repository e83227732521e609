/**
 * The wasm kernel equivalence tests of test/wasm-kernels.test.ts with the optional OpenBLAS addon
 * turned off (KERATS_NATIVE_BLAS=0), so the pure-WebAssembly kernels, which every install without
 * OpenBLAS uses, are checked even on machines where the addon is built.
 */
process.env['KERATS_NATIVE_BLAS'] = '0';
await import('./wasm-kernels.test.js');
