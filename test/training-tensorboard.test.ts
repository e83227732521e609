/**
 * TensorBoard's histogram_freq, write_graph and write_steps_per_second, read back from the event
 * files by an independent TFRecord / protobuf reader (CRCs checked bit by bit).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { train } from '../src/runtime/training/trainer.js';
import { protoFields as fields, tfRecords } from './helpers/tfrecord.js';

interface Histo {
  min: number;
  max: number;
  num: number;
  sum: number;
  limits: number[];
  counts: number[];
}
interface Value {
  tag: string;
  simple?: number;
  histo?: Histo;
  plugin?: string;
  strings?: string[];
  dtype?: number;
}
interface Event {
  step: number;
  fileVersion?: string;
  values: Value[];
}

const doubles = (b: Buffer) => Array.from({ length: b.length / 8 }, (_, k) => b.readDoubleLE(8 * k));

function readEvents(file: string): Event[] {
  const out: Event[] = [];
  for (const data of tfRecords(fs.readFileSync(file))) {
    const ev: Event = { step: 0, values: [] };
    for (const f of fields(data)) {
      if (f.no === 2) ev.step = f.int;
      else if (f.no === 3) ev.fileVersion = f.buf.toString('utf8');
      else if (f.no === 5) {
        for (const v of fields(f.buf).filter((g) => g.no === 1)) {
          const value: Value = { tag: '' };
          for (const g of fields(v.buf)) {
            if (g.no === 1) value.tag = g.buf.toString('utf8');
            else if (g.no === 2) value.simple = g.buf.readFloatLE(0);
            else if (g.no === 5) {
              const h: Histo = { min: NaN, max: NaN, num: NaN, sum: NaN, limits: [], counts: [] };
              for (const p of fields(g.buf)) {
                if (p.no === 1) h.min = p.buf.readDoubleLE(0);
                if (p.no === 2) h.max = p.buf.readDoubleLE(0);
                if (p.no === 3) h.num = p.buf.readDoubleLE(0);
                if (p.no === 4) h.sum = p.buf.readDoubleLE(0);
                if (p.no === 6) h.limits = doubles(p.buf);
                if (p.no === 7) h.counts = doubles(p.buf);
              }
              value.histo = h;
            } else if (g.no === 8) {
              value.strings = [];
              for (const t of fields(g.buf)) {
                if (t.no === 1) value.dtype = t.int;
                if (t.no === 8) value.strings.push(t.buf.toString('utf8'));
              }
            } else if (g.no === 9) {
              const pluginData = fields(g.buf).find((m) => m.no === 1);
              const name = pluginData && fields(pluginData.buf).find((m) => m.no === 1);
              value.plugin = name?.buf.toString('utf8');
            }
          }
          ev.values.push(value);
        }
      }
    }
    out.push(ev);
  }
  return out;
}

function eventFile(dir: string): string {
  const files = fs.readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents.'));
  assert.equal(files.length, 1);
  return path.join(dir, files[0] ?? '');
}

describe('TensorBoard histogram_freq, write_graph, write_steps_per_second', () => {
  before(async () => {
    await tf.setBackend('wasm');
  });

  it('writes weight histograms every histogram_freq epochs whose buckets count every weight, the model JSON and steps per second', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kerats-tb-hist-'));
    const x = tf.randomUniform([24, 2], -1, 1, 'float32', 3);
    const y = tf.tensor1d(Array.from({ length: 24 }, (_, i) => i % 3));
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 5, inputShape: [2], activation: 'relu' }), tf.layers.dense({ units: 3, activation: 'softmax' })] });
    await train(model, { optimizer: { type: 'Adam', args: {} }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] }, { x, y, size: 24 }, {
      epochs: 3,
      batchSize: 8,
      shuffle: false,
      outputDir: dir,
      callbacks: [{ type: 'TensorBoard', args: { log_dir: 'tb', histogram_freq: 2, write_graph: true, write_steps_per_second: true, update_freq: 'batch' } }],
    });
    const events = readEvents(eventFile(path.join(dir, 'tb', 'train')));
    assert.equal(events[0]?.fileVersion, 'brain.Event:2');

    // write_graph: the Keras model JSON, for the Graphs dashboard's conceptual graph.
    const graph = events.flatMap((e) => e.values).find((v) => v.tag === 'keras');
    assert.equal(graph?.plugin, 'graph_keras_model');
    assert.equal(graph?.dtype, 7, 'DT_STRING');
    const json = JSON.parse(graph?.strings?.[0] ?? '{}') as { class_name: string; config: { layers: unknown[] } };
    assert.equal(json.class_name, 'Sequential');
    assert.equal(json.config.layers.length, 2);

    // histogram_freq 2: epochs 0 and 2 (epoch % 2 == 0, as Keras), not epoch 1.
    const histEvents = events.filter((e) => e.values.some((v) => v.histo));
    assert.deepEqual(histEvents.map((e) => e.step), [0, 2]);
    const finalWeights = model.weights.map((w) => ({ name: w.name, values: Array.from(w.read().dataSync()) }));
    assert.equal(finalWeights.length, 4);
    for (const e of histEvents) {
      assert.deepEqual(e.values.map((v) => v.tag).sort(), finalWeights.map((w) => `${w.name}/histogram`).sort());
      for (const v of e.values) {
        const h = v.histo as Histo;
        const size = finalWeights.find((w) => `${w.name}/histogram` === v.tag)?.values.length;
        assert.equal(h.counts.reduce((a, b) => a + b, 0), size, `${v.tag}: bucket counts add up to the number of weights`);
        assert.equal(h.num, size);
        assert.equal(h.limits.length, h.counts.length);
        assert.equal(h.limits[h.limits.length - 1], h.max);
      }
    }
    // The last histogram is of the final weights: min, max, sum and each bucket's count, by
    // HistogramProto's rule (bucket i holds values in (limit[i-1], limit[i]]).
    for (const v of histEvents[1]?.values ?? []) {
      const h = v.histo as Histo;
      const values = finalWeights.find((w) => `${w.name}/histogram` === v.tag)?.values ?? [];
      assert.equal(h.min, Math.min(...values));
      assert.equal(h.max, Math.max(...values));
      assert.ok(Math.abs(h.sum - values.reduce((a, b) => a + b, 0)) < 1e-9);
      const counts = h.limits.map((lim, i) => values.filter((x) => x <= lim && (i === 0 || x > (h.limits[i - 1] ?? -Infinity))).length);
      assert.deepEqual(h.counts, counts, v.tag);
      if (h.max > h.min) assert.equal(h.counts.length, 30);
    }

    // write_steps_per_second: per epoch and with the batch scalars.
    const epochRate = events.filter((e) => e.values.some((v) => v.tag === 'epoch_loss')).map((e) => e.values.find((v) => v.tag === 'epoch_steps_per_second')?.simple);
    assert.equal(epochRate.length, 3);
    for (const r of epochRate) assert.ok(r !== undefined && r > 0, `epoch_steps_per_second ${r}`);
    const batchEvents = events.filter((e) => e.values.some((v) => v.tag === 'batch_loss'));
    assert.equal(batchEvents.length, 9);
    for (const e of batchEvents) assert.ok((e.values.find((v) => v.tag === 'batch_steps_per_second')?.simple ?? 0) > 0);

    fs.rmSync(dir, { recursive: true });
    tf.dispose([x, y]);
    model.dispose();
  });

  it('histogram_freq 0, write_graph false and no write_steps_per_second write scalars only', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kerats-tb-plain-'));
    const x = tf.tensor2d([0, 1, 2, 3], [4, 1]);
    const y = tf.tensor2d([0, 2, 4, 6], [4, 1]);
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
    await train(model, { optimizer: { type: 'SGD', args: {} }, loss: 'mse', metrics: [] }, { x, y, size: 4 }, {
      epochs: 2,
      batchSize: 2,
      shuffle: false,
      outputDir: dir,
      callbacks: [{ type: 'TensorBoard', args: { log_dir: 'tb', write_graph: false } }],
    });
    const values = readEvents(eventFile(path.join(dir, 'tb', 'train'))).flatMap((e) => e.values);
    assert.ok(values.length > 0);
    assert.ok(values.every((v) => v.simple !== undefined && !v.histo && v.tag.startsWith('epoch_') && v.tag !== 'epoch_steps_per_second'));
    fs.rmSync(dir, { recursive: true });
    tf.dispose([x, y]);
    model.dispose();
  });
});
