/**
 * Bounded loading (README, "Limits on input files"): hostile files that once hung kerats or took
 * Node down (a JSON nested 1,000 deep aborted V8, 100,000 deep never answered, `extends: /dev/zero`
 * read forever) are refused with exit 2 and a located message naming the limit and how to raise it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { truncateSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import { findTooDeep } from '../src/config/nesting.js';
import { applyOverrides } from '../src/config/overrides.js';
import { parseConfigText } from '../src/config/parse.js';
import { ConfigError } from '../src/util/errors.js';
import { Prng } from '../src/util/prng.js';
import { hasStackTrace, kerats, ROOT, tempDir } from './helpers/cli.js';

async function loadError(file: string, env?: NodeJS.ProcessEnv): Promise<ConfigError> {
  const saved = { ...process.env };
  Object.assign(process.env, env ?? {});
  try {
    await loadConfig(file);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  } finally {
    for (const k of Object.keys(env ?? {})) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
  }
  return assert.fail(`expected ${file} to be refused`);
}

const nestedList = (n: number): string => '['.repeat(n) + '1' + ']'.repeat(n);
const nestedMap = (n: number): string => '{a: '.repeat(n) + '1' + '}'.repeat(n);

test('a JSON config nested 1,000 and 100,000 deep is refused at the level that crosses the limit', async () => {
  const dir = tempDir();
  for (const n of [1_000, 100_000]) {
    const file = path.join(dir, `deep-${n}.json`);
    writeFileSync(file, `{"model": {"layers": ${nestedList(n)}}}`);
    const e = await loadError(file);
    assert.match(e.message, /deep-\d+\.json:1:276: lists and maps are nested more than 256 levels deep here/);
    assert.match(e.message, /KERATS_MAX_NESTING=<levels>/);
  }
});

test('YAML nested 100,000 deep (block list items and flow maps) is refused with its line and column', async () => {
  const dir = tempDir();
  const list = path.join(dir, 'list.yaml');
  writeFileSync(list, `model:\n  layers:\n${'- '.repeat(100_000)}x\n`);
  assert.match((await loadError(list)).message, /list\.yaml:3:\d+: lists and maps are nested more than 256 levels/);
  const map = path.join(dir, 'map.yaml');
  writeFileSync(map, `seed: 1\nmodel: ${nestedMap(100_000)}\n`);
  assert.match((await loadError(map)).message, /map\.yaml:2:\d+: lists and maps are nested more than 256 levels/);
});

test('KERATS_MAX_NESTING raises the nesting limit; the config then gets its ordinary schema errors', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'deep.json');
  writeFileSync(file, `{"model": {"layers": ${nestedList(300)}}}`);
  assert.match((await loadError(file)).message, /nested more than 256 levels/);
  const e = await loadError(file, { KERATS_MAX_NESTING: '400' });
  assert.doesNotMatch(e.message, /nested more than/);
  assert.match(e.message, /a layer is a one-key map/);
});

test('an alias bomb is refused at its first alias, naming the limit and KERATS_MAX_ALIASES', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'bomb.yaml');
  let text = 'a: &a [x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i < 10; i++) {
    const prev = String.fromCharCode(96 + i);
    text += `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${prev}`).join(', ')}]\n`;
  }
  writeFileSync(file, text);
  const e = await loadError(file);
  assert.match(e.message, /bomb\.yaml:2:8: the config expands YAML aliases more than 100 times/);
  assert.match(e.message, /KERATS_MAX_ALIASES=<count>/);
});

test('aliases that nest a deep anchor deeper still are refused after expansion, with the limit', () => {
  const text = `a: &x ${nestedList(200)}\nb: ${nestedList(100).replace('1', '*x')}\n`;
  assert.throws(() => parseConfigText(text, 'a.yaml'), /a\.yaml:\d+:\d+: with its YAML aliases expanded, the config nests more than 256 levels deep; set KERATS_MAX_NESTING/);
});

test('/dev/zero, a FIFO, a folder and a file over 16 MiB are refused as config or base config, without reading them', async () => {
  const dir = tempDir();
  const huge = path.join(dir, 'huge.yaml');
  writeFileSync(huge, 'seed: 1\n');
  truncateSync(huge, 16 * 1024 * 1024 + 1); // sparse: no disk used
  const bases: [string, RegExp][] = [
    ['/dev/zero', /it is a device, not a regular file/],
    [dir, /it is a directory, not a file/],
    ['huge.yaml', /it is larger than 16 MiB, the limit for a base config; set KERATS_MAX_CONFIG_BYTES=<bytes> to raise it/],
  ];
  if (spawnSync('mkfifo', [path.join(dir, 'pipe')]).status === 0) bases.push(['pipe', /it is a pipe \(FIFO\), not a regular file/]);
  for (const [base, why] of bases) {
    const file = path.join(dir, 'c.yaml');
    writeFileSync(file, `# a base that is not a config\nextends: ${base}\n`);
    const e = await loadError(file);
    assert.match(e.message, new RegExp(`c\\.yaml:2:10: cannot read base config "${base.replace(/[/.]/g, '\\$&')}"`));
    assert.match(e.message, why);
  }
  assert.match((await loadError(huge)).message, /cannot read config ".*huge\.yaml": it is larger than 16 MiB/);
  assert.match((await loadError('/dev/zero')).message, /cannot read config "\/dev\/zero": it is a device/);
  // Raised, the same file is read (and is then just an odd config: NUL bytes are not YAML).
  assert.doesNotMatch((await loadError(huge, { KERATS_MAX_CONFIG_BYTES: String(32 * 1024 * 1024) })).message, /larger than/);
});

test('a --set value nested past the limit is refused at the command line', () => {
  const root = parseConfigText('seed: 1\n', 'c.yaml');
  assert.throws(() => applyOverrides(root, [`fit.x=${nestedList(1_000)}`]), /--set fit\.x=.*: the value is nested more than 256 levels deep/s);
});

test('the nesting scan never counts fewer levels than the document has (random YAML and JSON)', () => {
  const rng = new Prng(7);
  type V = number | string | V[] | { [k: string]: V };
  const gen = (depth: number): [V, number] => {
    if (depth === 0 || rng.int(4) === 0) return rng.int(2) === 0 ? [rng.int(100), 0] : ['s [x] {y} # z', 0];
    const n = 1 + rng.int(3);
    let deepest = 0;
    if (rng.int(2) === 0) {
      const items: V[] = [];
      for (let i = 0; i < n; i++) { const [v, d] = gen(depth - 1); items.push(v); deepest = Math.max(deepest, d); }
      return [items, deepest + 1];
    }
    const map: { [k: string]: V } = {};
    for (let i = 0; i < n; i++) { const [v, d] = gen(depth - 1); map[`k${i}`] = v; deepest = Math.max(deepest, d); }
    return [map, deepest + 1];
  };
  for (let i = 0; i < 300; i++) {
    const [value, depth] = gen(12);
    if (depth < 2) continue;
    for (const text of [JSON.stringify(value), JSON.stringify(value, null, 2), stringify(value), stringify(value, { collectionStyle: 'flow' })]) {
      assert.ok(findTooDeep(text, depth - 1), `depth ${depth} not seen in:\n${text}`);
    }
    // JSON's count is exact: the same text at its own depth passes.
    assert.equal(findTooDeep(JSON.stringify(value), depth), undefined);
  }
});

test('every shipped config is far inside the limits', () => {
  const dirs = ['', 'seeds', 'guides', 'templates'].map((d) => path.join(ROOT, 'configs', d));
  for (const d of dirs) {
    for (const f of readdirSync(d).filter((n) => /\.(ya?ml|json)$/.test(n))) {
      assert.equal(findTooDeep(readFileSync(path.join(d, f), 'utf8'), 24), undefined, f);
    }
  }
});

test('the CLI answers deep JSON and /dev/zero with exit 2, a located error and no stack trace', async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'deep.json'), `{"model": {"layers": ${nestedList(1_000)}}}`);
  writeFileSync(path.join(dir, 'zero.yaml'), 'extends: /dev/zero\n');
  for (const [cmd, file, where] of [['summary', 'deep.json', 'deep.json:1:276'], ['validate', 'zero.yaml', 'zero.yaml:1:10']] as const) {
    const r = await kerats([cmd, file], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(`${where}: error:`), r.stderr);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
  }
});
