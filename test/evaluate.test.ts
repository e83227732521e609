/** `kerats evaluate`: metrics of a run's model, JSON output, and quality gates that exit 3. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { ROOT, hasStackTrace, kerats, tempDir, writeIrisConfig } from './helpers/cli.js';

interface EvalJson {
  data: string;
  samples: number;
  metrics: { loss: number; accuracy: number };
  gates: { metric: string; op: string; value: number; actual: number; passed: boolean }[];
  passed: boolean;
}

describe('kerats evaluate', () => {
  const dir = tempDir();
  const run = path.join(dir, 'run');

  before(async () => {
    const file = writeIrisConfig(path.join(dir, 'iris.yaml'), { name: 'iris-eval', seed: 4, units: 8, learningRate: 0.02, epochs: 15, batchSize: 16 });
    const r = await kerats(['train', file, '--out', run, '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
  });

  it('--json parses, and the gates pass (exit 0) at a bar below the metrics and fail (exit 3) above them', async () => {
    const r = await kerats(['evaluate', run, '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const base = JSON.parse(r.stdout) as EvalJson;
    assert.equal(base.data, 'validation');
    assert.equal(base.samples, 30); // the last 20% of 150 rows
    assert.ok(base.metrics.accuracy > 0.5 && base.metrics.accuracy <= 1);
    assert.ok(base.metrics.loss > 0);

    const below = (base.metrics.accuracy - 0.05).toFixed(3);
    const pass = await kerats(['evaluate', run, '--json', '--fail-under', `accuracy=${below}`, '--fail-over', `loss=${(base.metrics.loss + 0.1).toFixed(3)}`], { cwd: dir });
    assert.equal(pass.code, 0, pass.stderr);
    const passed = JSON.parse(pass.stdout) as EvalJson;
    assert.equal(passed.passed, true);
    assert.deepEqual(passed.gates.map((g) => [g.metric, g.op, g.passed]), [['accuracy', '>=', true], ['loss', '<=', true]]);

    const fail = await kerats(['evaluate', run, '--fail-under', 'accuracy=1.01', '--data', path.join(ROOT, 'data', 'iris.csv')], { cwd: dir });
    assert.equal(fail.code, 3);
    assert.match(fail.stdout, /150 samples/);
    assert.match(fail.stdout, /^FAIL: accuracy \d\.\d{4} < required 1\.01$/m);
    assert.match(fail.stderr, /quality gate failed: accuracy \d\.\d{4} < required 1\.01/);
    const over = await kerats(['evaluate', run, '--fail-over', 'loss=0.0001', '--fail-under', 'accuracy=0.1'], { cwd: dir });
    assert.equal(over.code, 3);
    assert.match(over.stdout, /^FAIL: loss \d\.\d{4} > allowed 0\.0001$/m);
    assert.match(over.stdout, /^pass: accuracy \d\.\d{4} \(required >= 0\.1\)$/m);
    assert.ok(!hasStackTrace(fail.stderr));
  });

  it('a gate on a metric the run does not report is a usage error with a suggestion', async () => {
    const r = await kerats(['evaluate', run, '--fail-under', 'acuracy=0.9'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /quality gate "acuracy".*did you mean "accuracy"/);
    assert.ok(!hasStackTrace(r.stderr));
    const bad = await kerats(['evaluate', run, '--fail-under', 'accuracy'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /expected METRIC=VALUE/);
  });
});
