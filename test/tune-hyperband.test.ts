/** `kerats tune` with strategy: hyperband: KerasTuner's brackets and rounds, promotion, waves for scale-out. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { Resvg } from '@resvg/resvg-js';
import { hasStackTrace, kerats, tempDir, writeIrisConfig, type CliResult } from './helpers/cli.js';
import { bracketCount, roundEpochs, roundSize } from '../src/runtime/tune/hyperband.js';
import { k8sJob } from '../src/runtime/tune/emit.js';
import type { Plan } from '../src/runtime/tune/plan.js';

const why = (r: CliResult) => `exit ${r.code === null ? 'null (killed: the helper timed out)' : r.code}; stderr:\n${r.stderr}`;

function config(dir: string, tune: string): string {
  return writeIrisConfig(path.join(dir, 'hb.yaml'), { name: 'hb', seed: 5, units: 4, learningRate: 0.05, epochs: 1, batchSize: 32, extra: tune });
}

const SPACE = `  space:
    model.layers[0].Dense.units: [2, 4, 8, 16]
    compile.optimizer.Adam.learning_rate: {log_uniform: [0.001, 0.1]}
`;

test("hyperband: KerasTuner's bracket arithmetic (sizes and epochs per round)", () => {
  // Worked by hand from KerasTuner's HyperbandOracle: brackets = how often max_epochs divides by
  // factor while >= 1; size(b, r) = ceil(ceil(1 + log_f(max)) / (b + 1) * f^(b - r)); epochs = ceil(max / f^(b - r)).
  assert.equal(bracketCount(9, 3), 3);
  assert.deepEqual([0, 1, 2].map((r) => roundSize(9, 3, 2, r)), [9, 3, 1]);
  assert.deepEqual([0, 1].map((r) => roundSize(9, 3, 1, r)), [5, 2]);
  assert.deepEqual([roundSize(9, 3, 0, 0)], [3]);
  assert.deepEqual([0, 1, 2].map((r) => roundEpochs(9, 3, 2, r)), [1, 3, 9]);
  // R = 81, factor 3: five brackets; the most aggressive is 81 × 1 epoch down to 1 × 81.
  assert.equal(bracketCount(81, 3), 5);
  assert.deepEqual([0, 1, 2, 3, 4].map((r) => roundSize(81, 3, 4, r)), [81, 27, 9, 3, 1]);
  assert.deepEqual([0, 1, 2, 3].map((r) => roundSize(81, 3, 3, r)), [34, 12, 4, 2]);
  assert.deepEqual([0, 1, 2, 3].map((r) => roundEpochs(81, 3, 3, r)), [3, 9, 27, 81]);
  // Not a power of the factor: 10 epochs, factor 2 → 10, 5, 2.5, 1.25 → 4 brackets.
  assert.equal(bracketCount(10, 2), 4);
});

test('hyperband --plan: max_epochs 9, factor 3 plans 23 trials in 3 brackets and 3 waves; later rounds wait for earlier ones', async () => {
  const dir = tempDir();
  const file = config(dir, `tune:\n  metric: val_accuracy\n  strategy: hyperband\n  max_epochs: 9\n  factor: 3\n  cv: 2\n${SPACE}`);
  const out = path.join(dir, 'plan');
  const r = await kerats(['tune', file, '--plan', '-o', out, '--emit', 'github-matrix', '--json']);
  assert.equal(r.code, 0, why(r));
  const plan = JSON.parse(readFileSync(path.join(out, 'plan.json'), 'utf8')) as Plan;
  assert.equal(plan.trials.length, 9 + 3 + 1 + 5 + 2 + 3);
  // Per bracket: configurations and epochs of each round.
  const shape = (plan.hyperband?.brackets ?? []).map((b) => ({ bracket: b.bracket, sizes: b.rounds.map((x) => x.trials.length), epochs: b.rounds.map((x) => x.epochs) }));
  assert.deepEqual(shape, [
    { bracket: 2, sizes: [9, 3, 1], epochs: [1, 3, 9] },
    { bracket: 1, sizes: [5, 2], epochs: [3, 9] },
    { bracket: 0, sizes: [3], epochs: [9] },
  ]);
  assert.deepEqual(plan.hyperband?.waves, [{ start: 0, end: 17 }, { start: 17, end: 22 }, { start: 22, end: 23 }]);
  // Round 0: 17 distinct seeded samples, each fold config trains its bracket's epochs.
  const first = plan.trials.slice(0, 17);
  assert.equal(new Set(first.map((t) => JSON.stringify(t.params))).size, 17);
  for (const t of first) {
    for (const f of t.configs) {
      const doc = parse(readFileSync(path.join(out, f), 'utf8')) as { fit: { epochs: number } };
      assert.equal(doc.fit.epochs, t.hyperband?.epochs, f);
    }
    const lr = t.params['compile.optimizer.Adam.learning_rate'] as number;
    assert.ok(lr >= 0.001 && lr <= 0.1);
  }
  // Later rounds are decided from results: nothing written for them yet.
  assert.ok(!existsSync(path.join(out, 'trial-017', 'fold-0.yaml')));
  // One CI matrix per wave, covering every trial once.
  const matrices = [0, 1, 2].map((w) => (JSON.parse(readFileSync(path.join(out, `matrix-wave-${w}.json`), 'utf8')) as { include: { trial: number }[] }).include.map((e) => e.trial));
  assert.deepEqual(matrices.flat(), plan.trials.map((t) => t.index));
  assert.deepEqual(matrices.map((m) => m.length), [17, 5, 1]);
  // A Kubernetes Job per wave: a later wave offsets the completion index by its first trial.
  const job = k8sJob(plan, { image: 'node:20', parallelism: 4, mountPath: out, claim: 'c' }, 1) as { metadata: { name: string }; spec: { completions: number; template: { spec: { containers: { command: string[] }[] } } } };
  assert.equal(job.spec.completions, 5);
  assert.match(job.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  assert.match(job.spec.template.spec.containers[0]!.command.join(' '), /--trial "\$\(\(JOB_COMPLETION_INDEX \+ 17\)\)" /);
  // A second-round trial before its first round ran: an honest error, exit 2.
  const early = await kerats(['tune', '--trial', '17', out]);
  assert.equal(early.code, 2, why(early));
  assert.match(early.stderr, /--trial 17: hyperband decides this trial \(bracket 2, round 1\) from the results of round 0, and trial\(s\) 0, 1, 2, 3, 4, 5, 6, 7, 8 have none yet/);
  assert.ok(!hasStackTrace(early.stderr), why(early));
  // Seeded: planning again gives the same trials.
  const again = path.join(dir, 'again');
  assert.equal((await kerats(['tune', file, '--plan', '-o', again])).code, 0);
  const plan2 = JSON.parse(readFileSync(path.join(again, 'plan.json'), 'utf8')) as Plan;
  assert.deepEqual(plan2.trials.map((t) => t.params), plan.trials.map((t) => t.params));
  rmSync(dir, { recursive: true, force: true });
});

interface Row { trial: number; rank?: number; params: Record<string, unknown>; mean?: number; bracket: number; round: number; epochs: number; parent?: number; status: string }

test('hyperband run: round 1 trains the best round-0 configuration longer (the same training, continued); ranked; --trial/--collect agree', async () => {
  // max_epochs 3, factor 3: bracket 1 = 3 configurations × 1 epoch, then the best × 3 epochs;
  // bracket 0 = 2 configurations × 3 epochs. Six trials, kept small for a 2-core machine.
  const dir = tempDir();
  const file = config(dir, `tune:\n  metric: val_accuracy\n  strategy: hyperband\n  max_epochs: 3\n  factor: 3\n${SPACE}`);
  const out = path.join(dir, 'search');
  const r = await kerats(['tune', file, '-o', out, '--workers', '2', '--json']);
  assert.equal(r.code, 0, why(r));
  const s = JSON.parse(r.stdout) as { trials: Row[]; best: Row; complete: number; total: number };
  assert.equal(s.total, 6);
  assert.equal(s.complete, 6);
  const byIndex = new Map(s.trials.map((t) => [t.trial, t]));
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((k) => [byIndex.get(k)?.bracket, byIndex.get(k)?.round, byIndex.get(k)?.epochs]), [[1, 0, 1], [1, 0, 1], [1, 0, 1], [0, 0, 3], [0, 0, 3], [1, 1, 3]]);
  // Trial 5's parent is the best of trials 0-2 by val_accuracy (ties: the earlier trial).
  const round0 = [0, 1, 2].map((k) => byIndex.get(k)!).sort((a, b) => b.mean! - a.mean! || a.trial - b.trial);
  const promoted = byIndex.get(5)!;
  assert.equal(promoted.parent, round0[0]!.trial);
  assert.deepEqual(promoted.params, round0[0]!.params);
  // Retrained with the same seed, its first epoch is exactly the parent's: the parent's training, continued.
  const history = (k: number) => (JSON.parse(readFileSync(path.join(out, `trial-00${k}`, 'run.result.json'), 'utf8')) as { result: { history: Record<string, number[]> } }).result.history;
  assert.equal(history(5).loss?.length, 3);
  assert.equal(history(5).loss?.[0], history(promoted.parent!).loss?.[0]);
  assert.equal(history(5).val_accuracy?.[0], history(promoted.parent!).val_accuracy?.[0]);
  // Ranked by score over all trials; best.yaml trains the winner's epochs.
  const means = s.trials.map((t) => t.mean!);
  assert.deepEqual(means, [...means].sort((a, b) => b - a));
  assert.deepEqual(s.trials.map((t) => t.rank), [1, 2, 3, 4, 5, 6]);
  const best = parse(readFileSync(path.join(out, 'best.yaml'), 'utf8')) as { fit: { epochs: number } };
  assert.equal(best.fit.epochs, s.best.epochs);
  const svg = readFileSync(path.join(out, 'scores.svg'), 'utf8');
  for (const name of ['model.layers[0].Dense.units', 'compile.optimizer.Adam.learning_rate', 'epochs']) assert.ok(svg.includes(name), name);
  assert.ok(new Resvg(svg).render().width > 0);
  // Forget trial 5 (result and decision): --trial decides it again, the same way, and --collect gives the same table.
  unlinkSync(path.join(out, 'trial-005', 'run.result.json'));
  unlinkSync(path.join(out, 'trial-005', 'trial.json'));
  const one = await kerats(['tune', '--trial', '5', out, '--json']);
  assert.equal(one.code, 0, why(one));
  assert.deepEqual((JSON.parse(one.stdout) as { params: unknown }).params, promoted.params);
  const c = await kerats(['tune', '--collect', out, '--json']);
  assert.equal(c.code, 0, why(c));
  const strip = (rows: Row[]) => rows.map((t) => ({ trial: t.trial, rank: t.rank, mean: t.mean, parent: t.parent }));
  assert.deepEqual(strip((JSON.parse(c.stdout) as { trials: Row[] }).trials), strip(s.trials));
  rmSync(dir, { recursive: true, force: true });
});

test('hyperband: settings of another strategy and fit.epochs in the space are errors at their line', async () => {
  const dir = tempDir();
  const cases: [string, RegExp, number][] = [
    [`tune:\n  strategy: hyperband\n  space:\n    fit.epochs: [1, 2]\n`, /hb\.yaml:21:5: (?:error: )?tune\.space "fit\.epochs": hyperband chooses each trial's epochs/, 2],
    [`tune:\n  strategy: grid\n  max_epochs: 9\n  space:\n    fit.batch_size: [8]\n`, /hb\.yaml:20:3: (?:error: )?tune\.max_epochs applies to strategy: hyperband/, 2],
  ];
  for (const [tune, want, code] of cases) {
    const r = await kerats(['tune', config(dir, tune), '-o', path.join(dir, 'never')]);
    assert.equal(r.code, code, why(r));
    assert.match(r.stderr, want, why(r));
    assert.ok(!hasStackTrace(r.stderr), why(r));
  }
  rmSync(dir, { recursive: true, force: true });
});
