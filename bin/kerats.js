#!/usr/bin/env node
// Entry point: the compiled CLI lives in dist/ (built by `npm install` through the prepare script).
// CommonJS (bin/package.json), because Node's ES module loader costs more than the instant answers:
// `--help`, `--version`, `schema`, `docs` and `completion` are printed from text the build wrote
// (src/cli/fast-path.cts); everything else loads the command line (dist/src/cli/main.js).
'use strict';
const module_ = require('node:module');

let fast;
try {
  fast = require('../dist/src/cli/fast-path.cjs');
} catch (err) {
  if (!err || err.code !== 'MODULE_NOT_FOUND') throw err;
}
if (!fast || !fast.tryFastPath(process.argv.slice(2))) {
  // Node >= 22.1 keeps compiled code on disk (TensorFlow.js is megabytes of JavaScript); older Nodes lack it.
  module_.enableCompileCache?.();
  import('../dist/src/cli/main.js')
    .then((cli) => cli.main(process.argv))
    .catch((err) => {
      if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli')) {
        process.stderr.write('kerats: not built yet; run "npm install" (or "npm run build") in the kerats folder\n');
      } else {
        process.stderr.write(`kerats: ${err && err.stack ? err.stack : err}\n`);
      }
      process.exitCode = 1;
    });
}
