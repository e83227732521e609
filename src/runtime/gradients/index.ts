/**
 * Gradients kerats registers over tfjs's own, on every backend, because tfjs's version is slow
 * (each file says why); each is checked against tfjs's in test/fast-gradients.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { tileGradConfig } from './tile-grad.js';

const CONFIGS: tf.GradConfig[] = [tileGradConfig];

let registered = false;

/** Registers the faster gradients once; returns their kernel names. */
export function registerFastGradients(): string[] {
  if (!registered) for (const c of CONFIGS) tf.registerGradient(c);
  registered = true;
  return CONFIGS.map((c) => c.kernelName);
}
