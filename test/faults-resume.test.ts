/**
 * Resume bookkeeping (issue 19): after kill-and-resume every closing line, event and file counts
 * the whole run's epochs (checked against metrics.json); partial folders of runs that died before
 * their first checkpoint are removed by `--resume auto` and by `kerats clean`, never one a live
 * process owns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kerats, tempDir, trainAndKill, writeIrisConfig } from './helpers/cli.js';

const tmp = tempDir();

/** A pid no process has now: one that just exited. */
async function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => p.on('close', resolve));
  return p.pid ?? 999_999;
}

/** A partial folder as a run killed before its first checkpoint leaves it. */
function deadPartial(parent: string, name: string, pid: number): string {
  const dir = path.join(parent, name);
  mkdirSync(path.join(dir, 'checkpoints', '.last.tmp-x'), { recursive: true });
  writeFileSync(path.join(dir, 'RUNNING.json'), JSON.stringify({ pid, host: os.hostname(), target: path.join(parent, 'x'), explicit: true, started_at: '2026-01-01T00:00:00Z', command: [] }));
  return dir;
}

interface Ev {
  event: string;
  epoch?: number;
  epochs_completed?: number;
}

test('after kill-and-resume, the closing line, the events and metrics.json all give the run\'s true epoch', async () => {
  // EarlyStopping that can only fire after the resume: monitoring starts at epoch 4, and no epoch improves the loss by 10.
  const cfg = writeIrisConfig(path.join(tmp, 'early.yaml'), {
    name: 'early',
    seed: 11,
    units: 8,
    epochs: 12,
    batchSize: 16,
    callbacks: ['- EarlyStopping: {monitor: loss, patience: 1, min_delta: 10, start_from_epoch: 4}'],
  });
  const out = path.join(tmp, 'early');
  const killed = await trainAndKill([cfg, '--out', out], tmp, 2, 'SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');
  const r = await kerats(['train', cfg, '--out', out, '--resume', 'auto', '--events'], { cwd: tmp });
  assert.equal(r.code, 0, r.stderr);
  const resumedFrom = Number(/from the checkpoint after epoch (\d+)/.exec(r.stderr)?.[1]);
  assert.ok(resumedFrom >= 2, r.stderr);
  const metrics = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')) as { epochs_completed: number };
  const history = JSON.parse(readFileSync(path.join(out, 'history.json'), 'utf8')) as { loss: number[] };
  const n = metrics.epochs_completed;
  assert.ok(n > resumedFrom && n < 12, `stopped early after the resume (epoch ${n})`);
  assert.equal(history.loss.length, n, 'history.json has every epoch of the run');
  assert.match(r.stderr, new RegExp(`Stopped early at epoch ${n}/12:`), r.stderr);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Ev);
  assert.deepEqual(events.filter((e) => e.event === 'early_stop').map((e) => e.epoch), [n]);
  assert.equal(events.find((e) => e.event === 'done')?.epochs_completed, n);
  const epochEnds = events.filter((e) => e.event === 'epoch_end').map((e) => e.epoch);
  assert.deepEqual(epochEnds, Array.from({ length: n - resumedFrom }, (_, i) => resumedFrom + 1 + i), 'epoch_end events number the run\'s epochs');
});

test('--resume auto reports and removes dead partial folders of the run, and keeps a live one', async () => {
  const cfg = writeIrisConfig(path.join(tmp, 'auto.yaml'), { name: 'auto', seed: 1, units: 4, epochs: 1, batchSize: 32 });
  const parent = path.join(tmp, 'autoparent');
  mkdirSync(parent);
  const dead = deadPartial(parent, '.run.partial-dead01', await deadPid());
  // A partial folder whose process is alive (this test process): not ours to touch.
  const live = deadPartial(parent, '.run.partial-live01', process.pid);
  const r = await kerats(['train', cfg, '--out', path.join(parent, 'run'), '--resume', 'auto'], { cwd: tmp });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout + r.stderr, /--resume auto: removed autoparent\/\.run\.partial-dead01 \(unfinished run without a checkpoint \(process \d+ that wrote it is gone\)/);
  assert.ok(!existsSync(dead));
  assert.ok(existsSync(live), 'a live process\'s partial folder stays');
  assert.ok(existsSync(path.join(parent, 'run', 'model.json')));
});

test('kerats clean removes dead partials, stale locks and temporaries; lists resumable runs; touches nothing live', async () => {
  const runs = path.join(tmp, 'cleanruns');
  const iris = path.join(runs, 'iris');
  mkdirSync(iris, { recursive: true });
  const pid = await deadPid();
  const dead = deadPartial(iris, '.20260101-000000-000.partial-aaaaaa', pid);
  const live = deadPartial(iris, '.20260101-000000-001.partial-bbbbbb', process.pid);
  const staleLock = path.join(iris, '.20260101-000000-002.lock');
  writeFileSync(staleLock, JSON.stringify({ pid, host: os.hostname(), started_at: 'x', command: [] }));
  const liveLock = path.join(iris, '.20260101-000000-003.lock');
  writeFileSync(liveLock, JSON.stringify({ pid: process.pid, host: os.hostname(), started_at: 'x', command: [] }));
  const tmpFile = path.join(iris, `.history.json.${pid}.1700000000000.tmp`);
  writeFileSync(tmpFile, '{');
  // A resumable run: killed after its first epoch.
  const cfg = writeIrisConfig(path.join(tmp, 'clean.yaml'), { name: 'iris', seed: 2, units: 4, epochs: 30, batchSize: 16 });
  const killed = await trainAndKill([cfg, '--runs', runs], tmp, 1, 'SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');
  const resumable = readdirSync(iris).filter((n) => n.includes('.partial-') && ![path.basename(dead), path.basename(live)].includes(n));
  assert.equal(resumable.length, 1);

  const dry = await kerats(['clean', runs, '--dry-run'], { cwd: tmp });
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /would remove .*partial-aaaaaa/);
  assert.ok(existsSync(dead), '--dry-run removes nothing');

  const r = await kerats(['clean', runs, '--json'], { cwd: tmp });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { removed: { kind: string; path: string }[]; kept: { kind: string; path: string; resume: string }[] };
  const removed = doc.removed.map((x) => path.basename(x.path)).sort();
  const stale = doc.removed.filter((x) => x.kind === 'stale-lock').map((x) => path.basename(x.path));
  assert.ok(removed.includes(path.basename(dead)) && removed.includes(path.basename(staleLock)) && removed.includes(path.basename(tmpFile)), removed.join(', '));
  assert.ok(stale.length >= 1);
  assert.ok(!existsSync(dead) && !existsSync(staleLock) && !existsSync(tmpFile));
  assert.ok(existsSync(live) && existsSync(liveLock), 'nothing a live process owns is removed');
  assert.deepEqual(doc.kept.map((k) => path.basename(k.path)), resumable);
  assert.match(doc.kept[0]?.resume ?? '', /^kerats train --resume /);
  assert.ok(existsSync(path.join(iris, resumable[0] ?? '')), 'a resumable run is kept without --resumable');

  const all = await kerats(['clean', runs, '--resumable'], { cwd: tmp });
  assert.equal(all.code, 0, all.stderr);
  assert.ok(!existsSync(path.join(iris, resumable[0] ?? '')));
});
