/**
 * No Keras argument is dropped silently. For every layer in the registry, every argument Keras 3
 * gives its class (src/registry/keras-arguments.json, read from the real Keras by
 * scripts/keras-arguments.py) is either supported with Keras's default, or refused by name when
 * set to anything else — in a config and in a Keras to_json() file.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { layers } from '../src/registry/layers/index.js';
import { KERAS_ARGUMENTS_VERSION, kerasArguments, kerasClassOf, sameValue, unsupportedKerasArgs } from '../src/registry/keras-arguments.js';
import { COMMON_LAYER_ARGS } from '../src/registry/layers/common.js';
import { loadConfigText } from '../src/config/load.js';
import { ConfigError } from '../src/util/errors.js';
import { modelFromKerasDoc, modelFromKerasJson } from '../src/saving/keras-json/index.js';
import { kerats, ROOT } from './helpers/cli.js';

/** Registry layers with no Keras 3 class (Keras 2 layers kerats keeps). */
const NOT_IN_KERAS_3 = ['ThresholdedReLU', 'LocallyConnected1D', 'LocallyConnected2D'];

/** Where kerats is stricter or wider than Keras's signature, and why. */
const DEFAULT_EXCEPTIONS: Record<string, string> = {
  // Keras's signature says None, but Keras raises without it.
  'CategoryEncoding.num_tokens': 'Keras raises "num_tokens must be set" without it',
  // kerats also accepts `model: NAME` (a model under models:) instead of `layer`.
  'TimeDistributed.layer': 'or `model:`',
};

/** All error messages a config text gives (none when it loads). */
function problemsOf(doc: unknown): string[] {
  try {
    loadConfigText(JSON.stringify(doc), 'model.json');
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split('\n');
    throw e;
  }
}

const configWith = (layer: string, args: Record<string, unknown>): unknown => ({
  model: { input_shape: [4], layers: [{ [layer]: args }] },
  compile: { optimizer: 'adam', loss: 'mse' },
});

/** A value no Keras default equals. */
function otherValue(defaults: unknown[]): unknown {
  if (defaults.some((d) => typeof d === 'boolean')) return !defaults.find((d) => typeof d === 'boolean');
  return 123456;
}

before(async () => {
  await tf.setBackend('cpu');
});

test(`the table was read from Keras 3 (${KERAS_ARGUMENTS_VERSION})`, () => {
  assert.match(KERAS_ARGUMENTS_VERSION, /^3\./);
  assert.ok(kerasArguments('Dense')?.units?.required);
});

test('every registry layer is a Keras 3 layer, except the Keras 2 ones kerats keeps', () => {
  const missing = layers.all().filter((e) => !kerasClassOf(e)).map((e) => e.name).sort();
  assert.deepEqual(missing, [...NOT_IN_KERAS_3].sort());
});

describe('each Keras argument of each layer: supported with Keras\'s default, or refused by name', () => {
  for (const entry of layers.all()) {
    const cls = kerasClassOf(entry);
    if (!cls) continue;
    test(`${entry.name} (Keras ${cls})`, () => {
      const args = kerasArguments(cls) ?? {};
      const unsupported = unsupportedKerasArgs(entry);
      for (const [name, k] of Object.entries(args)) {
        const own = entry.args[name];
        if (own && `${entry.name}.${name}` in DEFAULT_EXCEPTIONS) continue;
        if (own) {
          if (k.required) {
            // Keras requires it; kerats requires it too, or fills a documented default.
            assert.ok(own.required || own.default !== undefined, `${entry.name}.${name}: required in Keras`);
          } else {
            assert.ok(!own.required, `${entry.name}.${name} is optional in Keras`);
            assert.ok(k.defaults.some((d) => sameValue(d, own.default ?? null)),
              `${entry.name}.${name}: kerats default ${JSON.stringify(own.default)}, Keras ${JSON.stringify(k.defaults)}`);
          }
          continue;
        }
        if (name in COMMON_LAYER_ARGS) continue;
        const u = unsupported[name];
        assert.ok(u, `${entry.name}.${name} is neither supported nor refused`);
        const bad = problemsOf(configWith(entry.name, { [name]: otherValue(k.defaults) }));
        assert.ok(bad.some((m) => m.includes(`Keras argument "${name}" is not supported`)),
          `${entry.name}.${name}=${JSON.stringify(otherValue(k.defaults))} should be refused by name, got ${bad.join(' | ')}`);
        for (const d of k.defaults) {
          const ok = problemsOf(configWith(entry.name, { [name]: d }));
          assert.ok(!ok.some((m) => m.includes(`"${name}"`)), `${entry.name}.${name}=${JSON.stringify(d)} is Keras's default: ${ok.join(' | ')}`);
        }
      }
    });
  }
});

describe('Keras to_json() files', () => {
  const FIX = path.join(ROOT, 'test', 'fixtures', 'keras3');

  test('the keras-io timeseries Transformer (GlobalAveragePooling1D channels_first) has Keras\'s 93,130 parameters', async () => {
    const m = await modelFromKerasJson(path.join(FIX, 'timeseries-transformer.json'));
    assert.equal(m.countParams(), 93_130);
    const pool = m.layers.find((l) => l.getClassName() === 'GlobalAveragePooling1D');
    // Pooled over the features of (500, 1): one value per step, as Keras.
    assert.deepEqual(pool?.outputShape, [null, 500]);
    assert.deepEqual(m.outputs[0]?.shape, [null, 2]);
  });

  test('a Keras argument kerats cannot honour is refused by name, not dropped', async () => {
    const doc = {
      class_name: 'Sequential',
      config: {
        name: 's',
        layers: [
          { class_name: 'InputLayer', config: { batch_shape: [null, 8], name: 'in' } },
          { class_name: 'Dense', config: { name: 'd', units: 4, lora_rank: 2 } },
        ],
      },
    };
    await assert.rejects(modelFromKerasDoc(doc), /Keras layer "d" \(Dense\): Keras argument "lora_rank" is not supported by kerats .*got 2/);
    // Its default is what kerats computes anyway.
    const ok = structuredClone(doc);
    (ok.config.layers[1]?.config as Record<string, unknown>).lora_rank = null;
    assert.equal((await modelFromKerasDoc(ok)).countParams(), 36);
  });

  test('kerats summary on it exits 2 naming the argument', async () => {
    const r = await kerats(['summary', path.join(FIX, 'timeseries-transformer.json'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { total_params: number }).total_params, 93_130);
  });
});

describe('refused in a config, with the line and the fix', () => {
  test('Dense lora_rank', async () => {
    const msgs = problemsOf(configWith('Dense', { units: 2, lora_rank: 4 }));
    assert.equal(msgs.length, 1, msgs.join('\n'));
    assert.match(msgs[0] ?? '', /model\.json:\d+:\d+: .*Dense: Keras argument "lora_rank" is not supported by kerats \(LoRA.*\); got 4, only Keras's default null is accepted/);
  });
});
