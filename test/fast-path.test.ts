/**
 * bin/kerats.js answers `--help`, `--version`, `schema`, `docs` and `completion` from text the
 * build wrote (src/cli/fast-path.cts). Each answer must be exactly what the full command line
 * (main.ts, commander) prints for the same words, help at every terminal width; anything else
 * must be left to the full command line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { buildProgram } from '../src/cli/main.js';
import { commanderHelpOutput } from '../src/cli/fast-path-build.js';
import { fastAnswer, renderHelp, type FastDocsFile, type FastHelpFile } from '../src/cli/fast-path.cjs';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, tempDir } from './helpers/cli.js';

const fastFile = <T>(name: string): T => JSON.parse(readFileSync(path.join(ROOT, 'dist', 'cli-fast', name), 'utf8')) as T;

/** What the full command line (main.ts, without bin/kerats.js's fast path) prints for `kerats ...args`. */
function fullAnswer(args: string[], cwd = ROOT): { stdout: string; exitCode: number } {
  const mainUrl = pathToFileURL(path.join(ROOT, 'dist', 'src', 'cli', 'main.js')).href;
  const code = `const { main } = await import(${JSON.stringify(mainUrl)}); await main(process.argv);`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', code, 'kerats', ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined } });
  return { stdout: res.stdout, exitCode: res.status ?? -1 };
}

function withCwd<T>(dir: string, f: () => T): T {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return f();
  } finally {
    process.chdir(before);
  }
}

test('the help of the program and of every command is commander\'s, at any terminal width', () => {
  const { help } = fastFile<FastHelpFile>('help.json');
  const program = buildProgram();
  const commands = [program, ...program.commands];
  assert.deepEqual(Object.keys(help).sort(), ['', ...program.commands.map((c) => c.name())].sort());
  for (const cmd of commands) {
    const h = help[cmd === program ? '' : cmd.name()];
    assert.ok(h, cmd.name());
    for (const width of [undefined, 30, 50, 80, 100, 137, 250]) {
      assert.equal(renderHelp(h, width), commanderHelpOutput(cmd, width), `${cmd.name()} --help at ${width ?? 'no'} columns`);
    }
  }
  // A width that wraps differently: the pieces really are re-wrapped, not stored at 80 columns.
  assert.notEqual(renderHelp(help['train']!, 50), renderHelp(help['train']!, 200));
});

test('each fast answer is what the full command line prints for the same words', () => {
  const docs = fastFile<FastDocsFile>('docs.json');
  // Every category's first entry, an alias, a different case, and --json.
  const names = [...new Set(Object.values(docs.index).map((ids) => ids[0]!))].filter((_, i) => i % 25 === 0).map((i) => (docs.entries[i] as { name: string }).name);
  const cases: string[][] = [
    ['--help'], ['-h'], ['help'], ['--version'], ['-V'], ['train', '--help'], ['help', 'summary'], ['init', '-h'],
    ['schema'], ['schema', '--json'], ['schema', '--quiet'],
    ['docs'], ['docs', '--json'], ['docs', 'dense'], ['docs', 'Adam', '--json'], ['docs', 'LSTM', '--verbose'],
    ...names.map((n) => ['docs', n]),
    ['completion', 'bash'], ['completion', 'zsh'], ['completion', 'fish'],
  ];
  assert.ok(names.length >= 5, `${names.length} docs names`);
  for (const args of cases) {
    const fast = fastAnswer(args);
    assert.ok(fast !== undefined, `kerats ${args.join(' ')} has a fast answer`);
    const full = fullAnswer(args);
    assert.equal(full.exitCode, 0, args.join(' '));
    assert.equal(fast, full.stdout, `kerats ${args.join(' ')}`);
  }
});

test('init writes the same file and says the same as the full command line', () => {
  const dir = tempDir();
  const cases: string[][] = [['a.yaml'], ['-t', 'cnn', 'b.yaml', '--json'], ['--template=lstm', 'c d.yaml', '-f'], ['--template', 'functional', '--quiet'], []];
  for (const args of cases) {
    const fast = withCwd(dir, () => fastAnswer(['init', ...args]));
    assert.ok(fast !== undefined, `kerats init ${args.join(' ')} has a fast answer`);
    const written = readdirSync(dir).map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]);
    rmSync(dir, { recursive: true });
    mkdirSync(dir);
    const full = fullAnswer(['init', ...args], dir);
    assert.equal(full.exitCode, 0, args.join(' '));
    assert.equal(fast, full.stdout, `kerats init ${args.join(' ')}`);
    assert.deepEqual(written, readdirSync(dir).map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]), `the file kerats init ${args.join(' ')} wrote`);
    assert.equal(written.length, 1);
    rmSync(dir, { recursive: true });
    mkdirSync(dir);
  }
  // A file in the way, an unknown template, an unknown option: the full command's errors, nothing written here.
  writeFileSync(path.join(dir, 'x.yaml'), 'keep');
  for (const args of [['x.yaml'], ['-t', 'nosuch', 'y.yaml'], ['--nosuch', 'y.yaml'], ['a.yaml', 'b.yaml']]) {
    assert.equal(withCwd(dir, () => fastAnswer(['init', ...args])), undefined, `kerats init ${args.join(' ')}`);
  }
  assert.deepEqual(readdirSync(dir), ['x.yaml']);
  assert.equal(readFileSync(path.join(dir, 'x.yaml'), 'utf8'), 'keep');
});

test('anything but the plain forms is left to the full command line (its errors, its options)', () => {
  for (const args of [
    [], ['docs', 'Dens'], ['docs', 'constructor'], ['docs', 'Dense', '-q'], ['docs', 'a', 'b'], ['schema', 'extra'], ['completion', 'tcsh'],
    ['completion', 'bash', '--json'], ['help', 'nosuch'], ['nosuch', '--help'], ['help', 'help'], ['train', 'configs/iris.yaml'],
    ['train', 'configs/iris.yaml', '--help'], ['--version', '--help'], ['validate', 'configs/iris.yaml'],
  ]) {
    assert.equal(fastAnswer(args), undefined, `kerats ${args.join(' ')}`);
  }
});
