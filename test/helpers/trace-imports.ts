/**
 * Loaded with `node --import` (NODE_OPTIONS) by test/startup.test.ts: appends the URL of every
 * module the process resolves to the file named by KERATS_TRACE_IMPORTS, so a test can tell
 * whether a command loaded TensorFlow.js.
 */
import { register } from 'node:module';

register('./trace-imports-hooks.js', import.meta.url);
