#!/usr/bin/env node
/**
 * `npm install`'s prepare step: builds dist/ (npm run build) unless it is already built from
 * these very sources. `npx kerats` inside this repository installs the repository into npx's
 * cache, and npm runs prepare there again: a full build (tsc, registry snapshot, validator),
 * about 17 s on the first command for nothing. The build writes a key of what it compiled
 * (`--write-key`, the last step of npm run build); a matching key skips it.
 *
 *   node scripts/prepare.mjs              build unless dist/ matches the sources
 *   node scripts/prepare.mjs --write-key  record that dist/ matches them (end of npm run build)
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const keyFile = path.join(root, 'dist', 'build-key.txt');

function files(dir) {
  const abs = path.join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Everything the build reads: the compiled folders, the compiler's settings and the installed packages' versions. */
function sourceKey() {
  const hash = createHash('sha256');
  const inputs = [...['src', 'scripts', 'bench', 'test'].flatMap(files), 'package.json', 'package-lock.json', 'tsconfig.json'].sort();
  for (const f of inputs) {
    const abs = path.join(root, f);
    if (!existsSync(abs)) continue;
    hash.update(`${f}\0`).update(readFileSync(abs)).update('\0');
  }
  return hash.digest('hex');
}

if (process.argv.includes('--write-key')) {
  writeFileSync(keyFile, sourceKey());
} else {
  const built = ['src/cli/main.js', 'cli-fast/help.json', 'config-validator.cjs'].every((f) => existsSync(path.join(root, 'dist', f)));
  if (built && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === sourceKey()) {
    process.stderr.write('kerats: dist/ is up to date with the sources (npm run build rebuilds it)\n');
  } else {
    const npm = process.env.npm_execpath;
    const res = npm ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: root, stdio: 'inherit' }) : spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
    process.exitCode = res.status ?? 1;
  }
}
