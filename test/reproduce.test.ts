/** Reproducibility: the same config and seed give byte-identical weights; `kerats reproduce` confirms it. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { kerats, tempDir, writeIrisConfig } from './helpers/cli.js';

describe('kerats reproduce', () => {
  it('re-runs a run and finds identical weights and history; the manifest records the seed drawn for a seedless config', async () => {
    const dir = tempDir();
    // No seed: the run draws one and records it.
    const file = writeIrisConfig(path.join(dir, 'c.yaml'), { name: 'repro', units: 6, learningRate: 0.01, epochs: 3, batchSize: 16 });
    const run = path.join(dir, 'first');
    const r = await kerats(['train', file, '--out', run, '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const manifest = JSON.parse(readFileSync(path.join(run, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(typeof manifest.seed, 'number');
    assert.equal(manifest.seed_from_config, false);
    assert.match(String(manifest.config_sha256), /^[0-9a-f]{64}$/);
    assert.match(String(manifest.data_sha256), /^[0-9a-f]{64}$/);
    assert.equal(manifest.tfjs, '4.22.0');
    assert.ok(Array.isArray(manifest.command));

    const again = path.join(dir, 'second');
    const p = await kerats(['reproduce', run, '--out', again, '--json'], { cwd: dir });
    assert.equal(p.code, 0, p.stderr);
    const result = JSON.parse(p.stdout) as { identical: boolean; weights_identical: boolean; history_identical: boolean; seed: number };
    assert.equal(result.seed, manifest.seed);
    assert.equal(result.identical, true);
    // Byte-identical weights files, checked here independently of the command.
    assert.ok(readFileSync(path.join(run, 'weights.bin')).equals(readFileSync(path.join(again, 'weights.bin'))));
    assert.deepEqual(JSON.parse(readFileSync(path.join(again, 'history.json'), 'utf8')), JSON.parse(readFileSync(path.join(run, 'history.json'), 'utf8')));
  });
});
