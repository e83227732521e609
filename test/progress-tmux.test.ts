/**
 * The live progress line in a real terminal (tmux, 80 columns): it shows the step count, the ETA,
 * the loss and every metric (abbreviated where needed) and is never cut or wrapped; the epoch's
 * final line keeps every number, validation included.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { BIN, tempDir } from './helpers/cli.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const COLUMNS = 80;

// The loss and three metrics with long names on a long epoch (600 batches), so the live line is seen mid-epoch.
const CONFIG = `name: wide
seed: 1
data:
  train: {synthetic: {samples: 3000, x_shape: [6], classes: 6, seed: 4}}
  validation_split: 0.2
model:
  input_shape: [6]
  layers:
    - Dense: {units: 16, activation: relu}
    - Dense: {units: 6, activation: softmax}
compile:
  optimizer: adam
  loss: sparse_categorical_crossentropy
  metrics: [accuracy, sparse_top_k_categorical_accuracy, sparse_categorical_accuracy]
fit: {epochs: 2, batch_size: 4}
`;
const METRICS = ['loss', 'acc', 'sp_topk_cat_acc', 'sp_cat_acc'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('progress in an 80-column terminal', { skip: hasTmux ? false : 'tmux is not installed (apt-get install tmux)' }, () => {
  const dir = tempDir();
  const socket = `kerats-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  after(() => spawnSync('tmux', ['-L', socket, 'kill-server']));

  it('the live line has the ETA, the loss and every metric, and no line is cut or wider than the terminal', async () => {
    const file = path.join(dir, 'wide.yaml');
    writeFileSync(file, CONFIG);
    const command = `cd ${dir} && NO_COLOR=1 ${process.execPath} ${BIN} train ${file} --runs runs; echo EXIT=$?; sleep 600`;
    tmux('new-session', '-d', '-s', 'k', '-x', String(COLUMNS), '-y', '40', command);
    let live: string | undefined;
    let screen = '';
    for (let i = 0; i < 1200 && !screen.includes('EXIT='); i++) {
      screen = tmux('capture-pane', '-p', '-t', 'k');
      live ??= screen.split('\n').find((l) => /ETA \d/.test(l));
      await sleep(live ? 250 : 50);
    }
    assert.match(screen, /EXIT=0/, screen);
    assert.ok(live, `a live line with an ETA was on screen:\n${screen}`);
    assert.ok(live.length <= COLUMNS, live);
    for (const m of METRICS) assert.match(live, new RegExp(`(^| )${m}(: |=)\\d\\.\\d{4}( |$)`), `"${m}" in the live line: ${live}`);
    assert.match(live, /^\s*\d+\/600 /, live);

    const rows = screen.split('\n');
    for (const r of rows) assert.ok(r.length <= COLUMNS, `row wider than the terminal: ${r}`);
    // Each epoch's final lines (its row and any indented continuation) hold every number, validation included.
    const at = rows.findIndex((r) => r.startsWith('Epoch 2/2'));
    const finalText = rows.slice(at + 1, at + 4).join(' ');
    for (const m of METRICS) {
      assert.match(finalText, new RegExp(` ${m}: \\d\\.\\d{4}`), finalText);
      assert.match(finalText, new RegExp(` val_${m}: \\d\\.\\d{4}`), finalText);
    }
    assert.match(finalText, /^600\/600 /);
  });
});
