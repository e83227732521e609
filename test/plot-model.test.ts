/** `kerats plot-model`: the graph of a model as SVG, Graphviz DOT or Mermaid, with shapes. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '../src/config/load.js';
import { buildModel } from '../src/runtime/model-builder.js';
import { plotGraph, toDot, toMermaid, toSvg } from '../src/runtime/graph/plot.js';
import { edgesThroughBoxes, layoutGraph } from '../src/runtime/graph/layout.js';
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
  const svg = await toSvg(g);
  assert.equal((svg.match(/<g class="layer"/g) ?? []).length, 10);
  assert.equal((svg.match(/<path class="edge"/g) ?? []).length, 9);
  // The main output sits below the LSTM: rows follow the graph's depth.
  const y = (name: string): number => Number(new RegExp(`<g class="layer" id="${name}"><rect x="[\\d.]+" y="([\\d.]+)"`).exec(svg)?.[1]);
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
  const bad = await kerats(['plot-model', HEADLINE, '-o', path.join(dir, 'm.jpg')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /use \.svg, \.png, \.dot or \.mmd/);
  assert.ok(!hasStackTrace(bad.stderr));
});

async function graphOf(config: string) {
  await tf.setBackend('cpu');
  const model = buildModel((await loadConfig(path.join(ROOT, 'configs', config))).model, { seed: 1 });
  const g = plotGraph(model);
  model.dispose();
  return g;
}

test('layout: no edge of the multi-input or the Transformer model passes through a box; every edge is drawn', async () => {
  for (const config of ['seeds/headline-multi-io.yaml', 'seeds/transformer.yaml']) {
    const g = await graphOf(config);
    const layout = await layoutGraph(g, true);
    assert.equal(layout.edges.length, g.edges.length, config);
    assert.deepEqual(edgesThroughBoxes(layout), [], config);
    for (const e of layout.edges) {
      assert.ok(e.points.length >= 2, `${config}: ${e.from}->${e.to} has a path`);
      // Each edge starts on its source box's border and ends on its target's.
      const box = (id: string) => layout.boxes.find((b) => b.id === id);
      const [first, last] = [e.points[0], e.points[e.points.length - 1]];
      const onBorder = (p: { x: number; y: number } | undefined, b: { x: number; y: number; w: number; h: number } | undefined) =>
        !!p && !!b && p.x >= b.x - 1 && p.x <= b.x + b.w + 1 && p.y >= b.y - 1 && p.y <= b.y + b.h + 1;
      assert.ok(onBorder(first, box(e.from)) && onBorder(last, box(e.to)), `${config}: ${e.from}->${e.to} joins its boxes`);
    }
    // No two boxes overlap.
    for (const a of layout.boxes) for (const b of layout.boxes) {
      if (a === b) continue;
      assert.ok(a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y, `${config}: ${a.id} and ${b.id} overlap`);
    }
  }
  // The checker itself finds an edge drawn straight through a box.
  const crossing = { width: 100, height: 100, boxes: [{ id: 'a', x: 0, y: 0, w: 10, h: 10 }, { id: 'm', x: 0, y: 40, w: 50, h: 10 }, { id: 'b', x: 0, y: 80, w: 10, h: 10 }], edges: [{ from: 'a', to: 'b', points: [{ x: 5, y: 10 }, { x: 5, y: 80 }] }] };
  assert.deepEqual(edgesThroughBoxes(crossing), [{ edge: 'a->b', box: 'm' }]);
});

test('every node has its shapes (iris: the first Dense shows its input), and -o x.png writes a PNG', async () => {
  const g = await graphOf('iris.yaml');
  for (const n of g.nodes) {
    assert.doesNotMatch(n.input, /\?/, `${n.name} input`);
    assert.doesNotMatch(n.output, /\?/, `${n.name} output`);
  }
  assert.equal(g.nodes.find((n) => n.type === 'Dense')?.input, '(None, 4)');
  const file = path.join(tempDir('kerats-plot-'), 'iris.png');
  const r = await kerats(['plot-model', path.join(ROOT, 'configs', 'iris.yaml'), '-o', file, '--backend', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([...readFileSync(file).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
});
