/**
 * A run folder's config.json (the config with every default written out, `config.resolved`) is
 * itself a valid kerats config that rebuilds the same model: re-training from a run, `kerats tune`
 * and `kerats reproduce` read it back. Checked for every config shipped in configs/, without
 * training. (Embedding's Keras default `embeddings_initializer: uniform` once made every Embedding
 * run's config.json fail validation.)
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadConfig, loadConfigText } from '../src/config/load.js';
import { buildModel } from '../src/runtime/model-builder.js';
import { hasStackTrace, kerats, ROOT, tempDir } from './helpers/cli.js';

const CONFIGS = path.join(ROOT, 'configs');
/** Deliberately invalid (it demonstrates `kerats validate`'s messages). */
const SKIP = new Set(['broken.yaml']);

function configFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return configFiles(p);
    return /\.ya?ml$/.test(d.name) && !SKIP.has(d.name) ? [p] : [];
  });
}

const FILES = configFiles(CONFIGS);

test('there are configs to check, the seed models among them', () => {
  assert.ok(FILES.some((f) => f.endsWith(path.join('seeds', 'imdb-lstm.yaml'))), FILES.join(', '));
  assert.ok(FILES.length >= 10, `only ${FILES.length} configs found`);
});

for (const file of FILES) {
  const rel = path.relative(CONFIGS, file);
  test(`${rel}: the stored config.json validates and builds the same model`, async () => {
    await tf.setBackend('cpu');
    const original = await loadConfig(file);
    // Built first, as train does before it writes config.json: block arguments computed from
    // shapes (`${input.shape[-1]}`) are written into the resolved document by the model builder.
    const a = buildModel(original.model, { seed: original.seed });
    // Read back as JSON from the original's folder, so relative data paths mean the same thing.
    const stored = path.join(path.dirname(file), `${path.basename(file, path.extname(file))}.config.json`);
    const again = loadConfigText(JSON.stringify(original.resolved, null, 2), stored);
    assert.deepEqual(again.resolved, original.resolved, 'resolving a resolved config changes nothing');
    const b = buildModel(again.model, { seed: again.seed });
    try {
      assert.ok(a.countParams() > 0);
      assert.equal(b.countParams(), a.countParams());
      assert.deepEqual(b.layers.map((l) => l.getClassName()), a.layers.map((l) => l.getClassName()));
    } finally {
      a.dispose();
      b.dispose();
    }
  });
}

test('kerats validate accepts an Embedding model\'s stored config.json (exit 0)', async () => {
  const config = await loadConfig(path.join(CONFIGS, 'seeds', 'imdb-lstm.yaml'));
  const json = JSON.stringify(config.resolved, null, 2);
  assert.match(json, /"embeddings_initializer": "uniform"/); // Keras's own default, written out
  const dir = tempDir();
  const file = path.join(dir, 'config.json');
  writeFileSync(file, json);
  const r = await kerats(['validate', file]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.ok(!hasStackTrace(r.stderr));
});
