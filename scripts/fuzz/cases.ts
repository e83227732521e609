/**
 * The fuzz cases (`npm run fuzz`, and the short fixed-seed slice in test/fuzz.test.ts): mutated
 * configs (deleted, duplicated and retyped keys, typos in names, odd numbers, truncated text),
 * mutated CSVs (ragged rows, junk cells, stray quotes, empty files) and the hostile files that once
 * hung or aborted kerats (nesting 1,000 and 100,000 deep, /dev/zero, a file past the size limit, an
 * alias bomb, a FIFO). A case is plain data (files to write, arguments, expected exit codes), so a
 * failing one can be saved as a fixture (test/fixtures/fuzz/) and replayed as it was.
 */
import { existsSync, readdirSync } from 'node:fs';
import { stringify } from 'yaml';
import { Prng } from '../../src/util/prng.js';
import { hasStackTrace } from '../../test/helpers/cli.js';

export type J = null | boolean | number | string | J[] | { [k: string]: J };
type Obj = { [k: string]: J };

export const CSV = 'a,b,c,label\n' + Array.from({ length: 12 }, (_, i) => `${(i % 5) / 2},${i % 3},${(i * 7) % 4},${['x', 'y', 'z'][i % 3]}`).join('\n') + '\n';

export function bases(): Obj[] {
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
export function mutateTree(rng: Prng, doc: Obj): string {
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
export function mutateText(rng: Prng, text: string): string {
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

export function mutateCsv(rng: Prng, csv: string): string {
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

/** A file a case writes: text, a sparse file of a size (a huge file, no disk used), or a FIFO. */
export type CaseFile = string | { sparse: number } | { fifo: true };

/**
 * One case, as plain JSON: the files it writes into its own folder and the CLI arguments, where
 * `{dir}` stands for that folder and `{run}` for a finished run folder (for `predict`).
 */
export interface FuzzCase {
  kind: 'config' | 'csv' | 'hostile';
  /** What was done to the input (for the report). */
  label: string;
  files: Record<string, CaseFile>;
  args: string[];
  /** Hostile cases must answer with a located error (file:line:col or the file named). */
  expectError?: RegExp | string;
}

/** A mutated config through `validate`, `summary` or `train` (the CSV sometimes mutated too). */
export function configCase(rng: Prng): FuzzCase {
  const doc = JSON.parse(JSON.stringify(pick(rng, bases()))) as Obj;
  const mutations: string[] = [];
  const n = 1 + rng.int(3);
  for (let k = 0; k < n; k++) mutations.push(mutateTree(rng, doc));
  const asJson = rng.int(4) === 0;
  let text = asJson ? JSON.stringify(doc, null, 2) : stringify(doc);
  if (rng.int(5) === 0) { text = mutateText(rng, text); mutations.push('text'); }
  let csv = CSV;
  if (rng.int(3) === 0) { csv = mutateCsv(rng, CSV); mutations.push('csv'); }
  const name = `config.${asJson ? 'json' : 'yaml'}`;
  const r = rng.next();
  const command = r < 0.55 ? 'validate' : r < 0.75 ? 'summary' : 'train';
  const args = [command, `{dir}/${name}`];
  if (command === 'train') args.push('--runs', '{dir}/runs', '--set', 'fit.epochs=1', '--quiet');
  if (rng.int(2) === 0) args.push('--json');
  args.push('--backend', 'cpu');
  return { kind: 'config', label: `${command}: ${mutations.join(', ')}`, files: { [name]: text, 'data.csv': csv }, args };
}

/** A valid config over a mutated CSV, through `train`, or the CSV alone through `predict`. */
export function csvCase(rng: Prng): FuzzCase {
  const csv = mutateCsv(rng, CSV);
  if (rng.int(2) === 0) {
    return { kind: 'csv', label: 'predict', files: { 'data.csv': csv }, args: ['predict', '{run}', '{dir}/data.csv', '--backend', 'cpu'] };
  }
  const base = bases()[0] as Obj;
  return {
    kind: 'csv',
    label: 'train',
    files: { 'config.yaml': stringify(base), 'data.csv': csv },
    args: ['train', '{dir}/config.yaml', '--runs', '{dir}/runs', '--set', 'fit.epochs=1', '--quiet', '--backend', 'cpu', ...(rng.int(2) ? ['--json'] : [])],
  };
}

const nestedList = (n: number): string => '['.repeat(n) + '1' + ']'.repeat(n);

/** The hostile files of issue #18: each must answer quickly with a located exit-2 error. */
export function hostileCases(): FuzzCase[] {
  let bomb = 'a: &a [x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i < 10; i++) bomb += `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]\n`;
  const deepJson = (n: number) => `{"model": {"layers": ${nestedList(n)}}}`;
  const deep = /config\.\w+:\d+:\d+: error: lists and maps are nested more than \d+ levels/;
  return [
    { kind: 'hostile', label: 'JSON nested 1,000 deep', files: { 'config.json': deepJson(1_000) }, args: ['validate', '{dir}/config.json'], expectError: deep },
    { kind: 'hostile', label: 'JSON nested 100,000 deep', files: { 'config.json': deepJson(100_000) }, args: ['summary', '{dir}/config.json'], expectError: deep },
    { kind: 'hostile', label: 'YAML list nested 100,000 deep', files: { 'config.yaml': `model:\n  layers:\n${'- '.repeat(100_000)}x\n` }, args: ['validate', '{dir}/config.yaml'], expectError: deep },
    { kind: 'hostile', label: 'YAML map nested 100,000 deep', files: { 'config.yaml': `model: ${'{a: '.repeat(100_000)}1${'}'.repeat(100_000)}\n` }, args: ['summary', '{dir}/config.yaml'], expectError: deep },
    { kind: 'hostile', label: 'extends: /dev/zero', files: { 'config.yaml': 'extends: /dev/zero\n' }, args: ['validate', '{dir}/config.yaml'], expectError: /config\.yaml:1:10: error: cannot read base config "\/dev\/zero".*a device/ },
    { kind: 'hostile', label: 'config /dev/zero', files: {}, args: ['validate', '/dev/zero'], expectError: /cannot read config "\/dev\/zero": it is a device/ },
    { kind: 'hostile', label: 'extends: a FIFO', files: { 'config.yaml': 'extends: pipe\n', pipe: { fifo: true } }, args: ['validate', '{dir}/config.yaml'], expectError: /config\.yaml:1:10: error: cannot read base config "pipe".*a pipe/ },
    { kind: 'hostile', label: 'a 17 MB config', files: { 'config.yaml': { sparse: 17 * 1024 * 1024 } }, args: ['validate', '{dir}/config.yaml'], expectError: /config\.yaml": it is larger than 16 MiB/ },
    { kind: 'hostile', label: 'extends: a 17 MB base', files: { 'config.yaml': 'extends: huge.yaml\n', 'huge.yaml': { sparse: 17 * 1024 * 1024 } }, args: ['validate', '{dir}/config.yaml'], expectError: /config\.yaml:1:10: error: cannot read base config "huge\.yaml".*larger than 16 MiB/ },
    { kind: 'hostile', label: 'YAML alias bomb', files: { 'config.yaml': bomb }, args: ['validate', '{dir}/config.yaml'], expectError: /config\.yaml:2:8: error: the config expands YAML aliases more than \d+ times/ },
    { kind: 'hostile', label: 'a Keras JSON nested 1,000 deep', files: { 'keras.json': `{"class_name": "Sequential", "config": ${deepJson(1_000)}}` }, args: ['summary', '{dir}/keras.json'], expectError: deep.source.replace('config\\.\\w+', 'keras\\.json') },
  ];
}

/** What the CLI did with one case. */
export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The properties every case must have; the failure in words, or undefined. */
export function check(c: FuzzCase, r: Outcome, runsDir: string): string | undefined {
  const where = () => `${c.kind} case (${c.label}): exit ${r.code}\n--- stderr\n${r.stderr.slice(0, 1500)}`;
  if (r.code !== 0 && r.code !== 2) return `unexpected exit code in ${where()}`;
  if (hasStackTrace(r.stderr) || r.stderr.includes('UNCAUGHT')) return `stack trace in ${where()}`;
  if (/Aborted\(|this looks like a bug/.test(r.stderr)) return `abort or internal error in ${where()}`;
  if (r.code === 2 && !r.stderr.includes('error:')) return `exit 2 without an error line: ${where()}`;
  if (c.expectError !== undefined) {
    const re = typeof c.expectError === 'string' ? new RegExp(c.expectError) : c.expectError;
    if (r.code !== 2 || !re.test(r.stderr)) return `expected a located error ${re.source} in ${where()}`;
    if (r.ms > 2000) return `answered in ${r.ms} ms (more than 2 s) in ${where()}`;
  }
  if (c.args.includes('--json')) {
    try {
      JSON.parse(r.stdout);
    } catch {
      return `--json stdout is not one JSON document: ${JSON.stringify(r.stdout.slice(0, 300))} in ${where()}`;
    }
  }
  if (existsSync(runsDir)) {
    const partial = readdirSync(runsDir, { recursive: true }).map(String).filter((p) => p.includes('.partial'));
    if (partial.length > 0) return `half-written run folder ${partial[0] ?? ''} after ${where()}`;
  }
  return undefined;
}

/** The case's arguments with `{dir}` and `{run}` filled in. */
export function argsFor(c: FuzzCase, dir: string, run: string): string[] {
  return c.args.map((a) => a.replace(/\{dir\}/g, dir).replace(/\{run\}/g, run));
}

