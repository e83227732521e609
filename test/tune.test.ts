/** `kerats tune`: grid search with stratified k-fold CV in parallel processes, resume, plan/trial/collect, bad spaces. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { Resvg } from '@resvg/resvg-js';
import { hasStackTrace, kerats, tempDir, writeIrisConfig, type CliResult } from './helpers/cli.js';
import { createPlan } from '../src/runtime/tune/plan.js';
import { ConfigError } from '../src/util/errors.js';


/** The tiny Iris config with a `tune:` section from line 18 (the error-location tests count on it). */
function config(dir: string, tune: string, name = 'tiny.yaml'): string {
  return writeIrisConfig(path.join(dir, name), { name: 'tiny', seed: 3, units: 4, learningRate: 0.05, epochs: 1, batchSize: 32, extra: tune });
}

const GRID = `tune:
  metric: val_accuracy
  cv: 2
  space:
    model.layers[0].Dense.units: [2, 8]
`;

interface TrialRow { trial: number; rank?: number; params: Record<string, unknown>; status: string; scores: number[]; mean?: number; std?: number; seconds: number }
interface Summary { metric: string; mode: string; trials: TrialRow[]; best?: TrialRow; complete: number; total: number; trial_seconds: number; wall_seconds?: number; run_seconds?: number }

test('tune: a 2-trial grid with 2-fold CV runs in 2 workers, ranks by mean fold accuracy, and best.yaml trains', async () => {
  const dir = tempDir();
  const out = path.join(dir, 'search');
  const r = await kerats(['tune', config(dir, GRID), '--workers', '2', '-o', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  assert.equal(s.mode, 'max'); // inferred from val_accuracy
  assert.equal(s.complete, 2);
  for (const t of s.trials) {
    assert.equal(t.scores.length, 2);
    const mean = (t.scores[0]! + t.scores[1]!) / 2;
    assert.ok(Math.abs(t.mean! - mean) < 1e-9);
    assert.ok(t.seconds > 0);
  }
  assert.ok(s.trials[0]!.mean! >= s.trials[1]!.mean!, 'ranked best first');
  assert.deepEqual(s.best?.params, s.trials[0]!.params);
  // Two processes at once: the wall time is below the sum of the 4 training runs.
  assert.ok(s.wall_seconds! < s.trial_seconds, `wall ${s.wall_seconds} vs trials ${s.trial_seconds}`);
  assert.ok(Math.abs(s.run_seconds! - s.trial_seconds) < 0.01); // a fresh search ran every training run
  // Progress: one line per finished trial on stderr.
  assert.match(r.stderr, /\[1\/2\] trial \d/);
  assert.match(r.stderr, /\[2\/2\] trial \d/);

  // Folds are stratified: each validation fold holds 25 of each of the 3 species (150 rows, 50 each).
  for (const k of [0, 1]) {
    const rows = readFileSync(path.join(out, 'folds', `fold-${k}-validation.csv`), 'utf8').trim().split('\n').slice(1);
    assert.equal(rows.length, 75);
    const counts = new Map<string, number>();
    for (const row of rows) counts.set(row.split(',')[4]!, (counts.get(row.split(',')[4]!) ?? 0) + 1);
    assert.deepEqual([...counts.values()], [25, 25, 25]);
  }
  // scores.svg: one panel per searched parameter, a well-formed SVG that resvg renders.
  const svg = readFileSync(path.join(out, 'scores.svg'), 'utf8');
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(svg.includes('model.layers[0].Dense.units'), 'the parameter names its panel');
  assert.ok(new Resvg(svg).render().width > 0);
  const csv = readFileSync(path.join(out, 'trials.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'rank,trial,model.layers[0].Dense.units,fold_0,fold_1,mean,std,seconds,status');
  assert.equal(csv.length, 3);
  // best.yaml: the winner's units, no tune section, the original data split; `kerats train` accepts it.
  const best = parse(readFileSync(path.join(out, 'best.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
  assert.equal(best.tune, undefined);
  assert.equal(best.data?.validation_split, 0.2);
  const layers = best.model?.layers as { Dense: { units: number } }[];
  assert.equal(layers[0]?.Dense.units, s.best?.params['model.layers[0].Dense.units']);
  const t = await kerats(['train', path.join(out, 'best.yaml'), '--set', 'fit.epochs=1', '--out', path.join(dir, 'best-run'), '--quiet']);
  assert.equal(t.code, 0, t.stderr);
  assert.ok(existsSync(path.join(dir, 'best-run', 'model.json')));

  // Plan by hand, run trial 0 alone (twice: the second is skipped), then resume runs only trial 1;
  // the collected table matches the local run (same seeds, same folds, same scores).
  const planned = path.join(dir, 'planned');
  const p = await kerats(['tune', config(dir, GRID), '--plan', '-o', planned, '--emit', 'github-matrix', '--json']);
  assert.equal(p.code, 0, p.stderr);
  assert.deepEqual(JSON.parse(readFileSync(path.join(planned, 'matrix.json'), 'utf8')), { include: [{ trial: 0 }, { trial: 1 }] });
  assert.equal((await kerats(['tune', '--trial', '0', planned])).code, 0);
  const firstResult = path.join(planned, 'trial-000', 'fold-0.result.json');
  const mtime = statSync(firstResult).mtimeMs;
  const again = await kerats(['tune', '--trial', '0', planned]);
  assert.match(again.stdout, /already complete, skipped/);
  const resumed = await kerats(['tune', '--resume', planned, '--json']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(statSync(firstResult).mtimeMs, mtime, 'trial 0 was not re-run');
  assert.doesNotMatch(resumed.stderr, /trial 0:/);
  assert.match(resumed.stderr, /trial 1:/);
  const collected = JSON.parse((await kerats(['tune', '--collect', planned, '--json'])).stdout) as Summary;
  const strip = (x: Summary) => x.trials.map((row) => ({ trial: row.trial, rank: row.rank, scores: row.scores }));
  assert.deepEqual(strip(collected), strip(s));
  rmSync(dir, { recursive: true, force: true });
});

test('tune --plan --emit k8s writes an Indexed Job with the fields the Job schema requires', async () => {
  const dir = tempDir();
  const out = path.join(dir, 'plan');
  const r = await kerats(['tune', config(dir, GRID.replace('[2, 8]', '[2, 4, 8]')), '--plan', '-o', out, '--emit', 'k8s', '--parallelism', '2', '--image', 'ghcr.io/x/kerats:1']);
  assert.equal(r.code, 0, r.stderr);
  const job = parse(readFileSync(path.join(out, 'job.yaml'), 'utf8')) as {
    apiVersion: string; kind: string; metadata: { name: string };
    spec: { completionMode: string; completions: number; parallelism: number; template: { spec: { restartPolicy: string; containers: { name: string; image: string; command: string[]; volumeMounts: { name: string; mountPath: string }[] }[]; volumes: { name: string }[] } } };
  };
  assert.equal(job.apiVersion, 'batch/v1');
  assert.equal(job.kind, 'Job');
  assert.match(job.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/); // a DNS-1123 label
  assert.equal(job.spec.completionMode, 'Indexed');
  assert.equal(job.spec.completions, 3);
  assert.equal(job.spec.parallelism, 2);
  const pod = job.spec.template.spec;
  assert.ok(['Never', 'OnFailure'].includes(pod.restartPolicy));
  const c = pod.containers[0]!;
  assert.ok(c.name.length > 0);
  assert.equal(c.image, 'ghcr.io/x/kerats:1');
  assert.match(c.command.join(' '), /kerats tune --trial "\$JOB_COMPLETION_INDEX" /);
  assert.equal(c.volumeMounts[0]?.mountPath, out);
  assert.equal(pod.volumes[0]?.name, c.volumeMounts[0]?.name);
  // Nothing trained: the plan holds configs only.
  assert.equal(readdirSync(path.join(out, 'trial-000')).filter((f) => f.endsWith('.result.json')).length, 0);
  rmSync(dir, { recursive: true, force: true });
});

/** Why a CLI run did not exit as expected: the exit code (null: killed by the helper's timeout) and its stderr. */
const why = (r: CliResult) => `exit ${r.code === null ? 'null (killed: the helper timed out)' : r.code}; stderr:\n${r.stderr}`;

test('tune: bad space entries are reported once per entry at their line with exit 2 before any trial runs', async () => {
  // In process: the checks are createPlan's, and each spawned CLI would pay a full start-up (seconds
  // under load) and be exposed to whatever else the machine does. One CLI run checks the exit code.
  const dir = tempDir();
  const cases: [string, RegExp][] = [
    // A path that does not exist fails for every value: reported once for the entry, no value.
    ['    model.layers[0].Dense.unitz: [2, 4]', /^tune\.space "model\.layers\[0\]\.Dense\.unitz": .*unitz.*did you mean "units"/],
    // A wrong value is reported with that value; the good value 2 is not.
    ['    fit.epochs: [2, many]', /^tune\.space "fit\.epochs" = "many": .*epochs.*integer/],
    ['    model.layers[7].Dense.units: [2]', /^tune\.space "model\.layers\[7\]\.Dense\.units": .*out of range/],
    ['    model.layers[0].Dense.units: {int_uniform: [2, 8]}', /needs strategy: random/],
  ];
  for (const [entry, want] of cases) {
    const out = path.join(dir, 'never');
    const file = config(dir, `tune:\n  cv: 2\n  space:\n${entry}\n`);
    const err = await createPlan(file, { out }).then(
      () => assert.fail(`no error for ${entry}`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.problems.length, 1, err.problems.map((p) => p.message).join('\n'));
    const p = err.problems[0]!;
    assert.match(p.message, want);
    assert.equal(p.loc?.line, 21, "the space entry's line"); // line 21 of the generated file
    assert.equal(p.loc?.col, 5);
    assert.ok(!existsSync(out), 'no search folder before the space is valid');
  }
  // Through the CLI: located, exit 2, no stack trace, nothing written.
  const out = path.join(dir, 'never');
  const r = await kerats(['tune', config(dir, `tune:\n  cv: 2\n  space:\n${cases[0]![0]}\n    fit.epochs: [2, many]\n`), '-o', out]);
  assert.equal(r.code, 2, why(r));
  assert.match(r.stderr, /tiny\.yaml:21:5: (?:error: )?tune\.space "model\.layers\[0\]\.Dense\.unitz": /, why(r));
  assert.equal(r.stderr.match(/unitz/g)?.length, 2, `the entry once (its path and the "did you mean"): ${why(r)}`);
  assert.match(r.stderr, /tiny\.yaml:22:5: (?:error: )?tune\.space "fit\.epochs" = "many"/, why(r));
  assert.ok(!hasStackTrace(r.stderr), why(r));
  assert.ok(!existsSync(out));
  // The tune: section does not bother `kerats train`.
  const v = await kerats(['validate', config(dir, GRID)]);
  assert.equal(v.code, 0, why(v));
  rmSync(dir, { recursive: true, force: true });
});

test('tune --set overrides the base config before the space; a --set on a searched path is an error naming both', async () => {
  const dir = tempDir();
  const file = config(dir, GRID.replace('  space:', '  space:\n    compile.optimizer.Adam.learning_rate: [0.01]'));
  // Applied to every trial (and fold) config; --plan trains nothing.
  const planned = path.join(dir, 'planned');
  const p = await kerats(['tune', file, '--set', 'fit.batch_size=16', '--set', 'model.layers[0].Dense.activation=tanh', '--plan', '-o', planned, '--json']);
  assert.equal(p.code, 0, why(p));
  for (const f of ['trial-000/config.yaml', 'trial-001/fold-1.yaml']) {
    const doc = parse(readFileSync(path.join(planned, f), 'utf8')) as { fit: { batch_size: number }; model: { layers: { Dense: { activation: string } }[] } };
    assert.equal(doc.fit.batch_size, 16);
    assert.equal(doc.model.layers[0]?.Dense.activation, 'tanh');
  }
  // The same path, and a path inside a searched one (or around it), collide.
  for (const set of ['model.layers[0].Dense.units=8', 'compile.optimizer=sgd']) {
    const r = await kerats(['tune', file, '--set', set, '-o', path.join(dir, 'never')]);
    assert.equal(r.code, 2, why(r));
    const key = set.startsWith('model') ? 'model.layers[0].Dense.units' : 'compile.optimizer.Adam.learning_rate';
    assert.ok(r.stderr.includes(`--set ${set} collides with tune.space "${key}"`), why(r));
    // At the space entry: the learning rate is listed first (line 22), the units second (line 23).
    assert.ok(r.stderr.includes(`tiny.yaml:${key === 'model.layers[0].Dense.units' ? 23 : 22}:5: `), why(r));
    assert.ok(!hasStackTrace(r.stderr), why(r));
    assert.ok(!existsSync(path.join(dir, 'never')));
  }
  // A search folder's configs are fixed: --set does not apply to --collect.
  const c = await kerats(['tune', '--collect', planned, '--set', 'fit.epochs=2']);
  assert.equal(c.code, 2, why(c));
  assert.match(c.stderr, /--set applies when a search is planned/);
  assert.ok(!hasStackTrace(c.stderr), why(c));
  rmSync(dir, { recursive: true, force: true });
});

test('tune: random search draws `trials` seeded samples inside the ranges; the same seed gives the same trials', async () => {
  const { trialsOf, inferMode } = await import('../src/runtime/tune/space.js');
  const spec = {
    metric: 'val_loss', mode: 'min' as const, strategy: 'random' as const, trials: 20, seed: 11,
    space: { 'compile.optimizer.Adam.learning_rate': { log_uniform: [1e-4, 1e-2] as [number, number] }, 'fit.batch_size': { int_uniform: [8, 12] as [number, number] }, 'model.layers[0].Dense.activation': ['relu', 'tanh'] },
  };
  const a = trialsOf(spec);
  assert.equal(a.length, 20);
  assert.deepEqual(trialsOf(spec), a);
  assert.notDeepEqual(trialsOf({ ...spec, seed: 12 }), a);
  const lrs = a.map((t) => t.params['compile.optimizer.Adam.learning_rate'] as number);
  assert.ok(lrs.every((x) => x >= 1e-4 && x <= 1e-2));
  // Log-uniform: about half the samples fall below the geometric midpoint 1e-3.
  const below = lrs.filter((x) => x < 1e-3).length;
  assert.ok(below >= 5 && below <= 15, `${below} of 20 below 1e-3`);
  const bs = new Set(a.map((t) => t.params['fit.batch_size']));
  assert.ok([...bs].every((b) => Number.isInteger(b) && (b as number) >= 8 && (b as number) <= 12));
  assert.ok(bs.size >= 3);
  assert.equal(inferMode('val_accuracy'), 'max');
  assert.equal(inferMode('val_loss'), 'min');
  assert.equal(inferMode('mae'), 'min');
});
