#!/usr/bin/env node
// Entry point: the compiled CLI lives in dist/ (built by `npm install` through the prepare script).
import module from 'node:module';

// Node >= 22.1 keeps compiled code on disk (TensorFlow.js is megabytes of JavaScript); older Nodes lack it.
module.enableCompileCache?.();
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
