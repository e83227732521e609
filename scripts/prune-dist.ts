/**
 * Part of `npm run build`, after the incremental `tsc`: keeps dist/ exactly what a clean build
 * would give, without the clean build's full type-check of every file (~20 s of CPU a test run).
 * - An output whose source is gone (a deleted or renamed test) is removed: `npm test` runs
 *   dist/test/*.test.js, and a stale compiled test would keep running.
 * - A source without its output (someone deleted a file in dist/) makes tsc emit everything
 *   again: tsc's build info remembers what it emitted, not what is still on disk.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = path.join(ROOT, 'dist');
/** The folders tsconfig.json compiles (its `include`), each mirrored under dist/. */
const TREES = ['src', 'test', 'scripts', 'bench'];
const BUILD_INFO = path.join(DIST, '.tsbuildinfo');
/** Outputs the build writes itself, with no source: scripts/cjs-namespace.ts's re-export modules. */
const GENERATED = [path.join(DIST, 'src', 'cjs') + path.sep];

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : e.isFile() ? [p] : [];
  });
}

/** The source a dist/ file was compiled or copied from (tsc copies imported .json files). */
function sourceOf(out: string): string {
  const rel = path.relative(DIST, out);
  // .cts/.mts sources (the CommonJS fast path) compile to .cjs/.mjs.
  for (const [out, src] of [['.js', '.ts'], ['.cjs', '.cts'], ['.mjs', '.mts']] as const) {
    if (rel.endsWith(`${out}.map`)) return path.join(ROOT, rel.slice(0, -`${out}.map`.length) + src);
    if (rel.endsWith(out)) return path.join(ROOT, rel.slice(0, -out.length) + src);
  }
  return path.join(ROOT, rel);
}

let removed = 0;
let missing = 0;
for (const tree of TREES) {
  for (const out of files(path.join(DIST, tree))) {
    if (GENERATED.some((dir) => out.startsWith(dir)) || existsSync(sourceOf(out))) continue;
    rmSync(out);
    removed++;
  }
  for (const src of files(path.join(ROOT, tree))) {
    const m = /\.([cm]?)ts$/.exec(src);
    if (!m || /\.d\.[cm]?ts$/.test(src)) continue;
    if (!existsSync(path.join(DIST, path.relative(ROOT, src)).replace(/\.([cm]?)ts$/, `.${m[1] ?? ''}js`))) missing++;
  }
}
if (removed > 0) console.log(`prune-dist: removed ${removed} file(s) whose source is gone`);
if (missing > 0) {
  console.log(`prune-dist: ${missing} source file(s) had no output; compiling everything again`);
  rmSync(BUILD_INFO, { force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.json'), '--incremental', '--tsBuildInfoFile', BUILD_INFO], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
