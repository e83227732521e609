/** The ConfigError `fn` throws: any other error propagates, and returning normally fails the test. */
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/util/errors.js';

export function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  return assert.fail('expected a ConfigError');
}
