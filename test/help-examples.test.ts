/**
 * What a new user pastes: every help example naming `runs/iris/latest` works after
 * `kerats train configs/iris.yaml` (the `latest` link is real), and `train --events` ends the
 * stream with an `error` event when the config is wrong.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { buildProgram } from '../src/cli/main.js';
import { hasStackTrace, kerats, ROOT, tempDir } from './helpers/cli.js';
import { runMain } from './helpers/main-in-process.js';

/** Every `$ kerats ...` line of every command's --help. */
function helpExamples(): string[] {
  const program = buildProgram();
  const lines: string[] = [];
  for (const cmd of program.commands) {
    let text = '';
    const sink = new Writable({ write: (c: Buffer | string, _e, done) => ((text += c.toString()), done()) });
    cmd.configureOutput({ writeOut: (s) => sink.write(s), writeErr: (s) => sink.write(s) });
    cmd.outputHelp();
    for (const m of text.matchAll(/^\s+\$ (kerats .+)$/gm)) lines.push(m[1] as string);
  }
  return lines;
}

describe('help examples', () => {
  it('every example naming runs/iris/ runs as printed after kerats train configs/iris.yaml', async () => {
    const examples = helpExamples().filter((e) => e.includes('runs/iris/'));
    assert.ok(examples.length >= 5, examples.join('\n'));
    // A user's checkout: configs/iris.yaml reads ../data/iris.csv.
    const dir = tempDir();
    mkdirSync(path.join(dir, 'configs'));
    mkdirSync(path.join(dir, 'data'));
    copyFileSync(path.join(ROOT, 'configs', 'iris.yaml'), path.join(dir, 'configs', 'iris.yaml'));
    copyFileSync(path.join(ROOT, 'data', 'iris.csv'), path.join(dir, 'data', 'iris.csv'));
    const first = await kerats(['train', 'configs/iris.yaml', '--set', 'fit.epochs=2', '--json'], { cwd: dir });
    assert.equal(first.code, 0, first.stderr);
    const second = await kerats(['train', 'configs/iris.yaml', '--set', 'fit.epochs=3', '--json'], { cwd: dir });
    assert.equal(second.code, 0, second.stderr);
    const newest = (JSON.parse(second.stdout) as { run_dir: string }).run_dir;
    // latest: a relative link to the newest finished run.
    assert.equal(readlinkSync(path.join(dir, 'runs', 'iris', 'latest')), path.basename(newest));
    assert.equal(realpathSync(path.join(dir, 'runs', 'iris', 'latest')), realpathSync(newest));
    writeFileSync(path.join(dir, 'rows.csv'), 'id,sepal_length,sepal_width,petal_length,petal_width\n1,5.1,3.5,1.4,0.2\n');

    const env = { NO_COLOR: '1', GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md') };
    let viaShell = 0;
    for (const example of examples) {
      let run: { status: number | null; stderr: string };
      // Shell pipes, redirections and globs (and the first example): through sh, with this checkout's
      // binary as `kerats`. The other examples are plain words: the CLI's main in this process, in
      // the same folder, runs them with the same arguments without a Node and TensorFlow.js start-up each.
      if (viaShell === 0 || /[|<>*?$"'`;&]/.test(example)) {
        viaShell++;
        const shell = example.replace(/\bkerats\b/g, `${process.execPath} ${path.join(ROOT, 'bin', 'kerats.js')}`).replace(/\| jq \S+/, '> /dev/null');
        run = spawnSync('sh', ['-c', shell], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
      } else {
        const cwd = process.cwd();
        process.chdir(dir);
        try {
          const r = await runMain(example.split(/\s+/).slice(1), env);
          run = { status: r.code, stderr: r.stderr };
        } finally {
          process.chdir(cwd);
        }
      }
      // A quality gate may be missed by a 3-epoch model: exit 3 with the gate's verdict is the example working.
      const gated = /--fail-(under|over)/.test(example) && run.status === 3 && /quality gate failed: .* required /.test(run.stderr);
      assert.ok(run.status === 0 || gated, `${example}\nexit ${run.status}\n${run.stderr}`);
      assert.ok(!hasStackTrace(run.stderr), example);
    }
    assert.ok(viaShell >= 3 && viaShell < examples.length, `${viaShell} of ${examples.length} examples through sh`);
  });

  it('train --events with a config error ends the stream with an error event (exit 2)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'name: bad\nmodel:\n  input_shape: [4]\n  layers:\n    - Dense: {units: x}\ncompile: {optimizer: adam, loss: mse}\n');
    const r = await kerats(['train', file, '--events'], { cwd: dir });
    assert.equal(r.code, 2);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; exit_code: number; errors: { message: string; line?: number }[] });
    assert.equal(events.length, 1);
    assert.equal(events[0]?.event, 'error');
    assert.equal(events[0]?.exit_code, 2);
    assert.equal(events[0]?.errors[0]?.line, 5);
    assert.match(events[0]?.errors[0]?.message ?? '', /units/);
    assert.match(r.stderr, /bad\.yaml:5:\d+: error:/);
  });
});
