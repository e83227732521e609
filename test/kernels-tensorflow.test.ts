/**
 * The kernel equivalence tests of test/wasm-kernels.test.ts (forward values and gradients against
 * the cpu backend, whole-model gradients, a small CNN that learns) on the `tensorflow` backend
 * built by `kerats setup tensorflow`; skipped with the reason where it is not set up.
 */
import { test } from 'node:test';
import { setUpState } from '../src/runtime/tf-native/load.js';
import { tfCacheRoot } from '../src/runtime/tf-native/record.js';

const state = setUpState('tensorflow');
if (state.state === 'ready') {
  process.env['KERATS_KERNEL_TEST_BACKEND'] = 'tensorflow';
  await import('./wasm-kernels.test.js');
} else {
  const why = state.state === 'none' ? `not set up in ${tfCacheRoot()} (kerats setup tensorflow --python ~/.cache/kerats/pyref/bin/python)` : state.reason;
  test('kernel equivalence on the tensorflow backend', { skip: `the tensorflow backend: ${why}` }, () => undefined);
}
