/** `kerats plot-model`: the graph of a model as SVG, Graphviz DOT or Mermaid, with shapes. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '../src/config/load.js';
import { buildModel } from '../src/runtime/model-builder.js';
import { plotGraph, toDot, toMermaid, toSvg } from '../src/runtime/graph/plot.js';
import { hasStackTrace, kerats, ROOT, tempDir } from './helpers/cli.js';

const HEADLINE = path.join(ROOT, 'configs', 'seeds', 'headline-multi-io.yaml');

test('the headline model\'s graph: 10 layers, the concatenation fed by the LSTM and the aux input', async () => {
  await tf.setBackend('cpu');
  const config = await loadConfig(HEADLINE);
  const model = buildModel(config.model, { seed: 1 });
  const g = plotGraph(model);
  model.dispose();
  assert.equal(g.nodes.length, 10);
  const id = (name: string): string => g.nodes.find((n) => n.name === name)?.id ?? '?';
  const into = (name: string): string[] => g.edges.filter(([, b]) => b === id(name)).map(([a]) => g.nodes.find((n) => n.id === a)?.name ?? '?').sort();
  assert.deepEqual(into('concatenate'), ['aux_input', 'lstm_out']);
  assert.deepEqual(into('aux_output'), ['lstm_out']);
  assert.equal(g.nodes.find((n) => n.name === 'concatenate')?.output, '(None, 37)');
  assert.equal(g.edges.length, 9);

  const dot = toDot(g);
  assert.match(dot, new RegExp(`${id('lstm_out')} -> ${id('concatenate')};`));
  assert.match(dot, /embedding \(Embedding\)\|input: \(None, 100\)\|output: \(None, 100, 512\)/);
  const mmd = toMermaid(g, false);
  assert.match(mmd, /^flowchart TB/);
  assert.doesNotMatch(mmd, /output:/);
  const svg = toSvg(g);
  assert.equal((svg.match(/<g class="layer"/g) ?? []).length, 10);
  assert.equal((svg.match(/<line class="edge"/g) ?? []).length, 9);
  // The main output sits below the LSTM: rows follow the graph's depth.
  const y = (name: string): number => Number(new RegExp(`<g class="layer" id="${name}"><rect x="[\\d.]+" y="(\\d+)"`).exec(svg)?.[1]);
  assert.ok(y('main_output') > y('lstm_out') && y('lstm_out') > y('main_input'));
});

test('kerats plot-model writes .svg, .dot and .mmd; another extension is exit 2', async () => {
  const dir = tempDir('kerats-plot-');
  for (const ext of ['svg', 'dot', 'mmd']) {
    const file = path.join(dir, `m.${ext}`);
    const r = await kerats(['plot-model', path.join(ROOT, 'configs', 'seeds', 'dnn-mnist.yaml'), '-o', file, '--backend', 'cpu']);
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(file, 'utf8');
    // A Sequential model is drawn from its input, as Keras draws it.
    assert.match(text, /flatten_input \(InputLayer\)|flatten_input/);
    assert.match(text, /dense_2 \(Dense\)/);
  }
  const bad = await kerats(['plot-model', HEADLINE, '-o', path.join(dir, 'm.png')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /use \.svg, \.dot or \.mmd/);
  assert.ok(!hasStackTrace(bad.stderr));
});
