/**
 * Property-based fuzzing of the command line: thousands of mutated configs and CSVs (deleted,
 * duplicated and retyped keys, typos in names, odd numbers, truncated text; ragged rows, junk cells,
 * stray quotes, empty files) thrown at `validate`, `summary` and `train`. Properties, for every case:
 *   - the exit code is 0, 2 or 3 (never 1: every mutation is a user error, and user errors exit 2);
 *   - stderr never holds a stack trace, and an exit 2 says "error:";
 *   - with --json, stdout is one JSON document;
 *   - no half-written run folder (`.partial`) is left behind.
 * Most cases call the CLI's main() in-process (fast); a sample spawns the real binary.
 *
 * Bounded in time: KERATS_FUZZ_SECONDS (default 25) of in-process cases. The seed is printed;
 * KERATS_FUZZ_SEED=N replays a run. E.g. `KERATS_FUZZ_SECONDS=600 node --test dist/test/fuzz.test.js`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { Prng, randomSeed } from '../src/util/prng.js';
import { hasStackTrace, kerats, tempDir } from './helpers/cli.js';
import { runMain } from './helpers/main-in-process.js';

const SEED = process.env.KERATS_FUZZ_SEED ? Number(process.env.KERATS_FUZZ_SEED) : randomSeed();
const SECONDS = Number(process.env.KERATS_FUZZ_SECONDS ?? 25);
const SPAWNED = 2;

type J = null | boolean | number | string | J[] | { [k: string]: J };
type Obj = { [k: string]: J };

const CSV = 'a,b,c,label\n' + Array.from({ length: 12 }, (_, i) => `${(i % 5) / 2},${i % 3},${(i * 7) % 4},${['x', 'y', 'z'][i % 3]}`).join('\n') + '\n';

function bases(): Obj[] {
  const compile = (loss: string): Obj => ({ optimizer: { Adam: { learning_rate: 0.01 } }, loss, metrics: ['accuracy'] });
  return [
    {
      name: 'csv-mlp', seed: 1,
      data: { train: { csv: 'data.csv', label: 'label' }, validation_split: 0.25 },
      model: { input_shape: [3], layers: [{ Dense: { units: 4, activation: 'relu' } }, { Dropout: 0.1 }, { Dense: { units: 3, activation: 'softmax' } }] },
      compile: compile('sparse_categorical_crossentropy'),
      fit: { epochs: 1, batch_size: 4, callbacks: [{ EarlyStopping: { monitor: 'val_loss', patience: 1 } }] },
    },
    {
      name: 'syn-cnn', seed: 2,
      data: { train: { synthetic: { samples: 16, x_shape: [6, 6, 1], classes: 2, seed: 1 } } },
      model: { input_shape: [6, 6, 1], layers: [{ Conv2D: { filters: 2, kernel_size: 3, activation: 'relu' } }, { MaxPooling2D: { pool_size: 2 } }, 'Flatten', { Dense: { units: 2, activation: 'softmax' } }] },
      compile: compile('sparse_categorical_crossentropy'),
      fit: { epochs: 1, batch_size: 8 },
    },
    {
      name: 'syn-lstm', seed: 3,
      data: { train: { synthetic: { samples: 12, x_shape: [3, 2], classes: 2 } }, validation_split: 0.25 },
      model: { input_shape: [3, 2], layers: [{ LSTM: { units: 3 } }, { Dense: { units: 1, activation: 'sigmoid' } }] },
      compile: compile('binary_crossentropy'),
      fit: { epochs: 1, batch_size: 4 },
    },
    {
      name: 'syn-reg',
      data: { train: { synthetic: { samples: 10, x_shape: [2], y_shape: [1] } } },
      model: { layers: [{ Dense: { units: 2, input_shape: [2] } }, { Dense: 1 }] },
      compile: { optimizer: 'sgd', loss: 'mse' },
    },
  ];
}

const ODD_VALUES: J[] = [null, true, false, '', 'x', 'Dense', 0, -1, 1, 2, 0.5, 1e12, -1e-9, 100, [], {}, [1, 2], [0], { x: 1 }, 'nan', '1e12', 'adam', 'relu', '../../etc/passwd', '${UNSET_KERATS_VAR}', '__proto__', 'constructor'];
// Huge values (1e12) must be refused cleanly; mid-sized ones stay small enough to train in a blink.
const ODD_NUMBERS = [0, -1, 1, 2, 3, 0.5, 1e12, 2.5, 33, 1e-9, -0.5, 17];
const ODD_CELLS = ['', 'abc', 'NaN', '1e400', '"12', '"a,b"', '-', ' 3 ', 'Infinity', '0x10', '1,2', '"'];

interface Ref { parent: Obj | J[]; key: string | number }

/** Every place in the tree a value lives (for picking one at random). */
function refs(node: J, out: Ref[] = []): Ref[] {
  if (Array.isArray(node)) node.forEach((v, i) => { out.push({ parent: node, key: i }); refs(v, out); });
  else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) { out.push({ parent: node, key: k }); refs(v, out); }
  return out;
}

const pick = <T>(rng: Prng, a: readonly T[]): T => a[rng.int(a.length)] as T;

function typo(rng: Prng, s: string): string {
  if (s.length === 0) return 'x';
  const i = rng.int(s.length);
  switch (rng.int(4)) {
    case 0: return s.slice(0, i) + s.slice(i + 1);
    case 1: return s.slice(0, i) + String.fromCharCode(97 + rng.int(26)) + s.slice(i);
    case 2: return s.slice(0, i) + (s[i + 1] ?? '') + (s[i] ?? '') + s.slice(i + 2);
    default: return s.toUpperCase();
  }
}

function get(r: Ref): J {
  return Array.isArray(r.parent) ? (r.parent[r.key as number] as J) : (r.parent[r.key as string] as J);
}
function set(r: Ref, v: J): void {
  if (Array.isArray(r.parent)) r.parent[r.key as number] = v;
  else r.parent[r.key as string] = v;
}

/**
 * One of the odd values, as a fresh copy: a shared `[]` or `{}` inserted twice and later pushed
 * into would become part of itself (a circular tree) and corrupt ODD_VALUES for later cases.
 */
const oddValue = (rng: Prng): J => structuredClone(pick(rng, ODD_VALUES));

/** One structural mutation of the config tree; returns what it did. */
function mutateTree(rng: Prng, doc: Obj): string {
  const all = refs(doc);
  const r = pick(rng, all);
  const v = get(r);
  switch (rng.int(6)) {
    case 0:
      if (Array.isArray(r.parent)) r.parent.splice(r.key as number, 1);
      else delete r.parent[r.key as string];
      return `delete ${String(r.key)}`;
    case 1: {
      const odd = oddValue(rng);
      set(r, odd);
      return `retype ${String(r.key)}=${JSON.stringify(odd)}`;
    }
    case 2: {
      if (typeof v === 'string') { set(r, typo(rng, v)); return `typo value ${v}`; }
      if (!Array.isArray(r.parent) && typeof r.key === 'string') {
        const parent = r.parent;
        const nk = typo(rng, r.key);
        delete parent[r.key];
        parent[nk] = v;
        return `typo key ${r.key}->${nk}`;
      }
      return 'noop';
    }
    case 3: {
      const nums = all.filter((x) => typeof get(x) === 'number');
      if (nums.length === 0) return 'noop';
      const n = pick(rng, nums);
      const val = pick(rng, ODD_NUMBERS);
      set(n, val);
      return `number ${String(n.key)}=${val}`;
    }
    case 4:
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        v[pick(rng, ['unknown_key', 'unit', 'epochs', 'name', 'Dense', 'inputs'])] = oddValue(rng);
        return `add key under ${String(r.key)}`;
      }
      if (Array.isArray(v)) { v.push(oddValue(rng)); return `push into ${String(r.key)}`; }
      return 'noop';
    default:
      if (Array.isArray(v) && v.length > 0) { v.push(JSON.parse(JSON.stringify(v[0])) as J); return `duplicate item in ${String(r.key)}`; }
      return 'noop';
  }
}

/** Text-level damage: truncation, a duplicated line, a tab, a stray character. */
function mutateText(rng: Prng, text: string): string {
  switch (rng.int(5)) {
    case 0: return text.slice(0, rng.int(text.length + 1));
    case 1: {
      const lines = text.split('\n');
      const i = rng.int(lines.length);
      lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n');
    }
    case 2: {
      const i = rng.int(text.length + 1);
      return text.slice(0, i) + pick(rng, ['\t', '{', ']', ':', '"', '&a', '*a', '!!js/function "x"', '\u0000', '- ', '\n  ']) + text.slice(i);
    }
    case 3: return text.replace(/\n/g, '\r\n');
    default: return '\uFEFF' + text;
  }
}

function mutateCsv(rng: Prng, csv: string): string {
  const lines = csv.trimEnd().split('\n');
  const n = 1 + rng.int(3);
  for (let k = 0; k < n; k++) {
    const i = rng.int(lines.length);
    const cells = (lines[i] ?? '').split(',');
    switch (rng.int(7)) {
      case 0: cells.pop(); break;
      case 1: cells.push(pick(rng, ODD_CELLS)); break;
      case 2: cells[rng.int(cells.length)] = pick(rng, ODD_CELLS); break;
      case 3: return '';
      case 4: return lines[0] + '\n';
      case 5: lines.splice(i, 0, ''); break;
      default: cells[rng.int(cells.length)] = `"${cells[0] ?? ''}`; break;
    }
    lines[i] = cells.join(',');
  }
  return lines.join('\n') + (rng.int(2) ? '\n' : '');
}

interface Case {
  i: number;
  command: 'validate' | 'summary' | 'train';
  mutations: string[];
  text: string;
  args: string[];
}

function makeCase(rng: Prng, i: number, dir: string, runs: string): { c: Case; csv?: string } {
  const doc = JSON.parse(JSON.stringify(pick(rng, bases()))) as Obj;
  const mutations: string[] = [];
  const n = 1 + rng.int(3);
  for (let k = 0; k < n; k++) mutations.push(mutateTree(rng, doc));
  const asJson = rng.int(4) === 0;
  let text = asJson ? JSON.stringify(doc, null, 2) : stringify(doc);
  if (rng.int(5) === 0) { text = mutateText(rng, text); mutations.push('text'); }
  let csv: string | undefined;
  if (rng.int(3) === 0) { csv = mutateCsv(rng, CSV); mutations.push('csv'); }
  const file = path.join(dir, `case-${i}.${asJson ? 'json' : 'yaml'}`);
  writeFileSync(file, text);
  const r = rng.next();
  const command = r < 0.55 ? 'validate' : r < 0.75 ? 'summary' : 'train';
  const args = [command, file];
  if (command === 'train') args.push('--runs', runs, '--set', 'fit.epochs=1', '--quiet');
  if (rng.int(2) === 0) args.push('--json');
  args.push('--backend', 'cpu');
  return { c: { i, command, mutations, text, args }, csv };
}

function check(c: Case, r: { code: number | null; stdout: string; stderr: string }, runs: string): string | undefined {
  const where = () => `case ${c.i} (${c.command}; ${c.mutations.join(', ')}): exit ${r.code}\n--- stderr\n${r.stderr.slice(0, 1500)}\n--- config\n${c.text.slice(0, 1500)}`;
  if (r.code !== 0 && r.code !== 2 && r.code !== 3) return where();
  if (hasStackTrace(r.stderr) || r.stderr.includes('UNCAUGHT')) return `stack trace in ${where()}`;
  if (r.code === 2 && !r.stderr.includes('error:')) return `exit 2 without an error line: ${where()}`;
  if (c.args.includes('--json')) {
    try {
      JSON.parse(r.stdout);
    } catch {
      return `--json stdout is not one JSON document: ${JSON.stringify(r.stdout.slice(0, 300))} in ${where()}`;
    }
  }
  if (existsSync(runs)) {
    const partial = readdirSync(runs, { recursive: true }).map(String).filter((p) => p.includes('.partial'));
    if (partial.length > 0) return `half-written run folder ${partial[0] ?? ''} after ${where()}`;
  }
  return undefined;
}

test(`fuzz: mutated configs and CSVs never crash kerats (seed ${SEED}, ${SECONDS}s; replay with KERATS_FUZZ_SEED=${SEED})`, async (t) => {
  t.diagnostic(`fuzz seed ${SEED}; replay: KERATS_FUZZ_SEED=${SEED} KERATS_FUZZ_SECONDS=${SECONDS} node --test dist/test/fuzz.test.js`);
  const rng = new Prng(SEED);
  const dir = tempDir('kerats-fuzz-');
  const runs = path.join(dir, 'runs');
  const failures: string[] = [];
  const counts = { validate: 0, summary: 0, train: 0, exit0: 0, exit2: 0 };
  // Warm-up outside the time budget: the first call pays for loading tfjs and compiling the schema.
  writeFileSync(path.join(dir, 'warm.yaml'), stringify(bases()[3]));
  const warm = await runMain(['validate', path.join(dir, 'warm.yaml'), '--backend', 'cpu']);
  assert.equal(warm.code, 0, warm.stderr);
  const deadline = Date.now() + SECONDS * 1000;
  let i = 0;
  let slowest: { ms: number; what: string } | undefined;
  while (Date.now() < deadline && failures.length < 5) {
    const { c, csv } = makeCase(rng, i++, dir, runs);
    writeFileSync(path.join(dir, 'data.csv'), csv ?? CSV);
    const started = Date.now();
    const r = await runMain(c.args);
    const ms = Date.now() - started;
    if (ms > (slowest?.ms ?? 0)) slowest = { ms, what: `case ${c.i} (${c.command}; ${c.mutations.join(', ')})` };
    counts[c.command]++;
    if (r.code === 0) counts.exit0++;
    if (r.code === 2) counts.exit2++;
    const bad = check(c, r, runs);
    if (bad) failures.push(bad);
    // Each case starts with an empty runs folder, so a leftover is blamed on the case that left it.
    rmSync(runs, { recursive: true, force: true });
    rmSync(path.join(dir, `case-${c.i}.yaml`), { force: true });
    rmSync(path.join(dir, `case-${c.i}.json`), { force: true });
  }
  t.diagnostic(`${i} cases in-process: ${JSON.stringify(counts)}; slowest ${slowest?.ms ?? 0} ms: ${slowest?.what ?? ''}`);
  assert.ok(i >= 10, `only ${i} cases ran`);
  assert.ok(counts.exit0 > 0 && counts.exit2 > 0, `both valid and invalid configs were produced: ${JSON.stringify(counts)}`);

  // A sample through the real binary: start-up, stdout/stderr handling and exit codes of a real process.
  for (let k = 0; k < SPAWNED && failures.length === 0; k++) {
    const sdir = tempDir('kerats-fuzz-spawn-');
    const { c, csv } = makeCase(rng, i++, sdir, runs);
    writeFileSync(path.join(sdir, 'data.csv'), csv ?? CSV);
    const r = await kerats(c.args, { timeoutMs: 180_000 });
    const bad = check(c, r, runs);
    if (bad) failures.push(`(spawned) ${bad}`);
  }
  assert.deepEqual(failures, [], `KERATS_FUZZ_SEED=${SEED}\n${failures.join('\n\n')}`);
});
