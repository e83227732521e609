/**
 * Loaded with `node --import` (NODE_OPTIONS) by test/startup.test.ts: appends the URL of every
 * module the process resolves to the file named by KERATS_TRACE_IMPORTS, so a test can tell
 * whether a command loaded TensorFlow.js. ES modules through a resolve hook; CommonJS files
 * (bin/kerats.js's fast path, and what packages require) through the CommonJS resolver.
 */
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import { pathToFileURL } from 'node:url';

register('./trace-imports-hooks.js', import.meta.url);

type ResolveFilename = (request: string, ...rest: unknown[]) => string;
const cjs = Module as unknown as { _resolveFilename: ResolveFilename };
const resolveFilename = cjs._resolveFilename;
cjs._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
  const resolved = resolveFilename.call(this, request, ...rest);
  const file = process.env['KERATS_TRACE_IMPORTS'];
  if (file) appendFileSync(file, `${resolved.startsWith('/') ? pathToFileURL(resolved).href : resolved}\n`);
  return resolved;
};
