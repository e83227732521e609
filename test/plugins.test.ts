/** `plugins:` load user layer modules only with --allow-plugins. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hasStackTrace, kerats, ROOT, tempDir } from './helpers/cli.js';

const FIX = path.join(ROOT, 'test', 'fixtures', 'plugins');

describe('plugins', () => {
  it('without --allow-plugins: ConfigError at the plugins entry, exit 2, no stack trace', async () => {
    const r = await kerats(['validate', path.join(FIX, 'plugin-config.yaml')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /plugin-config\.yaml:3:5: error: plugins are code; pass --allow-plugins to load "\.\/my_layers\.js"/);
    assert.ok(!hasStackTrace(r.stderr));
  });

  it('with --allow-plugins: the plugin\'s layer is usable in the config and trains into a loadable run', async () => {
    const v = await kerats(['validate', path.join(FIX, 'plugin-config.yaml'), '--allow-plugins', '--json']);
    assert.equal(v.code, 0, v.stderr);
    // Dense(4 -> 3) = 15 parameters; Scale adds none
    assert.equal((JSON.parse(v.stdout) as { total_params: number }).total_params, 15);

    const dir = tempDir();
    copyFileSync(path.join(FIX, 'my_layers.js'), path.join(dir, 'my_layers.js'));
    writeFileSync(path.join(dir, 'cfg.yaml'), [
      'name: plugged',
      'seed: 1',
      'plugins: [./my_layers.js]',
      'data: {train: {synthetic: {samples: 32, x_shape: [4], y_shape: [1]}}}',
      'model:',
      '  input_shape: [4]',
      '  layers: [{Dense: 1}, {Scale: {factor: 3}}]',
      'compile: {loss: mse}',
      'fit: {epochs: 1, batch_size: 16}',
      '',
    ].join('\n'));
    const t = await kerats(['train', path.join(dir, 'cfg.yaml'), '--allow-plugins', '-o', path.join(dir, 'run'), '--quiet']);
    assert.equal(t.code, 0, t.stderr);
    const model = JSON.parse((await import('node:fs')).readFileSync(path.join(dir, 'run', 'model.json'), 'utf8')) as { modelTopology: { config: { layers: { class_name: string; config: { factor?: number } }[] } } };
    const scale = model.modelTopology.config.layers.find((l) => l.class_name === 'Scale');
    assert.equal(scale?.config.factor, 3);
  });

  it('a missing plugin file is a ConfigError naming it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cfg.yaml');
    writeFileSync(file, 'plugins: [./nope.js]\nmodel: {input_shape: [2], layers: [{Dense: 1}]}\ncompile: {loss: mse}\n');
    const r = await kerats(['validate', file, '--allow-plugins']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /cfg\.yaml:1:11: error: cannot load plugin "\.\/nope\.js": no such file/);
    assert.ok(!hasStackTrace(r.stderr));
  });
});
