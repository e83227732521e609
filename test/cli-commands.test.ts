/**
 * config, schema, init, docs, doctor, completion, --set, --events, --json documents and signals,
 * through the real binary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { BIN, hasStackTrace, kerats, ROOT, tempDir } from './helpers/cli.js';

const TINY = `name: tiny
seed: 3
data:
  train: {synthetic: {samples: 32, x_shape: [4], classes: 3, seed: 1}}
  validation_split: 0.25
model:
  input_shape: [4]
  layers:
    - Dense: {units: 8, activation: relu}
    - Dense: {units: 3, activation: softmax}
compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}
fit: {epochs: 2, batch_size: 8}
`;

function tiny(dir: string, text = TINY): string {
  const f = path.join(dir, 'tiny.yaml');
  writeFileSync(f, text);
  return f;
}

/** Top-level keys of each `- \`CMD --json\`: {...}` bullet in the README's "JSON documents" section. */
function documentedFields(): Map<string, Set<string>> {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### JSON documents'), readme.indexOf('### The run folder'));
  const out = new Map<string, Set<string>>();
  for (const m of section.matchAll(/^- `([a-z-]+)[^`]*`: ([\s\S]*?)(?=^- |^#|$(?![\s\S]))/gm)) {
    const body = m[2] ?? '';
    const start = body.indexOf('{');
    const keys = new Set<string>(out.get(m[1] ?? '') ?? []);
    let depth = 0;
    for (let i = start; i >= 0 && i < body.length; i++) {
      const ch = body[i];
      if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') { depth--; if (depth === 0) break; }
      else if (ch === '"' && depth === 1) {
        const end = body.indexOf('"', i + 1);
        const before = body.slice(0, i).trimEnd();
        if (!before.endsWith(':')) keys.add(body.slice(i + 1, end));
        i = end;
      }
    }
    out.set(m[1] ?? '', keys);
  }
  return out;
}

function assertDocumented(cmd: string, doc: unknown, fields: Map<string, Set<string>>): void {
  const documented = fields.get(cmd);
  assert.ok(documented && documented.size > 0, `README documents ${cmd} --json`);
  const keys = Object.keys(doc as object);
  for (const k of keys) assert.ok(documented.has(k), `${cmd} --json field "${k}" is documented (README has ${[...documented].join(', ')})`);
}

test('--json documents of validate, summary, backends, config, init, docs, doctor, completion parse and carry the README\'s fields', async () => {
  const dir = tempDir();
  const cfg = tiny(dir);
  const fields = documentedFields();
  const runs = await Promise.all([
    kerats(['validate', cfg, '--json']),
    kerats(['summary', cfg, '--json']),
    kerats(['backends', '--json']),
    kerats(['config', cfg, '--json']),
    kerats(['init', path.join(dir, 'new.yaml'), '--json']),
    kerats(['docs', '--json']),
    kerats(['docs', 'Dense', '--json']),
    kerats(['doctor', '--json', '--runs', path.join(dir, 'runs')], { env: { KERATS_HOME: path.join(dir, 'home') } }),
    kerats(['completion', 'fish', '--json']),
  ]);
  const names = ['validate', 'summary', 'backends', 'config', 'init', 'docs', 'docs', 'doctor', 'completion'];
  runs.forEach((r, i) => {
    assert.equal(r.code, 0, `${names[i]}: ${r.stderr}`);
    assertDocumented(names[i] as string, JSON.parse(r.stdout), fields);
  });
  const [validate, summary, , config, init, docsAll, docsDense, doctor] = runs.map((r) => JSON.parse(r.stdout) as Record<string, unknown>);
  assert.equal(validate?.total_params, 4 * 8 + 8 + 8 * 3 + 3);
  assert.equal(summary?.total_params, 67);
  assert.equal((config?.fit as { epochs: number }).epochs, 2);
  assert.equal(init?.template, 'mlp');
  assert.ok(((docsAll?.categories as { category: string; names: string[] }[]).find((c) => c.category === 'layer')?.names ?? []).includes('LSTM'));
  const dense = (docsDense?.entries as { name: string; args: { name: string; required: boolean; default?: unknown }[] }[])[0];
  assert.equal(dense?.name, 'Dense');
  assert.equal(dense?.args.find((a) => a.name === 'units')?.required, true);
  assert.equal(dense?.args.find((a) => a.name === 'kernel_initializer')?.default, 'glorot_uniform');
  const checks = doctor?.checks as { name: string; status: string; detail: string }[];
  assert.equal(doctor?.ok, true);
  assert.equal(checks.find((c) => c.name === 'backend:wasm')?.status, 'ok');
  assert.match(checks.find((c) => c.name === 'cache')?.detail ?? '', new RegExp(path.join(dir, 'home').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
});

test('a failing command under --json prints an error document; --set errors name the command line; exit 2, no stack', async () => {
  const dir = tempDir();
  const cfg = tiny(dir);
  const r = await kerats(['validate', cfg, '--set', 'fit.epochs=x', '--json']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^--set fit\.epochs=x: error: "epochs" must be an integer, got "x"/m);
  assert.ok(!hasStackTrace(r.stderr));
  const doc = JSON.parse(r.stdout) as { ok: boolean; exit_code: number; errors: { message: string; file: string; line?: number }[] };
  assert.equal(doc.ok, false);
  assert.equal(doc.exit_code, 2);
  assert.equal(doc.errors[0]?.file, '--set fit.epochs=x');
  assert.equal(doc.errors[0]?.line, undefined);
  const big = await kerats(['validate', cfg, '--set', 'fit.epochs=1e12']);
  assert.equal(big.code, 2);
  assert.match(big.stderr, /"epochs" must be <= 1000000, got 1000000000000/);
  const docs = await kerats(['docs', 'Dens']);
  assert.equal(docs.code, 2);
  assert.match(docs.stderr, /no layer, optimizer, loss, metric, callback, schedule or initializer is called "Dens"; did you mean "Dense"\?/);
});

test('kerats config prints what the run folder stores as config.json, with --set applied, as YAML or JSON', async () => {
  const dir = tempDir();
  const cfg = tiny(dir);
  const sets = ['--set', 'fit.epochs=1', '--set', 'model.layers[0].Dense.units=5'];
  const [train, json, yaml] = await Promise.all([
    kerats(['train', cfg, ...sets, '--json', '--runs', path.join(dir, 'runs')]),
    kerats(['config', cfg, ...sets, '--json']),
    kerats(['config', cfg, ...sets]),
  ]);
  assert.equal(train.code, 0, train.stderr);
  const runDir = (JSON.parse(train.stdout) as { run_dir: string }).run_dir;
  const stored = JSON.parse(readFileSync(path.join(runDir, 'config.json'), 'utf8')) as unknown;
  assert.deepEqual(JSON.parse(json.stdout), stored);
  assert.deepEqual(parse(yaml.stdout), stored);
  assert.equal((stored as { model: { layers: { Dense: { units: number } }[] } }).model.layers[0]?.Dense.units, 5);
  assert.equal((JSON.parse(train.stdout) as { epochs_completed: number }).epochs_completed, 1);
});

test('kerats init writes templates with a working $schema line; cnn, mlp, lstm and functional train as is (one epoch)', async () => {
  const dir = tempDir();
  const inits = await Promise.all(['cnn', 'mlp', 'lstm', 'functional'].map((t) => kerats(['init', '--template', t, path.join(dir, `${t}.yaml`)])));
  for (const r of inits) assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(path.join(dir, 'cnn.yaml'), 'utf8');
  const ref = /^# yaml-language-server: \$schema=(.+)$/m.exec(text)?.[1] ?? '';
  assert.ok(existsSync(path.resolve(dir, ref)), `$schema points at an existing file: ${ref}`);
  assert.ok(!path.isAbsolute(ref) && ref.startsWith('..'), `$schema is relative: ${ref}`);
  assert.equal(parse(text).name, 'cnn');
  const again = await kerats(['init', path.join(dir, 'cnn.yaml')]);
  assert.equal(again.code, 2, 'refuses to overwrite');
  assert.match(again.stderr, /already exists; choose another name or add --force/);
  const templates = ['cnn', 'mlp', 'lstm', 'functional'];
  const trains = await Promise.all(templates.map((t) => kerats(['train', `${t}.yaml`, '--set', 'fit.epochs=1', '--json'], { cwd: dir })));
  trains.forEach((r, i) => {
    assert.equal(r.code, 0, `${templates[i]}: ${r.stderr}`);
    assert.equal((JSON.parse(r.stdout) as { epochs_completed: number }).epochs_completed, 1);
  });
});

test('kerats schema prints the committed JSON Schema; completion scripts cover every command and option', async () => {
  const [schema, bash, zsh, fish, bad] = await Promise.all([
    kerats(['schema']),
    kerats(['completion', 'bash']),
    kerats(['completion', 'zsh']),
    kerats(['completion', 'fish']),
    kerats(['completion', 'tcsh']),
  ]);
  assert.deepEqual(JSON.parse(schema.stdout), JSON.parse(readFileSync(path.join(ROOT, 'schemas', 'kerats.schema.json'), 'utf8')));
  const dir = tempDir();
  writeFileSync(path.join(dir, 'k.bash'), bash.stdout);
  assert.equal(spawnSync('bash', ['-n', path.join(dir, 'k.bash')]).status, 0, 'bash script parses');
  // Simulate `kerats tr<TAB>` and `kerats train --ev<TAB>` in bash.
  const complete = (words: string[]) =>
    spawnSync('bash', ['-c', `source ${path.join(dir, 'k.bash')}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _kerats; echo "\${COMPREPLY[@]}"`], { encoding: 'utf8' }).stdout.trim();
  assert.equal(complete(['kerats', 'tr']), 'train');
  assert.equal(complete(['kerats', 'train', '--ev']), '--events');
  assert.equal(complete(['kerats', 'init', '--template', '']), 'cnn functional lstm mlp', 'option choices complete');
  for (const cmd of ['train', 'validate', 'config', 'docs', 'doctor', 'completion']) {
    assert.ok(zsh.stdout.includes(`'${cmd}:`), `zsh lists ${cmd}`);
    assert.ok(fish.stdout.includes(`-a ${cmd} `), `fish lists ${cmd}`);
  }
  assert.ok(fish.stdout.includes("__fish_seen_subcommand_from train' -l set"));
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown shell "tcsh"; choose one of bash, zsh, fish/);
});

test('train --events: NDJSON on stdout (train_begin, epoch_end per epoch, done with run_dir), logs on stderr', async () => {
  const dir = tempDir();
  const r = await kerats(['train', tiny(dir), '--events', '--runs', path.join(dir, 'runs')]);
  assert.equal(r.code, 0, r.stderr);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; time: string; [k: string]: unknown });
  // The run's resume checkpoint is written at each epoch's end, before the epoch is reported.
  assert.deepEqual(events.map((e) => e.event), ['train_begin', 'checkpoint', 'epoch_end', 'checkpoint', 'epoch_end', 'done']);
  assert.equal(events[0]?.samples, 24);
  assert.equal(events[0]?.steps_per_epoch, 3);
  const ends = events.filter((e) => e.event === 'epoch_end');
  assert.deepEqual(ends.map((e) => e.epoch), [1, 2]);
  assert.equal(typeof (ends[0]?.logs as { val_loss: number }).val_loss, 'number');
  const checkpoints = events.filter((e) => e.event === 'checkpoint');
  assert.deepEqual(checkpoints.map((e) => e.epoch), [1, 2]);
  assert.match(String(checkpoints[0]?.path), /checkpoints[\\/]last$/);
  assert.ok(existsSync(path.join(String(events[events.length - 1]?.run_dir), 'model.json')));
  assert.match(r.stderr, /Epoch 2\/2/);
});

test('SIGTERM during training exits 143 and leaves no run folder', async () => {
  const dir = tempDir();
  const cfg = tiny(dir, TINY.replace('epochs: 2', 'epochs: 100000').replace('samples: 32', 'samples: 400'));
  const runs = path.join(dir, 'runs');
  const child = spawn(process.execPath, [BIN, 'train', cfg, '--events', '--runs', runs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('"epoch_end"') && !child.killed) child.kill('SIGTERM');
    });
    child.on('close', (c) => resolve(c));
  });
  assert.equal(code, 143, stderr);
  assert.ok(!hasStackTrace(stderr));
  const left = existsSync(runs) ? readdirSync(runs, { recursive: true }).map(String).filter((p) => !p.includes('.partial') && p.endsWith('model.json')) : [];
  assert.deepEqual(left, [], 'no finished run folder');
});

test('colours only when wanted: FORCE_COLOR=1 colours errors, NO_COLOR wins, pipes get none', async () => {
  const dir = tempDir();
  const cfg = tiny(dir, TINY.replace('units: 8', 'units: x'));
  const [forced, none, plain] = await Promise.all([
    kerats(['validate', cfg], { env: { FORCE_COLOR: '1' } }),
    kerats(['validate', cfg], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } }),
    kerats(['validate', cfg]),
  ]);
  for (const r of [forced, none, plain]) assert.equal(r.code, 2);
  assert.ok(forced.stderr.includes('\u001b['), 'FORCE_COLOR colours');
  assert.ok(!none.stderr.includes('\u001b['), 'NO_COLOR wins');
  assert.ok(!plain.stderr.includes('\u001b['), 'no colour in a pipe');
});
