/**
 * Commands that need no model answer at once: `--help` (of every command), `schema`, `docs`,
 * `init` and `completion` must not load TensorFlow.js (about a second of start-up) or ajv, and
 * the ones the build prepared text for (src/cli/fast-path.cts) not even the command line itself.
 * Checked by the modules each process loads, not by timing (bench/startup.ts times them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { kerats, tempDir, ROOT } from './helpers/cli.js';

const HOOK = pathToFileURL(path.join(ROOT, 'dist', 'test', 'helpers', 'trace-imports.js')).href;

async function loadedBy(args: string[]): Promise<{ code: number | null; stdout: string; modules: string[] }> {
  const dir = tempDir();
  const trace = path.join(dir, 'imports.txt');
  const res = await kerats(args, { cwd: ROOT, env: { NODE_OPTIONS: `--import ${HOOK}`, KERATS_TRACE_IMPORTS: trace } });
  const modules = existsSync(trace) ? readFileSync(trace, 'utf8').split('\n').filter(Boolean) : [];
  return { code: res.code, stdout: res.stdout, modules };
}

const HEAVY = ['@tensorflow/tfjs', '/ajv/', '/dist/src/registry/'];
/** The command line proper: commander's command tree, chalk, main.ts. The fast path needs none of them. */
const CLI = ['/commander/lib/command.js', '/chalk/', '/dist/src/cli/main.js', '/yaml/'];
const found = (modules: string[], names: string[]) => modules.filter((m) => names.some((h) => m.includes(h)));

test('the import trace sees what a model command loads (TensorFlow.js for summary)', async () => {
  const { code, modules } = await loadedBy(['summary', 'configs/iris.yaml']);
  assert.equal(code, 0);
  assert.ok(modules.some((m) => m.includes('@tensorflow/tfjs')), 'summary builds a model, so it loads TensorFlow.js');
});

const program = await import('../src/cli/main.js');
const commands = program.buildProgram().commands.map((c) => c.name());

test('every command\'s --help, and --help itself, loads neither TensorFlow.js, ajv nor the registries', async () => {
  assert.ok(commands.length > 10, `${commands.length} commands`);
  for (const args of [['--help'], ['--version'], ...commands.map((c) => [c, '--help'])]) {
    const { code, stdout, modules } = await loadedBy(args);
    assert.equal(code, 0, args.join(' '));
    assert.ok(stdout.length > 0, `${args.join(' ')} printed nothing`);
    const heavy = modules.filter((m) => HEAVY.some((h) => m.includes(h)));
    assert.deepEqual(heavy.slice(0, 3), [], `kerats ${args.join(' ')} loaded ${heavy.length} heavy modules`);
    assert.deepEqual(found(modules, CLI), [], `kerats ${args.join(' ')} is answered from the build's text`);
  }
});

test('schema, docs, init and completion answer without TensorFlow.js, and give the same answers', async () => {
  const dir = tempDir();
  const cases: { args: string[]; check: (stdout: string) => void }[] = [
    { args: ['schema'], check: (s) => assert.equal(s, readFileSync(path.join(ROOT, 'schemas', 'kerats.schema.json'), 'utf8')) },
    { args: ['docs', 'LSTM'], check: (s) => assert.match(s, /^LSTM \(layer, recurrent\)[\s\S]*return_sequences/) },
    { args: ['docs', '--json'], check: (s) => assert.ok((JSON.parse(s) as { categories: { names: string[] }[] }).categories[0]?.names.includes('Dense')) },
    { args: ['init', path.join(dir, 'new.yaml')], check: () => assert.ok(existsSync(path.join(dir, 'new.yaml'))) },
    { args: ['completion', 'bash'], check: (s) => assert.match(s, /kerats/) },
  ];
  for (const c of cases) {
    const { code, stdout, modules } = await loadedBy(c.args);
    assert.equal(code, 0, c.args.join(' '));
    c.check(stdout);
    const heavy = modules.filter((m) => HEAVY.some((h) => m.includes(h)));
    assert.deepEqual(heavy.slice(0, 3), [], `kerats ${c.args.join(' ')} loaded ${heavy.length} heavy modules`);
    assert.deepEqual(found(modules, CLI), [], `kerats ${c.args.join(' ')} is answered from the build's text`);
  }
});

test('the trace sees the fast path fall back: an unknown docs name loads the command line to explain it', async () => {
  const { code, modules } = await loadedBy(['docs', 'Dens']);
  assert.equal(code, 2);
  assert.ok(found(modules, ['/dist/src/cli/main.js']).length > 0, 'the full command line answered');
});

test('validate and summary of a valid config load neither ajv\'s schema compiler nor h5wasm; an invalid one does load ajv to explain it', async () => {
  const LAZY = ['/ajv/dist/ajv.js', '/ajv/dist/core.js', '/h5wasm/'];
  for (const args of [['validate', 'configs/iris.yaml'], ['summary', 'configs/iris.yaml']]) {
    const { code, modules } = await loadedBy(args);
    assert.equal(code, 0, args.join(' '));
    assert.deepEqual(found(modules, LAZY), [], `kerats ${args.join(' ')}`);
  }
  const broken = await loadedBy(['validate', 'configs/broken.yaml']);
  assert.equal(broken.code, 2);
  assert.ok(found(broken.modules, ['/ajv/dist/']).length > 0, 'the full validator explains a broken config');
});
